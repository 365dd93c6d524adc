package dev.conman.cli;

import com.google.protobuf.Message;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.CreateContainerResponse;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.DeleteContainerResponse;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.GetContainerResponse;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.KillContainerResponse;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.ListContainersResponse;
import dev.conman.api.v1.Resources;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StartContainerResponse;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.StopContainerResponse;
import dev.conman.api.v1.UpdateContainerRequest;
import dev.conman.api.v1.UpdateContainerResponse;
import dev.conman.api.v1.ContainerStats;
import dev.conman.api.v1.ContainerStatsRequest;
import dev.conman.api.v1.ContainerStatsResponse;
import dev.conman.api.v1.ListContainerStatsRequest;
import dev.conman.api.v1.ListContainerStatsResponse;
import dev.conman.api.v1.WaitContainerRequest;
import dev.conman.api.v1.WaitContainerResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A stand-in for conmand in CLI tests (never outside tests): records every request and the
 * deadline it came with, and answers from a few rules keyed on the ref or name:
 * "missing..." is NOT_FOUND, "taken..." ALREADY_EXISTS on create, "nocmd..." INVALID_ARGUMENT with
 * the reason COMMAND_NOT_FOUND on create, "nostart..." FAILED_PRECONDITION
 * on start, "lost..." exits without a known exit code, "oom..." was OOM-killed (get); everything
 * else succeeds, exiting with 7.
 * Stats: the Nth sample of a container is taken at 10:00:00 + N seconds and counts N times its
 * CPU use per second (see {@link #stats}), so two samples always show the same CPU %.
 */
final class FakeRuntime extends RuntimeServiceGrpc.RuntimeServiceImplBase {
  final List<Message> requests = new CopyOnWriteArrayList<>();
  final Map<String, Optional<Deadline>> deadlines = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> samples = new ConcurrentHashMap<>();

  /** The 64-character id the fake gives the container named or referred to as {@code ref}. */
  static String idFor(String ref) {
    return (ref + "0".repeat(64)).substring(0, 64);
  }

  static Container container(String ref, ContainerState state) {
    return Container.newBuilder()
        .setId(idFor(ref))
        .setName(ref)
        .setState(state)
        .setCreatedAt(ContainerFormatTest.ts("2024-05-01T10:00:00Z"))
        .setImage("/srv/rootfs")
        .addCommand("/bin/true")
        .build();
  }

  /** Logs a request of any service (FakeEvents logs here too) with the call's deadline. */
  void record(String method, Message request) {
    requests.add(request);
    deadlines.put(method, Optional.ofNullable(Context.current().getDeadline()));
  }

  /** Logs the request and answers it, or fails with the StatusRuntimeException it throws. */
  <T> void answer(String method, Message request, StreamObserver<T> observer,
      Supplier<T> response) {
    record(method, request);
    try {
      observer.onNext(response.get());
      observer.onCompleted();
    } catch (io.grpc.StatusRuntimeException e) {
      observer.onError(e);
    }
  }

  static void failFor(String ref, String prefix, Status status) {
    if (ref.startsWith(prefix)) {
      throw status.withDescription(status.getCode() == Status.Code.NOT_FOUND
          ? "no container with id or name '" + ref + "'" : "refused for '" + ref + "'")
          .asRuntimeException();
    }
  }

  @Override
  public void createContainer(CreateContainerRequest r, StreamObserver<CreateContainerResponse> o) {
    answer("create", r, o, () -> {
      failFor(r.getName(), "taken", Status.ALREADY_EXISTS);
      if (r.getName().startsWith("nocmd")) {
        throw ExitCodesTest.commandNotFound("create of container " + idFor(r.getName()) + " refused: its command"
            + " cannot be run: exec: \"" + r.getCommand(0) + "\": executable file not found in $PATH");
      }
      if (r.getStart()) {
        failFor(r.getName(), "nostart", Status.FAILED_PRECONDITION);
        return CreateContainerResponse.newBuilder().setContainer(
            container(r.getName(), ContainerState.CONTAINER_STATE_RUNNING).toBuilder().setPid(42)).build();
      }
      return CreateContainerResponse.newBuilder()
          .setContainer(container(r.getName(), ContainerState.CONTAINER_STATE_CREATED)).build();
    });
  }

  @Override
  public void startContainer(StartContainerRequest r, StreamObserver<StartContainerResponse> o) {
    answer("start", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      failFor(r.getRef(), "nostart", Status.FAILED_PRECONDITION);
      return StartContainerResponse.newBuilder().setContainer(
          container(r.getRef(), ContainerState.CONTAINER_STATE_RUNNING).toBuilder().setPid(42))
          .build();
    });
  }

  @Override
  public void stopContainer(StopContainerRequest r, StreamObserver<StopContainerResponse> o) {
    answer("stop", r, o, () -> StopContainerResponse.newBuilder().setContainer(
        container(r.getRef(), ContainerState.CONTAINER_STATE_EXITED).toBuilder().setExitCode(143))
        .build());
  }

  @Override
  public void pauseContainer(dev.conman.api.v1.PauseContainerRequest r,
      StreamObserver<dev.conman.api.v1.PauseContainerResponse> o) {
    answer("pause", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      return dev.conman.api.v1.PauseContainerResponse.newBuilder()
          .setContainer(container(r.getRef(), ContainerState.CONTAINER_STATE_PAUSED)).build();
    });
  }

  @Override
  public void resumeContainer(dev.conman.api.v1.ResumeContainerRequest r,
      StreamObserver<dev.conman.api.v1.ResumeContainerResponse> o) {
    answer("resume", r, o, () -> dev.conman.api.v1.ResumeContainerResponse.newBuilder()
        .setContainer(container(r.getRef(), ContainerState.CONTAINER_STATE_RUNNING)).build());
  }

  @Override
  public void killContainer(KillContainerRequest r, StreamObserver<KillContainerResponse> o) {
    answer("kill", r, o, () -> KillContainerResponse.newBuilder()
        .setContainer(container(r.getRef(), ContainerState.CONTAINER_STATE_RUNNING)).build());
  }

  @Override
  public void deleteContainer(DeleteContainerRequest r,
      StreamObserver<DeleteContainerResponse> o) {
    answer("delete", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      return DeleteContainerResponse.newBuilder().setId(idFor(r.getRef())).build();
    });
  }

  @Override
  public void getContainer(GetContainerRequest r, StreamObserver<GetContainerResponse> o) {
    answer("get", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      return GetContainerResponse.newBuilder().setContainer(r.getRef().startsWith("oom")
          ? oomKilled(r.getRef())
          : container(r.getRef(), ContainerState.CONTAINER_STATE_CREATED)).build();
    });
  }

  /** A container that the kernel killed for exceeding its memory limit, after 3 restarts. */
  static Container oomKilled(String ref) {
    return container(ref, ContainerState.CONTAINER_STATE_EXITED).toBuilder()
        .setExitCode(137)
        .setOomKilled(true)
        .setRestartPolicy("on-failure:3")
        .setRestartCount(3)
        .setResources(Resources.newBuilder().setMemoryBytes(16L << 20).setPidsLimit(10))
        .setUser("1000:1000")
        .setImageId("sha256:" + "ab".repeat(32))
        .build();
  }

  @Override
  public void listContainers(ListContainersRequest r, StreamObserver<ListContainersResponse> o) {
    answer("list", r, o, () -> ListContainersResponse.newBuilder()
        .addContainers(container("web", ContainerState.CONTAINER_STATE_RUNNING).toBuilder()
            .setPid(42))
        .addContainers(container("db", ContainerState.CONTAINER_STATE_EXITED).toBuilder()
            .setExitCode(0))
        .build());
  }

  @Override
  public void waitContainer(WaitContainerRequest r, StreamObserver<WaitContainerResponse> o) {
    answer("wait", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      Container exited = container(r.getRef(), ContainerState.CONTAINER_STATE_EXITED);
      return WaitContainerResponse.newBuilder().setContainer(r.getRef().startsWith("lost")
          ? exited.toBuilder().setMessage("conmon died: exit code unknown").build()
          : exited.toBuilder().setExitCode(7).build()).build();
    });
  }

  @Override
  public void updateContainer(UpdateContainerRequest r,
      StreamObserver<UpdateContainerResponse> o) {
    answer("update", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      failFor(r.getRef(), "nostart", Status.FAILED_PRECONDITION);
      Container running = container(r.getRef(), ContainerState.CONTAINER_STATE_RUNNING);
      return UpdateContainerResponse.newBuilder().setContainer(running.toBuilder().setPid(42)
          .setResources(r.getResources())).build();
    });
  }

  /**
   * The next sample of container {@code name}: taken {@code n} seconds after 10:00:00, having used
   * {@code n * cpuMillisPerSecond} ms of CPU, so that its CPU % is cpuMillisPerSecond / 10.
   */
  ContainerStats stats(String name, long cpuMillisPerSecond, long memory, long limit) {
    int n = samples.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    return ContainerStats.newBuilder()
        .setId(idFor(name))
        .setName(name)
        .setTime(ContainerFormatTest.ts("2024-05-01T10:00:00Z").toBuilder().setSeconds(
            ContainerFormatTest.ts("2024-05-01T10:00:00Z").getSeconds() + n))
        .setCpuNanos(n * cpuMillisPerSecond * 1_000_000)
        .setMemoryBytes(memory)
        .setMemoryLimitBytes(limit)
        .setPids(3)
        .build();
  }

  /** How many samples of container {@code name} were taken. */
  int samplesOf(String name) {
    AtomicInteger n = samples.get(name);
    return n == null ? 0 : n.get();
  }

  @Override
  public void containerStats(ContainerStatsRequest r, StreamObserver<ContainerStatsResponse> o) {
    answer("stats", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      if (samplesOf(r.getRef()) > 0) {
        failFor(r.getRef(), "gone", Status.NOT_FOUND); // deleted after its first sample
      }
      return ContainerStatsResponse.newBuilder()
          .setStats(stats(r.getRef(), 250, 8L << 20, 32L << 20)).build();
    });
  }

  /** Two processes: the init (a shell) and a sleep of user 65534, which has no name. */
  @Override
  public void containerProcesses(dev.conman.api.v1.ContainerProcessesRequest r,
      StreamObserver<dev.conman.api.v1.ContainerProcessesResponse> o) {
    answer("top", r, o, () -> {
      failFor(r.getRef(), "missing", Status.NOT_FOUND);
      failFor(r.getRef(), "nostart", Status.FAILED_PRECONDITION);
      return dev.conman.api.v1.ContainerProcessesResponse.newBuilder().setId(idFor(r.getRef()))
          .addProcesses(ProcessFormatTest.process(1, 4100, 0, 0, "root", "S", 3_500_000_000L, "/bin/sh", "-c", "x"))
          .addProcesses(ProcessFormatTest.process(7, 4200, 1, 65534, "", "R", 0, "sleep", "100"))
          .build();
    });
  }

  /** web uses half a CPU and 16 of its 64 MiB, db two CPUs and 100 MiB without limit. */
  @Override
  public void listContainerStats(ListContainerStatsRequest r,
      StreamObserver<ListContainerStatsResponse> o) {
    answer("liststats", r, o, () -> ListContainerStatsResponse.newBuilder()
        .addStats(stats("web", 500, 16L << 20, 64L << 20))
        .addStats(stats("db", 2000, 100L << 20, 0))
        .build());
  }
}
