/**
 * The state store: one directory per container under the state root,
 * `<root>/<id>/`, shared with runc (docker gives every runtime the same
 * --root). Our directories are marked by `clear.json`; runc's hold
 * `state.json` and are left alone, but their ids count as taken.
 *
 *   <root>/<id>/clear.json    the container record (ContainerRecord); written by
 *                             the lifecycle commands, under the container lock
 *   <root>/<id>/monitor.json  what the monitor reports (monitor-record.ts); written
 *                             only by the monitor, never under the lock
 *   <root>/<id>/vm/           the monitor's run directory (sockets, logs)
 *
 * Every file is written atomically (temporary file, rename; no fsync, as
 * runc's state: writeFileAtomic). The lock is flock(2) on the container directory itself:
 * the kernel drops it when the holder dies, so a crashed command never
 * wedges a container.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClearError } from '../lib/errors';
import { VM_RUN_ROOT } from '../lib/paths';
import { procStatFields } from '../lib/proc';
import { LOCK_EX, LOCK_NB, LOCK_UN, native } from '../native';
import { readMonitorRecord } from './monitor-record';
import type { Hooks, Status } from './oci-spec';

export const RECORD_FILE = 'clear.json';
export const MONITOR_FILE = 'monitor.json';
export const RUNC_STATE_FILE = 'state.json';
/** Where VM run directories live (lib/paths.ts says why apart from the state). */
export { VM_RUN_ROOT };
/** Record format version, bumped on incompatible changes. */
export const RECORD_FORMAT = 1;

/** clear.json */
export interface ContainerRecord {
  /** Record format (RECORD_FORMAT). */
  clear: number;
  ociVersion: string;
  id: string;
  /** As last written by the lifecycle; the live status is liveStatus(). */
  status: Status;
  /** The container's host pid: the monitor's (0 until the monitor runs). */
  pid: number;
  /** Absolute bundle path. */
  bundle: string;
  /** Absolute rootfs path (root.path resolved against the bundle). */
  rootfs: string;
  annotations?: Record<string, string>;
  /** RFC 3339 with fractional seconds, UTC. */
  created: string;
  owner: string;
  /** The monitor's pid and its start time (field 22 of /proc/PID/stat), against pid reuse. */
  monitorPid: number;
  monitorStartTime?: string;
  /** The monitor's run directory: <root>/<id>/vm. */
  runDir: string;
  /** The hooks still to run after create (poststart, poststop), with the config gone or changed. */
  hooks?: Hooks;
  /** config.json's terminal flag. */
  terminal?: boolean;
  /** While paused: the status resume goes back to (runc pauses created containers too). */
  pausedFrom?: 'created' | 'running';
}

// ------------------------------------------------------------------- errors

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'file name too long',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many levels of symbolic links',
  EINVAL: 'invalid argument',
  ESRCH: 'no such process',
  EBUSY: 'device or resource busy',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  ENOEXEC: 'exec format error',
  ETXTBSY: 'text file busy',
};

/** A Node system error in Go's wording: "open /x/y: no such file or directory". */
export function sysErrorText(err: unknown, op?: string, file?: string): string {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return err instanceof Error ? err.message : String(err);
  const m = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*')?)?$/s.exec(e.message);
  const text = ERRNO_TEXT[e.code] ?? (m ? m[1].toLowerCase() : e.code);
  const o = op ?? e.syscall ?? 'error';
  const f = file ?? e.path;
  return f ? `${o} ${f}: ${text}` : `${o}: ${text}`;
}

// -------------------------------------------------------------------- paths

export function containerDir(root: string, id: string): string {
  return path.join(root, id);
}

export function recordPath(root: string, id: string): string {
  return path.join(root, id, RECORD_FILE);
}

