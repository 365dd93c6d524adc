#!/usr/bin/env bash
# test-registry.sh -- a private Distribution registry (Debian's docker-registry) on 127.0.0.1 with
# busybox images built OFFLINE from busybox-static, for the image tests. Nothing from the internet.
#
#   scripts/test-registry.sh start DIR [PORT]   build the images (once per DIR), start the registry
#                                               (storage in DIR/registry-data, a free port unless
#                                               given), push; prints the address (127.0.0.1:PORT)
#   scripts/test-registry.sh stop DIR           stop the registry started for DIR (by its PID)
#
# Env: HTPASSWD=user:password   require HTTP Basic auth (bcrypt via Debian's python3 crypt)
#
# Pushed images (repository busybox):
#   busybox:latest  linux/amd64, two layers: the base (bin/busybox, applet links, etc/passwd,
#                   etc/motd-old, opt/data/{a,b}), then an upper layer that deletes etc/motd-old
#                   (a whiteout), adds etc/motd, and replaces opt/data by one holding only c
#                   Cmd ["/bin/sh"], Env PATH=/bin, WorkingDir /
#   busybox:multi   an OCI image index: linux/arm64 (a tiny fake) and linux/amd64 (= busybox:latest)
# Files in DIR: oci/ (the OCI layout), registry.pid, registry.addr, registry.log (with the access
# log: one line per request), registry-config.yml.
# Needs (apt): docker-registry skopeo umoci busybox-static jq; root (umoci unpack keeps owners).
set -euo pipefail

