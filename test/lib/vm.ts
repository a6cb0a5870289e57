/**
 * What every real-VM test shares: run directories named per test file,
 * the leak checks (QEMU processes, run directories, guest-memory mappings
 * and memfds in this process), and reading a stream to its end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { AgentClient } from '../../src/agent/client';
import { guestArtifacts } from '../../src/lib/paths';
import type { Test as TapTest } from 'tap';

export type Test = TapTest;

export const BUSYBOX_ENV = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'];

/**
 * Defines a file's VM tests when the guest kernel and image are built, and
 * fails naming what is missing otherwise: they are the proof of what they
 * test, never skipped quietly.
 */
export function whenGuestBuilt(t: TapTest, define: () => void): void {
  const missing = Object.values(guestArtifacts()).filter((f) => !fs.existsSync(f));
  if (missing.length > 0) t.fail(`guest artifacts missing: ${missing.join(', ')} — run 'make guest' first`);
  else define();
}

/** Run directories for one test file: /tmp/clear-<tag>-<pid>-<n>. */
export class VmDirs {
  private count = 0;
  private readonly prefix: string;

  constructor(tag: string) {
    this.prefix = `clear-${tag}-${process.pid}-`;
  }

  next(what = ''): string {
    return path.join(os.tmpdir(), `${this.prefix}${what}${what ? '-' : ''}${this.count++}`);
  }

  /** Pids of live processes whose command line names one of these directories. */
  processes(): number[] {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
      .filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.prefix);
        } catch {
          return false;
        }
      })
      .map(Number);
  }
}

/** What a sandbox may leave in this process: mappings of guest RAM, open memfds. */
export function memfdTraces(): string[] {
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('memfd:'));
  const fds = fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((l) => l.startsWith('/memfd:'));
  return [...maps, ...fds];
}

/** Asserts that nothing of the VMs in `dirs` is left: processes, `dir` itself, guest memory. */
export function assertNoLeftovers(t: Test, dirs: VmDirs, dir?: string): void {
  t.same(dirs.processes(), [], 'no QEMU or virtiofsd process left');
  if (dir) t.notOk(fs.existsSync(dir), 'run directory and its sockets removed');
  t.same(memfdTraces(), [], 'guest memory unmapped and memfds closed');
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

let execCounter = 0;
/** Runs a command in the guest itself (not in a container); returns its output and exit status. */
export async function runInGuest(agent: AgentClient, args: string[], stdin?: Buffer | Readable) {
  const id = `e${execCounter++}`;
  await agent.exec(id, { args, env: BUSYBOX_ENV });
  const stdout = collect(agent.readStdio(id, 'stdout'));
  const stderr = collect(agent.readStdio(id, 'stderr'));
  const fed = stdin ? agent.writeStdin(id, stdin) : agent.closeStdin(id);
  const [out, err, status] = await Promise.all([stdout, stderr, agent.wait(id), fed]);
  return { id, stdout: out, stderr: err, status };
}

/** A shell script in the guest, its output as text. */
export async function shInGuest(agent: AgentClient, script: string) {
  const r = await runInGuest(agent, ['sh', '-c', script]);
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status };
}
