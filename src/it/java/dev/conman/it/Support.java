package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.conman.api.v1.CreateContainerRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.function.Executable;
import org.sqlite.SQLiteConfig;

/** Small helpers shared by the integration tests. */
public final class Support {

  private Support() {}

  static CreateContainerRequest create(String name, Path rootfs, String... command) {
    return CreateContainerRequest.newBuilder().setName(name).setImage(rootfs.toString())
        .addAllCommand(List.of(command)).build();
  }

  /** Asserts that {@code call} fails with {@code code} and a non-empty message; returns the failure. */
  public static StatusRuntimeException assertCode(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call,
        "expected " + code);
    assertEquals(code, e.getStatus().getCode(), () -> "wrong status: " + e.getStatus());
    String message = e.getStatus().getDescription();
    if (message == null || message.isBlank()) {
      fail("a " + code + " without a message: " + e.getStatus());
    }
    return e;
  }

  /** The status of a call: OK, or its error. */
  static Status status(Runnable call) {
    try {
      call.run();
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /** Polls {@code condition} every 100 ms until it holds; fails after {@code timeout}. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      ConmanDaemon.sleep(100);
    }
  }

  static boolean processExists(long pid) {
    return Files.exists(Path.of("/proc", Long.toString(pid)));
  }

  /**
   * The serializer manifests of the journaled events of container {@code id}, in order, read
   * straight from the daemon's SQLite database (read-only; the daemon may have it open).
   */
  static List<String> journalManifests(Path database, String id) {
    return journalManifestsOf(database, "container|" + id);
  }

  /** The serializer manifests of the events journaled under {@code persistenceId}, in order. */
  static List<String> journalManifestsOf(Path database, String persistenceId) {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(5000);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database, config.toProperties());
        PreparedStatement s = c.prepareStatement(
            "SELECT event_ser_manifest FROM event_journal WHERE persistence_id = ? ORDER BY sequence_number")) {
      s.setString(1, persistenceId);
      List<String> manifests = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          manifests.add(r.getString(1));
        }
      }
      return manifests;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the journal " + database, e);
    }
  }
}