cmd=${1:-}
DIR=${2:-}
[[ -n $cmd && -n $DIR ]] || { sed -n '2,22p' "$0" >&2; exit 2; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

if [[ $cmd == stop ]]; then
  if [[ -f $DIR/registry.pid ]]; then
    pid=$(cat "$DIR/registry.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$DIR/registry.pid" "$DIR/registry.addr"
  fi
  exit 0
fi
[[ $cmd == start ]] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }

for tool in docker-registry skopeo umoci jq curl; do
  command -v "$tool" >/dev/null || { echo "test-registry: $tool missing: apt-get install -y docker-registry skopeo umoci jq curl" >&2; exit 1; }
done
BB=/bin/busybox
[[ -x $BB ]] || { echo "test-registry: $BB missing: apt-get install -y busybox-static" >&2; exit 1; }

log() { echo "test-registry: $*" >&2; }

# ---- 1. the OCI layout (built once per DIR) ----------------------------------------------------
LAYOUT=$DIR/oci
if [[ ! -f $DIR/oci.done ]]; then
  rm -rf "$LAYOUT" "$DIR/bundle" "$DIR/bundle-arm"
  umoci init --layout "$LAYOUT"
  umoci new --image "$LAYOUT:latest"
  umoci unpack --image "$LAYOUT:latest" "$DIR/bundle" >/dev/null
  R=$DIR/bundle/rootfs
  mkdir -p "$R"/{bin,etc,proc,sys,dev,tmp,root,opt/data}
  cp "$BB" "$R/bin/busybox"
  for a in sh sleep echo true cat id ls ps env hostname test; do ln -s busybox "$R/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
  echo 'root:x:0:'                     > "$R/etc/group"
  echo 'old motd'                      > "$R/etc/motd-old"
  echo a > "$R/opt/data/a"; echo b > "$R/opt/data/b"
  chmod 1777 "$R/tmp"
  umoci repack --refresh-bundle --image "$LAYOUT:latest" "$DIR/bundle" >/dev/null
  # upper layer: a whiteout and a replaced directory
  rm "$R/etc/motd-old"
  echo 'hello from the upper layer' > "$R/etc/motd"
  rm -rf "$R/opt/data"; mkdir "$R/opt/data"; echo c > "$R/opt/data/c"
  umoci repack --image "$LAYOUT:latest" "$DIR/bundle" >/dev/null
  umoci config --image "$LAYOUT:latest" --config.cmd /bin/sh --config.env PATH=/bin \
    --config.workingdir / --author conman-tests >/dev/null
  # a linux/arm64 image (a fake: its layer holds a text file) for the index
  umoci new --image "$LAYOUT:arm"
  umoci unpack --image "$LAYOUT:arm" "$DIR/bundle-arm" >/dev/null
  echo 'not really arm64' > "$DIR/bundle-arm/rootfs/README"
  umoci repack --image "$LAYOUT:arm" "$DIR/bundle-arm" >/dev/null
  umoci config --image "$LAYOUT:arm" --architecture arm64 --config.cmd /README >/dev/null
  umoci gc --layout "$LAYOUT"
  rm -rf "$DIR/bundle" "$DIR/bundle-arm"
  # the index, by hand: both manifests with their platforms, tagged "multi" in index.json
  desc() { jq -c --arg r "$1" --arg a "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$r)
           | {mediaType, digest, size, platform: {os: "linux", architecture: $a}}' "$LAYOUT/index.json"; }
  index=$(jq -cn --argjson arm "$(desc arm arm64)" --argjson amd "$(desc latest amd64)" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [$arm, $amd]}')
  hex=$(printf '%s' "$index" | sha256sum | cut -d' ' -f1)
  printf '%s' "$index" > "$LAYOUT/blobs/sha256/$hex"
  size=$(printf '%s' "$index" | wc -c)
  jq --arg d "sha256:$hex" --argjson s "$size" '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json",
      digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": "multi"}}]' "$LAYOUT/index.json" \
    > "$LAYOUT/index.json.new"
  mv "$LAYOUT/index.json.new" "$LAYOUT/index.json"
  touch "$DIR/oci.done"
fi

# ---- 2. the registry ----------------------------------------------------------------------------
if [[ -f $DIR/registry.pid ]] && kill -0 "$(cat "$DIR/registry.pid")" 2>/dev/null; then
  log "registry already running (pid $(cat "$DIR/registry.pid"))"
  cat "$DIR/registry.addr"
  exit 0
fi
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
AUTH=""
if [[ -n ${HTPASSWD:-} ]]; then
  user=${HTPASSWD%%:*}; pass=${HTPASSWD#*:}
  hash=$(/usr/bin/python3 -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' "$pass" 2>/dev/null)
  echo "$user:$hash" > "$DIR/htpasswd"
  AUTH="auth:
  htpasswd:
    realm: conman-test
    path: $DIR/htpasswd"
fi
started=""
for attempt in 1 2 3 4 5; do
  PORT=${3:-$(( (RANDOM % 30000) + 20000 ))}
  port_free "$PORT" || { [[ -n ${3:-} ]] && { log "port $PORT is taken"; exit 1; }; continue; }
  mkdir -p "$DIR/registry-data"
  cat > "$DIR/registry-config.yml" <<CFG
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $DIR/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
  headers:
    X-Content-Type-Options: [nosniff]
$AUTH
CFG
  setsid docker-registry serve "$DIR/registry-config.yml" >"$DIR/registry.log" 2>&1 </dev/null &
  echo $! > "$DIR/registry.pid"
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/" || true)
    [[ $code == 200 || $code == 401 ]] && { started=1; break; }
    kill -0 "$(cat "$DIR/registry.pid")" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $started ]] && break
  kill "$(cat "$DIR/registry.pid")" 2>/dev/null || true
  rm -f "$DIR/registry.pid"
  [[ -n ${3:-} ]] && break
done
[[ -n $started ]] || { log "the registry did not come up"; cat "$DIR/registry.log" >&2; exit 1; }
echo "127.0.0.1:$PORT" > "$DIR/registry.addr"

# ---- 3. push ------------------------------------------------------------------------------------
CREDS=()
[[ -n ${HTPASSWD:-} ]] && CREDS=(--dest-creds "$HTPASSWD")
skopeo copy -q --dest-tls-verify=false "${CREDS[@]}" "oci:$LAYOUT:latest" "docker://127.0.0.1:$PORT/busybox:latest" >&2
skopeo copy -q --all --dest-tls-verify=false "${CREDS[@]}" "oci:$LAYOUT:multi" "docker://127.0.0.1:$PORT/busybox:multi" >&2
log "registry pid $(cat "$DIR/registry.pid") on 127.0.0.1:$PORT with busybox:latest and busybox:multi"
echo "127.0.0.1:$PORT"
