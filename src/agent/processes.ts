/**
 * The agent's process table: the processes it started, their stdio pipes and
 * how they ended. Transport-agnostic: errors carry a gRPC status code but the
 * module does not load grpc-js.
 */
import { spawn, type ChildProcess } from 'child_process';
import { constants as osConstants } from 'os';
import { accessSync, constants as fsConstants, fchownSync, statSync } from 'fs';
import * as path from 'path';
import type { Socket } from 'net';
import { PassThrough, type Readable, type Writable } from 'stream';
import { native } from '../native';
import { FdStream } from '../native/fd-stream';

/** gRPC status codes used here (values from the gRPC spec). */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** An error with a gRPC status code; its message is what the caller reads. */
export class AgentError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'AgentError';
  }
}

export interface ProcessSpec {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  /** Run on a new pty in the guest (see Proc.useTerminal). */
  terminal?: boolean;
  consoleSize?: WindowSize | null;
}

export interface WindowSize {
  rows: number;
  cols: number;
}

/** Where the image carries the exec helper; CLEAR_EXEC_HELPER overrides (host tests). */
export const EXEC_HELPER = '/opt/clear/clear-exec';

/** The terminal's EOF character (VEOF; ^D by default). */
const VEOF = 0x04;

export interface ExitInfo {
  /** The exit code; 128+signal when a signal ended the process. */
  exitCode: number;
  /** The signal number that killed it, or 0. */
  signal: number;
}

export type OutputName = 'stdout' | 'stderr';

interface OutputState {
  stream: Readable;
  /** A reader is attached now. */
  reading: boolean;
  /** EOF was delivered to a reader (or the pipe failed). */
  done: boolean;
}

/** Which way a preserved fd's bytes go: in = host → process. */
export type FdDirection = 'in' | 'out' | 'both';

/** A caller's fd passed through to a process (runc's --preserve-fds), relayed by content. */
export interface PreservedFdSpec {
  /** The fd number in the process (3 and up). */
  fd: number;
  direction: FdDirection;
}

/**
 * The agent's end of a preserved fd: a socketpair's end whose other end is
 * the process's fd. WriteStdin with the fd feeds `input`; ReadStdio with
 * the fd reads `output`.
 */
export interface PreservedEnd {
  socket: Socket;
  input: Writable | null;
  /** A WriteStdin call is attached now. */
  writing: boolean;
  output: OutputState | null;
}

/** Checks a list of preserved fds: numbers 3 and up, each once. */
export function checkPreservedFds(fds: PreservedFdSpec[]): void {
  const seen = new Set<number>();
  for (const f of fds) {
    if (!Number.isInteger(f.fd) || f.fd < 3 || f.fd > 65535) throw new AgentError(Code.INVALID_ARGUMENT, `preserved fd ${f.fd}: must be 3 or above`);
    if (!['in', 'out', 'both'].includes(f.direction)) throw new AgentError(Code.INVALID_ARGUMENT, `preserved fd ${f.fd}: no direction`);
    if (seen.has(f.fd)) throw new AgentError(Code.INVALID_ARGUMENT, `preserved fd ${f.fd} given twice`);
    seen.add(f.fd);
  }
  if (fds.length > 1000) throw new AgentError(Code.INVALID_ARGUMENT, `too many preserved fds (${fds.length})`);
}

/** How ProcessTable.spawn starts a program other than through ExecProcess (the container helper). */
export interface SpawnSpec {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Extra 'pipe' fds after stdio (fd 3, 4, ...): socketpairs, in child.stdio. */
  extraFds?: number;
  /**
   * What the child gets after those (the next fd numbers, in order): fds of
   * ours, 'ignore' (nothing at that number) or 'pipe' (one more socketpair,
   * in child.stdio).
   */
  inheritFds?: Array<number | 'ignore' | 'pipe'>;
  /** Names the program in errors, e.g. "container init". */
  describe?: string;
}

