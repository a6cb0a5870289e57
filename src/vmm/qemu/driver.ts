/**
 * QemuHypervisor: runs one QEMU microvm process per machine and drives it
 * over QMP. The command line comes from ./args.ts; this file owns the
 * process: spawning, readiness, control, and making sure that no QEMU
 * process outlives an error or the process that started it.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { ClearError, messageOf } from '../../lib/errors';
import { logger } from '../../lib/log';
import { qemuBinary, setprivPath } from '../../lib/paths';
import type { Hypervisor, Machine, MachineConfig, MachineExit, MachineStatus, ReclaimReport } from '../hypervisor';
import { buildQemuArgs, type MicrovmOptions } from './args';
import { trimCodeCache } from './code-cache';
import { QmpClient } from './qmp';

const log = logger('qemu');

export interface QemuHypervisorOptions {
  /** QEMU binary; default CLEAR_QEMU or qemu-system-x86_64. */
  binary?: string;
  /** microvm property overrides (see args.ts). */
  microvm?: Partial<MicrovmOptions>;
  /** Extra kernel command line, before the config's own. */
  extraCmdline?: string;
  /** Extra QEMU arguments, after clear's own (args.ts, QemuArgsOptions.extraArgs). */
  extraArgs?: string[];
  /**
   * How long QEMU may take to answer on QMP, before the accelerator's
   * timeoutScale is applied (ms). QMP answers once QEMU has set the machine
   * up, before the guest runs: ~0.1 s normally.
   */
  startTimeoutMs?: number;
  /** How long quit() waits for QEMU to exit before killing it, before scaling (ms). */
  quitTimeoutMs?: number;
}

/** How long each step of a translation-cache trim may wait on QEMU, before scaling (ms). */
const CODE_CACHE_STEP_MS = 500;

/** How many bytes of QEMU's stdout/stderr are kept for error messages. */
const TAIL_BYTES = 8192;
const TAIL_LINES = 20;

export class QemuHypervisor implements Hypervisor {
  readonly name = 'qemu';
  constructor(private readonly opts: QemuHypervisorOptions = {}) {}

