# clear — build entry points. `make` builds everything the runtime needs on
# this machine; `make deps` installs the Debian packages the build uses.
SHELL := /bin/bash
CLEAR_CACHE ?= /var/cache/clear
export CLEAR_CACHE
# node-gyp run directly ignores npm's nodedir: point it at the installed headers.
export npm_config_nodedir ?= /usr

NATIVE := src/native/build/Release/clear_native.node
PROTO_GEN := src/agent/generated/agent.js src/agent/generated/agent.d.ts
DEB_PACKAGES := qemu-system-x86 linux-source-6.1 busybox-static erofs-utils \
	bc flex bison patch libelf-dev libssl-dev xz-utils socat hyperfine runc crun iperf3 \
	golang-github-opencontainers-specs-dev runsc
# The official OCI runtime-spec JSON schemas (from the Debian package above).
OCI_SCHEMA_DIR ?= /usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema
# What the end-to-end suite (test/e2e) needs: the engines that call clear.
E2E_DEB_PACKAGES := docker.io containerd podman conmon tmux jq iptables runc bsdutils
SCHEMA_GEN := src/container/generated/config-validator.js src/container/generated/config-validator.d.ts

.PHONY: all build deps e2e-deps install bench-docker test-e2e native proto schema ts agent cli monitor exec-helper prefetch-helper guest kernel image test test-report bench-boot bench-lifecycle bench-net bench-teardown bench-host-path bench clean

all: build guest

build: native proto ts agent cli monitor

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "[deps] installing:" $$missing; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else echo "[deps] all Debian packages present"; fi

# clear-runtime on PATH: the built runtime copied to $(PREFIX)/lib/clear-runtime
# (dist, the native addon, production node_modules), $(PREFIX)/bin/clear-runtime
# a link to it. The guest kernel and image stay in $(CLEAR_CACHE) (make guest).
PREFIX ?= /usr/local
INSTALL_DIR := $(PREFIX)/lib/clear-runtime
install: build
	rm -rf $(INSTALL_DIR).new && mkdir -p $(INSTALL_DIR).new/src/native/build/Release $(PREFIX)/bin
	cp -a bin dist package.json package-lock.json $(INSTALL_DIR).new/
	cp -a $(NATIVE) $(INSTALL_DIR).new/src/native/build/Release/
	cp -a node_modules $(INSTALL_DIR).new/
	cd $(INSTALL_DIR).new && npm prune --omit=dev --no-audit --no-fund --offline >/dev/null
	rm -rf $(INSTALL_DIR) && mv $(INSTALL_DIR).new $(INSTALL_DIR)
	ln -sfn $(INSTALL_DIR)/bin/clear-runtime $(PREFIX)/bin/clear-runtime
	@echo "installed: $(PREFIX)/bin/clear-runtime -> $(INSTALL_DIR) ($$($(PREFIX)/bin/clear-runtime --version | head -1))"

