package dev.conman.grpc;

import com.google.protobuf.Timestamp;
import dev.conman.actors.ContainerException;
import dev.conman.actors.ContainerSpec;
import dev.conman.runc.VolumeMount;
import dev.conman.actors.ProcessSecurity;
import dev.conman.actors.RestartPolicy;
import dev.conman.runc.Resources;
import dev.conman.actors.ContainerView;
import dev.conman.actors.Phase;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.actors.NetworkSpec;
import dev.conman.network.PortMapping;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The one place that translates between the API's messages and the domain's records. */
public final class ProtoConverter {

  private ProtoConverter() {}

  /** @throws ContainerException INVALID_ARGUMENT for a bad restart policy or limits */
  public static ContainerSpec fromProto(CreateContainerRequest r) {
    return new ContainerSpec(r.getName(), r.getImage(), r.getCommandList(), r.getEnvList(), r.getWorkdir(),
        r.getReadOnly(), r.getLabelsMap(), null, RestartPolicy.parse(r.getRestartPolicy()),
        r.hasResources() ? fromProto(r.getResources()) : null,
        new ProcessSecurity(r.getUser(), r.getCapAddList(), r.getCapDropList(), r.getPrivileged(),
            r.getAllowNewPrivileges()),
        new NetworkSpec(r.getNetwork(), ports(r.getPublishList()), r.getHostname()), stdio(r), r.getAutoRemove(),
        r.getMountsList().stream().map(ProtoConverter::fromProto).toList());
  }

  /** @throws ContainerException INVALID_ARGUMENT for a type other than bind, volume and tmpfs */
  private static VolumeMount fromProto(dev.conman.api.v1.Mount m) {
    VolumeMount.Kind type = java.util.Arrays.stream(VolumeMount.Kind.values())
        .filter(k -> mountType(k).equals(m.getType())).findFirst()
        .orElseThrow(() -> ContainerException.invalid("mount type " + (m.getType().isEmpty() ? "(none)"
            : "'" + m.getType() + "'") + " for " + m.getDestination() + ": bind, volume or tmpfs"));
    return new VolumeMount(type, m.getSource(), m.getDestination(), m.getReadOnly());
  }

