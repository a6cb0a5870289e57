/**
 * Helpers the benchmarks share: timed child processes, summaries, the host
 * facts every figure carries, and host memory (PSS) by process tree.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { cpuSecondsOf } from '../lib/proc';

export interface Summary {
  min: number;
  median: number;
  max: number;
  runs: number[];
}
/** A measure: figures, or why the runtime could not give them. */
export type Measure = Summary | { error: string; runs: number[] };

export function summarize(runs: number[]): Summary {
  const sorted = [...runs].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], runs };
}

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  firstOutputMs?: number;
  /** Bytes seen on stdout (always counted, even when not kept). */
  stdoutBytes: number;
  /** spawn → last stdout byte. */
  lastOutputMs?: number;
}

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;
export const round = (ms: number): number => Math.round(ms * 10) / 10;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The environment an engine gives a runtime: a containerd shim or dockerd
 * started by systemd passes little more than PATH, none of a login shell's
 * settings. The CLI latencies (and their `node -e 0` floor) are taken in it,
 * with clear's own CLEAR_* settings: a variable like NODE_EXTRA_CA_CERTS,
 * which makes every node parse a certificate file at start (~40 ms here),
 * would otherwise weigh on the floor and on the CLIs alike and flatter
 * their ratio.
 */
export function engineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('CLEAR_')) env[k] = v;
  return env;
}

/**
 * Runs a command to exit, with piped stdio; times spawn → first stdout byte
 * and spawn → exit. `keepStdout: false` counts stdout bytes without keeping them.
 */
export function exec(
  cmd: string,
  args: string[],
  timeoutMs = 300_000,
  opts: { keepStdout?: boolean; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Outcome> {
  const keep = opts.keepStdout ?? true;
  return new Promise((resolve, reject) => {
    const started = now();
    let firstOutputMs: number | undefined;
    let lastOutputMs: number | undefined;
    let stdoutBytes = 0;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      const t = now() - started;
      if (firstOutputMs === undefined) firstOutputMs = t;
      lastOutputMs = t;
      stdoutBytes += b.length;
      if (keep) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // 'close', not 'exit': the first byte and all output are in by then. But a
    // descendant left behind (a killed `run`'s monitor) can hold the pipes
    // open for ever: 5 s after 'exit', stop waiting for them.
    let done = false;
    child.once('exit', () => {
      setTimeout(() => {
        if (done) return;
        child.stdout.destroy();
        child.stderr.destroy();
        child.emit('close', child.exitCode, child.signalCode);
      }, 5000).unref();
    });
    child.once('close', (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: now() - started,
        firstOutputMs,
        lastOutputMs,
        stdoutBytes,
      });
    });
  });
}

/**
 * Runs a command whose descendants may keep its stdio (runc's container init,
 * clear's monitor): stdout to /dev/null, stderr to a file, wait for exit only.
 */
export function execDetached(cmd: string, args: string[], errFile: string, timeoutMs = 300_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const devNull = fs.openSync('/dev/null', 'w');
    const errFd = fs.openSync(errFile, 'w');
    const started = now();
    const child = spawn(cmd, args, { stdio: ['ignore', devNull, errFd] });
    fs.closeSync(devNull);
    fs.closeSync(errFd);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: '', stderr: fs.readFileSync(errFile, 'utf8'), ms: now() - started, stdoutBytes: 0 });
    });
  });
}

export function failure(what: string, o: Outcome): Error {
  const text = o.stderr.trim() || o.stdout.trim() || `exit ${o.code ?? o.signal}`;
  return new Error(`${what}: ${text.split('\n').slice(-3).join(' / ')}`);
}

/** Whether a process is gone or a zombie. */
export function pidGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export function loadavg(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function qemuProcesses(): { pid: number; cmdline: string }[] {
  let text = '';
  try {
    text = execFileSync('pgrep', ['-af', 'qemu-system'], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ pid: Number(l.slice(0, l.indexOf(' '))), cmdline: l.slice(l.indexOf(' ') + 1) }))
    .filter((p) => p.pid !== process.pid);
}

