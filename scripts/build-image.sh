#!/usr/bin/env bash
# Build clear's guest image: ONE read-only erofs filesystem that every VM
# attaches read-only (virtio-blk today, virtio-pmem/DAX later) and that is
# never copied per VM. It holds only what the guest needs to start the agent:
#
#   /sbin/init                 guest/image/init (busybox sh; starts the agent)
#   /bin/busybox + applet links sh, mount, mkdir, ip, reboot, ls, cat, ...
#   /usr/bin/node              the host's Node (symbols stripped) and exactly
#   /lib/..., /lib64/...       the shared libraries ldd lists for it and for
#                              the addon, at the same paths (+ an ld.so.cache)
#   /opt/clear/agent.js        dist/guest/agent.js       (make agent)
#   /opt/clear/clear_native.node src/native/build/Release/clear_native.node (make native)
#   /opt/clear/clear-exec      build/guest/clear-exec    (make exec-helper)
#   /etc/passwd, /etc/group, /etc/hosts; empty mount points
#
# Output: $CLEAR_CACHE/guest/clear.img (CLEAR_CACHE defaults to /var/cache/clear)
# written atomically (temp file + rename, so a running VM keeps the old inode),
# and $CLEAR_CACHE/guest/clear.img.key, the sha256 of every input. When the key
# matches, nothing is rebuilt and the image's mtime does not change.
#
# Overrides (for tests and stand-ins; the defaults are what `make image` uses):
#   CLEAR_AGENT_BUNDLE   agent bundle           (default dist/guest/agent.js)
#   CLEAR_NATIVE_ADDON   native addon           (default src/native/build/Release/clear_native.node)
#   CLEAR_EXEC_HELPER    container exec helper  (default build/guest/clear-exec)
#   CLEAR_NODE           Node binary            (default: `command -v node`, resolved)
#   CLEAR_BUSYBOX        static busybox         (default /bin/busybox)
#   CLEAR_IMAGE_COMPRESS none | lz4 | lz4hc     (default none; see docs/guest.md)
#   CLEAR_IMAGE_OUT      output path            (default $CLEAR_CACHE/guest/clear.img)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
self=$here/scripts/$(basename "$0")
cache=${CLEAR_CACHE:-/var/cache/clear}
out=${CLEAR_IMAGE_OUT:-$cache/guest/clear.img}
agent=${CLEAR_AGENT_BUNDLE:-$here/dist/guest/agent.js}
# The agent as its start-up snapshot's entry (src/agent/snapshot.ts), beside
# the bundle; without it (a stand-in agent) the image has no snapshot.
agent_snapshot=${CLEAR_AGENT_SNAPSHOT_ENTRY:-$(dirname "$agent")/agent-snapshot.js}
addon=${CLEAR_NATIVE_ADDON:-$here/src/native/build/Release/clear_native.node}
init=$here/guest/image/init
helper=${CLEAR_EXEC_HELPER:-$here/build/guest/clear-exec}
prefetcher=${CLEAR_PREFETCH_HELPER:-$here/build/guest/clear-prefetch}
kernel=${CLEAR_KERNEL:-$cache/guest/vmlinux}
# Record the start-up page set (step 4): auto = when a guest kernel exists,
# 1 = must succeed, 0 = never.
record=${CLEAR_IMAGE_PREFETCH:-auto}
busybox=${CLEAR_BUSYBOX:-/bin/busybox}
compress=${CLEAR_IMAGE_COMPRESS:-none}

step() { printf '[image] %s\n' "$*"; }
die() { printf '[image] error: %s\n' "$*" >&2; exit 1; }

# --- 1. inputs ---------------------------------------------------------------
step "1/5 checking inputs"
node=${CLEAR_NODE:-$(command -v node || true)}
[ -n "$node" ] || die "no Node binary on PATH: install Node 20 (or set CLEAR_NODE)"
node=$(readlink -f "$node")
[ -f "$agent" ] || die "${agent#"$here"/} missing: run 'make build' (or 'make agent')"
[ -f "$addon" ] || die "${addon#"$here"/} missing: run 'make build' (or 'make native')"
[ -f "$helper" ] || die "${helper#"$here"/} missing: run 'make exec-helper'"
[ -f "$prefetcher" ] || die "${prefetcher#"$here"/} missing: run 'make prefetch-helper'"
[ -f "$init" ] || die "guest/image/init missing: it is part of the repository, restore it (git checkout guest/image/init)"
[ -x "$busybox" ] || die "$busybox missing: install busybox-static ('make deps')"
file -b "$busybox" 2>/dev/null | grep -q 'statically linked' ||
  ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
  die "$busybox is not statically linked: install busybox-static ('make deps')"