export class Proc {
  readonly pid: number;
  /**
   * Where signals go: the pid itself, or for a container the init process
   * the exec helper reported (the helper is only its proxy).
   */
  targetPid: number;
  exit: ExitInfo | null = null;
  /** WaitProcess has answered with the exit status at least once. */
  waited = false;
  /** A WriteStdin call is attached now. */
  writing = false;
  /** Where input goes: the stdin pipe, or the pty master. */
  stdin: Writable;
  readonly out: Record<OutputName, OutputState>;
  /** The pty master when the process runs on a terminal. */
  pty: FdStream | null = null;
  /** The last byte written to stdin (decides how many ^D end the input). */
  lastInput = -1;
  /** Preserved fds (runc's --preserve-fds) by their number in the process. */
  readonly fds = new Map<number, PreservedEnd>();
  private readonly exitWaiters: Array<(e: ExitInfo) => void> = [];

  constructor(
    readonly execId: string,
    readonly child: ChildProcess,
    private readonly onSettled: (p: Proc) => void,
    /** No stdio pipes: useTerminal() follows at once. */
    noPipes = false,
  ) {
    this.pid = child.pid!;
    this.targetPid = this.pid;
    const none = () => new PassThrough();
    this.stdin = noPipes ? none() : child.stdin!;
    this.out = {
      stdout: { stream: noPipes ? none() : child.stdout!, reading: false, done: false },
      stderr: { stream: noPipes ? none() : child.stderr!, reading: false, done: false },
    };
    // A pipe error must never become an uncaught exception in the agent:
    // EPIPE on stdin means the child stopped reading, which is its business.
    this.stdin.on('error', () => {});
    for (const name of ['stdout', 'stderr'] as const) {
      const st = this.out[name].stream;
      st.on('error', () => {});
      // Paused mode with a 'readable' listener: Node fills at most the
      // stream's buffer (highWaterMark) and then stops reading the pipe, so
      // the child blocks, and nothing is dropped. Without it, Node resumes
      // untouched child stdio when the child exits (flushStdio), which
      // discards output nobody has read yet. Readers consume with read().
      st.on('readable', noop);
    }
    child.on('exit', (code, signal) => {
      const signo = signal ? (osConstants.signals as Record<string, number>)[signal] ?? 0 : 0;
      this.exit = { exitCode: signo ? 128 + signo : code ?? 0, signal: signo };
      for (const w of this.exitWaiters.splice(0)) w(this.exit);
      this.maybeSettle();
    });
  }

  /**
   * The process runs on a pty whose master is `masterFd` (taken over): its
   * output (stdout and stderr merged, as on any terminal) becomes 'stdout',
   * 'stderr' is empty and done, input goes to the master. The pipes the
   * process was spawned with carry nothing from now on and are dropped.
   */
  useTerminal(masterFd: number, size?: WindowSize | null): void {
    if (size && size.rows > 0 && size.cols > 0) {
      try {
        native().setWinsize(masterFd, size.rows, size.cols);
      } catch (err) {
        native().close(masterFd);
        throw err;
      }
    }
    const pty = new FdStream(masterFd, { tty: true });
    // Output the process leaves behind when it ends is read before EOF (EIO).
    pty.on('error', () => {});
    pty.on('readable', noop);
    for (const old of [this.stdin, this.out.stdout.stream, this.out.stderr.stream]) {
      if (old !== pty) old.destroy();
    }
    this.pty = pty;
    this.stdin = pty;
    this.out.stdout = { stream: pty, reading: false, done: false };
    const none = new PassThrough();
    none.end();
    this.out.stderr = { stream: none, reading: false, done: true };
  }

  /**
   * Ends the input: closes the stdin pipe, or on a terminal types the EOF
   * character as a user would (twice after a partial line: the first only
   * hands that line to the reader).
   */
  closeStdin(): void {
    if (!this.pty) {
      this.stdin.end();
      return;
    }
    if (this.pty.destroyed || this.exit) return;
    const partial = this.lastInput >= 0 && this.lastInput !== 0x0a && this.lastInput !== 0x0d && this.lastInput !== VEOF;
    this.pty.write(Buffer.from(partial ? [VEOF, VEOF] : [VEOF]));
    this.lastInput = VEOF;
  }

