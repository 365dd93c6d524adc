package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExitCodesTest {

  @Test
  void documentedStatusCodes() {
    assertEquals(0, ExitCodes.of(Status.Code.OK));
    assertEquals(2, ExitCodes.of(Status.Code.INVALID_ARGUMENT));
    assertEquals(3, ExitCodes.of(Status.Code.NOT_FOUND));
    assertEquals(4, ExitCodes.of(Status.Code.ALREADY_EXISTS));
    assertEquals(5, ExitCodes.of(Status.Code.FAILED_PRECONDITION));
    assertEquals(6, ExitCodes.of(Status.Code.DEADLINE_EXCEEDED));
    assertEquals(7, ExitCodes.of(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void everythingElseIsAGeneralError() {
    for (Status.Code code : new Status.Code[] {Status.Code.INTERNAL, Status.Code.UNAVAILABLE,
        Status.Code.UNKNOWN, Status.Code.PERMISSION_DENIED, Status.Code.CANCELLED,
        Status.Code.UNIMPLEMENTED}) {
      assertEquals(1, ExitCodes.of(code), code.name());
    }
  }

  @Test
  void fromAnException() {
    assertEquals(3, ExitCodes.of(Status.NOT_FOUND.withDescription("x").asRuntimeException()));
  }

  /** As the daemon's StatusMapper sends it: INVALID_ARGUMENT, and the reason in a google.rpc.ErrorInfo. */
  static StatusRuntimeException commandNotFound(String message) {
    return withReason(message, "COMMAND_NOT_FOUND");
  }

  private static StatusRuntimeException withReason(String message, String reason) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.INVALID_ARGUMENT.value()).setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain("conman.dev").build()))
        .build());
  }

  @Test
  void aCommandThatCannotRunExitsAsInAShell() {
    assertEquals(127, ExitCodes.of(commandNotFound("x")));
    assertEquals(126, ExitCodes.of(withReason("x", "COMMAND_NOT_EXECUTABLE")));
    assertEquals(2, ExitCodes.of(withReason("x", "SOMETHING_NEWER")), "an unknown reason: the code stands");
  }

  @Test
  void theUsageTableListsEveryCode() {
    Map<String, String> table = ExitCodes.table();
    for (int code : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 125, 126, 127, 130, 141}) {
      assertTrue(table.containsKey(Integer.toString(code)), "missing " + code);
    }
    assertTrue(table.get("3").contains("NOT_FOUND"));
  }
}
