#!/bin/bash
# make bench-docker: `docker run --rm busybox true`, clear vs runc, interleaved,
# median of 10 (args go on, e.g. --runs 20). Needs `make e2e-deps`; it starts
# a dockerd and containerd of its own and takes them down afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export TS_NODE_TRANSPILE_ONLY=1
exec node -r @isaacs/ts-node-temp-fork-for-pr-2009/register test/e2e/lib/bench-docker.ts "$@"
