package dev.conman.grpc.events;

import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerSupervisor;
import dev.conman.api.v1.Event;
import dev.conman.grpc.ProtoConverter;
import dev.conman.journal.StoredEvent;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Translates journaled events into the public {@link Event} message. The journal's format stays
 * internal: this is the one place that decides what a client sees of each event.
 */
final class EventConverter {

  /**
   * The public type of each journaled event that clients see: the one place a type's name is
   * written. The supervisor's registry bookkeeping has none.
   */
  static final Map<Class<?>, String> TYPE_OF = typeNames();

  /** Every public event type, for validating filters. */
  static final List<String> TYPES = List.copyOf(TYPE_OF.values());

  private EventConverter() {}

  /** Empty for journal entries that are not public events (the supervisor's registry bookkeeping). */
  static Optional<Event> toProto(StoredEvent stored, ContainerIdentity identity) {
    Event.Builder b = Event.newBuilder()
        .setOffset(stored.offset())
        .setTime(ProtoConverter.toProto(stored.writtenAt()))
        .setSequence(stored.sequenceNr());
    Object e = stored.event();
    String type = TYPE_OF.get(e.getClass());
    if (type == null) {
      return Optional.empty();
    }
    b.setType(type);
    if (e instanceof ContainerActor.Event ce) {
      b.setContainerId(ce.containerId()).setContainerName(identity.name());
    }
    if (e instanceof ContainerActor.Created c) {
      b.setPid(c.pid());
    } else if (e instanceof ContainerActor.CreateFailed c) {
      b.setReason(c.reason());
    } else if (e instanceof ContainerActor.Started c) {
      b.setPid(c.pid());
    } else if (e instanceof ContainerActor.StartFailed c) {
      b.setReason(c.reason());
    } else if (e instanceof ContainerActor.StopRequested c) {
      b.setSignal(c.signal()).setTimeoutSeconds(c.timeoutSeconds());
    } else if (e instanceof ContainerActor.KillRequested c) {
      b.setSignal(c.signal());
    } else if (e instanceof ContainerActor.Resumed c) {
      if (c.reason() != null) {
        b.setReason(c.reason());
      }
    } else if (e instanceof ContainerActor.Exited c) {
      b.setFinishedAt(ProtoConverter.toProto(c.at())).setOomKilled(Boolean.TRUE.equals(c.oomKilled()));
      if (Boolean.TRUE.equals(c.oomKilled())) {
        b.setReason("OOMKilled");
      }
      if (c.exitCode() != null) {
        b.setExitCode(c.exitCode());
      }
    } else if (e instanceof ContainerActor.DeleteRequested c) {
      if (c.reason() != null) {
        b.setReason(c.reason());
      }
    } else if (e instanceof ContainerActor.Reconciled c) {
      b.setReason(c.reason())
          .setFromState(ProtoConverter.toProto(c.from())).setToState(ProtoConverter.toProto(c.to()));
      if (c.pid() != null) {
        b.setPid(c.pid());
      }
      if (c.exitCode() != null) {
        b.setExitCode(c.exitCode());
      }
      if (c.finishedAt() != null) {
        b.setFinishedAt(ProtoConverter.toProto(c.finishedAt()));
      }
      b.setOomKilled(Boolean.TRUE.equals(c.oomKilled()));
    } else if (e instanceof ContainerActor.RestartScheduled c) {
      b.setRestartCount(c.attempt()).setDelayMillis(c.delayMillis());
    } else if (e instanceof ContainerActor.Restarted c) {
      b.setPid(c.pid()).setRestartCount(c.restartCount());
    } else if (e instanceof ContainerActor.RestartFailed c) {
      b.setReason(c.reason());
    } else if (e instanceof ContainerActor.RestartCancelled) {
      b.setReason("stopped by a user");
    } else if (e instanceof ContainerActor.ResourcesUpdated c) {
      b.setReason(ProtoConverter.describe(c.resources()));
    } else if (e instanceof ContainerActor.RestartPolicyChanged c) {
      b.setReason(c.policy().toString());
    } else if (e instanceof ContainerActor.ExecStarted c) {
      b.setExecId(c.execId()).addAllCommand(c.command());
    } else if (e instanceof ContainerActor.ExecExited c) {
      b.setExecId(c.execId());
      if (c.exitCode() != null) {
        b.setExitCode(c.exitCode());
      }
      if (c.reason() != null) {
        b.setReason(c.reason());
      }
    } else if (e instanceof ContainerActor.Attached c) {
      b.setAttachId(c.attachId()).setStdin(c.stdin());
    } else if (e instanceof ContainerActor.Detached c) {
      b.setAttachId(c.attachId()).setReason(c.reason());
    } else if (e instanceof ContainerActor.NetworkAttached c) {
      b.setNetwork(c.attachment().network()).setIpAddress(c.attachment().ip());
      c.attachment().ports().forEach(p -> b.addPorts(p.display()));
    } else if (e instanceof ContainerActor.NetworkDetached c) {
      b.setIpAddress(c.ip() == null ? "" : c.ip()).setReason(c.reason());
    } else if (e instanceof dev.conman.actors.ImageJournal.ImagePulled p) {
      b.setImageId(p.imageId()).setImageRef(p.reference());
    } else if (e instanceof dev.conman.actors.ImageJournal.ImageRemoved r) {
      b.setImageId(r.imageId()).setImageRef(r.reference())
          .setReason(r.deleted() ? "image deleted" : "untagged " + String.join(", ", r.untagged()));
    } else if (e instanceof dev.conman.actors.ImageJournal.VolumeCreated v) {
      b.setVolume(v.name());
    } else if (e instanceof dev.conman.actors.ImageJournal.VolumeRemoved v) {
      b.setVolume(v.name());
    } else if (e instanceof ContainerSupervisor.OrphanReported o) {
      b.setRuncId(o.runcId()).setReason("runc status " + o.status());
    }
    return Optional.of(b.build());
  }

