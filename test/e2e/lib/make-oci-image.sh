#!/bin/bash
# (copied from the project contract setup: CI has no ../shared)
# Build a single-layer OCI image archive from a rootfs tar, without any registry or docker.
# usage: make-oci-image.sh <rootfs.tar> <ref, e.g. localhost/busybox:local> <out.tar> [cmd-json]
#   cmd-json defaults to '"Cmd":["/bin/sh"]'; for a CRI sandbox ("pause") image use
#   '"Entrypoint":["/bin/sleep"],"Cmd":["2147483647"]'
set -euo pipefail
ROOTFS=$1 REF=$2 OUT=$3 CMDJSON=${4:-'"Cmd":["/bin/sh"]'}
W=$(mktemp -d); mkdir -p $W/blobs/sha256
gzip -n -c "$ROOTFS" > $W/layer.tar.gz
DIFFID=$(sha256sum "$ROOTFS" | cut -d' ' -f1)
LDIG=$(sha256sum $W/layer.tar.gz | cut -d' ' -f1); LSIZE=$(stat -c %s $W/layer.tar.gz)
mv $W/layer.tar.gz $W/blobs/sha256/$LDIG
cat > $W/config.json <<J
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],$CMDJSON},"rootfs":{"type":"layers","diff_ids":["sha256:$DIFFID"]},"history":[{"created_by":"make-oci-image.sh"}]}
J
CDIG=$(sha256sum $W/config.json | cut -d' ' -f1); CSIZE=$(stat -c %s $W/config.json); mv $W/config.json $W/blobs/sha256/$CDIG
cat > $W/manifest.json <<J
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$CDIG","size":$CSIZE},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$LDIG","size":$LSIZE}]}
J
MDIG=$(sha256sum $W/manifest.json | cut -d' ' -f1); MSIZE=$(stat -c %s $W/manifest.json); mv $W/manifest.json $W/blobs/sha256/$MDIG
echo '{"imageLayoutVersion":"1.0.0"}' > $W/oci-layout
cat > $W/index.json <<J
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$MDIG","size":$MSIZE,"annotations":{"io.containerd.image.name":"$REF","org.opencontainers.image.ref.name":"${REF##*:}"}}]}
J
tar -C $W -cf "$OUT" oci-layout index.json blobs
rm -rf $W
