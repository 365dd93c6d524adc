package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Image;
import dev.conman.api.v1.PullProgress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageFormatTest {

  private static Optional<String> line(String kind, String layer, long current, long total) {
    return ImageFormat.progress(PullProgress.newBuilder().setKind(kind).setLayer(layer).setCurrent(current)
        .setTotal(total).build());
  }

  @Test
  void progressLinesPerLayer() {
    assertEquals(Optional.of("resolved, 2 layers"), line("resolved", "", 0, 2));
    assertEquals(Optional.of("abc: downloading 13.1 kB / 1.1 MB"), line("downloading", "abc", 13_100, 1_100_000));
    assertEquals(Optional.of("abc: downloaded and verified (235 B)"), line("downloaded", "abc", 0, 235));
    assertEquals(Optional.of("abc: already present"), line("layer_exists", "abc", 0, 0));
    assertTrue(line("resolving", "", 0, 0).isEmpty());
  }

  @Test
  void tableShowsEveryTagAndShortIds() {
    Image i = Image.newBuilder().setId("sha256:" + "0123456789ab".repeat(5) + "0123").addRepoTags("r/a:1")
        .addRepoTags("r/a:2").setSize(1_100_000).setLayers(2).build();
    String table = ImageFormat.table(List.of(i));
    assertTrue(table.lines().skip(1).findFirst().orElseThrow().matches("0123456789ab +r/a:1 +1.1 MB +2 +-"), table);
    assertTrue(table.contains("r/a:2"), table);
    assertEquals(3, table.lines().count());
  }
}
