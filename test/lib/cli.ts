/**
 * Running the real CLI (and runc beside it) from a test file: a work
 * directory, the busybox bundle, commands with files as stdio (a detached
 * container's monitor keeps what it was given), and the host traces a
 * container of ours could leave.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDirOf } from '../../src/container/state';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const repo = path.resolve(__dirname, '..', '..');
export const clearBin = path.join(repo, 'bin', 'clear-runtime');

/** Alive and not a zombie. */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export class CliHarness {
  readonly work: string;
  readonly clearRoot: string;
  readonly runcRoot: string;
  readonly ids = new Set<string>();
  private outputs = 0;

  constructor(tag: string) {
    this.work = fs.mkdtempSync(path.join(os.tmpdir(), `clear-${tag}-`));
    this.clearRoot = path.join(this.work, 'clear-root');
    this.runcRoot = path.join(this.work, 'runc-root');
  }

  /** A command with files as stdio; `input` is its stdin. */
  sh(cmd: string, args: string[], input = '', timeout = 180_000): Result {
    const out = path.join(this.work, `out-${this.outputs++}`);
    fs.writeFileSync(`${out}.stdin`, input);
    const fds = [fs.openSync(`${out}.stdin`, 'r'), fs.openSync(`${out}.stdout`, 'w+'), fs.openSync(`${out}.stderr`, 'w+')];
    try {
      const r = spawnSync(cmd, args, { stdio: fds, timeout });
      return { code: r.status, stdout: fs.readFileSync(`${out}.stdout`, 'utf8'), stderr: fs.readFileSync(`${out}.stderr`, 'utf8') };
    } finally {
      fds.forEach((fd) => fs.closeSync(fd));
    }
  }

  clear(args: string[], input?: string, timeout?: number): Result {
    return this.sh(clearBin, ['--root', this.clearRoot, ...args], input, timeout);
  }

  runc(args: string[], input?: string, timeout?: number): Result {
    return this.sh('runc', ['--root', this.runcRoot, ...args], input, timeout);
  }

  /** The busybox bundle with `args` as the process (and `edit` applied to config.json). */
  bundle(name: string, args: string[], edit: (spec: Record<string, any>) => void = () => {}): string {
    const template = path.join(this.work, 'template');
    if (!fs.existsSync(template)) {
      const r = this.sh('bash', [path.join(repo, 'bundles', 'make-busybox-bundle.sh'), template]);
      if (r.code !== 0) throw new Error(`make-busybox-bundle.sh failed: ${r.stderr}`);
    }
    const spec = JSON.parse(fs.readFileSync(path.join(template, 'config.json'), 'utf8'));
    spec.root.path = path.join(template, 'rootfs');
    spec.process.args = args;
    spec.process.terminal = false;
    edit(spec);
    const dir = path.join(this.work, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    return dir;
  }

  /** Deletes every container of both runtimes, then the work directory. */
  cleanup(): void {
    for (const id of fs.existsSync(this.clearRoot) ? fs.readdirSync(this.clearRoot) : []) this.clear(['delete', '--force', id]);
    for (const id of fs.existsSync(this.runcRoot) ? fs.readdirSync(this.runcRoot) : []) this.runc(['delete', '--force', id]);
    fs.rmSync(this.work, { recursive: true, force: true });
  }

  /** Every host trace a container of ours could leave: processes, state, run directories, mounts. */
  leftovers(): string[] {
    return hostTraces({ work: this.work, clearRoot: this.clearRoot, ids: this.ids });
  }
}

/**
 * Every host trace a container of ours could leave: live processes naming
 * the work directory or a VM run directory (monitor, QEMU, virtiofsd, exec
 * monitors), state directories, VM run directories, mounts under the root.
 * `except` spares processes of the test's own (e.g. a peer server).
 */
export function hostTraces(o: { work: string; clearRoot: string; ids: Iterable<string>; except?: (cmd: string) => boolean }): string[] {
  const ids = [...o.ids];
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (!running(Number(pid)) || Number(pid) === process.pid || o.except?.(cmd)) continue;
    if (cmd.includes(o.work) || ids.some((id) => cmd.includes(runDirOf(o.clearRoot, id))) || monitorIn(Number(pid), cmd, o.work)) {
      found.push(`process ${pid}: ${cmd.slice(0, 120)}`);
    }
  }
  if (fs.existsSync(o.clearRoot)) for (const d of fs.readdirSync(o.clearRoot)) found.push(`state dir ${d}`);
  for (const id of ids) if (fs.existsSync(runDirOf(o.clearRoot, id))) found.push(`VM run dir of ${id}`);
  const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(o.clearRoot));
  found.push(...mounts.map((m) => `mount ${m}`));
  return found;
}

/**
 * A monitor running in one of the test's bundles (its cwd): also one that
 * `create` started ahead of its parameters and never gave them, whose
 * command line names no container yet.
 */
function monitorIn(pid: number, cmd: string, work: string): boolean {
  if (!cmd.includes('clear-monitor')) return false;
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(work);
  } catch {
    return false;
  }
}

/** The container cgroup's directory as a process in it sees it (with or without a cgroup namespace). */
export const CGROUP_DIR = '/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)';
