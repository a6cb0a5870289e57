/**
 * The OCI lifecycle: create, start, state, kill, delete, run — runc's
 * semantics and error texts — over the state store (state.ts), the hooks
 * (hooks.ts) and the per-container monitor (monitor-api.ts). The CLI only
 * parses flags and calls these.
 *
 * Every command that changes a container holds its lock (flock on
 * <root>/<id>) from start to end, so concurrent commands on one id run one
 * after another. `state` and `list` read without the lock (all writes are
 * atomic renames).
 *
 * The monitor API is loaded on first use (it pulls in gRPC): from
 * $CLEAR_MONITOR_MODULE when set (a test seam: a module with the same
 * exports), else ./monitor-api. Tests may also pass `monitor` in the context.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClearError, messageOf, NotRunningError } from '../lib/errors';
import { isValidSignalNumber, parseSignal } from '../lib/signals';
import { removeCgroups } from './cgroups';
import { checkConfig, readSpec, resolveBundle } from './config';
import { runHooks } from './hooks';
import { checkNetworkNamespace } from './network';
import { validateId } from './ids';
import type { MonitorLaunch, MonitorSpawn, ResourcesUpdate, SpawnedMonitor } from './monitor-api';
import type { StatsFiles } from './stats';
import { type Hooks, type HookState, OCI_VERSION, type Status } from './oci-spec';
import { notExist } from './query';
import {
  type ContainerLock,
  type ContainerRecord,
  RECORD_FORMAT,
  containerDir,
  createContainerDir,
  isMonitorAlive,
  isProcessAlive,
  liveStatus,
  lockContainer,
  nowRfc3339Nano,
  processStartTime,
  readMonitorExit,
  readRecord,
  removeContainerDir,
  runDirOf,
  writePidFile,
  writeRecord,
} from './state';

/** The monitor's API as the lifecycle uses it (see monitor-api.ts). */
export interface MonitorApi {
  launchMonitor(l: MonitorLaunch, spawned?: SpawnedMonitor): Promise<{ pid: number }>;
  /** Starts a monitor ahead of its parameters (optional: a test's fake has none). */
  spawnMonitor?(s: MonitorSpawn): SpawnedMonitor;
  startContainer(stateDir: string, id: string): Promise<void>;
  signalContainer(stateDir: string, id: string, signal: number, all: boolean): Promise<void>;
  destroyContainer(stateDir: string, id: string): Promise<void>;
  /** Freeze / thaw the whole VM (QMP stop / cont). Optional: older monitors lack them. */
  pauseContainer?(stateDir: string, id: string): Promise<void>;
  resumeContainer?(stateDir: string, id: string): Promise<void>;
  /** New limits for the container's cgroup in the guest (update); optional like pause. */
  updateContainer?(stateDir: string, id: string, resources: ResourcesUpdate): Promise<void>;
  /** The container cgroup's files in the guest (events). */
  statsContainer?(stateDir: string, id: string): Promise<StatsFiles>;
}

export interface LifecycleContext {
  /** The state root (--root). */
  root: string;
  systemdCgroup?: boolean;
  /** Non-fatal problems (a failing poststop hook, a failed cleanup step); default: ignored. */
  warn?: (msg: string) => void;
  /** The monitor API; default: loaded lazily (see above). */
  monitor?: MonitorApi;
  /** How long to wait for a container's lock (ms). */
  lockTimeoutMs?: number;
  /** How long delete waits for the monitor to exit after destroy before SIGKILL (ms, default 10 s). */
  stopTimeoutMs?: number;
}

export interface CreateOptions {
  id: string;
  /** Bundle dir, relative to cwd; default cwd. */
  bundle?: string;
  /** Pid file, relative to cwd. */
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /** Where relative paths start (default process.cwd()). */
  cwd?: string;
}

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  /** Keep the container (stopped) after it exits instead of deleting it. */
  keep?: boolean;
}

let loadedMonitor: MonitorApi | undefined;

