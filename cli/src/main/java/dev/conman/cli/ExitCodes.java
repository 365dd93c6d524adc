package dev.conman.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit status of conmanctl. Daemon errors are mapped from their gRPC status code so that a
 * script can tell "no such container" from "name taken" without parsing stderr. The same table is
 * printed in the top command's usage footer, so this class is its only source.
 */
final class ExitCodes {
  static final int OK = 0;
  /** Any failure without a more specific code: INTERNAL, UNAVAILABLE, daemon not running, ... */
  static final int ERROR = 1;
  /** Command-line usage error, or INVALID_ARGUMENT from the daemon. */
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int ALREADY_EXISTS = 4;
  static final int FAILED_PRECONDITION = 5;
  static final int DEADLINE_EXCEEDED = 6;
  /**
   * events: the daemon ended the stream of a reader that fell too far behind; the message says
   * which --since resumes it.
   */
  static final int RESOURCE_EXHAUSTED = 7;
  /**
   * {@code run}, {@code wait} and {@code exec} exit with the container's or the process's exit
   * code; they use 125 (docker's choice) when conmanctl or the daemon failed, or when the exit
   * code is unknown.
   */
  static final int NO_CONTAINER_EXIT_CODE = 125;
  /**
   * The container's command could not be executed (it is there, but not a program, or without
   * permission), as in a shell and docker run; exec: the process's status, which the daemon sets so.
   */
  static final int COMMAND_NOT_EXECUTABLE = 126;
  /** The container's command was not found in its root filesystem or on its PATH, as in a shell. */
  static final int COMMAND_NOT_FOUND = 127;
  /**
   * Ctrl-C (SIGINT): 128 + 2, which the JVM itself exits with after its shutdown hooks (run and
   * attach without a terminal forward it instead, {@link SignalProxy}); exec's
   * hook cancels the call, and the daemon kills the process.
   */
  static final int INTERRUPTED = 130;
  /**
   * exec: conmanctl's stdout or stderr was closed (its reader, such as head, has gone), so the
   * process was killed; 128 + SIGPIPE, as for a local process that writes into a closed pipe.
   */
  static final int OUTPUT_CLOSED = 141;

  private ExitCodes() {}

  static int of(Status.Code code) {
    switch (code) {
      case OK:
        return OK;
      case INVALID_ARGUMENT:
        return USAGE;
      case NOT_FOUND:
        return NOT_FOUND;
      case ALREADY_EXISTS:
        return ALREADY_EXISTS;
      case FAILED_PRECONDITION:
        return FAILED_PRECONDITION;
      case DEADLINE_EXCEEDED:
        return DEADLINE_EXCEEDED;
      case RESOURCE_EXHAUSTED:
        return RESOURCE_EXHAUSTED;
      default:
        return ERROR;
    }
  }

  /**
   * run's and exec's status when the call failed: as docker's, 126 and 127 say the command could not
   * run, any other failure is 125.
   */
  static int commandFailure(int mapped) {
    return mapped == COMMAND_NOT_FOUND || mapped == COMMAND_NOT_EXECUTABLE ? mapped : NO_CONTAINER_EXIT_CODE;
  }

  /** The code, or what the daemon's google.rpc.ErrorInfo says more precisely (a command not found). */
  static int of(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details != null) {
      for (com.google.protobuf.Any detail : details.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          switch (reason(detail)) {
            case "COMMAND_NOT_FOUND":
              return COMMAND_NOT_FOUND;
            case "COMMAND_NOT_EXECUTABLE":
              return COMMAND_NOT_EXECUTABLE;
            default:
              break;
          }
        }
      }
    }
    return of(e.getStatus().getCode());
  }

  private static String reason(com.google.protobuf.Any detail) {
    try {
      return detail.unpack(ErrorInfo.class).getReason();
    } catch (InvalidProtocolBufferException ignored) {
      return ""; // garbled details: the status code still stands
    }
  }

  /** Exit status -> meaning, in the order the usage footer lists them. */
  static Map<String, String> table() {
    Map<String, String> table = new LinkedHashMap<>();
    table.put(Integer.toString(OK), "success");
    table.put(Integer.toString(ERROR), "error (daemon not reachable, INTERNAL, UNAVAILABLE, ...)");
    table.put(Integer.toString(USAGE), "usage error, or INVALID_ARGUMENT from the daemon");
    table.put(Integer.toString(NOT_FOUND), "NOT_FOUND: no such container");
    table.put(Integer.toString(ALREADY_EXISTS), "ALREADY_EXISTS: the name is taken");
    table.put(Integer.toString(FAILED_PRECONDITION),
        "FAILED_PRECONDITION: wrong state for the operation");
    table.put(Integer.toString(DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED: no answer within --timeout");
    table.put(Integer.toString(RESOURCE_EXHAUSTED),
        "RESOURCE_EXHAUSTED: events fell too far behind (resume with --since OFFSET)");
    table.put("N", "run, wait: the container's exit code; exec: the process's exit code");
    table.put(Integer.toString(NO_CONTAINER_EXIT_CODE),
        "run, wait, exec: failed, or the exit code is unknown");
    table.put(Integer.toString(COMMAND_NOT_EXECUTABLE), "the container's command cannot be executed");
    table.put(Integer.toString(COMMAND_NOT_FOUND), "the container's command was not found");
    table.put(Integer.toString(INTERRUPTED),
        "interrupted (Ctrl-C; run and attach without -t: the third, see --sig-proxy); exec: the process was killed");
    table.put(Integer.toString(OUTPUT_CLOSED),
        "exec: stdout or stderr was closed (| head); the process was killed");
    return table;
  }
}