# Docker, containerd and podman for test/e2e (their services are not started:
# the suite starts its own daemons with data dirs of their own).
e2e-deps:
	@missing=$$(for p in $(E2E_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "[e2e-deps] installing:" $$missing; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else echo "[e2e-deps] all Debian packages present"; fi

native: $(NATIVE)
$(NATIVE): src/native/binding.gyp $(wildcard src/native/*.cc src/native/*.h)
	cd src/native && ../../node_modules/.bin/node-gyp rebuild --silent

proto: $(PROTO_GEN)
$(PROTO_GEN): spec/agent.proto
	mkdir -p src/agent/generated
	node_modules/.bin/pbjs -t static-module -w commonjs --no-verify --no-delimited --no-convert \
	  -o src/agent/generated/agent.js spec/agent.proto
	node_modules/.bin/pbts -o src/agent/generated/agent.d.ts src/agent/generated/agent.js

# config.json's schema, compiled once here into a standalone validator
# (no schema compilation when the CLI starts).
schema: $(SCHEMA_GEN)
$(SCHEMA_GEN): scripts/build-config-validator.js $(wildcard $(OCI_SCHEMA_DIR)/*.json)
	node scripts/build-config-validator.js $(OCI_SCHEMA_DIR) src/container/generated

ts: proto schema
	node_modules/.bin/tsc -p .
	mkdir -p dist/agent/generated && cp src/agent/generated/agent.js dist/agent/generated/
	mkdir -p dist/container/generated && cp src/container/generated/config-validator.js dist/container/generated/

# The guest agent as one file: the guest image carries it, and one file
# loads faster than a module tree under emulation.
# agent-snapshot.js is the same agent as the entry of its start-up snapshot,
# which the image build makes inside a guest (src/agent/snapshot.ts). Bundled
# from the TypeScript: node's snapshot builder runs its entry without
# `exports`, which tsc's CommonJS output of an entry module refers to.
agent: ts
	node_modules/.bin/esbuild dist/agent/main.js --bundle --platform=node --target=node20 \
	  --external:*.node --outfile=dist/guest/agent.js --log-level=warning
	node_modules/.bin/esbuild src/agent/snapshot.ts --bundle --platform=node --target=node20 \
	  --external:*.node --outfile=dist/guest/agent-snapshot.js --log-level=warning

# The CLI as bundles (bin/clear-runtime loads them, each with a V8 code
# cache beside it): the entry (global flags and dispatch) and one bundle per
# subcommand in dist/cli-commands (at the same depth as dist/cli, so paths
# taken from __dirname hold), so a call reads and compiles only its own
# command's code: on this host reading and compiling a bundle costs ~1 ms per
# 40 KB on every call, `state` and `--version` included. The commit is baked
# in, so --version spawns no git. protobuf stays out, and the agent client is
# initialised only when a call needs it (only the monitor talks to the
# agent). The two generated modules (the OCI config validator and the
# agent's protobuf code, 516 KB) stay beside the command bundles, read only
# by the calls that use them.
CLEAR_COMMIT_SHA := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# What only rare paths load (check --boot's VM, pause's QMP, the agent client
# for a monitor without a control socket) is required from the module tree.
CLI_RARE := ../agent/client ../vmm/qemu/qmp ../sandbox/sandbox
CLI_COMMANDS := check checkpoint create delete events exec features kill list pause ps run spec start state update version
cli: ts
	rm -rf dist/cli/clear-runtime.js.*.cache dist/cli/generated dist/cli-commands
	mkdir -p dist/cli-commands/generated
	cp dist/container/generated/config-validator.js dist/agent/generated/agent.js dist/cli-commands/generated/
	node_modules/.bin/esbuild dist/cli/main.js --bundle --platform=node --target=node20 \
	  $(CLI_COMMANDS:%=--external:./%) \
	  --outfile=dist/cli/clear-runtime.js --log-level=warning
	node_modules/.bin/esbuild $(CLI_COMMANDS:%=dist/cli/%.js) --bundle --platform=node --target=node20 \
	  --external:*.node --external:protobufjs --external:./generated/* $(CLI_RARE:%=--external:%) \
	  --define:__CLEAR_COMMIT__='"$(CLEAR_COMMIT_SHA)"' \
	  --outdir=dist/cli-commands --log-level=warning

# The container's and exec's monitors as one file (bin/clear-monitor loads
# it with a V8 code cache, like the CLI's): every create and exec starts a
# monitor, and the module tree cost it ~65 ms on its way to QEMU's start.
# Everything is in it, protobuf and the agent's generated code included: the
# monitor is the process that talks to the agent.
monitor: ts
	rm -f dist/monitor/clear-monitor.js.*.cache
	node_modules/.bin/esbuild dist/container/monitor-main.js --bundle --platform=node --target=node20 \
	  --external:*.node --outfile=dist/monitor/clear-monitor.js --log-level=warning

guest: kernel image
kernel:
	scripts/build-kernel.sh
image: build exec-helper prefetch-helper
	scripts/build-image.sh

# The container init set-up in the guest (guest/exec-helper): static, so it
# runs in any rootfs layout and before anything else is mounted.
EXEC_HELPER := build/guest/clear-exec
exec-helper: $(EXEC_HELPER)
$(EXEC_HELPER): $(wildcard guest/exec-helper/*.c guest/exec-helper/*.h)
	mkdir -p build/guest
	gcc -static -O2 -Wall -o $@ guest/exec-helper/clear-exec.c

# The start-up page set's reader and recorder (guest/prefetch): static too.
PREFETCH_HELPER := build/guest/clear-prefetch
prefetch-helper: $(PREFETCH_HELPER)
$(PREFETCH_HELPER): guest/prefetch/clear-prefetch.c
	mkdir -p build/guest
	gcc -static -O2 -Wall -o $@ guest/prefetch/clear-prefetch.c

test: build guest
	node_modules/.bin/tap

# Only the end-to-end suite (Docker, containerd, podman with clear and runc).
test-e2e: build guest
	node_modules/.bin/tap test/e2e/*.test.ts

# For CI: the same run, its TAP output also kept in $(TAP_OUT) to count results.
test-report: build guest
	set -o pipefail; node_modules/.bin/tap --reporter=tap | tee $(TAP_OUT)

bench-boot: build
	node dist/bench/boot.js

# clear beside runc and crun: run → first output, create → start → exit, CLI latency.
bench-lifecycle: build
	node dist/bench/lifecycle.js

# Container networking, clear beside runc: iperf3 TCP throughput both ways
# and TCP connect latency, in network namespaces of its own (10.209.9.0/24).
bench-net: build
	node dist/bench/net.js

# How long the VM outlives its container's process (the bar: one second).
bench-teardown: build
	node dist/bench/teardown.js

bench-host-path: build
	node dist/bench/host-path.js

# docker run --rm busybox true, clear vs runc, interleaved, median of 10 (needs e2e-deps).
bench-docker: build
	scripts/bench-docker.sh


# The full comparison (clear, runc, crun, runsc; floors; CLI, start, memory,
# density, I/O, parallel): bench/results/<date>-<accel>.{json,md,svg} and the
# README's table. BENCH_QUICK=1 for a run of a few minutes; knobs in src/bench/bench.ts.
bench: build guest
	node dist/bench/bench.js

clean:
	rm -rf dist src/native/build build/guest
