/**
 * make bench-boot: how long a clear VM takes to boot to a ready agent, and
 * what one idle VM costs the host, beside the floor — a bare QEMU boot of the
 * same kernel and image to a trivial init that powers off at once.
 * Not a test: it prints figures and writes them to bench/results/.
 *
 *   node dist/bench/boot.js [--runs N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { packageRoot } from '../lib/paths';
import { Sandbox } from '../sandbox/sandbox';
import { detectAccelerator } from '../vmm/accel';
import type { Accelerator } from '../vmm/hypervisor';
import { floorBoot } from './floor';

interface Summary {
  min: number;
  median: number;
  max: number;
  runs: number[];
}

function summarize(runs: number[]): Summary {
  const sorted = [...runs].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], runs };
}

function tempRunDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'clear-bench-'));
}

async function clearBoot(accel: Accelerator): Promise<number> {
  const sandbox = await Sandbox.boot({ name: 'bench', runDir: tempRunDir(), accel });
  try {
    return sandbox.bootMs;
  } finally {
    await sandbox.shutdown();
  }
}

/** Proportional set size of a process, in KiB, from /proc/PID/smaps_rollup. */
function pssKiB(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const m = /^Pss:\s+(\d+) kB/m.exec(text);
  if (!m) throw new Error(`no Pss in /proc/${pid}/smaps_rollup`);
  return Number(m[1]);
}

/** One idle VM held by its own process: PSS of that process plus its QEMU. */
async function idleMemory(): Promise<{ holderKiB: number; qemuKiB: number; totalKiB: number }> {
  const runDir = tempRunDir();
  const holder = spawn(process.execPath, [path.join(packageRoot(), 'dist/sandbox/holder.js'), runDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: holder.stdout! }).once('line', resolve);
      holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
    });
    const info = JSON.parse(line) as { pid: number; qemuPid: number };
    // Let the guest settle into idle before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const holderKiB = pssKiB(info.pid);
    const qemuKiB = pssKiB(info.qemuPid);
    return { holderKiB, qemuKiB, totalKiB: holderKiB + qemuKiB };
  } finally {
    holder.stdin!.end();
    await new Promise((r) => holder.once('exit', r));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
  const runs = Number(values.runs);
  const accel = await detectAccelerator();
  console.log(`# boot benchmark: ${runs} runs each, accelerator ${accel.kind} (${accel.reason})`);
  console.log(`# machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cpus, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  const floor: number[] = [];
  const clear: number[] = [];
  // Interleaved, so a slow patch of the machine hurts both columns alike.
  for (let i = 0; i < runs; i++) {
    floor.push(await floorBoot(accel));
    clear.push(await clearBoot(accel));
    process.stderr.write(`  run ${i + 1}/${runs}: floor ${floor[i]} ms, clear ${clear[i]} ms\n`);
  }
  const memory = await idleMemory();
  const result = {
    date: new Date().toISOString(),
    accel: accel.kind,
    host: { cpu: os.cpus()[0]?.model, cpus: os.cpus().length, kernel: os.release() },
    floorBootMs: summarize(floor),
    bootToAgentReadyMs: summarize(clear),
    idleVmPssKiB: memory,
  };
  const f = result.floorBootMs;
  const c = result.bootToAgentReadyMs;
  console.log('| measure | min | median | max |');
  console.log('|---|---|---|---|');
  console.log(`| floor: QEMU start → exit, trivial init (ms) | ${f.min} | ${f.median} | ${f.max} |`);
  console.log(`| clear: QEMU start → agent ready (ms) | ${c.min} | ${c.median} | ${c.max} |`);
  console.log(
    `idle VM host PSS: ${(memory.totalKiB / 1024).toFixed(1)} MiB (QEMU ${(memory.qemuKiB / 1024).toFixed(1)} MiB + host process with the vsock backend ${(memory.holderKiB / 1024).toFixed(1)} MiB)`,
  );
  const outDir = path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${result.date.slice(0, 10)}-boot-${accel.kind}.json`);
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`# written to ${path.relative(process.cwd(), out)}`);
}

main().catch((err) => {
  console.error(`bench-boot: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
