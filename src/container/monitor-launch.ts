/**
 * Starting a container's monitor from `create`, and reaching it afterwards.
 *
 * The monitor is spawned detached (its own session: it outlives `create`,
 * and the caller — containerd's shim, conmon — reaps it as subreaper) with
 * exactly the fds the container's stdio needs, in a mount namespace of its
 * own (`unshare --mount --propagation private`: the rootfs share's bind
 * mounts die with it) and, when the config asks for a new network namespace,
 * a new one: callers join /proc/<monitor pid>/ns/net.
 *
 * The sync socket (the monitor's last fd) carries JSON lines:
 *   create  → monitor {MonitorParams}         its parameters (it starts ahead of them)
 *   monitor → create  {"started":true}        namespaces are in place
 *   create  → monitor "boot"                  hooks ran: boot the VM
 *   monitor → create  {"ok":true} | {"error":"..."}
 * EOF from create before "boot" makes the monitor exit without booting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Duplex } from 'node:stream';
import { ClearError, messageOf, NotRunningError } from '../lib/errors';
import { logger } from '../lib/log';
import { packageRoot } from '../lib/paths';
import { TIMEOUT_SCALE } from '../vmm/accel';
import { native } from '../native';
import type { MonitorParams } from './monitor';
import type { MonitorLaunch, MonitorSpawn, SpawnedMonitor } from './monitor-api';
import type { MonitorKind } from './monitor-main';
import { INIT_EXEC_ID, type MonitorRecord, readMonitorRecord, writeMonitorRecord } from './monitor-record';
import { callMonitor, type ControlRequest, MonitorTimeoutError } from './monitor-control';
import { networkNamespacePath, unwireNetwork } from './network';
import { describePreservedFds } from './preserved-fds';

const log = logger('monitor');

/**
 * Starts a container's monitor ahead of its parameters: node's own start-up
 * (~0.1 s) then overlaps `create`'s checks of the config and its state
 * files. The monitor waits on its sync socket for the parameters
 * (SpawnedMonitor.launch) and does nothing before them, so abort() leaves
 * nothing behind.
 */
export function spawnMonitor(s: MonitorSpawn): SpawnedMonitor {
  const preserved = Array.from({ length: s.preserveFds }, (_, i) => 3 + i);
  const syncFd = 3 + s.preserveFds;
  // Everything this process inherited beyond what we pass on stays here:
  // callers leave pipes of their own open (conmon's fds 3 and 4, the shim's
  // ttrpc socket) that a long-lived monitor must never hold.
  native().cloexecFrom(3);
  const [cmd, ...args] = [...namespaceCommand(s.spec), ...monitorCommand('container', { syncFd, paramsOnSync: true })];
  const child = spawn(cmd, args, {
    detached: true,
    // With a terminal the container's stdio is the pty sent to the console
    // socket: the caller's fds 0-2 must not stay open in the monitor (the
    // caller would wait for their EOF), as runc's init never holds them.
    stdio: [...(s.consoleSocket ? ['ignore', 'ignore', 'ignore'] as const : [0, 1, 2]), ...preserved, 'pipe'],
    cwd: s.bundle,
    env: monitorEnv(preserved.length),
  });
  const sync = child.stdio[syncFd] as Duplex | null;
  if (!child.pid || !sync) throw new ClearError(`cannot start the container monitor (is ${cmd} from util-linux installed?)`);
  child.unref();
  return new PendingMonitor(child, sync, syncFd);
}

/** Spawns the monitor (unless `spawned` was); resolves with its pid once it reports the container created. */
export async function launchMonitor(l: MonitorLaunch, spawned?: SpawnedMonitor): Promise<{ pid: number }> {
  return (spawned ?? spawnMonitor(l)).launch(l);
}