/** The VM run directory of container `id` under `root`: short, and unique per (root, id). */
export function runDirOf(root: string, id: string): string {
  return path.join(VM_RUN_ROOT, fnv1a64Hex(`${path.resolve(root)}\0${id}`));
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;

/**
 * FNV-1a, 64 bits, of the string's UTF-8 bytes, as 16 hex digits. A name
 * for a directory, not a secret: node:crypto (sha256 before) cost `create`
 * ~11 ms of module loading for it. Two live containers collide with odds
 * of ~n²/2^65 (10,000 containers: ~3·10^-12).
 */
export function fnv1a64Hex(text: string): string {
  let h = FNV64_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * FNV64_PRIME) & U64;
  return h.toString(16).padStart(16, '0');
}

// ----------------------------------------------------------- atomic writes

/**
 * Writes `file` atomically: `.<name>.tmp-<pid>` beside it, then rename. A
 * reader sees the old or the new content, never a mix; a process that dies
 * midway leaves at most a stray temporary file. No fsync, as runc does not:
 * the state describes processes that a machine crash takes with it, and
 * lives under /run, which does not outlast a boot. (It cost `create` ~1.4
 * ms a write, two fsyncs each, where /run is not a tmpfs.)
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, data, { mode });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * The pid file the way runc writes it: decimal pid, no newline, written to
 * `.<name>` beside it (O_EXCL) and renamed into place. Relative paths are
 * relative to the current directory.
 */
export function writePidFile(file: string, pid: number): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_SYNC, 0o666);
  } catch (err) {
    throw new ClearError(sysErrorText(err, 'open', tmp));
  }
  try {
    fs.writeSync(fd, String(pid));
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, abs);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new ClearError(sysErrorText(err, 'rename', `${tmp} ${abs}`));
  }
}

// -------------------------------------------------------------------- reads

function readJson<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}

/** The record of our container `id`, or undefined (no such dir, or not ours). */
export function readRecord(root: string, id: string): ContainerRecord | undefined {
  const r = readJson<ContainerRecord>(recordPath(root, id));
  if (r !== undefined && (typeof r !== 'object' || r === null || typeof r.id !== 'string')) {
    throw new ClearError(`${recordPath(root, id)}: not a clear container record`);
  }
  return r;
}

export function writeRecord(root: string, rec: ContainerRecord): void {
  writeFileAtomic(recordPath(root, rec.id), JSON.stringify(rec, null, 2) + '\n');
}

/**
 * How the container process ended, as its monitor recorded it in
 * monitor.json (monitor-record.ts): the exit code, 128+N for signal N;
 * undefined while it has not ended (or nothing was recorded).
 */
export function readMonitorExit(stateDir: string): number | undefined {
  const r = readMonitorRecord(stateDir);
  return r?.status === 'stopped' ? (r.exit?.exitCode ?? undefined) : undefined;
}

/** Who owns the id: 'clear' (our dir), 'runc' (a runc dir), 'other' (some dir), or undefined (free). */
export function idOwner(root: string, id: string): 'clear' | 'runc' | 'other' | undefined {
  const dir = containerDir(root, id);
  try {
    if (!fs.statSync(dir).isDirectory()) return 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClearError(sysErrorText(err, 'lstat', dir));
  }
  if (fs.existsSync(path.join(dir, RECORD_FILE))) return 'clear';
  if (fs.existsSync(path.join(dir, RUNC_STATE_FILE))) return 'runc';
  return 'other';
}

/** Ids of our containers under root (runc's and other dirs are skipped). */
export function listIds(root: string): string[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, RECORD_FILE)))
    .map((d) => d.name)
    .sort();
}

// ----------------------------------------------------------- liveness

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), and the state letter. */
export function procStat(pid: number): { startTime: string; state: string } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const rest = procStatFields(pid);
  // rest[0] is field 3 (state); field 22 is rest[19].
  return rest && { state: rest[0], startTime: rest[19] };
}

/** The process's start time (to store beside its pid), or undefined when it is gone. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** True when `pid` runs and is the same process (same start time); zombies count as dead. */
export function isProcessAlive(pid: number, startTime?: string): boolean {
  const st = procStat(pid);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return false;
  return startTime === undefined || st.startTime === startTime;
}

export function isMonitorAlive(rec: ContainerRecord): boolean {
  return rec.monitorPid > 0 && isProcessAlive(rec.monitorPid, rec.monitorStartTime);
}