  /** The API's name of a mount type (Mount.type): bind, volume, tmpfs. */
  private static String mountType(VolumeMount.Kind kind) {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static dev.conman.api.v1.Mount toProto(VolumeMount m) {
    return dev.conman.api.v1.Mount.newBuilder().setType(mountType(m.kind()))
        .setSource(m.source() == null ? "" : m.source()).setDestination(m.destination()).setReadOnly(m.readOnly())
        .build();
  }

  /** @throws ContainerException INVALID_ARGUMENT for a mapping that is not [HOST_IP:]HOST:CONTAINER[/PROTO] */
  private static List<PortMapping> ports(List<String> publish) {
    List<PortMapping> ports = new ArrayList<>();
    for (String p : publish) {
      try {
        ports.add(PortMapping.parse(p));
      } catch (IllegalArgumentException e) {
        throw ContainerException.invalid(e.getMessage());
      }
    }
    return ports;
  }

  /** @throws ContainerException INVALID_ARGUMENT for stdin_once without stdin */
  private static dev.conman.runc.StdioMode stdio(CreateContainerRequest r) {
    if (r.getStdinOnce() && !r.getStdin()) {
      throw ContainerException.invalid("stdin_once needs stdin: a container without stdin has none to close");
    }
    return new dev.conman.runc.StdioMode(r.getTty(), r.getStdin(), r.getStdinOnce());
  }

  /** @throws ContainerException INVALID_ARGUMENT when the limits are not valid */
  public static Resources fromProto(dev.conman.api.v1.Resources r) {
    try {
      Resources res = Resources.NONE;
      if (r.hasMemoryBytes()) {
        res = res.withMemory(r.getMemoryBytes());
      }
      if (r.hasMemorySwapBytes()) {
        res = res.withMemorySwap(r.getMemorySwapBytes());
      }
      if (r.hasCpus()) {
        res = res.withCpus(r.getCpus());
      }
      if (r.hasCpuShares()) {
        res = res.withCpuShares(r.getCpuShares());
      }
      if (r.hasPidsLimit()) {
        res = res.withPidsLimit(r.getPidsLimit());
      }
      if (!r.getCpusetCpus().isEmpty()) {
        res = res.withCpusetCpus(r.getCpusetCpus());
      }
      return res;
    } catch (IllegalArgumentException e) {
      throw ContainerException.invalid(e.getMessage());
    }
  }

  public static dev.conman.api.v1.Resources toProto(Resources r) {
    dev.conman.api.v1.Resources.Builder b = dev.conman.api.v1.Resources.newBuilder();
    if (r.memoryBytes() != null) {
      b.setMemoryBytes(r.memoryBytes());
    }
    if (r.memorySwapBytes() != null) {
      b.setMemorySwapBytes(r.memorySwapBytes());
    }
    r.cpus().ifPresent(b::setCpus);
    if (r.cpuShares() != null) {
      b.setCpuShares(r.cpuShares());
    }
    if (r.pidsLimit() != null) {
      b.setPidsLimit(r.pidsLimit());
    }
    if (r.cpusetCpus() != null) {
      b.setCpusetCpus(r.cpusetCpus());
    }
    return b.build();
  }

  /** For event reasons: the limits that are set, e.g. "memory=33554432 pids=20". */
  public static String describe(Resources r) {
    StringBuilder s = new StringBuilder();
    if (r.memoryBytes() != null) {
      s.append(" memory=").append(r.memoryBytes());
    }
    if (r.memorySwapBytes() != null) {
      s.append(" memory_swap=").append(r.memorySwapBytes());
    }
    r.cpus().ifPresent(c -> s.append(" cpus=").append(c));
    if (r.cpuShares() != null) {
      s.append(" cpu_shares=").append(r.cpuShares());
    }
    if (r.pidsLimit() != null) {
      s.append(" pids=").append(r.pidsLimit());
    }
    if (r.cpusetCpus() != null) {
      s.append(" cpuset=").append(r.cpusetCpus());
    }
    return s.toString().strip();
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
        .setLogPath(v.logPath().toString())
        .setRestartPolicy(spec.restart().toString())
        .setAutoRemove(spec.autoRemove())
        .addAllMounts(spec.mounts().stream().map(ProtoConverter::toProto).toList())
        .setRestartCount(v.restartCount())
        .setOomKilled(v.oomKilled())
        .setResources(toProto(spec.resources()))
        .setUser(spec.security().user())
        .setNetwork(spec.network().network())
        .setHostname(spec.network().hostnameFor(v.id()))
        .setTty(spec.stdio().terminal())
        .setStdin(spec.stdio().stdin())
        .setStdinOnce(spec.stdio().stdinOnce());
    if (v.network() != null) {
      b.setIpAddress(v.network().ip()).setIpPrefixLength(v.network().prefixLength())
          .setGateway(v.network().gateway() == null ? "" : v.network().gateway());
      v.network().ports().forEach(p -> b.addPorts(p.display()));
    }
    if (spec.imageId() != null) {
      b.setImageId(spec.imageId());
    }
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

  public static dev.conman.api.v1.ContainerProcess toProto(dev.conman.runc.ContainerProcess p) {
    return dev.conman.api.v1.ContainerProcess.newBuilder().setPid(p.pid()).setHostPid(p.hostPid()).setPpid(p.ppid())
        .setUid(p.uid()).setUser(p.user()).setState(p.state()).setCpuNanos(p.cpuNanos())
        .setStartedAt(toProto(p.startedAt())).addAllCommand(p.command()).build();
  }

  public static ContainerState toProto(Phase phase) {
    return switch (phase) {
      case CREATING -> ContainerState.CONTAINER_STATE_CREATING;
      case CREATED -> ContainerState.CONTAINER_STATE_CREATED;
      case STARTING -> ContainerState.CONTAINER_STATE_STARTING;
      case RUNNING -> ContainerState.CONTAINER_STATE_RUNNING;
      case PAUSED -> ContainerState.CONTAINER_STATE_PAUSED;
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
