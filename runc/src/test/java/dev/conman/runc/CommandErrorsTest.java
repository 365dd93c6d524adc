package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandErrorsTest {

  @Test
  void tellsAMissingCommandFromOneThatCannotRunAsAShellDoes() {
    // runc 1.1.5's words, as logged by create and exec
    assertEquals(Optional.of(RuntimeFailure.Kind.COMMAND_NOT_FOUND), CommandErrors.classify(
        "runc create failed: unable to start container process: exec: \"nonexist\": executable file not found in $PATH"));
    assertEquals(Optional.of(RuntimeFailure.Kind.COMMAND_NOT_FOUND), CommandErrors.classify(
        "exec failed: unable to start container process: exec: \"/nonexist\": stat /nonexist: no such file or directory"));
    assertEquals(Optional.of(RuntimeFailure.Kind.COMMAND_NOT_EXECUTABLE), CommandErrors.classify(
        "runc create failed: unable to start container process: exec: \"/etc/passwd\": permission denied"));
    assertEquals(127, CommandErrors.status(RuntimeFailure.Kind.COMMAND_NOT_FOUND));
    assertEquals(126, CommandErrors.status(RuntimeFailure.Kind.COMMAND_NOT_EXECUTABLE));
  }

  @Test
  void leavesOtherFailuresAlone() {
    assertEquals(Optional.empty(), CommandErrors.classify(
        "runc create failed: unable to apply cgroup configuration: mkdir /sys/fs/cgroup/x: no such file or directory"));
    assertEquals(Optional.empty(), CommandErrors.classify("exec failed: container not running"));
  }
}