  /** TIOCSWINSZ on the process's terminal. */
  resize(size: WindowSize): void {
    if (!this.pty) throw new AgentError(Code.FAILED_PRECONDITION, `process ${JSON.stringify(this.execId)} has no terminal`);
    const fd = this.pty.fd;
    if (fd < 0 || this.exit) return; // ended: nothing to resize
    if (!Number.isInteger(size.rows) || !Number.isInteger(size.cols) || size.rows > 0xffff || size.cols > 0xffff) {
      throw new AgentError(Code.INVALID_ARGUMENT, `invalid window size ${size.rows}x${size.cols}`);
    }
    native().setWinsize(fd, size.rows, size.cols);
  }

  /**
   * Adds a preserved fd whose agent end is `socket` (the process has the
   * other end at `fd`). Output waits in the socket until ReadStdio reads it,
   * as stdout's does.
   */
  addPreserved(fd: number, socket: Socket, direction: FdDirection): void {
    socket.on('error', () => {});
    // Our input may go on after the process closed its writing side (BOTH).
    socket.allowHalfOpen = true;
    const end: PreservedEnd = { socket, input: null, writing: false, output: null };
    if (direction !== 'out') end.input = socket;
    if (direction !== 'in') {
      socket.on('readable', noop);
      end.output = { stream: socket, reading: false, done: false };
    }
    this.fds.set(fd, end);
  }

  /** The preserved fd's end, or NOT_FOUND / FAILED_PRECONDITION for the wrong direction. */
  preserved(fd: number, want: 'input' | 'output'): PreservedEnd {
    const end = this.fds.get(fd);
    if (!end) throw new AgentError(Code.NOT_FOUND, `process ${JSON.stringify(this.execId)} has no preserved fd ${fd}`);
    if (!end[want]) {
      throw new AgentError(Code.FAILED_PRECONDITION,
        `preserved fd ${fd} of ${JSON.stringify(this.execId)} is ${want === 'input' ? 'write-only' : 'read-only'} in the process`);
    }
    return end;
  }

