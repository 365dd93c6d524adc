package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import java.util.List;

/**
 * Who the container's process runs as and with which privileges, as requested at create; turned
 * into runc's {@code Security} (with the user resolved in the root filesystem) when the bundle is written.
 *
 * @param user UID[:GID] or name[:group]; empty: root
 */
public record ProcessSecurity(String user, List<String> capAdd, List<String> capDrop, boolean privileged,
    boolean allowNewPrivileges) implements CborSerializable {

  public static final ProcessSecurity DEFAULT = new ProcessSecurity("", List.of(), List.of(), false, false);

  public ProcessSecurity {
    user = user == null ? "" : user;
    capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
    capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
  }
}