export function versionLine(bin: string, args: string[] = []): string {
  try {
    return execFileSync(bin, [...args, '--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch (err) {
    return `(--version failed: ${err instanceof Error ? err.message : err})`;
  }
}

/** Proportional set size of a process, in KiB, from /proc/PID/smaps_rollup (0 if gone). */
export function pssKiB(pid: number): number {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return 0;
  }
  const m = /^Pss:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** CPU time a process has used so far, user and system, in seconds (0 if gone). */
export function cpuSeconds(pid: number): number {
  return cpuSecondsOf(pid) ?? 0;
}

/**
 * PSS (KiB) of TCG's translation cache (the code_gen_buffer, `-accel
 * tcg,tb-size=`) from the text of /proc/PID/smaps: the host memory TCG adds
 * to a VM, which a KVM QEMU does not have. With `split-wx=on` (clear's own
 * VMs) it is the memfd `tcg-jit`, mapped twice (rw-s and r-xs: each page is
 * counted half in each, so both are summed); without, one private anonymous
 * executable (`rwxp`) mapping: QEMU maps nothing else executable without a
 * file. A process with neither gives 0.
 */
export function translationCachePssKiB(smaps: string): number {
  let total = 0;
  let counting = false;
  for (const line of smaps.split('\n')) {
    // A mapping's header: ADDR-ADDR PERMS OFFSET DEV INODE [PATH]
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (header) {
      const [, perms, inode, file] = header;
      counting = (perms[2] === 'x' && perms[3] === 'p' && inode === '0' && file === '') || file === '/memfd:tcg-jit (deleted)';
      continue;
    }
    const pss = counting && /^Pss:\s+(\d+) kB/.exec(line);
    if (pss) total += Number(pss[1]);
  }
  return total;
}

/** translationCachePssKiB of a live process (0 if it is gone). */
export function translationCacheKiB(pid: number): number {
  try {
    return translationCachePssKiB(fs.readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return 0;
  }
}

/** Every process's parent, from /proc/PID/stat. */
export function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  return children;
}

/** The processes rooted at `roots`, the roots included. */
export function processTree(roots: number[], children = parentMap()): number[] {
  const seen = new Set<number>();
  const todo = roots.filter((p) => p > 0);
  while (todo.length > 0) {
    const p = todo.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    todo.push(...(children.get(p) ?? []));
  }
  return [...seen];
}

/** The basename of a process's executable, or its comm when that cannot be read. */
export function exeName(pid: number): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`).replace(/^.*\//, '').replace(/ \(deleted\)$/, '');
  } catch {
    return comm(pid);
  }
}

export function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

export function host(): { cpu: string; cpus: number; memGiB: number; kernel: string; hostname: string } {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown cpu',
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    hostname: os.hostname(),
  };
}

/**
 * Figures per runtime and measure, or the first error that stopped them (a
 * runtime that refuses the host keeps its column, with its error).
 */
export class Recorder {
  readonly runs = new Map<string, number[]>();
  readonly errors = new Map<string, string>();
  /** Per runtime: the first error of any measure. */
  readonly firstError = new Map<string, string>();
  private key(rt: string, m: string): string {
    return `${rt}\0${m}`;
  }
  failed(rt: string, m: string): boolean {
    return this.errors.has(this.key(rt, m));
  }
  add(rt: string, m: string, v: number): void {
    const k = this.key(rt, m);
    this.runs.set(k, [...(this.runs.get(k) ?? []), round(v)]);
  }
  fail(rt: string, m: string, err: unknown): void {
    const k = this.key(rt, m);
    const text = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
    if (!this.errors.has(k)) this.errors.set(k, text);
    if (!this.firstError.has(rt)) this.firstError.set(rt, text);
  }
  /** Runs fn and records its result under each measure it returns, or the error under all. */
  async measure(rt: string, ms: string[], fn: () => Promise<number[]>): Promise<void> {
    if (ms.some((m) => this.failed(rt, m))) return;
    try {
      const values = await fn();
      ms.forEach((m, i) => this.add(rt, m, values[i]));
    } catch (err) {
      for (const m of ms) this.fail(rt, m, err);
      process.stderr.write(`  ${rt} ${ms.join(',')}: ${err instanceof Error ? err.message : err}\n`);
    }
  }
  /** The measure's summary, its error, or undefined when it never ran. */
  get(rt: string, m: string): Measure | undefined {
    const k = this.key(rt, m);
    const runs = this.runs.get(k) ?? [];
    const error = this.errors.get(k);
    if (error !== undefined) return { error, runs };
    if (runs.length === 0) return undefined;
    return summarize(runs);
  }
}
