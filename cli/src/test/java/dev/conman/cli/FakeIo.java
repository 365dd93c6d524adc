package dev.conman.cli;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.AttachExit;
import dev.conman.api.v1.AttachInput;
import dev.conman.api.v1.AttachOutput;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogStream;
import dev.conman.api.v1.LogsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for conmand's IoService in CLI tests, logging requests (Logs requests, Exec start
 * specs, Attach specs) in the {@link FakeRuntime} it is given; REF "missing..." is NOT_FOUND, and
 * for Exec "stopped..." is FAILED_PRECONDITION. Logs sends {@link #entries} and completes. Attach
 * sends attached, {@link #entries} as the container's output (a line each, unless partial), and
 * the exit, 7 as {@link FakeRuntime}'s containers, or for "dropped..." UNAVAILABLE right after
 * attached; it ignores input. Exec keeps
 * every ExecInput in {@link #inputs} and answers by the command's first word:
 * <ul>
 *   <li>"cat" copies each stdin frame to stdout; at close_stdin it exits 0;
 *   <li>"exit N" writes "out\n" to stdout and "err\n" to stderr and exits N;
 *   <li>"noexit" completes without an exit code;
 *   <li>anything else runs until the test ends it through {@link #running()}.
 * </ul>
 */
final class FakeIo extends IoServiceGrpc.IoServiceImplBase {
  private final FakeRuntime log;
  private final BlockingQueue<ServerCallStreamObserver<ExecOutput>> running =
      new LinkedBlockingQueue<>();
  final List<ExecInput> inputs = new CopyOnWriteArrayList<>();
  volatile List<LogEntry> entries = List.of();
  /** The client half-closed its side of the last Exec call. */
  volatile boolean halfClosed;

  FakeIo(FakeRuntime log) {
    this.log = log;
  }

  /** A detached exec gets the id "exec-" + its command; "nocmd" as the command is not found. */
  @Override
  public void execDetached(ExecSpec spec, io.grpc.stub.StreamObserver<dev.conman.api.v1.ExecDetachedResponse> out) {
    log.answer("execdetached", spec, out, () -> {
      FakeRuntime.failFor(spec.getRef(), "missing", Status.NOT_FOUND);
      if (spec.getCommand(0).equals("nocmd")) {
        throw ExitCodesTest.commandNotFound("exec of container " + spec.getRef() + " refused: its command cannot"
            + " be run: exec: \"nocmd\": executable file not found in $PATH");
      }
      return dev.conman.api.v1.ExecDetachedResponse.newBuilder().setExecId("exec-" + spec.getCommand(0)).build();
    });
  }

  /** The output side of the next exec of a command that runs until the test ends it. */
  ServerCallStreamObserver<ExecOutput> running() throws InterruptedException {
    return running.poll(10, TimeUnit.SECONDS);
  }

  static ExecOutput stdout(String s) {
    return ExecOutput.newBuilder().setStdout(ByteString.copyFrom(s, StandardCharsets.UTF_8))
        .build();
  }

  static ExecOutput exitCode(int code) {
    return ExecOutput.newBuilder().setExitCode(code).build();
  }

  @Override
  public void logs(LogsRequest r, StreamObserver<LogEntry> o) {
    log.record("logs", r);
    try {
      FakeRuntime.failFor(r.getRef(), "missing", Status.NOT_FOUND);
      entries.forEach(o::onNext);
      o.onCompleted();
    } catch (StatusRuntimeException e) {
      o.onError(e);
    }
  }

  @Override
  public StreamObserver<AttachInput> attach(StreamObserver<AttachOutput> o) {
    return new StreamObserver<>() {
      @Override
      public void onNext(AttachInput in) {
        if (!in.hasStart()) {
          return;
        }
        log.record("attach", in.getStart());
        try {
          FakeRuntime.failFor(in.getStart().getRef(), "missing", Status.NOT_FOUND);
        } catch (StatusRuntimeException e) {
          o.onError(e);
          return;
        }
        o.onNext(AttachOutput.newBuilder().setAttached(true).build());
        if (in.getStart().getRef().startsWith("dropped")) {
          o.onError(Status.UNAVAILABLE.withDescription("the daemon is stopping").asRuntimeException());
          return;
        }
        for (LogEntry e : entries) {
          ByteString data = e.getPartial() ? e.getData() : e.getData().concat(ByteString.copyFromUtf8("\n"));
          o.onNext(e.getStream() == LogStream.LOG_STREAM_STDERR
              ? AttachOutput.newBuilder().setStderr(data).build() : AttachOutput.newBuilder().setStdout(data).build());
        }
        o.onNext(AttachOutput.newBuilder().setExited(AttachExit.newBuilder().setExitCode(7)).build());
        o.onCompleted();
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  @Override
  public StreamObserver<ExecInput> exec(StreamObserver<ExecOutput> o) {
    ServerCallStreamObserver<ExecOutput> out = (ServerCallStreamObserver<ExecOutput>) o;
    halfClosed = false;
    return new StreamObserver<>() {
      private String command = "";

      @Override
      public void onNext(ExecInput in) {
        inputs.add(in);
        try {
          switch (in.getInputCase()) {
            case START -> start(in.getStart());
            case STDIN -> {
              if (command.equals("cat")) {
                out.onNext(ExecOutput.newBuilder().setStdout(in.getStdin()).build());
              }
            }
            case CLOSE_STDIN -> {
              if (command.equals("cat")) {
                out.onNext(exitCode(0));
                out.onCompleted();
              }
            }
            default -> throw Status.INVALID_ARGUMENT.asRuntimeException();
          }
        } catch (StatusRuntimeException e) {
          out.onError(e);
        }
      }

      private void start(ExecSpec spec) {
        log.record("exec", spec);
        FakeRuntime.failFor(spec.getRef(), "missing", Status.NOT_FOUND);
        FakeRuntime.failFor(spec.getRef(), "stopped", Status.FAILED_PRECONDITION);
        command = spec.getCommand(0);
        switch (command) {
          case "cat" -> { }
          case "exit" -> {
            out.onNext(stdout("out\n"));
            out.onNext(ExecOutput.newBuilder().setStderr(ByteString.copyFromUtf8("err\n")).build());
            out.onNext(exitCode(Integer.parseInt(spec.getCommand(1))));
            out.onCompleted();
          }
          case "noexit" -> out.onCompleted();
          default -> running.add(out);
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        halfClosed = true;
      }
    };
  }
}