  async start(config: MachineConfig): Promise<Machine> {
    const inv = buildQemuArgs(config, {
      binary: this.opts.binary ?? qemuBinary(),
      microvm: this.opts.microvm,
      extraCmdline: this.opts.extraCmdline,
      extraArgs: this.opts.extraArgs,
    });
    const scale = Math.max(1, config.accel.timeoutScale || 1);
    const startTimeout = (this.opts.startTimeoutMs ?? 5_000) * scale;
    const quitTimeout = (this.opts.quitTimeoutMs ?? 3_000) * scale;

    fs.mkdirSync(config.runDir, { recursive: true, mode: 0o700 });
    // A stale socket from an earlier run would let us connect to nothing.
    fs.rmSync(inv.qmpSocket, { force: true });

    // stdin ignored; stdout and stderr captured for the tail; {fd} socket
    // refs appear in QEMU at fds 3, 4, ... as args.ts numbered them.
    const stdio: StdioOptions = ['ignore', 'pipe', 'pipe'];
    for (const f of inv.fds) {
      if (f.childFd !== stdio.length) throw new Error(`internal: fd ${f.childFd} out of order`);
      stdio.push(f.parentFd);
    }
    log('%s: spawning %s %s', config.name, inv.binary, inv.args.map(shellQuote).join(' '));

    // detached: QEMU gets its own process group, so a terminal's ^C aimed at
    // the caller's group does not tear the VM down behind the monitor's back;
    // the monitor decides (and an exit hook below kills QEMU when it goes).
    // setpriv --pdeathsig: QEMU dies with its parent even when that parent is
    // SIGKILLed and can run no exit hook (QEMU 7.2 has no such option itself).
    const binary = resolveOnPath(inv.binary);
    const child = binary
      ? spawn(setprivPath(), ['--pdeathsig', 'KILL', binary, ...inv.args], { stdio, detached: true })
      : spawn(inv.binary, inv.args, { stdio, detached: true });
    const tail = new OutputTail();
    child.stdout?.on('data', (b: Buffer) => tail.push(b));
    child.stderr?.on('data', (b: Buffer) => tail.push(b));

    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (err) => resolve(err));
    });
    if (spawned) {
      const code = (spawned as NodeJS.ErrnoException).code;
      throw new ClearError(
        code === 'ENOENT'
          ? `cannot start VM ${config.name}: ${inv.binary} not found (install qemu-system-x86: 'make deps')`
          : `cannot start VM ${config.name}: ${inv.binary}: ${spawned.message}`,
        { cause: spawned },
      );
    }
    const pid = child.pid!;
    const exited = watchExit(child, tail);
    track(pid, exited);
    log('%s: qemu pid %d', config.name, pid);

    // Wait for QMP, giving up as soon as QEMU exits.
    const abort = new AbortController();
    let exitedEarly: MachineExit | null = null;
    void exited.then((e) => {
      exitedEarly = e;
      abort.abort(new Error('QEMU exited'));
    });
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(inv.qmpSocket, { retry: true, timeoutMs: startTimeout, signal: abort.signal });
    } catch (err) {
      // QEMU failing during start usually closes the QMP connection (reset,
      // EOF) a moment before its exit is reaped: give the exit a moment to
      // show, so the error is QEMU's own message rather than a socket error.
      const early = exitedEarly ?? (await withTimeout(exited, 1000));
      if (early) {
        throw new ClearError(
          `VM ${config.name}: QEMU exited during start (${describeExit(early)})` + tailSuffix(early.stderrTail),
        );
      }
      // Timed out, or QMP broke while QEMU runs: never leave it behind.
      killQuietly(pid);
      const e = await exited;
      throw new ClearError(
        `VM ${config.name}: QEMU (pid ${pid}) did not become ready: ${messageOf(err)}` + tailSuffix(e.stderrTail),
        { cause: err },
      );
    }
    log('%s: QMP ready on %s', config.name, inv.qmpSocket);
    const codeCache = inv.sharedCodeCache ? { runDir: config.runDir, stepTimeoutMs: CODE_CACHE_STEP_MS * scale } : null;
    return new QemuMachine(config.name, pid, qmp, exited, quitTimeout, codeCache);
  }
}

class QemuMachine implements Machine {
  private exitInfo: MachineExit | null = null;

  constructor(
    private readonly name: string,
    readonly pid: number,
    private readonly qmp: QmpClient,
    readonly exited: Promise<MachineExit>,
    private readonly quitTimeoutMs: number,
    private readonly codeCache: { runDir: string; stepTimeoutMs: number } | null,
  ) {
    void exited.then((e) => {
      this.exitInfo = e;
      qmp.close();
      log('%s: qemu pid %d exited (%s)', name, pid, describeExit(e));
    });
    qmp.on('SHUTDOWN', (ev) => log('%s: SHUTDOWN %j', name, ev.data));
  }

  async status(): Promise<MachineStatus> {
    if (this.exitInfo) return 'shutdown';
    let r: { status?: string; running?: boolean };
    try {
      r = await this.qmp.execute<{ status?: string; running?: boolean }>('query-status');
    } catch (err) {
      if (await this.exitedSoon()) return 'shutdown';
      throw this.wrap('query-status', err);
    }
    switch (r.status) {
      case 'running':
        return 'running';
      case 'shutdown':
      case 'guest-panicked':
      case 'internal-error':
      case 'io-error':
        return 'shutdown';
      default:
        // paused, suspended, prelaunch, debug, watchdog, ...: not running guest code.
        return r.running ? 'running' : 'paused';
    }
  }

  async pause(): Promise<void> {
    await this.command('stop');
  }

