/**
 * make bench-teardown: how long the VM outlives its container's process.
 * The container prints a line and exits; the clock starts when that line
 * reaches us through `clear run` (the process has ended by then, give or
 * take its exit) and stops when the VM's QEMU process is gone from /proc.
 * The bar is one second. Not a test: figures go to bench/results/.
 *
 *   node dist/bench/teardown.js [--runs N]
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runDirOf } from '../container/state';
import { packageRoot } from '../lib/paths';
import { detectAccelerator } from '../vmm/accel';

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Live (not zombie) processes whose command line names `needle`. */
function pidsNaming(needle: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/^\d+ \(.*\) Z/.test(stat) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** One run: ms from the container's last line to its QEMU process gone. */
async function oneRun(bin: string, root: string, bundle: string, id: string): Promise<number> {
  const runDir = runDirOf(root, id);
  const child = spawn(bin, ['--root', root, 'run', id], { cwd: bundle, stdio: ['ignore', 'pipe', 'inherit'] });
  let qemu: number[] = [];
  let lastLine = 0;
  child.stdout.on('data', (b: Buffer) => {
    const text = b.toString();
    if (text.includes('started')) qemu = pidsNaming(runDir).filter((p) => /qemu-system-[^/\0]*$/.test(fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]));
    if (text.includes('bye')) lastLine = now();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  while (!lastLine) {
    if (child.exitCode !== null) throw new Error(`clear run exited ${child.exitCode} before the last line`);
    await sleep(2);
  }
  if (qemu.length !== 1) throw new Error(`expected one QEMU process for ${runDir}, found ${qemu.length}`);
  while (fs.existsSync(`/proc/${qemu[0]}`) && !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${qemu[0]}/stat`, 'utf8'))) await sleep(2);
  const gone = now() - lastLine;
  const code = await exited;
  if (code !== 0) throw new Error(`clear run exited ${code}`);
  return gone;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-bench-teardown-'));
  const bin = path.join(packageRoot(), 'bin', 'clear-runtime');
  const root = path.join(work, 'root');
  try {
    const bundle = path.join(work, 'bundle');
    execFileSync('bash', [path.join(packageRoot(), 'bundles', 'make-busybox-bundle.sh'), bundle], { stdio: 'ignore' });
    const cfgPath = path.join(bundle, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
    cfg.process.terminal = false;
    // A second between the lines: time to find the VM's QEMU before the end.
    cfg.process.args = ['sh', '-c', 'echo started; sleep 1; echo bye'];
    fs.writeFileSync(cfgPath, JSON.stringify(cfg));
    const figures: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ms = await oneRun(bin, root, bundle, `teardown-${i}`);
      figures.push(Math.round(ms));
      console.log(`run ${i + 1}/${runs}: VM gone ${Math.round(ms)} ms after the last line`);
    }
    const sorted = [...figures].sort((a, b) => a - b);
    const accel = await detectAccelerator();
    const result = {
      date: new Date().toISOString(),
      accelerator: accel.kind,
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs`,
      measure: 'last line of the container process → its QEMU process gone (ms)',
      min: sorted[0],
      median: sorted[Math.floor(sorted.length / 2)],
      max: sorted[sorted.length - 1],
      runs: figures,
    };
    console.log(`VM gone after the process: min ${result.min} / median ${result.median} / max ${result.max} ms (${accel.kind})`);
    const out = path.join(packageRoot(), 'bench', 'results', `${result.date.slice(0, 10)}-teardown-${accel.kind}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    console.log(`written: ${path.relative(packageRoot(), out)}`);
  } finally {
    // A run that failed half-way leaves its container: take it down with its VM.
    for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) {
      try {
        execFileSync(bin, ['--root', root, 'delete', '--force', id], { stdio: 'ignore' });
      } catch {
        /* reported by the failure itself */
      }
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench-teardown: ${(err as Error).message}`);
  process.exit(1);
});
