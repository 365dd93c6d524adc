package dev.conman.grpc.events;

import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerSupervisor;
import dev.conman.api.v1.Event;
import dev.conman.grpc.ProtoConverter;
import dev.conman.journal.StoredEvent;
import java.util.List;
import java.util.Optional;

/**
 * Translates journaled events into the public {@link Event} message. The journal's format stays
 * internal: this is the one place that decides what a client sees of each event.
 */
final class EventConverter {

  /** Every public event type, for validating filters: a type the converter sets below is listed here too. */
  static final List<String> TYPES = List.of("create_requested", "created", "create_failed", "start_requested",
      "started", "start_failed", "stop_requested", "kill_requested", "exited", "delete_requested", "deleted",
      "reconciled", "orphan_found", "exec_started", "exec_exited", "image_pulled", "image_removed",
      "restart_scheduled", "restarted", "restart_failed", "restart_cancelled", "resources_updated",
      "restart_policy_changed", "attached", "detached", "network_attached", "network_detached", "paused", "resumed",
      "volume_created", "volume_removed");

  private EventConverter() {}

  /** Empty for journal entries that are not public events (the supervisor's registry bookkeeping). */
  static Optional<Event> toProto(StoredEvent stored, ContainerIdentity identity) {
    Event.Builder b = Event.newBuilder()
        .setOffset(stored.offset())
        .setTime(ProtoConverter.toProto(stored.writtenAt()))
        .setSequence(stored.sequenceNr());
    Object e = stored.event();
    if (e instanceof ContainerActor.Event ce) {
      b.setContainerId(ce.containerId()).setContainerName(identity.name());
    }
    if (e instanceof ContainerActor.CreateRequested) {
      b.setType("create_requested");
    } else if (e instanceof ContainerActor.Created c) {
      b.setType("created").setPid(c.pid());
    } else if (e instanceof ContainerActor.CreateFailed c) {
      b.setType("create_failed").setReason(c.reason());
    } else if (e instanceof ContainerActor.StartRequested) {
      b.setType("start_requested");
    } else if (e instanceof ContainerActor.Started c) {
      b.setType("started").setPid(c.pid());
    } else if (e instanceof ContainerActor.StartFailed c) {
      b.setType("start_failed").setReason(c.reason());
    } else if (e instanceof ContainerActor.StopRequested c) {
      b.setType("stop_requested").setSignal(c.signal()).setTimeoutSeconds(c.timeoutSeconds());
    } else if (e instanceof ContainerActor.KillRequested c) {
      b.setType("kill_requested").setSignal(c.signal());
    } else if (e instanceof ContainerActor.Paused) {
      b.setType("paused");
    } else if (e instanceof ContainerActor.Resumed c) {
      b.setType("resumed");
      if (c.reason() != null) {
        b.setReason(c.reason());
      }
    } else if (e instanceof ContainerActor.Exited c) {
      b.setType("exited").setFinishedAt(ProtoConverter.toProto(c.at())).setOomKilled(Boolean.TRUE.equals(c.oomKilled()));
      if (Boolean.TRUE.equals(c.oomKilled())) {
        b.setReason("OOMKilled");
      }
      if (c.exitCode() != null) {
        b.setExitCode(c.exitCode());
      }
    } else if (e instanceof ContainerActor.DeleteRequested c) {
      b.setType("delete_requested");
      if (c.reason() != null) {
        b.setReason(c.reason());
      }
    } else if (e instanceof ContainerActor.Deleted) {
      b.setType("deleted");
    } else if (e instanceof ContainerActor.Reconciled c) {
      b.setType("reconciled").setReason(c.reason())
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
      b.setType("restart_scheduled").setRestartCount(c.attempt()).setDelayMillis(c.delayMillis());
    } else if (e instanceof ContainerActor.Restarted c) {
      b.setType("restarted").setPid(c.pid()).setRestartCount(c.restartCount());
    } else if (e instanceof ContainerActor.RestartFailed c) {
      b.setType("restart_failed").setReason(c.reason());
    } else if (e instanceof ContainerActor.RestartCancelled) {
      b.setType("restart_cancelled").setReason("stopped by a user");
    } else if (e instanceof ContainerActor.ResourcesUpdated c) {
      b.setType("resources_updated").setReason(ProtoConverter.describe(c.resources()));
    } else if (e instanceof ContainerActor.RestartPolicyChanged c) {
      b.setType("restart_policy_changed").setReason(c.policy().toString());
    } else if (e instanceof ContainerActor.ExecStarted c) {
      b.setType("exec_started").setExecId(c.execId()).addAllCommand(c.command());
    } else if (e instanceof ContainerActor.ExecExited c) {
      b.setType("exec_exited").setExecId(c.execId());
      if (c.exitCode() != null) {
        b.setExitCode(c.exitCode());
      }
      if (c.reason() != null) {
        b.setReason(c.reason());
      }
    } else if (e instanceof ContainerActor.Attached c) {
      b.setType("attached").setAttachId(c.attachId()).setStdin(c.stdin());
    } else if (e instanceof ContainerActor.Detached c) {
      b.setType("detached").setAttachId(c.attachId()).setReason(c.reason());
    } else if (e instanceof ContainerActor.NetworkAttached c) {
      b.setType("network_attached").setNetwork(c.attachment().network()).setIpAddress(c.attachment().ip());
      c.attachment().ports().forEach(p -> b.addPorts(p.display()));
    } else if (e instanceof ContainerActor.NetworkDetached c) {
      b.setType("network_detached").setIpAddress(c.ip() == null ? "" : c.ip()).setReason(c.reason());
    } else if (e instanceof dev.conman.actors.ImageJournal.ImagePulled p) {
      b.setType("image_pulled").setImageId(p.imageId()).setImageRef(p.reference());
    } else if (e instanceof dev.conman.actors.ImageJournal.ImageRemoved r) {
      b.setType("image_removed").setImageId(r.imageId()).setImageRef(r.reference())
          .setReason(r.deleted() ? "image deleted" : "untagged " + String.join(", ", r.untagged()));
    } else if (e instanceof dev.conman.actors.ImageJournal.VolumeCreated v) {
      b.setType("volume_created").setVolume(v.name());
    } else if (e instanceof dev.conman.actors.ImageJournal.VolumeRemoved v) {
      b.setType("volume_removed").setVolume(v.name());
    } else if (e instanceof ContainerSupervisor.OrphanReported o) {
      b.setType("orphan_found").setRuncId(o.runcId()).setReason("runc status " + o.status());
    } else {
      return Optional.empty();
    }
    return Optional.of(b.build());
  }

  /** The container id of a journaled event; null for host events. */
  static String containerId(StoredEvent stored) {
    return stored.event() instanceof ContainerActor.Event ce ? ce.containerId() : null;
  }

}