function monitorApi(ctx: LifecycleContext): MonitorApi {
  if (ctx.monitor) return ctx.monitor;
  if (!loadedMonitor) {
    const mod = process.env.CLEAR_MONITOR_MODULE;
    // A literal path for the real one, so the CLI bundle (esbuild) includes it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loadedMonitor = (mod ? require(mod) : require('./monitor-api')) as MonitorApi;
  }
  return loadedMonitor;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function hookState(rec: ContainerRecord, status: Status, withPid = true): HookState {
  return {
    ociVersion: rec.ociVersion,
    id: rec.id,
    status,
    ...(withPid && rec.pid ? { pid: rec.pid } : {}),
    bundle: rec.bundle,
    ...(rec.annotations ? { annotations: rec.annotations } : {}),
  };
}

function pickHooks(h: Hooks | undefined): Hooks | undefined {
  if (!h) return undefined;
  const kept: Hooks = {};
  if (h.poststart?.length) kept.poststart = h.poststart;
  if (h.poststop?.length) kept.poststop = h.poststop;
  return Object.keys(kept).length ? kept : undefined;
}

/** Locks an existing container of ours; undefined when there is none (or it is runc's). */
async function lockOurs(ctx: LifecycleContext, id: string): Promise<{ lock: ContainerLock; rec: ContainerRecord } | undefined> {
  const lock = await lockContainer(ctx.root, id, { timeoutMs: ctx.lockTimeoutMs });
  if (!lock) return undefined;
  let rec: ContainerRecord | undefined;
  try {
    rec = readRecord(ctx.root, id);
  } catch (err) {
    lock.release();
    throw err;
  }
  if (!rec) {
    lock.release();
    return undefined;
  }
  return { lock, rec };
}

/**
 * Runs `fn` on container `id` under its lock: the id checked, the record
 * read, runc's "does not exist" when it is not ours, the lock released after.
 */
async function withContainer<T>(ctx: LifecycleContext, id: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
  validateId(id);
  const held = await lockOurs(ctx, id);
  if (!held) throw notExist();
  try {
    return await fn(held.rec);
  } finally {
    held.lock.release();
  }
}

/** Kills a process by pid if it is still the same process. */
function killPid(pid: number, startTime: string | undefined, signal: NodeJS.Signals | number): void {
  if (!isProcessAlive(pid, startTime)) return;
  try {
    process.kill(pid, signal);
  } catch {
    /* gone meanwhile */
  }
}

async function waitDead(pid: number, startTime: string | undefined, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isProcessAlive(pid, startTime)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Stops everything of a container on the host: the monitor's destroy, then
 * the monitor itself (SIGKILL after stopTimeoutMs), then its cgroup
 * directories (cgroups.ts; the monitor cannot remove the cgroup it is in).
 */
async function destroyRuntime(ctx: LifecycleContext, rec: ContainerRecord): Promise<void> {
  const stateDir = containerDir(ctx.root, rec.id);
  const alive = isMonitorAlive(rec);
  try {
    await monitorApi(ctx).destroyContainer(stateDir, rec.id);
  } catch (err) {
    if (alive) ctx.warn?.(`destroying container ${rec.id}: ${messageOf(err)}`);
  }
  if (rec.monitorPid > 0 && !(await waitDead(rec.monitorPid, rec.monitorStartTime, alive ? (ctx.stopTimeoutMs ?? 10_000) : 0))) {
    killPid(rec.monitorPid, rec.monitorStartTime, 'SIGKILL');
    await waitDead(rec.monitorPid, rec.monitorStartTime, 5_000);
  }
  await removeCgroups(stateDir).catch((err) => ctx.warn?.(messageOf(err)));
  // A monitor that was killed (or failed before recording it) left the VM's
  // run directory: its sockets and console log.
  if (rec.runDir) fs.rmSync(rec.runDir, { recursive: true, force: true });
}

// ------------------------------------------------------------------ create

/**
 * runc create: validates the id and the bundle, takes the id, launches the
 * monitor, runs the prestart/createRuntime hooks (createContainer hooks run
 * in the guest, before pivot_root), writes the
 * pid file, and leaves the container 'created'. On any failure nothing is
 * left: monitor stopped, state directory removed, pid file not written.
 */
export async function create(ctx: LifecycleContext, opts: CreateOptions): Promise<{ pid: number }> {
  validateId(opts.id);
  const cwd = opts.cwd ?? process.cwd();
  const bundle = resolveBundle(opts.bundle, cwd);
  const raw = readSpec(bundle);
  const consoleSocket = opts.consoleSocket ? path.resolve(cwd, opts.consoleSocket) : undefined;
  const preserveFds = opts.preserveFds && opts.preserveFds > 0 ? opts.preserveFds : 0;
  const early = spawnMonitorEarly(ctx, { bundle, spec: raw as MonitorSpawn['spec'], consoleSocket, preserveFds });
  const launched = { yes: false };
  try {
    return await createContainer(ctx, opts, { cwd, bundle, raw, consoleSocket, preserveFds, early, launched });
  } catch (err) {
    if (early && !launched.yes) await early.abort();
    throw err;
  }
}

/**
 * The monitor, started before create's checks so that node's start-up in
 * it (~0.1 s) overlaps them; it waits for its parameters. None when the
 * monitor API has no such call (a test's fake) or the config is too broken
 * to tell its namespaces: create's checks then say why.
 */
function spawnMonitorEarly(ctx: LifecycleContext, s: MonitorSpawn): SpawnedMonitor | undefined {
  const api = monitorApi(ctx);
  if (!api.spawnMonitor) return undefined;
  try {
    return api.spawnMonitor(s);
  } catch {
    return undefined;
  }
}

interface CreateInputs {
  cwd: string;
  bundle: string;
  raw: unknown;
  consoleSocket: string | undefined;
  preserveFds: number;
  early: SpawnedMonitor | undefined;
  /** Set once the early monitor was handed to launchMonitor, which then owns it. */
  launched: { yes: boolean };
}

async function createContainer(ctx: LifecycleContext, opts: CreateOptions, inputs: CreateInputs): Promise<{ pid: number }> {
  const { cwd, bundle } = inputs;
  const cfg = checkConfig(inputs.raw, bundle);
  checkNetworkNamespace(cfg.spec);
  const terminal = cfg.spec.process?.terminal === true;
  if (opts.consoleSocket && !terminal) {
    throw new ClearError('cannot use console socket if runc will not detach or allocate tty');
  }
  if (terminal && !opts.consoleSocket) {
    throw new ClearError('cannot allocate tty if runc will detach without setting console socket');
  }
  const pidFile = opts.pidFile ? path.resolve(cwd, opts.pidFile) : undefined;

  const lock = await createContainerDir(ctx.root, opts.id, { timeoutMs: ctx.lockTimeoutMs });
  const stateDir = containerDir(ctx.root, opts.id);
  const rec: ContainerRecord = {
    clear: RECORD_FORMAT,
    ociVersion: OCI_VERSION,
    id: opts.id,
    status: 'creating',
    pid: 0,
    bundle,
    rootfs: cfg.rootfs,
    ...(cfg.spec.annotations && Object.keys(cfg.spec.annotations).length ? { annotations: cfg.spec.annotations } : {}),
    created: nowRfc3339Nano(),
    owner: '',
    monitorPid: 0,
    runDir: runDirOf(ctx.root, opts.id),
    ...(pickHooks(cfg.spec.hooks) ? { hooks: pickHooks(cfg.spec.hooks) } : {}),
    terminal,
  };
  let pidWritten = false;
  try {
    writeRecord(ctx.root, rec);
    fs.mkdirSync(rec.runDir, { recursive: true, mode: 0o700 });
    const hooks = cfg.spec.hooks;
    inputs.launched.yes = true;
    const { pid } = await monitorApi(ctx).launchMonitor({
      root: ctx.root,
      id: opts.id,
      bundle,
      stateDir,
      runDir: rec.runDir,
      spec: cfg.spec,
      ...(inputs.consoleSocket ? { consoleSocket: inputs.consoleSocket } : {}),
      preserveFds: inputs.preserveFds,
      noPivot: opts.noPivot ?? false,
      noNewKeyring: opts.noNewKeyring ?? false,
      systemdCgroup: ctx.systemdCgroup ?? false,
      // The monitor runs in the container's namespaces; the VM has not booted.
      beforeBoot: async (monitorPid) => {
        rec.pid = monitorPid;
        rec.monitorPid = monitorPid;
        rec.monitorStartTime = processStartTime(monitorPid);
        writeRecord(ctx.root, rec);
        if (!rec.monitorStartTime) throw new ClearError('container init exited before it was created');
        const st = hookState(rec, 'creating');
        await runHooks('prestart', hooks?.prestart, st);
        await runHooks('createRuntime', hooks?.createRuntime, st);
      },
    }, inputs.early);

    if (pidFile) {
      writePidFile(pidFile, pid);
      pidWritten = true;
    }
    rec.status = 'created';
    writeRecord(ctx.root, rec);
    return { pid };
  } catch (err) {
    if (rec.monitorPid > 0) await destroyRuntime({ ...ctx, stopTimeoutMs: 2_000 }, rec).catch(() => {});
    else {
      await monitorApi(ctx).destroyContainer(stateDir, opts.id).catch(() => {});
      await removeCgroups(stateDir).catch(() => {});
    }
    if (pidWritten && pidFile) fs.rmSync(pidFile, { force: true });
    removeContainerDir(ctx.root, opts.id);
    fs.rmSync(rec.runDir, { recursive: true, force: true });
    throw err;
  } finally {
    lock.release();
  }
}

// ------------------------------------------------------------------- start

/** runc start: releases a created container's process, then runs the poststart hooks. */
export async function start(ctx: LifecycleContext, id: string): Promise<void> {
  return withContainer(ctx, id, async (rec) => {
    const status = liveStatus(ctx.root, rec);
    switch (status) {
      case 'created':
        break;
      case 'stopped':
        throw new ClearError('cannot start a container that has stopped');
      case 'running':
        throw new ClearError('cannot start an already running container');
      default:
        throw new ClearError(`cannot start a container in the ${status} state`);
    }
    await monitorApi(ctx).startContainer(containerDir(ctx.root, id), id);
    rec.status = 'running';
    writeRecord(ctx.root, rec);
    try {
      await runHooks('poststart', rec.hooks?.poststart, hookState(rec, 'running'));
    } catch (err) {
      // runc (1.2): a failing poststart hook takes the container down.
      await destroyRuntime(ctx, rec).catch(() => {});
      throw err;
    }
  });
}

// ------------------------------------------------------------------- state

export { formatState, list, state } from './query';

// -------------------------------------------------------------------- kill

/**
 * runc kill: `signal` as a number or a name (with or without SIG). A stopped
 * container gives "container not running", except with `all` (nothing left
 * to signal: success, like runc).
 */
export async function kill(ctx: LifecycleContext, id: string, signal: string | number = 'SIGTERM', all = false): Promise<void> {
  return withContainer(ctx, id, async (rec) => {
    const sig = typeof signal === 'number' ? signal : parseSignal(signal);
    const status = liveStatus(ctx.root, rec);
    if (status === 'stopped' || status === 'creating') {
      if (all && status === 'stopped') return;
      throw new ClearError('container not running');
    }
    if (!isValidSignalNumber(sig)) throw new ClearError('unable to signal init: invalid argument');
    if (status === 'paused') {
      await signalPaused(ctx, rec, sig, all);
      return;
    }
    await monitorApi(ctx).signalContainer(containerDir(ctx.root, id), id, sig, all);
  });
}

/**
 * A signal for a paused container. The VM is stopped, so the agent that
 * delivers signals cannot answer: the VM is thawed first. SIGKILL leaves it
 * running (the container dies of SIGKILL and its monitor with it: callers
 * see status 137, as with runc, which thaws the cgroup after SIGKILL too).
 * Any other signal is delivered and the VM frozen again, so the container
 * runs only for the moment delivery takes (runc leaves such a signal pending
 * until resume; docker refuses to send it at all).
 */
async function signalPaused(ctx: LifecycleContext, rec: ContainerRecord, sig: number, all: boolean): Promise<void> {
  const api = monitorApi(ctx);
  const stateDir = containerDir(ctx.root, rec.id);
  if (!api.resumeContainer || !api.pauseContainer) throw new ClearError('container is paused');
  await api.resumeContainer(stateDir, rec.id);
  if (sig === 9) {
    rec.status = rec.pausedFrom ?? 'running';
    delete rec.pausedFrom;
    writeRecord(ctx.root, rec);
    await api.signalContainer(stateDir, rec.id, sig, all);
    return;
  }
  try {
    await api.signalContainer(stateDir, rec.id, sig, all);
  } finally {
    await api.pauseContainer(stateDir, rec.id);
  }
}

// ------------------------------------------------------------ pause/resume

/** runc pause: freezes a running (or created) container: here its whole VM. */
export async function pause(ctx: LifecycleContext, id: string): Promise<void> {
  return withContainer(ctx, id, async (rec) => {
    const status = liveStatus(ctx.root, rec);
    if (status !== 'running' && status !== 'created') throw new ClearError('container not running');
    const api = monitorApi(ctx);
    if (!api.pauseContainer) throw new ClearError('pause is not supported by this container monitor');
    await api.pauseContainer(containerDir(ctx.root, id), id);
    rec.pausedFrom = status;
    rec.status = 'paused';
    writeRecord(ctx.root, rec);
  });
}

/** runc resume: thaws a paused container. */
export async function resume(ctx: LifecycleContext, id: string): Promise<void> {
  return withContainer(ctx, id, async (rec) => {
    if (liveStatus(ctx.root, rec) !== 'paused') throw new ClearError('container not paused');
    const api = monitorApi(ctx);
    if (!api.resumeContainer) throw new ClearError('resume is not supported by this container monitor');
    await api.resumeContainer(containerDir(ctx.root, id), id);
    rec.status = rec.pausedFrom ?? 'running';
    delete rec.pausedFrom;
    writeRecord(ctx.root, rec);
  });
}

// ------------------------------------------------------- update and stats

/**
 * Runs `fn` against a live container's agent. A paused VM runs no guest
 * code, so it is thawed for the call and frozen again after (runc updates
 * and reads a frozen cgroup directly).
 */
async function withLiveAgent<T>(ctx: LifecycleContext, rec: ContainerRecord, notRunning: string, fn: (api: MonitorApi, stateDir: string) => Promise<T>): Promise<T> {
  const status = liveStatus(ctx.root, rec);
  if (status === 'stopped' || status === 'creating') throw new ClearError(notRunning);
  const api = monitorApi(ctx);
  const stateDir = containerDir(ctx.root, rec.id);
  // Stopped between the check above and the call (its monitor gone): the
  // same words as when it was stopped before.
  const call = () => fn(api, stateDir).catch((err: unknown) => {
    throw err instanceof NotRunningError || liveStatus(ctx.root, rec) === 'stopped' ? new ClearError(notRunning) : err;
  });
  if (status !== 'paused') return call();
  if (!api.resumeContainer || !api.pauseContainer) throw new ClearError('container is paused');
  await api.resumeContainer(stateDir, rec.id);
  try {
    return await call();
  } finally {
    await api.pauseContainer(stateDir, rec.id);
  }
}

/** runc update: new limits for the container's cgroup in its guest (see monitor-launch.ts). */
export async function update(ctx: LifecycleContext, id: string, resources: ResourcesUpdate): Promise<void> {
  return withContainer(ctx, id, (rec) =>
    withLiveAgent(ctx, rec, 'container not running', async (api, stateDir) => {
      if (!api.updateContainer) throw new ClearError('update is not supported by this container monitor');
      await api.updateContainer(stateDir, id, resources);
    }),
  );
}

/** The container cgroup's files in its guest; runc's "container with id X is not running" once stopped. */
export async function stats(ctx: LifecycleContext, id: string): Promise<StatsFiles> {
  return withContainer(ctx, id, (rec) =>
    withLiveAgent(ctx, rec, `container with id ${id} is not running`, async (api, stateDir) => {
      if (!api.statsContainer) throw new ClearError('events are not supported by this container monitor');
      return api.statsContainer(stateDir, id);
    }),
  );
}

// ---------------------------------------------------------------------- ps

/**
 * runc ps: the container's host pids. A clear container's processes live in
 * its guest and have no host pids; the host process that stands for the
 * container is its monitor (the pid callers were given), so that is the one
 * pid: `[monitorPid]` while the container lives, none once it has stopped.
 */
export function processes(ctx: LifecycleContext, id: string): number[] {
  validateId(id);
  const rec = readRecord(ctx.root, id);
  if (!rec) throw notExist();
  return liveStatus(ctx.root, rec) === 'stopped' || rec.monitorPid <= 0 ? [] : [rec.monitorPid];
}

// ------------------------------------------------------------------ delete

/**
 * runc delete: a stopped or created container is removed (a created one is
 * killed first); a running or paused one only with `force`. An unknown id is
 * an error, except with `force`. The poststop hooks run after removal; their
 * failure is reported through ctx.warn, not thrown (like runc).
 */
export async function remove(ctx: LifecycleContext, id: string, force = false): Promise<void> {
  if (force && idErrorQuiet(id)) return;
  validateId(id);
  const held = await lockOurs(ctx, id);
  if (!held) {
    if (force) return;
    throw notExist();
  }
  const { lock, rec } = held;
  try {
    const status = liveStatus(ctx.root, rec);
    if ((status === 'running' || status === 'paused') && !force) {
      throw new ClearError(`cannot delete container ${id} that is not stopped: ${status}`);
    }
    await destroyRuntime(ctx, rec);
    removeContainerDir(ctx.root, id);
    try {
      await runHooks('poststop', rec.hooks?.poststop, hookState(rec, 'stopped', false));
    } catch (err) {
      ctx.warn?.(messageOf(err));
    }
  } finally {
    lock.release();
  }
}

/** `delete` is a keyword; this is remove(). */
export { remove as delete };

function idErrorQuiet(id: string): boolean {
  try {
    validateId(id);
    return false;
  } catch {
    return true;
  }
}

// --------------------------------------------------------------------- run

/** The container's exit status once its monitor is gone (255 when it told nothing). */
export function exitStatusOf(ctx: LifecycleContext, rec: ContainerRecord): number {
  const exit = readMonitorExit(containerDir(ctx.root, rec.id));
  return exit ?? 255;
}

/** Resolves with the container's exit status once it has stopped. */
export async function waitStopped(ctx: LifecycleContext, id: string, pollMs = 50): Promise<number> {
  for (;;) {
    const rec = readRecord(ctx.root, id);
    if (!rec) return 255;
    if (liveStatus(ctx.root, rec) === 'stopped') {
      // The report comes before the monitor exits; give it a moment to exit.
      await waitDead(rec.monitorPid, rec.monitorStartTime, 2_000);
      return exitStatusOf(ctx, rec);
    }
    await sleep(pollMs);
  }
}

/** What `run` forwards to the container; SIGWINCH resizes its terminal instead, as with runc. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * runc run: create + start; with `detach` it returns 0 once started,
 * otherwise it forwards signals to the container, waits for it to exit,
 * deletes it (unless `keep`) and resolves with its exit status. In the
 * foreground with process.terminal and no --console-socket, the terminal is
 * ours: its master comes to a console socket of our own and is relayed to
 * our stdin and stdout (runc's tty mode).
 */
export async function run(ctx: LifecycleContext, opts: RunOptions): Promise<number> {
  const own = !opts.detach && !opts.consoleSocket && wantsTerminal(opts) ? await ownTerminal() : null;
  let relay: { drained(): Promise<void>; close(): void } | null = null;
  try {
    await create(ctx, own ? { ...opts, consoleSocket: own.socket.path } : opts);
    if (own) relay = own.relay(await own.socket.received);
  } finally {
    own?.socket.close();
  }
  try {
    try {
      await start(ctx, opts.id);
    } catch (err) {
      await remove(ctx, opts.id, true).catch(() => {});
      throw err;
    }
    if (opts.detach) return 0;
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const s of FORWARDED) {
      const h = () => {
        void kill(ctx, opts.id, s).catch(() => {});
      };
      handlers.set(s, h);
      process.on(s, h);
    }
    try {
      const code = await waitStopped(ctx, opts.id);
      // The last output is on its way through the monitor's relay.
      await relay?.drained();
      if (!opts.keep) await remove(ctx, opts.id, true);
      return code;
    } finally {
      for (const [s, h] of handlers) process.off(s, h);
    }
  } finally {
    relay?.close();
  }
}

/** Whether the bundle's config asks for a terminal (create reports a bad config). */
function wantsTerminal(opts: CreateOptions): boolean {
  try {
    const bundle = resolveBundle(opts.bundle, opts.cwd ?? process.cwd());
    return JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'))?.process?.terminal === true;
  } catch {
    return false;
  }
}

/** The console socket and the relay of `run`'s own terminal, loaded only when needed. */
async function ownTerminal() {
  const [{ ownConsoleSocket }, { relayCallerTerminal }] = await Promise.all([import('./console-socket'), import('./terminal')]);
  return { socket: ownConsoleSocket(), relay: relayCallerTerminal };
}