class PendingMonitor implements SpawnedMonitor {
  readonly pid: number;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    private readonly sync: Duplex,
    private readonly syncFd: number,
  ) {
    this.pid = child.pid!;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async launch(l: MonitorLaunch): Promise<{ pid: number }> {
    const { child, sync } = this;
    const lines = readline.createInterface({ input: sync });
    const nextLine = () => readReport<{ started?: boolean; ok?: boolean }>(lines, child, 'the container monitor');
    try {
      const specFile = path.join(l.stateDir, 'config.json');
      fs.writeFileSync(specFile, JSON.stringify(l.spec));
      // Looked at here, in the caller's namespaces (a listening socket is refused).
      const preservedFds = describePreservedFds(3, l.preserveFds);
      const params: MonitorParams = {
        id: l.id,
        bundle: l.bundle,
        stateDir: l.stateDir,
        runDir: l.runDir,
        specFile,
        syncFd: this.syncFd,
        systemdCgroup: l.systemdCgroup,
        noPivot: l.noPivot,
        noNewKeyring: l.noNewKeyring,
        ...(preservedFds.length ? { preservedFds } : {}),
        ...(l.consoleSocket ? { consoleSocket: l.consoleSocket } : {}),
      };
      sync.write(`${JSON.stringify(params)}\n`);
      const started = await nextLine();
      if (!started.started) throw new ClearError(started.error ?? 'the container monitor failed to start');
      await l.beforeBoot?.(this.pid);
      sync.write('boot\n');
      const created = await nextLine();
      if (!created.ok) throw new ClearError(created.error ?? 'the container monitor failed');
      return { pid: this.pid };
    } catch (err) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw err;
    } finally {
      lines.close();
      sync.destroy();
    }
  }

  async abort(): Promise<void> {
    this.sync.destroy();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // Referenced again: node would otherwise end this process (exit status
    // 0) while it waits for nothing else but the unreferenced child.
    this.child.ref();
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * The next JSON line a spawned monitor reports on its sync socket, or an
 * {error} when it exits first or says something that is not JSON.
 */
export function readReport<T extends object>(
  lines: readline.Interface,
  child: ChildProcess,
  who: string,
): Promise<T & { error?: string }> {
  return new Promise((resolve) => {
    const onExit = () => resolve({ error: `${who} exited before reporting` } as T & { error?: string });
    // A monitor spawned ahead of its parameters may be gone already.
    if (child.exitCode !== null || child.signalCode !== null) return onExit();
    child.once('exit', onExit);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ error: `${who} said: ${line}` } as T & { error?: string });
      }
    });
  });
}

/**
 * How the monitor enters the container's namespaces: a private mount
 * namespace always; the network namespace given by path (CNI) joined with
 * nsenter first (Node cannot setns), or a new one (Docker plumbs it from
 * the prestart hook). Both exec: the monitor keeps the spawned pid.
 * lifecycle.create has refused a config without a network namespace.
 */
function namespaceCommand(spec: MonitorSpawn['spec']): string[] {
  const unshare = ['unshare', '--mount', '--propagation', 'private'];
  const netns = networkNamespacePath(spec);
  if (netns) return ['nsenter', `--net=${netns}`, ...unshare];
  if (netns === null) unshare.push('--net');
  return unshare;
}

const MONITOR_BIN = path.join(packageRoot(), 'bin', 'clear-monitor');

/**
 * The environment a monitor runs with: the caller's, less what would slow
 * node's start-up for nothing. NODE_EXTRA_CA_CERTS makes node read and parse
 * every certificate in that file before any script runs (~40 ms here, on
 * create's way to QEMU), and a monitor speaks no TLS; bin/clear-runtime drops
 * it too. A monitor relaying `preserved` fds gets a larger libuv pool: each
 * input blocks a pool thread in read(2) (fs streams keep the caller's fds
 * blocking, as they are shared with it).
 */
export function monitorEnv(preserved: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (preserved > 0) env.UV_THREADPOOL_SIZE = String(4 + preserved);
  return env;
}

/** How a monitor of `kind` is run: node on bin/clear-monitor (the monitors' bundle). */
export function monitorCommand(kind: MonitorKind, params: object): string[] {
  return [process.execPath, MONITOR_BIN, kind, JSON.stringify(params)];
}

/** Runs one call against the container's agent, through the socket its monitor recorded. */
async function withAgent<T>(stateDir: string, fn: (agent: import('../agent/client').AgentClient) => Promise<T>): Promise<T> {
  const record = readMonitorRecord(stateDir);
  if (!record?.agentSocket || record.status === 'stopped') throw new NotRunningError();
  const { AgentClient } = await import('../agent/client');
  const agent = AgentClient.connect(record.agentSocket);
  try {
    return await fn(agent);
  } finally {
    agent.close();
  }
}

/**
 * One call to the container's agent: through its monitor's control socket
 * (the monitor's own agent connection: no new one, no gRPC loaded here), or,
 * for a monitor that has none (started by an older clear), directly.
 */
