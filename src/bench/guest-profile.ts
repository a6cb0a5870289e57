/**
 * A sampling profile of a guest: where a VM's vCPU spends its time, e.g.
 * during a TCG boot. Nothing else profiles the guest here: Debian's QEMU
 * ships no TCG plugins and the guest has no perf. But QMP's
 * `info registers` stops the vCPU at its next translation-block boundary and
 * reports RIP and CR3 (which process) and CPL; taken every few ms over a boot,
 * that is a statistical profile. (It is how the APIC timer calibration and
 * the slow poisoning of init memory were found: docs/performance.md,
 * "Sampling the guest".)
 *
 *   node dist/bench/guest-profile.js record [--seconds S] [--out FILE] [RUNDIR]
 *     samples the VM of RUNDIR, or else the next one to appear under
 *     /run/clear-vm (start the sampler, then `clear-runtime create`), for
 *     S seconds (5): one line per sample, `SECONDS RIP CR3 CPL`.
 *   node dist/bench/guest-profile.js report FILE [--from S] [--to S] [--top N]
 *     the samples between two times, by symbol: the guest kernel's (`nm` of
 *     the vmlinux clear boots) and, for user addresses, the guest's node
 *     binary (the host's /usr/bin/node, the same file; non-PIE, so its
 *     addresses are its symbols' own). Other processes' addresses show as
 *     `user:` pages; CR3 tells the processes apart.
 *
 * Sampling slows the guest by a few per cent (each sample is a round trip
 * through QEMU's main loop): compare profiles with profiles, not timings.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { VM_RUN_ROOT } from '../container/state';
import { guestArtifacts } from '../lib/paths';
import { qmpControlSocketPath } from '../vmm/qemu/args';
import { QmpClient } from '../vmm/qemu/qmp';
import { sleep } from './util';

const SAMPLE_PAUSE_MS = 2;

/** The run directory of the first VM that appears under VM_RUN_ROOT after the call, once its QMP socket exists. */
async function nextRunDir(timeoutMs: number): Promise<string> {
  const before = new Set(fs.existsSync(VM_RUN_ROOT) ? fs.readdirSync(VM_RUN_ROOT) : []);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const name of fs.existsSync(VM_RUN_ROOT) ? fs.readdirSync(VM_RUN_ROOT) : []) {
      const dir = path.join(VM_RUN_ROOT, name);
      if (!before.has(name) && fs.existsSync(qmpControlSocketPath(dir))) return dir;
    }
    await sleep(1);
  }
  throw new Error(`no new VM under ${VM_RUN_ROOT} within ${timeoutMs / 1000} s`);
}

async function record(runDir: string | undefined, seconds: number, out: string): Promise<void> {
  const dir = runDir ?? (await nextRunDir(120_000));
  const qmp = await QmpClient.connect(qmpControlSocketPath(dir), { retry: true, timeoutMs: 10_000 });
  const lines: string[] = [];
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    while (elapsed() < seconds) {
      const text = await qmp.execute<string>('human-monitor-command', { 'command-line': 'info registers' });
      const rip = /RIP=([0-9a-f]+)/.exec(text)?.[1];
      if (rip) lines.push(`${elapsed().toFixed(4)} ${rip} ${/CR3=([0-9a-f]+)/.exec(text)?.[1] ?? '-'} ${/CPL=(\d)/.exec(text)?.[1] ?? '-'}`);
      await sleep(SAMPLE_PAUSE_MS);
    }
  } catch (err) {
    // The VM ended: what was sampled until then is the profile.
    process.stderr.write(`guest-profile: sampling stopped: ${(err as Error).message}\n`);
  } finally {
    qmp.close();
  }
  fs.writeFileSync(out, lines.join('\n') + '\n');
  process.stderr.write(`guest-profile: ${lines.length} samples of ${dir} in ${out}\n`);
}

/** Sorted function symbols of an ELF file, from `nm -n`. */
function symbolsOf(file: string): { addrs: bigint[]; names: string[] } {
  const addrs: bigint[] = [];
  const names: string[] = [];
  const text = execFileSync('nm', ['-n', '-C', '--defined-only', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) [tTwW] (.+)$/.exec(line);
    if (m) {
      addrs.push(BigInt(`0x${m[1]}`));
      names.push(m[2]);
    }
  }
  return { addrs, names };
}

/** The symbol at or before `addr`, or null when `addr` is outside [first, last + slack). */
function lookup(table: { addrs: bigint[]; names: string[] }, addr: bigint, slack: bigint): string | null {
  const { addrs, names } = table;
  if (addrs.length === 0 || addr < addrs[0] || addr > addrs[addrs.length - 1] + slack) return null;
  let lo = 0;
  let hi = addrs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (addrs[mid] <= addr) lo = mid;
    else hi = mid - 1;
  }
  return names[lo];
}

/** The samples of `file` between `from` and `to` (seconds), most frequent symbol first: the report's lines. */
export function reportLines(file: string, from: number, to: number, top: number): string[] {
  const kernel = symbolsOf(guestArtifacts().kernel);
  const node = symbolsOf('/usr/bin/node');
  const counts = new Map<string, number>();
  const processes = new Map<string, number>();
  let total = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [t, rip, cr3] = line.split(' ');
    if (!rip || Number(t) < from || Number(t) >= to) continue;
    const addr = BigInt(`0x${rip}`);
    const inNode = lookup(node, addr, 0x1000n);
    const name = addr >= 0xffff800000000000n
      ? `kernel: ${lookup(kernel, addr, 0x100000n) ?? rip}`
      : inNode
        ? `node: ${inNode}`
        : `user: page ${((addr >> 12n) << 12n).toString(16)}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    processes.set(cr3, (processes.get(cr3) ?? 0) + 1);
    total++;
  }
  const pct = (n: number) => `${((100 * n) / Math.max(total, 1)).toFixed(1).padStart(5)}%`;
  const byProcess = [...processes].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c} ${pct(n).trim()}`);
  return [
    `${total} samples from ${from} s to ${to} s; by CR3: ${byProcess.join(', ')}`,
    ...[...counts].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, n]) => `${String(n).padStart(6)} ${pct(n)}  ${name.slice(0, 140)}`),
  ];
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    allowPositionals: true,
    options: {
      seconds: { type: 'string', default: '5' },
      out: { type: 'string', default: 'guest-profile.txt' },
      from: { type: 'string', default: '0' },
      to: { type: 'string', default: 'Infinity' },
      top: { type: 'string', default: '30' },
    },
  });
  if (argv[0] === 'record') {
    record(positionals[0], Number(values.seconds), values.out!).catch((err: Error) => {
      process.stderr.write(`guest-profile: ${err.message}\n`);
      process.exitCode = 1;
    });
  } else if (argv[0] === 'report' && positionals[0]) {
    for (const line of reportLines(positionals[0], Number(values.from), Number(values.to), Number(values.top))) console.log(line);
  } else {
    process.stderr.write('usage: guest-profile record [--seconds S] [--out FILE] [RUNDIR] | report FILE [--from S] [--to S] [--top N]\n');
    process.exitCode = 2;
  }
}

if (require.main === module) main(process.argv.slice(2));