command -v mkfs.erofs >/dev/null || die "mkfs.erofs missing: install erofs-utils ('make deps')"
case $compress in
  none) zopt=() ;;
  lz4 | lz4hc) zopt=(-z"$compress") ;;
  *) die "CLEAR_IMAGE_COMPRESS=$compress: use none, lz4 or lz4hc" ;;
esac

# The key: every input's content, the compression choice, and this script.
key=$( (sha256sum "$self" "$init" "$agent" $([ -f "$agent_snapshot" ] && echo "$agent_snapshot") "$addon" "$helper" "$prefetcher" "$node" "$busybox" | cut -d' ' -f1
  echo "compress=$compress"
  # The node flags the agent's snapshot is made with (src/sandbox/sandbox.ts):
  # a blob made with other flags than the host now gives is refused at boot.
  [ "$record" = 0 ] || node -p "JSON.stringify(require('$here/dist/sandbox/sandbox.js').ACCEL_NODE_CMDLINE)" 2>/dev/null
  # An image built before the kernel has no start-up page set: rebuild once there is one.
  [ "$record" = 0 ] || [ ! -f "$kernel" ] || echo "prefetch recorded") | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
  step "up to date: $out ($(du -h --apparent-size "$out" | cut -f1), key ${key:0:16})"
  exit 0
fi

# --- 2. staging tree ---------------------------------------------------------
mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.image-stage.XXXXXX")
chmod 0755 "$stage" # mktemp made it 0700; it becomes the guest's /
tmpimg=$out.tmp.$$
trap 'rm -rf "$stage" "$tmpimg"' EXIT
step "2/5 staging busybox, node ($(du -h --apparent-size "$node" | cut -f1)), shared libraries and the agent in $stage"

cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin etc opt/clear root var/tmp \
  proc sys dev run run/clear tmp mnt
chmod 1777 tmp var/tmp
chmod 0700 root

# busybox and its applets, all as relative-free absolute symlinks to it.
cp "$busybox" bin/busybox
for applet in $("$busybox" --list-full); do
  case $applet in sbin/init | linuxrc | bin/busybox) continue ;; esac
  [ -e "$applet" ] || [ -L "$applet" ] || ln -s /bin/busybox "$applet"
done

# Node, without its symbol table and debug info (~13 MB less; .dynsym stays,
# so native addons still link against it).
if command -v strip >/dev/null; then
  strip --strip-all -o usr/bin/node "$node"
else
  cp "$node" usr/bin/node
fi
chmod 0755 usr/bin/node

# Shared libraries: exactly what ldd resolves for node and the addon, copied
# (dereferenced) to the path ldd printed, so the dynamic loader and PT_INTERP
# (/lib64/ld-linux-x86-64.so.2) find them where they are on the host. A file
# reached by two paths is stored once; the second path is a symlink to it.
declare -A stored=()
while read -r path; do
  [ -n "$path" ] || continue
  real=$(readlink -f "$path")
  [ -e ".$path" ] && continue
  mkdir -p ".$(dirname "$path")"
  if [ -n "${stored[$real]:-}" ]; then
    ln -s "${stored[$real]}" ".$path"
  else
    cp -L "$path" ".$path"
    stored[$real]=$path
  fi
