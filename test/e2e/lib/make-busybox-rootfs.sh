#!/bin/bash
# (copied from the project contract setup: CI has no ../shared)
# Build a tiny busybox rootfs tarball (needs Debian's busybox-static).
# usage: make-busybox-rootfs.sh <out.tar>
set -euo pipefail
OUT=$1; R=$(mktemp -d)
mkdir -p $R/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home/user,var,run}
cp /bin/busybox $R/bin/busybox            # static binary from busybox-static
chmod 1777 $R/tmp
( cd $R && for a in $(./bin/busybox --list-full); do [ -e "$a" ] || ln -s /bin/busybox "$a"; done )
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\n' > $R/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\nuser:x:1000:\n' > $R/etc/group
echo 'hosts: files dns' > $R/etc/nsswitch.conf
chown 1000:1000 $R/home/user
tar -C $R -cf "$OUT" .
rm -rf $R