  /** Resolves once the process has exited (at once if it has). */
  wait(): Promise<ExitInfo> {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  markWaited(): void {
    this.waited = true;
    this.maybeSettle();
  }

  markOutputDone(name: OutputName): void {
    this.markDone(this.out[name]);
  }

  /** An output (stdout, stderr or a preserved fd's) delivered its EOF. */
  markDone(out: OutputState): void {
    out.done = true;
    this.maybeSettle();
  }

  /** Exited, waited for, and every output drained: the entry can go. */
  get settled(): boolean {
    return this.exit !== null && this.waited && this.out.stdout.done && this.out.stderr.done &&
      [...this.fds.values()].every((e) => !e.output || e.output.done);
  }

  private maybeSettle(): void {
    if (!this.settled) return;
    // Nothing more can come through the preserved fds: close our ends.
    for (const e of this.fds.values()) e.socket.destroy();
    this.onSettled(this);
  }

  /** Drops whatever is left in the pipes (the entry is being replaced). */
  discard(): void {
    this.stdin.destroy();
    this.out.stdout.stream.destroy();
    this.out.stderr.stream.destroy();
    for (const e of this.fds.values()) e.socket.destroy();
  }
}

function noop(): void {}

/** How many ended processes WaitProcess/SignalProcess still know after removal. */
const TOMBSTONES = 256;

function envObject(env: string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i <= 0) continue; // "KEY" without "=" or "=x": not representable; skipped like runc does for empty keys
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/**
 * PATH lookup as execvp does it in the child (Go's exec.LookPath, for runc's
 * error words): the file to exec, or the error a spawn would have given.
 */
function lookPath(arg0: string, pathEnv: string, cwd: string): string {
  const enoent = () => Object.assign(new Error('ENOENT'), { code: 'ENOENT' }) as NodeJS.ErrnoException;
  try {
    if (!statSync(cwd).isDirectory()) throw enoent();
  } catch {
    throw spawnError(arg0, cwd, enoent());
  }
  const check = (file: string): NodeJS.ErrnoException | null => {
    try {
      const st = statSync(path.resolve(cwd, file));
      if (st.isDirectory()) return Object.assign(new Error('EACCES'), { code: 'EACCES' });
      accessSync(path.resolve(cwd, file), fsConstants.X_OK);
      return null;
    } catch (err) {
      return err as NodeJS.ErrnoException;
    }
  };
  if (arg0.includes('/')) {
    const err = check(arg0);
    if (err) throw spawnError(arg0, cwd, err);
    return path.resolve(cwd, arg0);
  }
  for (const dir of pathEnv.split(':')) {
    const file = path.join(dir || '.', arg0);
    if (!check(file)) return path.resolve(cwd, file);
  }
  throw spawnError(arg0, cwd, enoent());
}

/** The error text runc gives for a failed exec, so callers see the familiar words. */
function spawnError(arg0: string, cwd: string, err: NodeJS.ErrnoException): AgentError {
  const q = JSON.stringify(arg0);
  switch (err.code) {
    case 'ENOENT': {
      // libuv reports a failed chdir as ENOENT too: tell the two apart.
      try {
        if (!statSync(cwd).isDirectory()) throw new Error('not a directory');
      } catch {
        return new AgentError(Code.NOT_FOUND,
          `chdir to cwd (${JSON.stringify(cwd)}) set in config.json failed: no such file or directory`);
      }
      if (arg0.includes('/')) return new AgentError(Code.NOT_FOUND, `exec: ${q}: stat ${arg0}: no such file or directory`);
      return new AgentError(Code.NOT_FOUND, `exec: ${q}: executable file not found in $PATH`);
    }
    case 'EACCES':
      return new AgentError(Code.PERMISSION_DENIED, `exec: ${q}: permission denied`);
    case 'EPERM':
      return new AgentError(Code.PERMISSION_DENIED, `exec: ${q}: operation not permitted`);
    case 'ENOTDIR':
      return new AgentError(Code.NOT_FOUND, `exec: ${q}: not a directory`);
    default:
      return new AgentError(Code.INTERNAL, `exec: ${q}: ${err.message}`);
  }
}

export class ProcessTable {
  /** The exec helper (its --ctty mode starts terminal processes). */
  execHelper = process.env.CLEAR_EXEC_HELPER ?? EXEC_HELPER;
  private readonly procs = new Map<string, Proc>();
  private readonly tombstones = new Map<string, ExitInfo>();
  /** Exec ids whose spawn is under way. */
  private readonly starting = new Set<string>();

  get size(): number {
    return this.procs.size;
  }

  /** The live (or not yet settled) process; NOT_FOUND otherwise. */
  get(execId: string): Proc {
    const p = this.procs.get(execId);
    if (!p) throw new AgentError(Code.NOT_FOUND, `no process with exec id ${JSON.stringify(execId)}`);
    return p;
  }

  /** Exit status of a process that ended and has already left the table. */
  ended(execId: string): ExitInfo | undefined {
    return this.tombstones.get(execId);
  }

  /**
   * Starts a process with piped stdio. Resolves once it runs (its pid known);
   * rejects with a runc-like message when it cannot start. Its output stays
   * in the pipes until a reader attaches.
   */
  async exec(execId: string, spec: ProcessSpec): Promise<Proc> {
    if (!spec.args.length || !spec.args[0]) throw new AgentError(Code.INVALID_ARGUMENT, 'process args are empty');
    const gid = spec.gid;
    // Supplementary groups: Node cannot set them for a child (libuv calls
    // setgroups(0) when uid/gid are given). Accept only lists that add nothing
    // beyond the primary group; the exec helper will do the rest.
    if (spec.additionalGids.some((g) => g !== gid)) {
      throw new AgentError(Code.INVALID_ARGUMENT, 'additional_gids not supported yet');
    }
    return this.reserve(execId, () => this.start(execId, spec));
  }

