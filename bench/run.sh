#!/usr/bin/env bash
# bench/run.sh -- conmand against bare runc (and, with --peers, containerd and podman), one command.
#
#   bench/run.sh [--quick] [--scenarios a,b,...] [--peers] [--keep] [--run-on-disk]
#
# Builds what is missing (conmand.jar, conmanctl.jar, the bench jar), makes a scratch directory
# /tmp/cmb.XXXXXX (short paths: conmon's socket paths are limited), a busybox rootfs, starts a
# private conmand (--root/--state in that directory), and runs the Java harness, which times every
# scenario against conmand and, interleaved in the same run, against bare runc on a private
# `runc --root`. The table goes to stdout and to bench/results/<date>.txt.
# With --peers, containerd (ctr) and podman are added when they are installed, set up by
# ../shared/bench/peers/setup.sh (private containerd socket and podman storage; their default
# roots are never touched); they are never installed by this script.
# At the end, and on failure or Ctrl-C, the daemon is stopped and every container of the run
# (conman's, bare runc's) is removed. --keep keeps the scratch directory (logs) afterwards.
# conmand's state directory and bare runc's root go to <scratch>/run, a tmpfs mounted for the run:
# they stand for /run/conman and /run/runc, and /run is a tmpfs on a standard host. Some machines
# have /run on their root disk; --run-on-disk leaves them on the scratch directory's filesystem.
# Scenarios: oneshot parallel50 events journal journal-direct memory restart50 cli restart1000
# (default: all but restart1000; --scenarios all includes it). See bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
main=$(dirname "$here")
peers_dir=${PEERS_DIR:-$(cd "$main/.." && pwd)/shared/bench/peers}

quick=0; scenarios=""; peers=0; keep=0; run_on_disk=0
usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --quick) quick=1;;
    --scenarios) scenarios=${2:?--scenarios needs a list}; shift;;
    --scenarios=*) scenarios=${1#*=};;
    --peers) peers=1;;
    --keep) keep=1;;
    --run-on-disk) run_on_disk=1;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2;;
  esac
  shift
done

