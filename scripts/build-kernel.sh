#!/usr/bin/env bash
# Build clear's guest kernel from Debian's linux-source-6.1 and the config
# fragment in guest/kernel/clear.config. The result is cached outside git,
# keyed by the fragment and the source tarball, so each machine builds it once:
#   $CLEAR_CACHE/kernel/<key>/vmlinux   (PVH-bootable ELF, what QEMU loads)
#   $CLEAR_CACHE/guest/vmlinux          -> the current one
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${CLEAR_CACHE:-/var/cache/clear}
fragment=$here/guest/kernel/clear.config
tarball=${LINUX_SOURCE_TARBALL:-$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1 || true)}
jobs=${JOBS:-$(nproc)}

step() { printf '[kernel] %s\n' "$*"; }
die() { printf '[kernel] error: %s\n' "$*" >&2; exit 1; }

[ -n "$tarball" ] && [ -f "$tarball" ] ||
  die "no Linux source: install it with 'apt-get install linux-source-6.1' (or run 'make deps')"
for tool in make gcc flex bison bc patch; do
  command -v "$tool" >/dev/null || die "'$tool' is missing: run 'make deps'"
done

patches=$(ls "$here"/guest/kernel/patches/*.patch 2>/dev/null || true)
# shellcheck disable=SC2086 # $patches is a list of paths without spaces
key=$( (sha256sum "$fragment" "$0" $patches | cut -d' ' -f1; stat -c '%s %Y' "$tarball") | sha256sum | cut -c1-16)
out=$cache/kernel/$key
mkdir -p "$cache/guest"
if [ -f "$out/vmlinux" ]; then
  ln -sfn "$out/vmlinux" "$cache/guest/vmlinux"
  step "up to date: $out/vmlinux"
  exit 0
fi

src=$cache/build/linux-source-6.1
if [ ! -f "$src/Makefile" ]; then
  step "1/4 unpacking $(basename "$tarball") into $cache/build (about 15 s)"
  rm -rf "$src" && mkdir -p "$cache/build"
  tar -xf "$tarball" -C "$cache/build"
fi

# The unpacked tree is shared by every build on this machine (so a config
# change recompiles only what it touches): take back the patches a previous
# build applied (kept in .clear-patches/), then apply this tree's own.
applied=$src/.clear-patches
for p in $(ls -r "$applied"/*.patch 2>/dev/null || true); do
  patch -s -R -p1 -d "$src" <"$p" || die "could not take back $(basename "$p"); remove $src and build again"
  rm -f "$p"
done
mkdir -p "$applied"
for p in $patches; do
  step "   patch: $(basename "$p")"
  patch -s -N -p1 -d "$src" <"$p" || die "$(basename "$p") does not apply to $(basename "$tarball")"
  cp "$p" "$applied/"
done

step "2/4 configuring: tinyconfig + $(grep -c '^CONFIG_' "$fragment") options from guest/kernel/clear.config"
make -s -C "$src" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$fragment" >/dev/null
make -s -C "$src" olddefconfig >/dev/null
missing=0
while IFS= read -r line; do
  case "$line" in
    CONFIG_*=*) ;;
    "# CONFIG_"*" is not set")
      opt=${line#\# }; opt=${opt%% *}
      if grep -q "^$opt=" "$src/.config"; then
        printf '[kernel]   still set: %s (selected by another option?)\n' "$opt" >&2
        missing=1
      fi
      continue ;;
    *) continue ;;
  esac
  if ! grep -qx "$line" "$src/.config"; then
    printf '[kernel]   not applied: %s (dependency missing?)\n' "$line" >&2
    missing=1
  fi
done <"$fragment"
[ "$missing" = 0 ] || die "the config fragment did not apply cleanly; fix guest/kernel/clear.config"

# A kernel build prints one line per object; count them against the number of
# objects the last build of this configuration produced (or, on a machine's
# first build, what this configuration produced here: 1552 objects) so a
# newcomer sees how far along it is.
expected=$(cat "$cache/kernel/objects.count" 2>/dev/null || echo 1550)
step "3/4 compiling with $jobs jobs (about 5-10 minutes on 2 cores; done once per machine)"
log=$cache/build/kernel-build.log
start=$(date +%s)
set +e
make -C "$src" -j"$jobs" vmlinux 2>&1 | tee "$log" | awk -v total="$expected" -v start="$start" '
  /^  (CC|AS|AR|LD)/ { n++
    if (n % 50 == 0) {
      pct = int(100 * n / total); if (pct > 99) pct = 99
      printf "[kernel]   %3d%%  %d objects, %ds\n", pct, n, systime() - start; fflush()
    } }
  END { print n > "/dev/stderr" }' 2>"$cache/build/objects.tmp"
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then
  tail -n 30 "$log" >&2
  die "compilation failed (full log: $log)"
fi
mkdir -p "$out"
cp "$cache/build/objects.tmp" "$cache/kernel/objects.count" 2>/dev/null || true
step "4/4 installing $out/vmlinux"
cp "$src/vmlinux" "$out/vmlinux.tmp"
strip --strip-debug "$out/vmlinux.tmp" 2>/dev/null || true
cp "$src/.config" "$out/config"
mv "$out/vmlinux.tmp" "$out/vmlinux"
ln -sfn "$out/vmlinux" "$cache/guest/vmlinux"
step "done in $(( $(date +%s) - start )) s: $(du -h "$out/vmlinux" | cut -f1) $out/vmlinux"
