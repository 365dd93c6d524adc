package dev.conman.cli;

import dev.conman.api.v1.Image;
import java.util.ArrayList;
import java.util.List;

/** How images are shown: a table (docker images' columns) or one JSON object per image. */
final class ImageFormat {

  private ImageFormat() {}

  static String table(List<Image> images) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"IMAGE ID", "REFERENCE", "SIZE", "LAYERS", "CREATED"});
    for (Image i : images) {
      List<String> names = i.getRepoTagsList().isEmpty() ? List.of("<none>") : i.getRepoTagsList();
      for (String name : names) {
        rows.add(new String[] {shortId(i.getId()), name, size(i.getSize()), Integer.toString(i.getLayers()),
            i.hasCreated() ? Timestamps.json(true, i.getCreated()) : "-"});
      }
    }
    return ContainerFormat.align(rows);
  }

  static String json(Image i) {
    return Json.object()
        .put("id", i.getId())
        .put("repo_tags", i.getRepoTagsList())
        .put("repo_digests", i.getRepoDigestsList())
        .put("size", i.getSize())
        .put("layers", i.getLayers())
        .put("created", Timestamps.json(i.hasCreated(), i.getCreated()))
        .put("pulled_at", Timestamps.json(i.hasPulledAt(), i.getPulledAt()))
        .put("env", i.getEnvList())
        .put("entrypoint", i.getEntrypointList())
        .put("cmd", i.getCmdList())
        .put("workdir", i.getWorkdir())
        .put("user", i.getUser())
        .put("labels", i.getLabelsMap())
        .toString();
  }

  /**
   * A progress line, like podman's: one per layer step; downloads as "bytes / size". Empty for
   * events not worth a line.
   */
  static java.util.Optional<String> progress(dev.conman.api.v1.PullProgress p) {
    String layer = p.getLayer().isEmpty() ? "" : p.getLayer() + ": ";
    return java.util.Optional.ofNullable(switch (p.getKind()) {
      case "resolved" -> "resolved, " + p.getTotal() + " layers";
      case "layer_exists" -> layer + "already present";
      case "downloading" -> layer + "downloading " + size(p.getCurrent()) + " / " + size(p.getTotal());
      case "downloaded" -> layer + "downloaded and verified (" + size(p.getTotal()) + ")";
      case "extracted" -> layer + "extracted";
      default -> null;
    });
  }

  static String json(List<Image> images) {
    return Json.array(images.stream().map(ImageFormat::json).toList());
  }

  /** sha256:0123456789ab... -> 0123456789ab */
  static String shortId(String id) {
    String hex = id.startsWith("sha256:") ? id.substring(7) : id;
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double v = bytes;
    String[] units = {"kB", "MB", "GB", "TB"};
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[Math.max(u, 0)]);
  }
}