/**
 * The container's status now: `stopped` once the monitor reported an exit
 * or is gone (a 'creating' record whose monitor died is stopped too);
 * otherwise what the lifecycle last wrote.
 */
export function liveStatus(root: string, rec: ContainerRecord): Status {
  if (rec.status === 'stopped') return 'stopped';
  if (readMonitorRecord(containerDir(root, rec.id))?.status === 'stopped') return 'stopped';
  if (rec.monitorPid === 0) {
    // create has not launched the monitor yet (or failed before): alive as
    // long as the create that holds the lock is.
    return rec.status === 'creating' ? 'creating' : 'stopped';
  }
  if (!isMonitorAlive(rec)) return 'stopped';
  return rec.status;
}

// ------------------------------------------------------------------- locks

export interface ContainerLock {
  /** The container directory this lock holds. */
  dir: string;
  release(): void;
}

export interface LockOptions {
  /** Give up after this many ms (default 10 minutes: a create under TCG can take long). */
  timeoutMs?: number;
  /** Poll interval (default 20 ms). */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Takes the exclusive lock of container `id`: flock on its directory.
 * Resolves undefined when the directory does not exist (or was removed
 * while we waited). Concurrent commands on one id run one after another.
 */
export async function lockContainer(root: string, id: string, opts: LockOptions = {}): Promise<ContainerLock | undefined> {
  const dir = containerDir(root, id);
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  const poll = opts.pollMs ?? 20;
  const addon = native();
  for (;;) {
    let fd: number;
    try {
      fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new ClearError(sysErrorText(err, 'open', dir));
    }
    try {
      while (!addon.flock(fd, LOCK_EX | LOCK_NB)) {
        if (Date.now() > deadline) throw new ClearError(`timeout waiting for the lock of container ${id}`);
        await sleep(poll);
      }
      // The directory may have been removed (and even made anew) while we
      // waited: the lock counts only if the path still names what we hold.
      const held = fs.fstatSync(fd);
      let now: fs.Stats | undefined;
      try {
        now = fs.statSync(dir);
      } catch {
        now = undefined;
      }
      if (now && now.ino === held.ino && now.dev === held.dev) {
        let released = false;
        return {
          dir,
          release() {
            if (released) return;
            released = true;
            try {
              addon.flock(fd, LOCK_UN);
            } finally {
              fs.closeSync(fd);
            }
          },
        };
      }
      fs.closeSync(fd);
      if (!now) return undefined;
      // replaced: try again on the new directory
    } catch (err) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
      throw err;
    }
  }
}

/**
 * Makes the container directory (and the root, 0700, like runc's) and takes
 * its lock. Throws runc's "container with given ID already exists" when the
 * id is taken, by us, by runc, or by anything else.
 */
export async function createContainerDir(root: string, id: string, opts: LockOptions = {}): Promise<ContainerLock> {
  try {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ClearError(sysErrorText(err, 'mkdir', root));
  }
  const dir = containerDir(root, id);
  try {
    fs.mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ClearError('container with given ID already exists');
    throw new ClearError(sysErrorText(err, 'mkdir', dir));
  }
  let lock: ContainerLock | undefined;
  try {
    lock = await lockContainer(root, id, opts);
  } catch (err) {
    // The directory is ours, made a moment ago: a create that fails here
    // (no native addon for flock, a lock timeout) must not leave it behind
    // to answer every later create of this id with "already exists".
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (!lock) throw new ClearError(`container ${id} was removed while it was being created`);
  return lock;
}

/** Removes the container directory and everything in it. */
export function removeContainerDir(root: string, id: string): void {
  fs.rmSync(containerDir(root, id), { recursive: true, force: true, maxRetries: 3 });
}

// ------------------------------------------------------------------ time

/** Now, as RFC 3339 with microseconds (trailing zeros trimmed like Go's RFC3339Nano), UTC. */
export function nowRfc3339Nano(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // ...T..:..:..sssZ
  const micros = Math.round((ms - whole) * 1000);
  const frac = (iso.slice(20, 23) + String(Math.min(micros, 999)).padStart(3, '0')).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}
