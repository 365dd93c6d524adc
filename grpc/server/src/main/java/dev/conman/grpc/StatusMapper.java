package dev.conman.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import dev.conman.actors.ContainerException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.pattern.StatusReply;

/**
 * Maps every failure to one gRPC status. A domain refusal keeps its own code; only a daemon that did
 * not answer becomes DEADLINE_EXCEEDED, and only an unexpected bug becomes INTERNAL without a hint.
 */
public final class StatusMapper {

  private StatusMapper() {}

  /** Longest description sent: a request's value echoed in a message must not swell it past gRPC's limits. */
  static final int MAX_DESCRIPTION = 1024;

  public static StatusRuntimeException toStatus(Throwable t) {
    StatusRuntimeException s = rawStatus(t);
    String d = s.getStatus().getDescription();
    String clean = describe(d);
    return clean == null || clean.equals(d) ? s : s.getStatus().withDescription(clean).asRuntimeException();
  }

  /**
   * A description a terminal shows as text: control characters escaped (a request's values are
   * echoed in messages: an ESC must not reach the user's terminal), and cut at {@link #MAX_DESCRIPTION}.
   */
  static String describe(String d) {
    if (d == null) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < d.length() && b.length() < MAX_DESCRIPTION; i++) {
      char c = d.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (b.length() >= MAX_DESCRIPTION && d.length() > MAX_DESCRIPTION) {
      b.setLength(MAX_DESCRIPTION);
      b.append("... (").append(d.length() - MAX_DESCRIPTION).append(" more characters)");
    }
    return b.toString();
  }

  private static StatusRuntimeException rawStatus(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof StatusRuntimeException s) {
      return s;
    }
    if (cause instanceof dev.conman.images.ImageException e) {
      return imageStatus(e).withDescription(e.getMessage()).asRuntimeException();
    }
    if (cause instanceof ContainerException e) {
      Status status = codeOf(e.code());
      return switch (e.code()) {
        case COMMAND_NOT_FOUND, COMMAND_NOT_EXECUTABLE -> withReason(status, e.getMessage(), e.code().name());
        default -> status.withDescription(e.getMessage()).asRuntimeException();
      };
    }
    if (cause instanceof TimeoutException) {
      return Status.DEADLINE_EXCEEDED
          .withDescription("the daemon did not answer in time; the operation may still complete: check its status")
          .asRuntimeException();
    }
    if (cause instanceof StatusReply.ErrorMessage e) {
      return Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException();
    }
    return Status.INTERNAL.withDescription("internal error: " + cause).withCause(cause).asRuntimeException();
  }

  /** The domain of the reasons conman puts in a google.rpc.ErrorInfo. */
  public static final String ERROR_DOMAIN = "conman.dev";

  /**
   * A status whose code alone does not say enough for a client to act on (conmanctl run exits 127
   * for a command not found, as docker does): a google.rpc.ErrorInfo in the status details names it.
   */
  private static StatusRuntimeException withReason(Status status, String message, String reason) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value())
        .setMessage(describe(message))
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(ERROR_DOMAIN).build()))
        .build());
  }

  static Status imageStatus(dev.conman.images.ImageException e) {
    return switch (e.code()) {
      case INVALID_REFERENCE, INVALID_CONTENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case UNAUTHORIZED -> Status.PERMISSION_DENIED;
      case DIGEST_MISMATCH -> Status.DATA_LOSS;
      case UNSUPPORTED -> Status.FAILED_PRECONDITION;
      case REGISTRY_UNAVAILABLE -> Status.UNAVAILABLE;
      case IN_USE -> Status.FAILED_PRECONDITION;
      default -> Status.INTERNAL;
    };
  }

  static Status codeOf(ContainerException.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case COMMAND_NOT_FOUND, COMMAND_NOT_EXECUTABLE -> Status.INVALID_ARGUMENT;
      case RUNTIME_FAILED -> Status.INTERNAL;
      case TIMEOUT -> Status.DEADLINE_EXCEEDED;
      // the daemon is fine and the request was valid: the same request succeeds once the journal can write
      case JOURNAL_UNAVAILABLE -> Status.UNAVAILABLE;
    };
  }

  /** Whether {@code t}, or the failure a future wraps in it, says that no such container exists. */
  public static boolean notFound(Throwable t) {
    return unwrap(t) instanceof ContainerException e && e.code() == ContainerException.Code.NOT_FOUND;
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
