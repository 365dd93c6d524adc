#!/usr/bin/env bash
# Installs what conman needs on Debian 12, as root: the JDK and Maven to build it; runc, conmon and
# busybox-static to run containers; Debian's python3-grpcio for the generic-client test;
# docker-registry, skopeo, umoci and jq to serve test images from a registry on loopback; the CNI
# reference plugins, iproute2 and iptables for container networks.
# Idempotent: does nothing when everything is there.
set -euo pipefail
packages=(openjdk-17-jdk-headless maven runc conmon busybox-static python3 python3-grpcio sqlite3
  docker-registry skopeo umoci jq containernetworking-plugins iproute2 iptables)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
