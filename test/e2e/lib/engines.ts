/**
 * Docker, containerd and podman for the end-to-end suite, each with data
 * dirs of its own under one temp dir, so nothing collides with a user's
 * daemons or with another run:
 *
 *   containerd  --config <dir>/containerd.toml (root, state, gRPC socket, no CRI)
 *   dockerd     --data-root, --exec-root, --pidfile, -H unix://<dir>/docker.sock,
 *               its own bridge (a 10.213.N.0/24 no host route covers), iptables off,
 *               cgroup-parent /<tag> (every container cgroup of the run under it)
 *   ctr         its own namespace <tag>, --runc-root under the dir
 *   podman      --root/--runroot/--tmpdir under the dir, CONTAINERS_CONF of its own
 *
 * clear is registered as runtime "clear" through a small wrapper in the dir
 * (it passes CLEAR_CACHE on: the daemons run with a clean environment), runc
 * as "runc" (docker's built-in) so every scenario runs on both.
 *
 * stop() takes everything down in order, and is also installed as a
 * process 'exit' safety net (synchronous: kill by pid, unmount, remove):
 * containers, daemons, mounts under the dir, the bridge, the cgroups, and any
 * QEMU/monitor process still in one of the run's cgroups.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CLEAR_BIN = path.join(REPO, 'bin', 'clear-runtime');
export const IMAGE = 'localhost/busybox:local';
const CLEAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DOCKER = '/usr/bin/docker'; // Debian's CLI: a newer one may come first in PATH
const CGROUP_ROOT = '/sys/fs/cgroup';

export interface Result {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOpts {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Give the command a stdin pipe that stays open until it exits (a pty program such as `script` ends on stdin's EOF). */
  stdinOpen?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a command to its end, collecting output (never throws). */