async function agentCall<T>(stateDir: string, req: ControlRequest, direct: (agent: import('../agent/client').AgentClient) => Promise<T>): Promise<T> {
  const record = readMonitorRecord(stateDir);
  if (!record?.agentSocket || record.status === 'stopped') throw new NotRunningError();
  if (record.controlSocket) return (await callMonitor(record.controlSocket, req)) as T;
  return withAgent(stateDir, direct);
}

/** Releases the container's process. */
export function startContainer(stateDir: string, id: string): Promise<void> {
  return agentCall(stateDir, { op: 'start' }, (agent) => agent.startContainer(id)).then(() => undefined);
}

/** How long `kill` waits for the agent's word that a signal was delivered, under KVM (scaled by the accelerator). */
const SIGNAL_ANSWER_MS = 2_000;
const SIGKILL = 9;

/**
 * Delivers a signal to the container's process through its agent. The
 * container process is PID 1 of its own pid namespace in the guest: when it
 * dies, everything in the container dies with it, so --all adds nothing that
 * reaches further for SIGKILL. Other signals go to init only.
 *
 * The wait for the agent is bounded: a guest that no longer answers (stuck,
 * or frozen behind clear's back) must not hang `kill`, nor a caller's
 * `docker kill`/`rm -f` behind it. SIGKILL cannot be refused or put off, as
 * with runc: unanswered, it is carried out on the host — the VM and its
 * monitor are killed, so the container's pid dies of SIGKILL (status 137
 * for callers, as the agent's SIGKILL gives). Any other signal fails, saying
 * so.
 */
export async function signalContainer(stateDir: string, _id: string, signal: number, _all: boolean): Promise<void> {
  const record = readMonitorRecord(stateDir);
  if (!record?.agentSocket || record.status === 'stopped') throw new NotRunningError();
  if (!record.controlSocket) return withAgent(stateDir, (agent) => agent.signal(INIT_EXEC_ID, signal));
  const waitMs = SIGNAL_ANSWER_MS * TIMEOUT_SCALE[record.vm?.accel ?? 'tcg'];
  try {
    await callMonitor(record.controlSocket, { op: 'signal', signal }, waitMs);
  } catch (err) {
    if (!(err instanceof MonitorTimeoutError) || signal !== SIGKILL) throw err;
    await killOnHost(stateDir, record);
  }
}

/**
 * SIGKILL carried out on the host: the monitor, QEMU and virtiofsd die of
 * SIGKILL, and the monitor's record says how the container ended (what the
 * monitor would have written after the agent's SIGKILL).
 */
async function killOnHost(stateDir: string, record: MonitorRecord): Promise<void> {
  await destroyContainer(stateDir, '');
  writeMonitorRecord(stateDir, { ...record, status: 'stopped', exit: { exitCode: 128 + SIGKILL, signal: SIGKILL } });
}

/**
 * Freezes (`stop`) or thaws (`cont`) the whole VM through the QMP socket the
 * monitor recorded (its own QMP connection stays the monitor's). A stopped
 * VM runs no guest code at all: the container's processes, its guest
 * kernel and the agent all stand still, so nothing can be asked of the
 * agent until `cont`.
 */
async function qmpCommand(stateDir: string, command: 'stop' | 'cont'): Promise<void> {
  const record = readMonitorRecord(stateDir);
  if (!record?.qmpSocket || record.status === 'stopped') throw new ClearError('container not running');
  const { QmpClient } = await import('../vmm/qemu/qmp');
  const qmp = await QmpClient.connect(record.qmpSocket, { timeoutMs: 5000 });
  try {
    await qmp.execute(command);
  } finally {
    qmp.close();
  }
}

export function pauseContainer(stateDir: string, _id: string): Promise<void> {
  return qmpCommand(stateDir, 'stop');
}

/** How long `resume` waits for the guest to take the host's time, under KVM (scaled by the accelerator). */
const CLOCK_ANSWER_MS = 2_000;

/**
 * Thaws the VM, then sets the guest's wall clock to the host's: a stopped
 * VM's clock stands still, so the container's would otherwise stay behind
 * by the time it was paused (runc's containers read the host's clock). The
 * container is running again either way: a guest that does not take the
 * time (an agent of an older clear, a monitor without a control socket, no
 * answer in time) is left as it is, and the debug log says why.
 */
