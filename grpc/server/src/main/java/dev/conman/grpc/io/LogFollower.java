package dev.conman.grpc.io;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogStream;
import dev.conman.grpc.ProtoConverter;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;

/**
 * Streams one container's log file to one client. Runs on a thread of its own (the I/O pool): it
 * reads what is there, waits while the client is not ready (gRPC flow control bounds what is
 * buffered), and when following polls the file for growth until the container has finished and
 * everything has been sent. conmon starts the file afresh when it reaches its size limit: a file
 * shorter than what was read is read again from its start.
 */
final class LogFollower implements Runnable {

  private static final long POLL_MILLIS = 50;
  private static final int MAX_LINE = 1 << 20;

  private final Path file;
  private final ServerCallStreamObserver<LogEntry> out;
  private final boolean follow;
  private final Long tail;
  private final Instant since;
  private final LogStream only;
  private final BooleanSupplier finished;
  private final ReadySignal ready;

  /** @param finished true once the container can write no more (checked only when following) */
  LogFollower(Path file, ServerCallStreamObserver<LogEntry> out, ReadySignal ready, boolean follow, Long tail,
      Instant since, LogStream only, BooleanSupplier finished) {
    this.file = file;
    this.out = out;
    this.follow = follow;
    this.tail = tail;
    this.since = since;
    this.only = only;
    this.finished = finished;
    this.ready = ready;
  }

  @Override
  public void run() {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      LineReader lines = new LineReader(channel);
      Deque<CriLogLine> last = tail == null ? null : new ArrayDeque<>();
      boolean catchingUp = true;
      while (!out.isCancelled()) {
        byte[] raw = lines.next();
        if (raw == null) {
          if (catchingUp && last != null) {
            for (CriLogLine l : last) {
              send(l);
            }
            last = null;
          }
          catchingUp = false;
          if (!follow) {
            break;
          }
          // the container's last output may land between the read and the check: read once more
          boolean done = finished.getAsBoolean();
          if (done && lines.atEnd()) {
            break;
          }
          if (!done) {
            Thread.sleep(POLL_MILLIS);
          }
          continue;
        }
        CriLogLine line = CriLogLine.parse(raw).orElse(null);
        if (line == null || (since != null && line.time().isBefore(since))
            || (only != LogStream.LOG_STREAM_UNSPECIFIED && line.stream() != only)) {
          continue;
        }
        if (catchingUp && last != null) {
          last.addLast(line);
          if (last.size() > tail) {
            last.removeFirst();
          }
        } else {
          send(line);
        }
      }
      if (!out.isCancelled()) {
        out.onCompleted();
      }
    } catch (NoSuchFileException e) {
      out.onError(Status.NOT_FOUND.withDescription("the container has no log file (" + file + ")").asRuntimeException());
    } catch (IOException e) {
      out.onError(Status.INTERNAL.withDescription("cannot read " + file + ": " + e.getMessage()).asRuntimeException());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.onError(Status.UNAVAILABLE.withDescription("the daemon is shutting down").asRuntimeException());
    }
  }

  private void send(CriLogLine line) throws InterruptedException {
    if (ready.await()) {
      out.onNext(LogEntry.newBuilder().setTime(ProtoConverter.toProto(line.time())).setStream(line.stream())
          .setData(ByteString.copyFrom(line.data())).setPartial(line.partial()).build());
    }
  }

  /** Complete lines from a file that may grow, and be truncated, while it is read. */
  private static final class LineReader {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long position;

    LineReader(FileChannel channel) {
      this.channel = channel;
      buffer.flip();
    }

    boolean atEnd() throws IOException {
      return !buffer.hasRemaining() && channel.size() <= position;
    }

    /** The next complete line without its newline; null when no complete line is there yet. */
    byte[] next() throws IOException {
      while (true) {
        while (buffer.hasRemaining()) {
          byte b = buffer.get();
          if (b == '\n') {
            byte[] line = pending.toByteArray();
            pending.reset();
            return line;
          }
          if (pending.size() < MAX_LINE) {
            pending.write(b);
          }
        }
        if (channel.size() < position) {
          // truncated by conmon's size limit: start over
          position = 0;
          pending.reset();
        }
        buffer.clear();
        int n = channel.read(buffer, position);
        buffer.flip();
        if (n <= 0) {
          return null;
        }
        position += n;
      }
    }
  }
}