done < <(ldd "$node" "$addon" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' | sort -u)
[ -e lib64/ld-linux-x86-64.so.2 ] || die "ldd did not report the dynamic loader for $node"
# A loader cache, so lookups go straight to the file (no probing per library).
if command -v ldconfig >/dev/null; then
  printf '%s\n' /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu >etc/ld.so.conf
  ldconfig -r "$stage" 2>/dev/null || true
fi

cp "$agent" opt/clear/agent.js
[ -f "$agent_snapshot" ] && cp "$agent_snapshot" opt/clear/agent-snapshot.js
cp "$addon" opt/clear/clear_native.node
cp "$init" sbin/init
cp "$helper" opt/clear/clear-exec
cp "$prefetcher" opt/clear/clear-prefetch
chmod 0755 sbin/init opt/clear/clear_native.node opt/clear/clear-exec opt/clear/clear-prefetch
chmod 0644 opt/clear/agent*.js

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
cat >etc/hosts <<'EOF'
127.0.0.1 localhost
::1 localhost
EOF
printf 'clear\n' >etc/hostname
cd "$here"

# --- 3. erofs -------------------------------------------------------------------
mkfs() {
  rm -f "$tmpimg"
  # -T0 and --all-root: the image depends only on the inputs, not on who built it when.
  # -E noinline_data: erofs serves only block-aligned (not tail-packed) files
  # through DAX; an inlined tail would put the whole file in the page cache.
  mkfs.erofs --quiet --all-root -T0 -U 00000000-0000-0000-0000-000000000001 -E noinline_data \
    "${zopt[@]}" "$tmpimg" "$stage" >/dev/null ||
    die "mkfs.erofs failed"
  # A whole number of 2 MiB: the guest maps the image as persistent memory
  # (DAX, src/devices/root-image.ts), in 2 MiB subsections. The tail is a
  # hole, past the end erofs knows of.
  truncate --size=%2M "$tmpimg"
}
step "3/5 mkfs.erofs (compression: $compress)"
mkfs

# --- 4. the start-up page set and the agent's snapshot ---------------------------
# What a VM's start touches of the image, so init can read exactly that ahead
# (guest/prefetch/clear-prefetch.c); and, in the same boot, the agent's
# start-up snapshot, made by the guest's own node with the node flags of
# this host's accelerator (src/agent/snapshot.ts: node accepts a blob only
# from a V8 of the same build and flags). Boots the image once; without
# them the image still works: the kernel's default read-ahead, the agent
# loaded from its bundle.
recorder=$here/dist/sandbox/record-prefetch.js
if [ "$record" = 0 ]; then
  step "4/5 start-up page set: not recorded (CLEAR_IMAGE_PREFETCH=0)"
elif [ ! -f "$kernel" ]; then
  [ "$record" = 1 ] && die "no guest kernel at $kernel to record the start-up page set with: run 'make kernel'"
  step "4/5 start-up page set: not recorded, no guest kernel at $kernel yet ('make kernel', then 'make image' again)"
elif [ ! -f "$recorder" ]; then
  [ "$record" = 1 ] && die "${recorder#"$here"/} missing: run 'make build'"
  step "4/5 start-up page set: not recorded, ${recorder#"$here"/} missing ('make build')"
else
  step "4/5 recording the start-up page set and the agent's snapshot: booting the image once (seconds under KVM, ~20-40 s under TCG)"
  mkdir -p "$stage/etc/clear"
  list=$stage/etc/clear/prefetch.list
  blob=$stage/opt/clear/agent.blob
  [ -f "$agent_snapshot" ] || { blob=; step "    no ${agent_snapshot#"$here"/}: the image goes without the agent's snapshot"; }
  if CLEAR_KERNEL=$kernel node "$recorder" "$tmpimg" $blob >"$list.tmp" && [ -s "$list.tmp" ]; then
    mv "$list.tmp" "$list"
    step "    $(wc -l <"$list") ranges, $(awk '{s+=$2} END {printf "%.1f MiB", s/1048576}' "$list")"
    [ -n "$blob" ] && [ -s "$blob" ] && step "    agent snapshot: $(du -h --apparent-size "$blob" | cut -f1), node flags '$(cat "$blob.flags")'"
    step "    mkfs.erofs again"
    mkfs
  else
    rm -f "$list.tmp" "$stage/opt/clear/agent.blob" "$stage/opt/clear/agent.blob.flags"
    [ "$record" = 1 ] && die "recording the start-up page set failed (above)"
    step "    recording failed (above): the image goes without it"
  fi
fi

# --- 5. install -------------------------------------------------------------------
step "5/5 installing $out"
printf '%s\n' "$key" >"$out.key.tmp.$$"
mv -f "$tmpimg" "$out"
mv -f "$out.key.tmp.$$" "$out.key"
step "done: $out $(du -h --apparent-size "$out" | cut -f1) (key ${key:0:16})"
