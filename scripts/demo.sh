#!/usr/bin/env bash
# Sets up conman on this machine and runs the daemon with the default paths (/var/lib/conman,
# /run/conman), in the foreground; a demo container runs as soon as the daemon serves.
# Stop the daemon with Ctrl-C: containers keep running and are found again at the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bash scripts/install-deps.sh
if [[ ! -f daemon/target/conmand.jar || ! -f cli/target/conmanctl.jar ]]; then
  echo "demo: building (mvn package)..."
  mvn -B -q -ntp -DskipTests package
fi
rootfs=/var/lib/conman-demo/busybox
[[ -x $rootfs/bin/busybox ]] || bash scripts/make-rootfs.sh "$rootfs"
socket=/run/conman/conman.sock
(
  for _ in $(seq 1 150); do [[ -S $socket ]] && break; sleep 0.2; done
  ctl() { "$repo/bin/conmanctl" --socket "$socket" "$@"; }
  echo
  echo "demo: conmanctl run --rm demo-hello --image $rootfs -- /bin/sh -c 'echo hello from a conman container; uname -n'"
  ctl run --rm demo-hello --image "$rootfs" -- /bin/sh -c 'echo hello from a conman container; uname -n' \
    && echo "demo: it ran and exited 0, and --rm deleted it" || echo "demo: the demo container failed" >&2
  cat <<TXT

Try, in another terminal:
  bin/conmanctl container create --image $rootfs cont1 -- /bin/sleep 100   # prints the new id
  bin/conmanctl container status cont1
  bin/conmanctl container start cont1
  bin/conmanctl container list
  bin/conmanctl run --rm once --image $rootfs -- sh -c 'exit 7'; echo \$?
TXT
) &
exec bin/conmand
