package dev.conman.reconcile;

import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeState;
import java.util.Optional;

/** What is true on the host about one container: runc's view and conmon's exit file. */
public record Observation(Optional<RuntimeState> runc, Optional<ExitRecord> exit) {}
