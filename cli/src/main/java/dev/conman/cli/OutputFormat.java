package dev.conman.cli;

/** The value of {@code -o/--output}. */
enum OutputFormat {
  /** Human-readable: ids, aligned tables, key: value listings. */
  TABLE,
  /** For scripts: one JSON object per line for single-container results, one JSON array for list. */
  JSON
}
