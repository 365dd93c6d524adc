package dev.conman.grpc;

import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerException;
import dev.conman.actors.ContainerSpecValidator;
import dev.conman.actors.ContainerSupervisor;
import dev.conman.actors.ContainerView;
import dev.conman.actors.Phase;
import dev.conman.actors.RestartPolicy;
import dev.conman.api.v1.ContainerStats;
import dev.conman.api.v1.ContainerStatsRequest;
import dev.conman.api.v1.ContainerStatsResponse;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.ListContainerStatsRequest;
import dev.conman.api.v1.ListContainerStatsResponse;
import dev.conman.api.v1.ContainerProcessesRequest;
import dev.conman.api.v1.ContainerProcessesResponse;
import dev.conman.api.v1.PauseContainerRequest;
import dev.conman.api.v1.PauseContainerResponse;
import dev.conman.api.v1.RestartContainerRequest;
import dev.conman.api.v1.RestartContainerResponse;
import dev.conman.api.v1.ResumeContainerRequest;
import dev.conman.api.v1.ResumeContainerResponse;
import dev.conman.api.v1.UpdateContainerRequest;
import dev.conman.api.v1.UpdateContainerResponse;
import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.Resources;
import dev.conman.runc.RuntimeFailure;
import dev.conman.api.v1.CreateContainerResponse;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.DeleteContainerResponse;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.GetContainerResponse;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.KillContainerResponse;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.ListContainersResponse;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StartContainerResponse;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.StopContainerResponse;
import dev.conman.api.v1.WaitCondition;
import dev.conman.api.v1.WaitContainerRequest;
import dev.conman.api.v1.WaitContainerResponse;
import dev.conman.runc.Signals;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import dev.conman.actors.Ids;
import dev.conman.grpc.events.ContainerHistory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * The conman.v1 RuntimeService: validates a request, asks the supervisor (which forwards to the
 * container's actor), and converts the answer. Thin on purpose: the rules live in the actors.
 */
public final class RuntimeServiceImpl extends RuntimeServiceGrpc.RuntimeServiceImplBase
    implements InlineCalls.NonBlocking {

  /** Stop's default grace period, as docker's. */
  static final int DEFAULT_STOP_TIMEOUT = 10;
  /** The longest stop grace period accepted: a day. */
  static final int MAX_STOP_TIMEOUT = 86_400;

  private final ContainerAsks containers;
  private final ContainerRuntime runtime;
  private final java.util.concurrent.Executor blocking;
  private final ActorRef<ContainerSupervisor.Command> supervisor;
  private final Scheduler scheduler;
  private final ContainerSpecValidator validator;
  private final Duration askTimeout;
  private final dev.conman.actors.Networks networks;
  private final ContainerHistory history;

  public RuntimeServiceImpl(ContainerAsks containers, ContainerSpecValidator validator, ContainerRuntime runtime,
      java.util.concurrent.Executor blocking, dev.conman.actors.Networks networks, ContainerHistory history) {
    this.networks = networks;
    this.history = history;
    this.containers = containers;
    this.runtime = runtime;
    this.blocking = blocking;
    this.supervisor = containers.supervisor();
    this.scheduler = containers.scheduler();
    this.validator = validator;
    this.askTimeout = containers.timeout();
  }

  /**
   * The methods that only ask an actor, or hand the rest to {@code blocking}. Not create: its
   * validation may pull an image; nor the stats (runc) and networks (files).
   */
  static final java.util.Set<String> NON_BLOCKING = java.util.stream.Stream.of(
          RuntimeServiceGrpc.getStartContainerMethod(), RuntimeServiceGrpc.getStopContainerMethod(),
          RuntimeServiceGrpc.getKillContainerMethod(), RuntimeServiceGrpc.getDeleteContainerMethod(),
          RuntimeServiceGrpc.getGetContainerMethod(), RuntimeServiceGrpc.getWaitContainerMethod(),
          RuntimeServiceGrpc.getUpdateContainerMethod(), RuntimeServiceGrpc.getListContainersMethod(),
          RuntimeServiceGrpc.getPauseContainerMethod(), RuntimeServiceGrpc.getResumeContainerMethod())
      .map(io.grpc.MethodDescriptor::getFullMethodName).collect(java.util.stream.Collectors.toUnmodifiableSet());

  @Override
  public java.util.Set<String> nonBlockingMethods() {
    return NON_BLOCKING;
  }

  @Override
  public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
    Responses.respond(out, () -> {
      var spec = validator.validate(ProtoConverter.fromProto(request));
      return ContainerAsks.inPlace(AskPattern.<ContainerSupervisor.Command, ContainerView>askWithStatus(supervisor,
          replyTo -> new ContainerSupervisor.Create(spec, request.getStart(), replyTo), askTimeout, scheduler));
    }, v -> CreateContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  @Override
  public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
    Responses.respond(out, () -> forward(request.getRef(), ContainerActor.Start::new, askTimeout),
        v -> StartContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  @Override
  public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
    Responses.respond(out, () -> {
      int timeout = stopTimeout(request.hasTimeoutSeconds(), request.getTimeoutSeconds());
      return stop(request.getRef(), timeout);
    }, v -> StopContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  /** One command to the container's actor ({@link ContainerActor.Restart}): nothing comes between the stop and the start. */
  @Override
  public void restartContainer(RestartContainerRequest request, StreamObserver<RestartContainerResponse> out) {
    Responses.respond(out, () -> {
      int timeout = stopTimeout(request.hasTimeoutSeconds(), request.getTimeoutSeconds());
      return this.<ContainerView>forward(request.getRef(), replyTo -> new ContainerActor.Restart(timeout, replyTo),
          askTimeout.plusSeconds(timeout));
    }, v -> RestartContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  /** The request's stop timeout, or the default when unset. */
  private static int stopTimeout(boolean given, int seconds) {
    int timeout = given ? seconds : DEFAULT_STOP_TIMEOUT;
    if (timeout < 0 || timeout > MAX_STOP_TIMEOUT) {
      throw ContainerException.invalid("stop timeout must be between 0 and " + MAX_STOP_TIMEOUT
          + " seconds, not " + timeout);
    }
    return timeout;
  }

  private CompletionStage<ContainerView> stop(String ref, int timeout) {
    return this.<ContainerView>forward(ref, replyTo -> new ContainerActor.Stop(timeout, replyTo),
        askTimeout.plusSeconds(timeout));
  }

  @Override
  public void killContainer(KillContainerRequest request, StreamObserver<KillContainerResponse> out) {
    Responses.respond(out, () -> {
      int signal;
      try {
        signal = request.getSignal().isEmpty() ? Signals.parse("SIGKILL") : Signals.parse(request.getSignal());
      } catch (IllegalArgumentException e) {
        throw ContainerException.invalid(e.getMessage());
      }
      return this.<ContainerView>forward(request.getRef(), replyTo -> new ContainerActor.Kill(signal, replyTo), askTimeout);
    }, v -> KillContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  @Override
  public void deleteContainer(DeleteContainerRequest request, StreamObserver<DeleteContainerResponse> out) {
    Responses.respond(out, () -> this.<String>forward(request.getRef(), replyTo -> new ContainerActor.Delete(request.getForce(), replyTo),
            askTimeout),
        id -> DeleteContainerResponse.newBuilder().setId(id).build());
  }

  @Override
  public void getContainer(GetContainerRequest request, StreamObserver<GetContainerResponse> out) {
    Responses.respond(out, () -> forward(request.getRef(), ContainerActor.GetStatus::new, askTimeout),
        v -> GetContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  @Override
  public void waitContainer(WaitContainerRequest request, StreamObserver<WaitContainerResponse> out) {
    Responses.respond(out, () -> {
      if (request.getCondition() == WaitCondition.UNRECOGNIZED) {
        throw ContainerException.invalid("unknown wait condition " + request.getConditionValue()
            + "; use WAIT_CONDITION_FINISHED (0) or WAIT_CONDITION_REMOVED (1)");
      }
      boolean untilRemoved = request.getCondition() == WaitCondition.WAIT_CONDITION_REMOVED;
      CompletionStage<ContainerView> waited = this.<ContainerView>forward(request.getRef(),
          replyTo -> new ContainerActor.Wait(untilRemoved, replyTo), clientDeadlineOr(ContainerAsks.UNBOUNDED));
      return untilRemoved && Ids.isValid(request.getRef())
          ? waited.exceptionallyComposeAsync(failure -> removedAlready(request.getRef(), failure), blocking)
          : waited;
    },
        v -> WaitContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  /**
   * A wait for removal that comes after the delete: a client asks before the start, but its
   * wait and its start are two calls, and the start may overtake it. The journal still has how
   * the container ended; by full id only, since a name may already belong to another container.
   */
  private CompletionStage<ContainerView> removedAlready(String id, Throwable failure) {
    var deleted = StatusMapper.notFound(failure) ? history.deleted(id) : java.util.Optional.<ContainerView>empty();
    return deleted.isPresent() ? java.util.concurrent.CompletableFuture.completedFuture(deleted.get())
        : java.util.concurrent.CompletableFuture.failedFuture(failure);
  }

  @Override
  public void updateContainer(UpdateContainerRequest request, StreamObserver<UpdateContainerResponse> out) {
    Responses.respond(out, () -> {
      if (!request.hasResources() && request.getRestartPolicy().isEmpty()) {
        throw ContainerException.invalid("give the resources or the restart policy to change");
      }
      Resources update = request.hasResources() ? ProtoConverter.fromProto(request.getResources()) : null;
      RestartPolicy restart = request.getRestartPolicy().isEmpty() ? null : RestartPolicy.parse(request.getRestartPolicy());
      return this.<ContainerView>forward(request.getRef(), replyTo -> new ContainerActor.Update(update, restart, replyTo),
          askTimeout);
    }, v -> UpdateContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  @Override
  public void pauseContainer(PauseContainerRequest request, StreamObserver<PauseContainerResponse> out) {
    Responses.respond(out, () -> this.<ContainerView>forward(request.getRef(), ContainerActor.Pause::new, askTimeout),
        v -> PauseContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  @Override
  public void resumeContainer(ResumeContainerRequest request, StreamObserver<ResumeContainerResponse> out) {
    Responses.respond(out, () -> this.<ContainerView>forward(request.getRef(), ContainerActor.Resume::new, askTimeout),
        v -> ResumeContainerResponse.newBuilder().setContainer(ProtoConverter.toProto(v)).build());
  }

  @Override
  public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> out) {
    Responses.respond(out, () -> forward(request.getRef(), ContainerActor.GetStatus::new, askTimeout)
            .thenApplyAsync(v -> stats(v).orElseThrow(() -> notRunning(v, "read the stats of")), blocking),
        s -> ContainerStatsResponse.newBuilder().setStats(s).build());
  }

  @Override
  public void listContainerStats(ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> out) {
    Responses.respond(out, () -> containers.all()
        .thenApplyAsync(views -> views.stream().filter(RuntimeServiceImpl::hasProcesses).map(this::stats)
            .flatMap(java.util.Optional::stream).toList(), blocking),
        stats -> ListContainerStatsResponse.newBuilder().addAllStats(stats).build());
  }

  @Override
  public void containerProcesses(ContainerProcessesRequest request, StreamObserver<ContainerProcessesResponse> out) {
    Responses.respond(out, () -> forward(request.getRef(), ContainerActor.GetStatus::new, askTimeout)
            .thenApplyAsync(v -> processes(v).orElseThrow(() -> notRunning(v, "list the processes of")), blocking),
        response -> response);
  }

  /** Running, or paused: its processes are there (frozen), with their cgroup's figures. */
  private static boolean hasProcesses(ContainerView v) {
    return v.phase() == Phase.RUNNING || v.phase() == Phase.PAUSED;
  }

  private static ContainerException notRunning(ContainerView v, String operation) {
    return ContainerException.wrongPhase(v.id(), v.phase(), operation, "only a RUNNING or PAUSED container has them");
  }

  /** The processes of a running container (blocking: runc ps and /proc). */
  private java.util.Optional<ContainerProcessesResponse> processes(ContainerView v) {
    if (!hasProcesses(v)) {
      return java.util.Optional.empty();
    }
    try {
      return runtime.processes(v.id()).map(ps -> ContainerProcessesResponse.newBuilder().setId(v.id())
          .addAllProcesses(ps.stream().map(ProtoConverter::toProto).toList()).build());
    } catch (RuntimeFailure e) {
      throw ContainerException.runtime("process listing", v.id(), e.getMessage());
    }
  }

  /** Reads the cgroup figures of a running container (blocking: runc events --stats). */
  private java.util.Optional<ContainerStats> stats(ContainerView v) {
    try {
      return runtime.stats(v.id()).map(s -> ContainerStats.newBuilder().setId(v.id()).setName(v.name())
          .setTime(ProtoConverter.toProto(s.at())).setCpuNanos(s.cpuNanos()).setMemoryBytes(s.memoryBytes())
          .setMemoryLimitBytes(s.memoryLimited() ? s.memoryLimitBytes() : 0).setPids(s.pids()).build());
    } catch (RuntimeFailure e) {
      throw ContainerException.runtime("stats", v.id(), e.getMessage());
    }
  }

  @Override
  public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
    Map<String, String> labels = request.getLabelsMap();
    Responses.respond(out, () -> containers.all().thenApply(views -> views.stream()
            .filter(v -> v.spec().labels().entrySet().containsAll(labels.entrySet())).toList()),
        views -> ListContainersResponse.newBuilder()
            .addAllContainers(views.stream().map(ProtoConverter::toProto).toList()).build());
  }

  @Override
  public void listNetworks(dev.conman.api.v1.ListNetworksRequest request,
      StreamObserver<dev.conman.api.v1.ListNetworksResponse> out) {
    Responses.respond(out, () -> containers.all(), views -> {
      var response = dev.conman.api.v1.ListNetworksResponse.newBuilder();
      for (var n : networks.describe()) {
        long holding = views.stream().filter(v -> v.network() != null && v.network().network().equals(n.name())).count();
        response.addNetworks(dev.conman.api.v1.Network.newBuilder().setName(n.name()).setDriver(n.driver())
            .setBridge(n.bridge()).setSubnet(n.subnet()).setGateway(n.gateway()).setIsDefault(n.isDefault())
            .setAvailable(n.available()).setMessage(n.message() == null ? "" : n.message())
            .setContainers((int) holding));
      }
      return response.build();
    });
  }

  /** The time left until the caller's deadline, when it set one; else {@code fallback}. */
  private static Duration clientDeadlineOr(Duration fallback) {
    io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
    if (deadline == null) {
      return fallback;
    }
    long left = deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS);
    return Duration.ofMillis(Math.max(1, Math.min(left, fallback.toMillis())));
  }

  private <R> CompletionStage<R> forward(String ref,
      java.util.function.Function<ActorRef<StatusReply<R>>, ContainerActor.Request<R>> request, Duration timeout) {
    return containers.forward(ref, request, timeout);
  }
}
