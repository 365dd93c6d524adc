package dev.conman.grpc.events;

import java.util.Map;

/** What events need of a container besides its id: its name and labels, as created. */
record ContainerIdentity(String name, Map<String, String> labels) {
  static final ContainerIdentity HOST = new ContainerIdentity("", Map.of());
}
