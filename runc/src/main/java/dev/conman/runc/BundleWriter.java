package dev.conman.runc;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a bundle's config.json. Atomically (temporary file, then rename), so that a daemon
 * killed mid-write never leaves a truncated spec that runc would reject with a confusing error.
 */
public final class BundleWriter {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private BundleWriter() {}

  /** @return the written config.json */
  public static Path write(Path bundleDir, BundleSpec spec) throws IOException {
    Files.createDirectories(bundleDir);
    Path config = bundleDir.resolve("config.json");
    Path temp = Files.createTempFile(bundleDir, ".config-", ".json");
    try {
      MAPPER.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), OciSpec.build(spec));
      return Files.move(temp, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