  /**
   * Starts `spec.file` with piped stdio (plus `extraFds` socketpairs) under
   * `execId`, then awaits `prepare` before the process joins the table. If
   * `prepare` throws, the process is killed and forgotten, and the error
   * goes to the caller. The container helper's handshake is such a prepare.
   */
  async spawn(execId: string, spec: SpawnSpec, prepare?: (p: Proc) => Promise<void>): Promise<Proc> {
    return this.reserve(execId, async () => {
      const what = spec.describe ?? spec.file;
      const child = spawn(spec.file, spec.args, {
        env: spec.env,
        cwd: spec.cwd ?? '/',
        stdio: ['pipe', 'pipe', 'pipe', ...new Array<'pipe'>(spec.extraFds ?? 0).fill('pipe'), ...(spec.inheritFds ?? [])],
        windowsHide: true,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', (err) => {
          for (const s of child.stdio) s?.destroy();
          reject(new AgentError(Code.INTERNAL, `${what} (${spec.file}): ${err.message}`));
        });
      });
      child.on('error', () => {});
      const proc = new Proc(execId, child, (p) => this.remove(p));
      if (prepare) {
        try {
          await prepare(proc);
        } catch (err) {
          for (const pid of new Set([proc.targetPid, proc.pid])) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
          proc.discard();
          for (const s of child.stdio.slice(3)) s?.destroy();
          throw err;
        }
      }
      return proc;
    });
  }

  /** Holds `execId` while `start` runs; the process it yields joins the table. */
  private async reserve(execId: string, start: () => Promise<Proc>): Promise<Proc> {
    if (!execId) throw new AgentError(Code.INVALID_ARGUMENT, 'exec_id is empty');
    if (this.starting.has(execId)) throw new AgentError(Code.ALREADY_EXISTS, `exec id ${JSON.stringify(execId)} is in use`);
    const old = this.procs.get(execId);
    if (old) {
      // An ended process whose exit was already collected may be replaced;
      // anything still in its pipes is dropped.
      if (!(old.exit && old.waited)) {
        throw new AgentError(Code.ALREADY_EXISTS, `exec id ${JSON.stringify(execId)} is in use`);
      }
      this.remove(old);
      old.discard();
    }
    this.starting.add(execId);
    try {
      const proc = await start();
      this.procs.set(execId, proc);
      this.tombstones.delete(execId);
      return proc;
    } finally {
      this.starting.delete(execId);
    }
  }

  private async start(execId: string, spec: ProcessSpec): Promise<Proc> {
    if (spec.terminal) return this.startOnTerminal(execId, spec);
    const gid = spec.gid;
    const cwd = spec.cwd || '/';
    const myUid = process.getuid?.() ?? 0;
    const myGid = process.getgid?.() ?? 0;
    const arg0 = spec.args[0];
    let child: ChildProcess;
    try {
      child = spawn(arg0, spec.args.slice(1), {
        env: envObject(spec.env),
        cwd,
        // As root always pass them (libuv then also drops supplementary groups);
        // otherwise only when they differ, which then fails with EPERM.
        uid: myUid === 0 || spec.uid !== myUid ? spec.uid : undefined,
        gid: myUid === 0 || gid !== myGid ? gid : undefined,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code?.startsWith?.('E')) throw spawnError(arg0, cwd, err as NodeJS.ErrnoException);
      throw new AgentError(Code.INVALID_ARGUMENT, `exec: ${JSON.stringify(arg0)}: ${(err as Error).message}`);
    }
    await new Promise<void>((resolve, reject) => {
      const onSpawn = () => {
        child.off('error', onError);
        resolve();
      };
      const onError = (err: NodeJS.ErrnoException) => {
        child.off('spawn', onSpawn);
        child.stdin?.destroy();
        child.stdout?.destroy();
        child.stderr?.destroy();
        reject(spawnError(arg0, cwd, err));
      };
      child.once('spawn', onSpawn);
      child.once('error', onError);
    });
    // Later 'error' events (a failed kill) must not crash the agent.
    child.on('error', () => {});
    return new Proc(execId, child, (p) => this.remove(p));
  }

  /**
   * A process on a new pty of the guest: the exec helper (--ctty) makes the
   * slave its controlling terminal in a new session, then execs the program.
   * The program is looked up here first, so a missing one fails the call
   * with the same words as without a terminal.
   */
  private async startOnTerminal(execId: string, spec: ProcessSpec): Promise<Proc> {
    const cwd = spec.cwd || '/';
    const arg0 = spec.args[0];
    const env = envObject(spec.env);
    const file = lookPath(arg0, env.PATH ?? '', cwd);
    const myUid = process.getuid?.() ?? 0;
    const n = native();
    const { master, slave } = n.openpty();
    let child: ChildProcess;
    try {
      // The size before the process exists: set after spawn, a quick
      // `stty size` could read 0x0 first (seen under load in CI).
      const size = spec.consoleSize;
      if (size && size.rows > 0 && size.cols > 0) n.setWinsize(master, size.rows, size.cols);
      // The user owns its terminal (as runc does for the container's console).
      if (myUid === 0 && spec.uid !== 0) fchownSync(slave, spec.uid, -1);
      child = spawn(this.execHelper, ['--ctty', file, ...spec.args], {
        argv0: 'clear-exec',
        env,
        cwd,
        uid: myUid === 0 || spec.uid !== myUid ? spec.uid : undefined,
        gid: myUid === 0 || spec.gid !== (process.getgid?.() ?? 0) ? spec.gid : undefined,
        stdio: [slave, slave, slave],
        windowsHide: true,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (err: NodeJS.ErrnoException) => reject(spawnError(arg0, cwd, err)));
      });
    } catch (err) {
      n.close(master);
      throw err instanceof AgentError ? err : new AgentError(Code.INTERNAL, `exec: ${JSON.stringify(arg0)}: ${(err as Error).message}`);
    } finally {
      n.close(slave); // the child has it; its exit must hang the master up
    }
    child.on('error', () => {});
    const proc = new Proc(execId, child, (p) => this.remove(p), true);
    proc.useTerminal(master, spec.consoleSize);
    return proc;
  }

  /** Sends a signal; a process that already ended is not an error. */
  signal(execId: string, signo: number): void {
    const p = this.procs.get(execId);
    if (!p) {
      if (this.tombstones.has(execId)) return;
      throw new AgentError(Code.NOT_FOUND, `no process with exec id ${JSON.stringify(execId)}`);
    }
    if (p.exit) return;
    if (!Number.isInteger(signo) || signo < 0 || signo > 64) {
      throw new AgentError(Code.INVALID_ARGUMENT, `invalid signal ${signo}`);
    }
    try {
      process.kill(p.targetPid, signo);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return; // exited, 'exit' not delivered yet
      if (code === 'EINVAL' || code === 'ERR_UNKNOWN_SIGNAL') {
        throw new AgentError(Code.INVALID_ARGUMENT, `invalid signal ${signo}`);
      }
      throw new AgentError(Code.INTERNAL, `kill ${p.targetPid}: ${(err as Error).message}`);
    }
  }

  /** Kills every process still running (agent shutdown on the host). */
  killAll(): void {
    for (const p of this.procs.values()) {
      if (!p.exit) {
        for (const pid of new Set([p.targetPid, p.pid])) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone already */
          }
        }
      }
      p.discard();
    }
  }

  private remove(p: Proc): void {
    if (this.procs.get(p.execId) !== p) return;
    this.procs.delete(p.execId);
    if (p.exit) {
      this.tombstones.delete(p.execId);
      this.tombstones.set(p.execId, p.exit);
      if (this.tombstones.size > TOMBSTONES) {
        this.tombstones.delete(this.tombstones.keys().next().value as string);
      }
    }
  }
}
