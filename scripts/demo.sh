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
  ctl container delete --force demo-hello >/dev/null 2>&1 || true   # left over by an interrupted demo
  echo "demo: bin/conmanctl run --rm --image $rootfs demo-hello -- /bin/sh -c 'exit 3'"
  ctl run --rm --image "$rootfs" demo-hello -- /bin/sh -c 'exit 3' && code=0 || code=$?
  echo "demo: conmanctl run exited with $code: the container's own exit code (125 would mean conmanctl failed)"
  # a sleeper left by an earlier demo that has ended since (an hour later, or with the host) makes way
  if ctl container status demo-sleeper 2>/dev/null | grep -qE '^State: +(CREATED|EXITED|FAILED)'; then
    ctl container delete --force demo-sleeper >/dev/null
  fi
  if ! ctl container status demo-sleeper >/dev/null 2>&1; then
    echo "demo: bin/conmanctl run -d --image $rootfs demo-sleeper -- /bin/sleep 3600"
    ctl run -d --image "$rootfs" demo-sleeper -- /bin/sleep 3600 >/dev/null
  fi
  ctl container list
  ctl container status demo-sleeper | grep -E '^(Network|Address|Ports):' || true
  cat <<TXT

Try, in another terminal:
  bin/conmanctl container create --image $rootfs cont1 -- /bin/sleep 100   # prints the new id
  bin/conmanctl container status cont1
  bin/conmanctl container start cont1
  bin/conmanctl container list
  bin/conmanctl run --rm --image $rootfs once -- sh -c 'echo hi; exit 7'; echo \$?
  bin/conmanctl exec -it demo-sleeper -- /bin/sh      # a shell inside it; exit to leave
  bin/conmanctl network list
  bin/conmanctl events -f                             # the live event stream (Ctrl-C ends it)
TXT
) &
exec bin/conmand
