#!/usr/bin/env bash
# make-rootfs.sh DIR: a minimal root filesystem from busybox-static (sh, sleep, echo, ... as links).
set -euo pipefail
dir=${1:?usage: make-rootfs.sh DIR}
mkdir -p "$dir"/{bin,proc,dev,sys,tmp,etc,root}
cp /bin/busybox "$dir/bin/busybox"
for applet in $("$dir/bin/busybox" --list); do
  [[ -e $dir/bin/$applet ]] || ln -s busybox "$dir/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$dir/etc/passwd"
echo "root:x:0:" > "$dir/etc/group"
