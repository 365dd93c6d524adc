package dev.conman.images;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of a tar stream, after GNU long names and PAX headers have been applied.
 *
 * @param name     the path as stored (not sanitised)
 * @param type     the ustar type flag ('0' regular, '1' hard link, '2' symlink, '3' char, '4'
 *                 block, '5' directory, '6' FIFO)
 * @param mode     permission and set-id bits (07777)
 * @param linkName target of a hard link or symlink
 * @param xattrs   extended attributes from PAX {@code SCHILY.xattr.*} records
 */
public record TarEntry(String name, char type, int mode, long uid, long gid, long size, Instant mtime,
    String linkName, long devMajor, long devMinor, Map<String, byte[]> xattrs) {

  public static final char REGULAR = '0';
  public static final char HARDLINK = '1';
  public static final char SYMLINK = '2';
  public static final char CHAR = '3';
  public static final char BLOCK = '4';
  public static final char DIRECTORY = '5';
  public static final char FIFO = '6';

  public boolean isRegular() {
    return type == REGULAR;
  }

  public boolean isDirectory() {
    return type == DIRECTORY;
  }
}
