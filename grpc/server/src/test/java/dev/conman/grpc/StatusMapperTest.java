package dev.conman.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.rpc.ErrorInfo;
import dev.conman.actors.ContainerException;
import dev.conman.runc.RuntimeFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class StatusMapperTest {

  @Test
  void aCommandThatCannotRunIsAnInvalidArgumentWithItsReasonInTheDetails() throws Exception {
    StatusRuntimeException s = StatusMapper.toStatus(new CompletionException(ContainerException.commandNotRunnable(
        "create", "c1", new RuntimeFailure(RuntimeFailure.Kind.COMMAND_NOT_FOUND, "exec: \"/x\": not found\u001b"))));
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getStatus().getCode());
    assertEquals("create of container c1 refused: exec: \"/x\": not found\\x1b", s.getStatus().getDescription());
    com.google.rpc.Status details = StatusProto.fromThrowable(s);
    assertEquals(s.getStatus().getDescription(), details.getMessage());
    ErrorInfo info = details.getDetails(0).unpack(ErrorInfo.class);
    assertEquals("COMMAND_NOT_FOUND", info.getReason());
    assertEquals(StatusMapper.ERROR_DOMAIN, info.getDomain());

    ErrorInfo cannotRun = StatusProto.fromThrowable(StatusMapper.toStatus(ContainerException.commandNotRunnable(
        "create", "c1", new RuntimeFailure(RuntimeFailure.Kind.COMMAND_NOT_EXECUTABLE, "permission denied"))))
        .getDetails(0).unpack(ErrorInfo.class);
    assertEquals("COMMAND_NOT_EXECUTABLE", cannotRun.getReason());
  }

  @Test
  void otherRefusalsCarryTheirCodeAlone() {
    StatusRuntimeException s = StatusMapper.toStatus(ContainerException.notFound("c9"));
    assertEquals(Status.Code.NOT_FOUND, s.getStatus().getCode());
    assertEquals(0, StatusProto.fromThrowable(s).getDetailsCount());
  }
}