  async resume(): Promise<void> {
    await this.command('cont');
  }

  async reclaimIdleMemory(): Promise<ReclaimReport | null> {
    if (!this.codeCache || this.exitInfo) return null;
    try {
      return await trimCodeCache(this.qmp, { pid: this.pid, ...this.codeCache });
    } catch (err) {
      if (await this.exitedSoon()) throw this.gone('trim the translation cache');
      throw this.wrap('trimming the translation cache', err);
    }
  }

  async quit(): Promise<MachineExit> {
    if (this.exitInfo) return this.exitInfo;
    // QEMU answers `quit` and exits; the answer may be lost when the socket
    // closes first, so any error here is judged by whether QEMU went away.
    this.qmp.execute('quit', undefined, { timeoutMs: this.quitTimeoutMs }).catch(() => undefined);
    const done = await withTimeout(this.exited, this.quitTimeoutMs);
    if (done) return done;
    log('%s: qemu pid %d ignored quit for %d ms; killing it', this.name, this.pid, this.quitTimeoutMs);
    return this.kill();
  }

  async kill(): Promise<MachineExit> {
    if (this.exitInfo) return this.exitInfo;
    killQuietly(this.pid);
    return this.exited;
  }

  private async command(cmd: string): Promise<void> {
    if (this.exitInfo) throw this.gone(cmd);
    try {
      await this.qmp.execute(cmd);
    } catch (err) {
      if (await this.exitedSoon()) throw this.gone(cmd);
      throw this.wrap(cmd, err);
    }
  }

  /** After a QMP failure: did QEMU exit (give it a moment to be reaped)? */
  private async exitedSoon(): Promise<boolean> {
    if (this.exitInfo) return true;
    return (await withTimeout(this.exited, 200)) !== null;
  }

  private gone(cmd: string): Error {
    return new ClearError(
      `VM ${this.name}: cannot ${cmd}: QEMU (pid ${this.pid}) has exited` +
        (this.exitInfo ? ` (${describeExit(this.exitInfo)})` : ''),
    );
  }

  private wrap(cmd: string, err: unknown): Error {
    return new ClearError(`VM ${this.name}: ${cmd} failed: ${messageOf(err)}`, { cause: err });
  }
}

/** Resolves once the process has exited and its output pipes have drained. */
function watchExit(child: ChildProcess, tail: OutputTail): Promise<MachineExit> {
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      untrack(child.pid!);
      resolve({ code, signal, stderrTail: tail.text() });
    });
  });
}

/** The last few KiB of what QEMU printed, as whole lines. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > TAIL_BYTES && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return s.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-TAIL_LINES).join('\n');
  }
}

function tailSuffix(t: string): string {
  return t ? `:\n${t}` : ' (QEMU printed nothing)';
}

function describeExit(e: MachineExit): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    void p.then((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

// Every QEMU this process started and has not yet seen exit. When this
// process exits (normally or on an uncaught exception) they are killed, so a
// VM never outlives its monitor. A SIGTERM, SIGINT or SIGHUP that would kill
// this process (no one else handles it) kills them first, then this process
// with the same signal. Only a SIGKILLed parent can leave a QEMU behind:
// QEMU 7.2 has no exit-with-parent option, and Node cannot set
// PR_SET_PDEATHSIG; the lifecycle layer must kill by the pid it recorded.
const live = new Set<number>();
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
let hooked = false;
function track(pid: number, exited: Promise<MachineExit>): void {
  live.add(pid);
  void exited.then(() => live.delete(pid));
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of live) killQuietly(p);
  });
  for (const sig of FATAL_SIGNALS) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return; // someone else decides what this signal means
      for (const p of live) killQuietly(p);
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}
function untrack(pid: number): void {
  live.delete(pid);
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The absolute path `command -v name` would run, or null when there is none. */
function resolveOnPath(name: string): string | null {
  const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(':').map((d) => path.join(d || '.', name));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}