[[ $(id -u) == 0 ]] || { echo "run.sh: runc and conmon need root" >&2; exit 1; }
for tool in java runc conmon; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
busybox=/bin/busybox
[[ -x $busybox ]] || { echo "run.sh: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }

# ---- build what is missing -------------------------------------------------------------------
if [[ ! -f $main/daemon/target/conmand.jar || ! -f $main/cli/target/conmanctl.jar ]]; then
  echo "building conmand and conmanctl (mvn package -DskipTests)"
  (cd "$main" && mvn -o -q -B -DskipTests package)
fi
bench_jar=$here/target/conman-bench.jar
if [[ ! -f $bench_jar ]] || [[ -n $(find "$here/src" "$here/pom.xml" -newer "$bench_jar" -print -quit) ]]; then
  echo "building the bench harness"
  (cd "$here" && mvn -o -q -B package)
fi

# ---- scratch directory, clean-up ---------------------------------------------------------------
work=$(mktemp -d /tmp/cmb.XXXXXX)
chmod 711 "$work"
run=$work/run
mkdir "$run"
stamp=$(date +%Y-%m-%d_%H%M%S)
mkdir -p "$here/results"
out=$here/results/$stamp.txt
peers_started=0
harness_pid=

# Container cgroups under the daemon's parent (/conman): one that is there at the end and was not
# at the start is a leak of this run (a delete that left its cgroup), reported in the results.
cgroup_parent() {
  local d
  for d in /sys/fs/cgroup/memory/conman /sys/fs/cgroup/conman; do
    if [[ -d $d ]]; then echo "$d"; return; fi
  done
}
cgroups_now() {
  local p; p=$(cgroup_parent)
  if [[ -n $p ]]; then find "$p" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort; fi
}
cgroups_before=$(cgroups_now)

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  # the harness, when interrupted (it runs in the background so that signals reach this trap at once)
  if [[ -n $harness_pid ]] && kill -0 "$harness_pid" 2>/dev/null; then
    kill "$harness_pid"
    for _ in $(seq 50); do kill -0 "$harness_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$harness_pid" 2>/dev/null
    wait "$harness_pid" 2>/dev/null
  fi
  # the daemon this run started (pid written by the harness at every (re)start); the harness
  # normally stopped it already
  if [[ -f $work/conmand.pid ]]; then
    local pid; pid=$(cat "$work/conmand.pid")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$work/"; then
      kill -9 "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
  fi
  # every container of this run: conman's runc root, the bare runc root, the runtime floor's
  local r id
  for r in "$run/state/runc" "$run/runc" "$run/floor/runc"; do
    [[ -d $r ]] || continue
    for id in $(runc --root "$r" list -q 2>/dev/null); do runc --root "$r" delete --force "$id" >/dev/null 2>&1; done
  done
  # conmons of this run whose container is gone exit by themselves; any still alive is ours (pid files under $work)
  local f cp
  for f in "$run"/state/conmon/*.conmon.pid "$run"/floor/conmon/*.conmon.pid; do
    [[ -f $f ]] || continue
    cp=$(cat "$f" 2>/dev/null)
    if [[ -n $cp ]] && kill -0 "$cp" 2>/dev/null && tr '\0' ' ' < "/proc/$cp/cmdline" | grep -q -- "$work/"; then
      kill "$cp" 2>/dev/null
    fi
  done
  if ((peers_started)); then bash "$peers_dir/teardown.sh" >/dev/null 2>&1; fi
  if mountpoint -q "$run"; then umount "$run" || umount -l "$run"; fi
  local left
  left=$(comm -13 <(echo "$cgroups_before") <(cgroups_now) | grep -c .)
  if ((left > 0)); then
    echo "run.sh: $left container cgroups made during this run are left under $(cgroup_parent)" | tee -a "$out" >&2
  fi
  if ((rc != 0)) && [[ -f $work/conmand.log ]]; then
    cp "$work/conmand.log" "$here/results/$stamp.conmand.log" 2>/dev/null
    echo "run.sh: failed (exit $rc); daemon log kept in bench/results/$stamp.conmand.log" >&2
  fi
  if ((keep)); then echo "scratch directory kept: $work"; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
((run_on_disk)) || mount -t tmpfs -o mode=711,size=1g conman-bench "$run"

# ---- busybox rootfs (as scripts/make-rootfs.sh) -----------------------------------------------
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,proc,dev,sys,tmp,etc,root}
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
  [[ -e $rootfs/bin/$applet ]] || ln -s busybox "$rootfs/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$rootfs/etc/passwd"
echo "root:x:0:" > "$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"

# ---- peers (only with --peers, only when installed) ---------------------------------------------
peer_args=()
if ((peers)); then
  missing=()
  for tool in containerd ctr podman umoci skopeo docker-registry curl python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    echo "run.sh: --peers: skipping containerd and podman: not installed: ${missing[*]}" \
      "(this script installs nothing: apt-get install containerd podman umoci skopeo docker-registry)"
  else
    # shellcheck source=/dev/null
    source "$peers_dir/env.sh"
    pidf=$PEERS/containerd.pid
    if ! { [[ -f $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null; }; then peers_started=1; fi
    echo "setting up peers ($peers_dir/setup.sh)"
    bash "$peers_dir/setup.sh"
    peer_args=(--ctr "$CTR" --podman "$P" --peer-image "$IMG")
    if [[ -z $scenarios || ,$scenarios, == *,restart50,* || ,$scenarios, == *,all,* ]]; then
      echo "containerd restart with 50 running (bench-restart.sh, REPS=$((quick ? 2 : 5)))"
      COUNT=50 REPS=$((quick ? 2 : 5)) bash "$peers_dir/bench-restart.sh" >"$work/peer-restart.log" 2>&1 || true
      if [[ -f $PEERS/results/restart/summary.txt ]]; then
        peer_args+=(--peer-restart-summary "$PEERS/results/restart/summary.txt")
      fi
    fi
  fi
fi

# ---- the harness --------------------------------------------------------------------------------
# The launcher makes its class-data archive at the first start after a build (a training run of
# several seconds): made here, it is not part of the cold start the harness measures.
"$main/bin/conmand" --version >/dev/null
harness_opts=${BENCH_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m -XX:TieredStopAtLevel=1 -Djdk.lang.Process.launchMechanism=VFORK}
info=(
  --info "conman bench $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname): $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  --info "commit $(git -C "$main" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$main" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'); $(runc --version | head -1); $(conmon --version 2>&1 | head -1); $(java -version 2>&1 | head -1)"
  --info "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); harness JVM: $harness_opts"
  --info "conmand root (journal, logs) on $(stat -f -c %T "$work"); its state and bare runc's root on $(stat -f -c %T "$run") ($(stat -f -c %T /run) is what /run is here)"
)
args=(--work "$work" --run-dir "$run" --conmand "$main/bin/conmand" --conmanctl "$main/bin/conmanctl" --out "$out")
((quick)) && args+=(--quick)
[[ -n $scenarios ]] && args+=(--scenarios "$scenarios")
# The harness's own JVM: small, serial GC, and C1 alone, so that it takes little CPU from what it
# measures. It shares the 2 cores with the daemon: with C2 as well, its compiler thread still ran
# 65-105 ms in each parallel50 start phase of conman (perf, rounds 2 and 3), the gRPC client's
# paths being hot only there, against 13 ms in bare runc's. VFORK: by default Java starts each
# program through a helper program (jspawnhelper), one more program start for every runc, ctr or
# podman the harness runs (106 of 2,194 samples of a bare runc start phase, perf): a shell or a Go
# client does not pay it, so bare runc and the peers must not either. conmand spawns with VFORK
# too. BENCH_JAVA_OPTS overrides these.
# shellcheck disable=SC2086
java $harness_opts -jar "$bench_jar" "${args[@]}" "${info[@]}" "${peer_args[@]}" &
harness_pid=$!
wait "$harness_pid"
