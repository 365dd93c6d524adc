package dev.conman.cli;

import dev.conman.api.v1.PauseContainerRequest;
import dev.conman.api.v1.ResumeContainerRequest;
import picocli.CommandLine.Command;

/** pause and unpause: PauseContainer and ResumeContainer for each REF. */
final class PauseCommand {

  private PauseCommand() {}

  @Command(name = "pause",
      description = "Freeze every process of running containers (runc pause), as docker pause does; they stay"
          + " PAUSED until unpause. Stop, kill and delete --force resume a paused container first. Prints the id"
          + " of each.")
  static final class Pause extends RefCommand {
    @Override
    protected void actOn(String ref, Daemon daemon, Console console) {
      console.acted(daemon.runtime().pauseContainer(PauseContainerRequest.newBuilder().setRef(ref).build())
          .getContainer());
    }
  }

  @Command(name = "unpause", aliases = "resume",
      description = "Let the processes of paused containers run on (runc resume). Prints the id of each.")
  static final class Unpause extends RefCommand {
    @Override
    protected void actOn(String ref, Daemon daemon, Console console) {
      console.acted(daemon.runtime().resumeContainer(ResumeContainerRequest.newBuilder().setRef(ref).build())
          .getContainer());
    }
  }
}