  private static Map<Class<?>, String> typeNames() {
    Map<Class<?>, String> m = new LinkedHashMap<>();
    m.put(ContainerActor.CreateRequested.class, "create_requested");
    m.put(ContainerActor.Created.class, "created");
    m.put(ContainerActor.CreateFailed.class, "create_failed");
    m.put(ContainerActor.StartRequested.class, "start_requested");
    m.put(ContainerActor.Started.class, "started");
    m.put(ContainerActor.StartFailed.class, "start_failed");
    m.put(ContainerActor.StopRequested.class, "stop_requested");
    m.put(ContainerActor.KillRequested.class, "kill_requested");
    m.put(ContainerActor.Paused.class, "paused");
    m.put(ContainerActor.Resumed.class, "resumed");
    m.put(ContainerActor.Exited.class, "exited");
    m.put(ContainerActor.DeleteRequested.class, "delete_requested");
    m.put(ContainerActor.Deleted.class, "deleted");
    m.put(ContainerActor.Reconciled.class, "reconciled");
    m.put(ContainerActor.RestartScheduled.class, "restart_scheduled");
    m.put(ContainerActor.Restarted.class, "restarted");
    m.put(ContainerActor.RestartFailed.class, "restart_failed");
    m.put(ContainerActor.RestartCancelled.class, "restart_cancelled");
    m.put(ContainerActor.ResourcesUpdated.class, "resources_updated");
    m.put(ContainerActor.RestartPolicyChanged.class, "restart_policy_changed");
    m.put(ContainerActor.ExecStarted.class, "exec_started");
    m.put(ContainerActor.ExecExited.class, "exec_exited");
    m.put(ContainerActor.Attached.class, "attached");
    m.put(ContainerActor.Detached.class, "detached");
    m.put(ContainerActor.NetworkAttached.class, "network_attached");
    m.put(ContainerActor.NetworkDetached.class, "network_detached");
    m.put(dev.conman.actors.ImageJournal.ImagePulled.class, "image_pulled");
    m.put(dev.conman.actors.ImageJournal.ImageRemoved.class, "image_removed");
    m.put(dev.conman.actors.ImageJournal.VolumeCreated.class, "volume_created");
    m.put(dev.conman.actors.ImageJournal.VolumeRemoved.class, "volume_removed");
    m.put(ContainerSupervisor.OrphanReported.class, "orphan_found");
    return Collections.unmodifiableMap(m);
  }

  /** The container id of a journaled event; null for host events. */
  static String containerId(StoredEvent stored) {
    return stored.event() instanceof ContainerActor.Event ce ? ce.containerId() : null;
  }

}