export function run(cmd: string, args: string[], o: RunOpts = {}): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...o.env },
      stdio: [o.input === undefined && !o.stdinOpen ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    if (o.input !== undefined) child.stdin!.end(o.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 180_000);
    child.stdin?.on('error', () => {});
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, stdout, stderr: stderr + String(err), ms: Date.now() - t0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function runSync(cmd: string, args: string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function killWait(pid: number, sig: NodeJS.Signals, ms: number): boolean {
  try {
    process.kill(pid, sig);
  } catch {
    return true;
  }
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) runSync('sleep', ['0.1']);
  return !alive(pid);
}

/** Every mount point at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .reverse();
}

/**
 * A 10.213.N.1/24 that no route on the host covers yet. A /24 already routed
 * elsewhere (another run's bridge, or one a killed run left behind) would
 * take the host's traffic to the containers: docker-proxy's connections for
 * `-p` would go out the wrong interface while container-to-container traffic,
 * bridged, still worked.
 */
export function freeBridgeCidr(routes = runSync('ip', ['-4', 'route', 'show', 'table', 'all']).stdout, seed = process.pid): string {
  // Only a route at least as specific as the bridge's /24 would win over it
  // (a bare address, as in the local table, is a /32).
  const taken = new Set(
    [...routes.matchAll(/\b10\.213\.(\d+)\.\d+(?:\/(\d+))?/g)].filter((m) => Number(m[2] ?? 32) >= 24).map((m) => Number(m[1])),
  );
  for (let i = 0; i < 200; i++) {
    const n = ((seed + i) % 200) + 20;
    if (!taken.has(n)) return `10.213.${n}.1/24`;
  }
  throw new Error(`no free 10.213.N.0/24 for the e2e bridge: ${routes}`);
}

export interface EngineOptions {
  /** Which engines to start (podman needs no daemon). */
  docker?: boolean;
  containerd?: boolean;
  /** The run's docker bridge subnet (first address is the bridge's); default: freeBridgeCidr(). */
  bridgeCidr?: string;
}

export class Engines {
  readonly tag: string;
  readonly dir: string;
  readonly containerdSock: string;
  readonly dockerSock: string;
  readonly clearWrapper: string;
  readonly bridge: string;
  readonly bridgeCidr: string;
  /** The cgroup parent (cgroupfs path) every container of this run goes under. */
  readonly cgroupParent: string;
  private pids: { name: string; pid: number }[] = [];
  private stopped = false;
  private readonly onExit = () => this.stopSync();
  /** Killed (tap's timeout sends SIGTERM): clean up, then die of the same signal. */
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.stopSync();
    process.kill(process.pid, sig);
  };

  constructor(opts: EngineOptions = {}) {
    this.tag = `clear-e2e-${process.pid}`;
    // Short: dockerd and the shims make unix sockets below it.
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce2e-'));
    this.containerdSock = path.join(this.dir, 'ctrd.sock');
    this.dockerSock = path.join(this.dir, 'docker.sock');
    this.clearWrapper = path.join(this.dir, 'clear-runtime');
    this.bridge = `ce2e${process.pid % 100000}`.slice(0, 15);
    this.bridgeCidr = opts.bridgeCidr ?? freeBridgeCidr();
    this.cgroupParent = `/${this.tag}`;
    process.on('exit', this.onExit);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, this.onSignal);
  }

  log(name: string): string {
    return path.join(this.dir, `${name}.log`);
  }

  /** The tail of a daemon's log, for diagnostics in failing assertions. */
  tail(name: string, lines = 40): string {
    try {
      return fs.readFileSync(this.log(name), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private spawnDaemon(name: string, cmd: string, args: string[]): number {
    const out = fs.openSync(this.log(name), 'a');
    // A clean environment and no inherited fds beyond 0-2 (they would reach shims and runtimes).
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: { PATH: CLEAN_PATH, HOME: '/root', LANG: 'C.UTF-8' },
    });
    fs.closeSync(out);
    child.unref();
    if (!child.pid) throw new Error(`cannot start ${cmd}`);
    this.pids.push({ name, pid: child.pid });
    fs.writeFileSync(path.join(this.dir, `${name}.pid`), String(child.pid));
    return child.pid;
  }

  private writeFiles(): void {
    const cache = process.env.CLEAR_CACHE || '/var/cache/clear';
    const extra = ['CLEAR_DEBUG', 'CLEAR_DEBUG_FILE', 'CLEAR_ACCEL', 'CLEAR_KERNEL', 'CLEAR_IMAGE']
      .filter((k) => process.env[k])
      .map((k) => `export ${k}='${process.env[k]}'\n`)
      .join('');
    fs.writeFileSync(
      this.clearWrapper,
      `#!/bin/sh\n# clear for this e2e run (the daemons run with a clean environment)\nexport CLEAR_CACHE='${cache}'\n${extra}exec '${CLEAR_BIN}' "$@"\n`,
      { mode: 0o755 },
    );
    const d = this.dir;
    fs.writeFileSync(
      path.join(d, 'containerd.toml'),
      `version = 2
root = "${d}/containerd/root"
state = "${d}/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "${this.containerdSock}"
[ttrpc]
  address = "${this.containerdSock}.ttrpc"
[debug]
  address = "${d}/ctrd-debug.sock"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "${d}/containerd/opt"
`,
    );
    fs.writeFileSync(
      path.join(d, 'daemon.json'),
      JSON.stringify(
        {
          debug: true,
          'storage-driver': 'overlay2',
          'exec-opts': ['native.cgroupdriver=cgroupfs'],
          'cgroup-parent': this.cgroupParent,
          iptables: false,
          'ip-forward': false,
          'ip-masq': false,
          bridge: this.bridge,
          runtimes: { clear: { path: this.clearWrapper } },
        },
        null,
        2,
      ),
    );
    fs.writeFileSync(
      path.join(d, 'containers.conf'),
      `[containers]
# No CAP_SYS_RESOURCE on these machines: rlimits must not exceed the caller's hard limits.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
cgroupns = "host"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${d}/podman-events.log"
tmp_dir = "${d}/podman/tmp"
`,
    );
  }

  async start(opts: EngineOptions = { docker: true, containerd: true }): Promise<void> {
    this.writeFiles();
    if (opts.containerd || opts.docker) {
      this.spawnDaemon('containerd', '/usr/bin/containerd', ['--config', path.join(this.dir, 'containerd.toml'), '--log-level', 'debug']);
      await this.waitFor('containerd', async () => (await this.ctr(['version'])).code === 0, 30_000);
    }
    if (opts.docker) {
      // The run's own bridge, so docker0 (a user's daemon) is never touched.
      const ip = (args: string[]) => runSync('ip', args);
      ip(['link', 'del', this.bridge]);
      const add = ip(['link', 'add', this.bridge, 'type', 'bridge']);
      if (add.status !== 0) throw new Error(`ip link add ${this.bridge}: ${add.stderr}`);
      ip(['addr', 'add', this.bridgeCidr, 'dev', this.bridge]);
      ip(['link', 'set', this.bridge, 'up']);
      this.spawnDaemon('dockerd', '/usr/sbin/dockerd', [
        '--config-file', path.join(this.dir, 'daemon.json'),
        '--data-root', path.join(this.dir, 'docker'),
        '--exec-root', path.join(this.dir, 'x'),
        '--pidfile', path.join(this.dir, 'dockerd-self.pid'),
        '-H', `unix://${this.dockerSock}`,
        '--containerd', this.containerdSock,
        '--containerd-namespace', this.tag,
        '--containerd-plugins-namespace', `${this.tag}-plugins`,
      ]);
      await this.waitFor('dockerd', async () => (await this.docker(['version'])).code === 0, 60_000);
    }
  }

  private async waitFor(name: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await ok()) return;
      const me = this.pids.find((p) => p.name === name);
      if (me && !alive(me.pid)) throw new Error(`${name} exited:\n${this.tail(name)}`);
      await sleep(200);
    }
    throw new Error(`${name} not ready in ${ms} ms:\n${this.tail(name)}`);
  }

  docker(args: string[], o: RunOpts = {}): Promise<Result> {
    return run(DOCKER, ['-H', `unix://${this.dockerSock}`, ...args], o);
  }

  /** The argv prefix of the docker CLI for this run (for `script`/tmux command lines). */
  dockerArgv(): string[] {
    return [DOCKER, '-H', `unix://${this.dockerSock}`];
  }

  ctr(args: string[], o: RunOpts = {}): Promise<Result> {
    return run('ctr', ['--address', this.containerdSock, '--namespace', this.tag, ...args], o);
  }

  /** `ctr run` flags that select a runtime binary: clear's wrapper or runc. */
  ctrRuntimeFlags(runtime: 'clear' | 'runc'): string[] {
    const root = path.join(this.dir, `ctr-${runtime}`);
    return [
      '--runtime', 'io.containerd.runc.v2',
      '--runc-binary', runtime === 'clear' ? this.clearWrapper : '/usr/sbin/runc',
      '--runc-root', root,
      '--cgroup', `${this.cgroupParent}/ctr-${runtime}-${Date.now()}`,
    ];
  }

  podmanArgv(): string[] {
    const d = this.dir;
    return [
      'podman',
      '--root', path.join(d, 'podman', 'root'),
      '--runroot', path.join(d, 'podman', 'run'),
      '--tmpdir', path.join(d, 'podman', 'tmp'),
      '--storage-driver', 'overlay',
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'file',
    ];
  }

  podman(args: string[], o: RunOpts = {}): Promise<Result> {
    const [cmd, ...pre] = this.podmanArgv();
    return run(cmd!, [...pre, ...args], { ...o, env: { CONTAINERS_CONF: path.join(this.dir, 'containers.conf'), ...o.env } });
  }

  /** `--runtime` for podman run. */
  podmanRuntime(runtime: 'clear' | 'runc'): string {
    return runtime === 'clear' ? this.clearWrapper : '/usr/sbin/runc';
  }

  /** Builds the busybox image locally and loads it into the engines that are up. */
  async loadImage(which: { docker?: boolean; containerd?: boolean; podman?: boolean }): Promise<void> {
    const lib = __dirname;
    const rootfs = path.join(this.dir, 'rootfs.tar');
    const oci = path.join(this.dir, 'busybox-oci.tar');
    const must = (r: Result, what: string) => {
      if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
    };
    if (!fs.existsSync(rootfs)) must(await run(path.join(lib, 'make-busybox-rootfs.sh'), [rootfs]), 'make-busybox-rootfs');
    if (!fs.existsSync(oci)) must(await run(path.join(lib, 'make-oci-image.sh'), [rootfs, IMAGE, oci]), 'make-oci-image');
    if (which.docker) {
      // docker 20.10 loads only its own archive format: import the rootfs.
      must(
        await this.docker(['import', '-c', 'CMD ["/bin/sh"]', '-c', `ENV PATH=${CLEAN_PATH}`, rootfs, IMAGE]),
        'docker import',
      );
    }
    if (which.containerd) must(await this.ctr(['images', 'import', oci]), 'ctr images import');
    if (which.podman) must(await this.podman(['load', '-i', oci]), 'podman load');
  }

  /** Pids in any cgroup (every v1 hierarchy) under the run's cgroup parent. */
  cgroupPids(): number[] {
    const pids = new Set<number>();
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      try {
        for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p));
      } catch {
        /* gone */
      }
      for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    for (const ctl of this.cgroupControllers()) walk(path.join(CGROUP_ROOT, ctl, this.tag));
    return [...pids].filter(alive);
  }

  private cgroupControllers(): string[] {
    try {
      return fs.readdirSync(CGROUP_ROOT).filter((c) => fs.existsSync(path.join(CGROUP_ROOT, c, 'cgroup.procs')) || c === 'unified');
    } catch {
      return [];
    }
  }

  /** QEMU processes that belong to this run (found through the run's cgroups; clear renames QEMU's comm). */
  qemuPids(): number[] {
    return this.cgroupPids().filter((pid) => {
      try {
        return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)).startsWith('qemu');
      } catch {
        return false;
      }
    });
  }

  /** What the run would leave behind right now: processes, mounts, bridge, daemons. */
  leftovers(): string[] {
    const out: string[] = [];
    for (const p of this.pids) if (alive(p.pid)) out.push(`${p.name} (pid ${p.pid}) still running`);
    const procs = this.cgroupPids();
    if (procs.length) out.push(`processes left in ${this.cgroupParent}: ${procs.map((p) => `${p}:${comm(p)}`).join(', ')}`);
    const mounts = mountsUnder(this.dir);
    if (mounts.length) out.push(`mounts left: ${mounts.join(', ')}`);
    if (runSync('ip', ['link', 'show', this.bridge]).status === 0) out.push(`bridge ${this.bridge} still exists`);
    return out;
  }

  /** Graceful teardown: containers first, then the daemons, then what they leave. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.pids.some((p) => p.name === 'dockerd' && alive(p.pid))) {
      const ids = (await this.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await this.docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
    }
    if (fs.existsSync(path.join(this.dir, 'podman'))) await this.podman(['rm', '-af', '-t', '0'], { timeoutMs: 60_000 });
    if (this.pids.some((p) => p.name === 'containerd' && alive(p.pid))) {
      const tasks = (await this.ctr(['tasks', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
      for (const t of tasks) await this.ctr(['tasks', 'kill', '-a', '-s', 'SIGKILL', t]);
      await sleep(tasks.length ? 500 : 0);
      for (const t of tasks) await this.ctr(['tasks', 'delete', '-f', t]);
      const cs = (await this.ctr(['containers', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
      if (cs.length) await this.ctr(['containers', 'delete', ...cs]);
    }
    this.stopSync();
  }

  /** The synchronous part (also the 'exit' safety net): kill by pid, unmount, remove. */
  stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.onExit);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(sig, this.onSignal);
    // dockerd before containerd: it asks containerd to clean up its containers.
    for (const name of ['dockerd', 'containerd']) {
      for (const p of this.pids.filter((x) => x.name === name)) {
        if (!killWait(p.pid, 'SIGTERM', 15_000)) killWait(p.pid, 'SIGKILL', 5_000);
      }
    }
    // Whatever is left in the run's cgroups (shims, monitors, QEMU, conmon): SIGKILL.
    for (let i = 0; i < 3; i++) {
      const left = this.cgroupPids();
      if (!left.length) break;
      for (const pid of left) killWait(pid, 'SIGKILL', 3_000);
    }
    for (const shim of this.shimPids()) killWait(shim, 'SIGKILL', 3_000);
    for (const m of mountsUnder(this.dir)) {
      if (runSync('umount', [m]).status !== 0) runSync('umount', ['-l', m]);
    }
    runSync('ip', ['link', 'del', this.bridge]);
    this.removeCgroups();
    if (!process.env.CLEAR_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  /** containerd shims of this run (their command line names our containerd socket). */
  private shimPids(): number[] {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        try {
          const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          return cmd.startsWith('/usr/bin/containerd-shim') && cmd.includes(this.containerdSock);
        } catch {
          return false;
        }
      });
  }

  private removeCgroups(): void {
    const rmTree = (dir: string) => {
      let entries: fs.Dirent[] = [];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isDirectory()) rmTree(path.join(dir, e.name));
      try {
        fs.rmdirSync(dir);
      } catch {
        /* busy or gone */
      }
    };
    for (const ctl of this.cgroupControllers()) rmTree(path.join(CGROUP_ROOT, ctl, this.tag));
  }
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
