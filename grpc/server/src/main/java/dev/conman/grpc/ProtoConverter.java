package dev.conman.grpc;

import com.google.protobuf.Timestamp;
import dev.conman.actors.ContainerSpec;
import dev.conman.actors.ContainerView;
import dev.conman.actors.Phase;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import java.time.Instant;

/** The one place that translates between the API's messages and the domain's records. */
public final class ProtoConverter {

  private ProtoConverter() {}

  public static ContainerSpec fromProto(CreateContainerRequest r) {
    return new ContainerSpec(r.getName(), r.getImage(), r.getCommandList(), r.getEnvList(), r.getWorkdir(),
        r.getReadOnly(), r.getLabelsMap());
  }

  public static Container toProto(ContainerView v) {
    ContainerSpec spec = v.spec();
    Container.Builder b = Container.newBuilder()
        .setId(v.id())
        .setName(spec.name())
        .setState(toProto(v.phase()))
        .setPid(v.pid())
        .setImage(spec.image())
        .addAllCommand(spec.command())
        .addAllEnv(spec.env())
        .setWorkdir(spec.workdir())
        .setReadOnly(spec.readOnly())
        .putAllLabels(spec.labels())
        .setLogPath(v.logPath().toString());
    if (v.exitCode() != null) {
      b.setExitCode(v.exitCode());
    }
    if (v.message() != null) {
      b.setMessage(v.message());
    }
    if (v.createdAt() != null) {
      b.setCreatedAt(toProto(v.createdAt()));
    }
    if (v.startedAt() != null) {
      b.setStartedAt(toProto(v.startedAt()));
    }
    if (v.finishedAt() != null) {
      b.setFinishedAt(toProto(v.finishedAt()));
    }
    return b.build();
  }

  public static ContainerState toProto(Phase phase) {
    return switch (phase) {
      case CREATING -> ContainerState.CONTAINER_STATE_CREATING;
      case CREATED -> ContainerState.CONTAINER_STATE_CREATED;
      case STARTING -> ContainerState.CONTAINER_STATE_STARTING;
      case RUNNING -> ContainerState.CONTAINER_STATE_RUNNING;
      case STOPPING -> ContainerState.CONTAINER_STATE_STOPPING;
      case EXITED -> ContainerState.CONTAINER_STATE_EXITED;
      case FAILED -> ContainerState.CONTAINER_STATE_FAILED;
      case UNKNOWN -> ContainerState.CONTAINER_STATE_UNKNOWN;
      case DELETING -> ContainerState.CONTAINER_STATE_DELETING;
      case DELETED -> ContainerState.CONTAINER_STATE_DELETED;
      case CREATE_FAILED -> ContainerState.CONTAINER_STATE_CREATE_FAILED;
    };
  }

  public static Timestamp toProto(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
