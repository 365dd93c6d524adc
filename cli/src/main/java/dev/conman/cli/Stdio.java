package dev.conman.cli;

import com.google.protobuf.ByteString;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * conmanctl's own stdin, stdout and stderr as bytes, for what a container wrote or reads (logs,
 * exec): copied without any charset conversion, since it may be binary or in any encoding.
 * conmanctl's own messages still go through picocli's writers ({@link Console}). Tests give
 * byte arrays instead of the file descriptors.
 */
record Stdio(InputStream in, OutputStream out, OutputStream err) {

  /**
   * File descriptors 0, 1 and 2, unbuffered: every {@link #write} is one write(2), so a reader
   * sees the bytes at once, and a closed pipe is an IOException (System.out would hide it).
   */
  static Stdio system() {
    return new Stdio(new FileInputStream(FileDescriptor.in),
        new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err));
  }

  /**
   * Writes the bytes to stderr (or stdout) and flushes. Returns false once that stream no longer
   * takes output (its reader, such as head, has gone): the caller then stops.
   */
  boolean write(boolean toStderr, ByteString bytes) {
    OutputStream target = toStderr ? err : out;
    try {
      bytes.writeTo(target);
      target.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
