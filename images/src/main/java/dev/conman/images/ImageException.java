package dev.conman.images;

/**
 * The one failure type of the image module. {@link #code()} says what kind of failure it is (so
 * that the gRPC layer can map it to a status code); the message says what went wrong and, where
 * possible, what to do about it.
 */
public final class ImageException extends RuntimeException {

  /** What went wrong, coarsely; suggested gRPC status in brackets. */
  public enum Code {
    /** The reference does not parse or names something impossible [INVALID_ARGUMENT]. */
    INVALID_REFERENCE,
    /** The image, tag, blob or local image does not exist [NOT_FOUND]. */
    NOT_FOUND,
    /** The registry refused our credentials or demands some [PERMISSION_DENIED / UNAUTHENTICATED]. */
    UNAUTHORIZED,
    /** Content did not match its digest or declared size; nothing of it was kept [DATA_LOSS]. */
    DIGEST_MISMATCH,
    /** A media type, compression, manifest schema or platform this module does not handle [UNIMPLEMENTED / FAILED_PRECONDITION]. */
    UNSUPPORTED,
    /** Malformed or malicious content: bad JSON, a layer entry escaping its root, corrupt tar [INVALID_ARGUMENT / DATA_LOSS]. */
    INVALID_CONTENT,
    /** The registry cannot be reached, timed out, or answered 5xx / 429 [UNAVAILABLE]. */
    REGISTRY_UNAVAILABLE,
    /** The image is used by a container and the removal was not forced [FAILED_PRECONDITION]. */
    IN_USE,
    /** A local I/O failure (disk full, permissions, mount failed) [INTERNAL]. */
    IO
  }

  private final Code code;

  public ImageException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public ImageException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  static ImageException io(String what, java.io.IOException e) {
    return new ImageException(Code.IO, what + ": " + describe(e), e);
  }

  static String describe(Throwable e) {
    String m = e.getMessage();
    String type = e.getClass().getSimpleName();
    if (m == null || m.isBlank()) {
      return type;
    }
    if (e instanceof java.nio.file.FileSystemException) {
      return type + ": " + m; // NoSuchFileException's message is only the path
    }
    return m;
  }

  @Override
  public String toString() {
    return "ImageException[" + code + "]: " + getMessage();
  }
}