export async function resumeContainer(stateDir: string, _id: string): Promise<void> {
  await qmpCommand(stateDir, 'cont');
  const record = readMonitorRecord(stateDir);
  if (!record?.controlSocket) return;
  try {
    await callMonitor(record.controlSocket, { op: 'set-guest-time' }, CLOCK_ANSWER_MS * TIMEOUT_SCALE[record.vm?.accel ?? 'tcg']);
  } catch (err) {
    log("the guest's clock was not set after resume: %s", messageOf(err));
  }
}

/**
 * Takes down everything of this container on the host: the monitor and the
 * VM's processes, SIGKILLed, then the VM's run directory. Idempotent.
 */
export async function destroyContainer(stateDir: string, _id: string): Promise<void> {
  const record = readMonitorRecord(stateDir);
  const pids = record ? [record.pid, ...record.hostPids] : [];
  // The taps and tc qdiscs in the container's network namespace: the
  // monitor's own namespace can only be reached while the monitor runs.
  const running = record && record.status !== 'stopped' && isMonitor(record.pid, record.runDir);
  const failed = await unwireNetwork(stateDir, { monitorPid: running ? record.pid : null });
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitGone(pids, 5000);
  // A namespace given by path outlives the monitor and keeps them: remove them now.
  failed.push(...(await unwireNetwork(stateDir, { monitorPid: null })));
  if (record?.runDir) fs.rmSync(record.runDir, { recursive: true, force: true });
  if (failed.length) throw new ClearError(`removing the container's network devices: ${failed.join('; ')}`);
}

/**
 * Whether `pid` is still the monitor of the VM in `runDir` (not a reused
 * pid). The monitor replaces its command line with its title early on
 * (monitor.ts: `clear-monitor <id> <runDir>`); before that it is node on
 * bin/clear-monitor.
 */
function isMonitor(pid: number, runDir: string | undefined): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(MONITOR_BIN) || (!!runDir && /^clear-monitor [^\s\0]+ ([^\s\0]+)/.exec(cmdline)?.[1] === runDir);
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const alive = (pid: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) Z/.test(stat);
    } catch {
      return false;
    }
  };
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new ClearError(`processes ${pids.filter(alive).join(', ')} did not die`);
    await new Promise((r) => setTimeout(r, 20));
  }
}


// ------------------------------------------------------ resources (update, events)

const MIB = 1024 * 1024;

/** What update may change: an OCI LinuxResources object, runc update's meaning (absent or 0: unchanged). */
export interface ResourcesUpdate {
  memory?: { limit?: number; reservation?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit?: number };
  [key: string]: unknown;
}

/**
 * Applies new limits to the container's cgroup in the guest. The VM's size
 * is fixed at create (microvm has no memory hotplug, vCPUs are not added
 * live), so a memory limit above the VM's RAM is refused here, before the
 * agent is asked; the agent refuses CPU quotas and cpusets beyond the VM's
 * vCPUs. Either way nothing has changed.
 */
export async function updateContainer(stateDir: string, id: string, resources: ResourcesUpdate): Promise<void> {
  const record = readMonitorRecord(stateDir);
  const limit = resources.memory?.limit;
  if (record?.vm && typeof limit === 'number' && limit > record.vm.memoryMiB * MIB) {
    throw new ClearError(
      `memory limit ${limit} exceeds the VM's RAM of ${record.vm.memoryMiB} MiB (${record.vm.memoryMiB * MIB} bytes), ` +
        'fixed at create: a VM cannot grow its memory live',
    );
  }
  await agentCall(stateDir, { op: 'update', resources }, (agent) => agent.updateContainer(id, resources)).catch(rethrowAgent);
}

/** The container's cgroup v2 files in its guest. */
export function statsContainer(stateDir: string, id: string): Promise<{ files: Record<string, string>; cpus: number }> {
  return agentCall(stateDir, { op: 'stats' }, (agent) => agent.statsContainer(id)).catch(rethrowAgent);
}

/** An agent's refusal in its own words (no RPC name, no status code). */
function rethrowAgent(err: unknown): never {
  if (err instanceof Error && err.name === 'AgentCallError') {
    const e = err as Error & { codeName?: string };
    if (e.codeName === 'FAILED_PRECONDITION' || e.codeName === 'NOT_FOUND') throw new ClearError('container not running');
    throw new ClearError(err.message);
  }
  throw err;
}
