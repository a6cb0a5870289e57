/**
 * The scaffold of the single-figure benches (make bench-teardown, make
 * bench-host-path): a busybox bundle running `args`, N `clear run`s of it
 * one after the other, each timed by `one`, and min/median/max written to
 * bench/results/<date>-<name>-<accel>.json. Not tests: figures only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../lib/paths';
import { detectAccelerator } from '../vmm/accel';

export interface RunContext {
  /** bin/clear-runtime. */
  bin: string;
  /** The state root every run uses (--root). */
  root: string;
  bundle: string;
  /** A directory of the bench's own, removed at the end. */
  work: string;
  id: string;
}

export interface SingleBench {
  /** Names the make target's figure: bench/results/<date>-<name>-<accel>.json. */
  name: string;
  /** What one figure is, in words, for the result file and the summary line. */
  measure: string;
  /** The container's process. */
  args: string[];
  /** One `clear run`, returning its figure in ms. */
  one: (c: RunContext) => Promise<number>;
}

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runAll(b: SingleBench): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `clear-bench-${b.name}-`));
  const bin = path.join(packageRoot(), 'bin', 'clear-runtime');
  const root = path.join(work, 'root');
  try {
    const bundle = path.join(work, 'bundle');
    execFileSync('bash', [path.join(packageRoot(), 'bundles', 'make-busybox-bundle.sh'), bundle], { stdio: 'ignore' });
    const cfgPath = path.join(bundle, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
    cfg.process.terminal = false;
    cfg.process.args = b.args;
    fs.writeFileSync(cfgPath, JSON.stringify(cfg));
    const figures: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ms = Math.round(await b.one({ bin, root, bundle, work, id: `${b.name}-${i}` }));
      figures.push(ms);
      console.log(`run ${i + 1}/${runs}: ${ms} ms`);
    }
    const sorted = [...figures].sort((x, y) => x - y);
    const accel = await detectAccelerator();
    const result = {
      date: new Date().toISOString(),
      accelerator: accel.kind,
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs`,
      measure: b.measure,
      min: sorted[0],
      median: sorted[Math.floor(sorted.length / 2)],
      max: sorted[sorted.length - 1],
      runs: figures,
    };
    console.log(`${b.measure}: min ${result.min} / median ${result.median} / max ${result.max} ms (${accel.kind})`);
    const out = path.join(packageRoot(), 'bench', 'results', `${result.date.slice(0, 10)}-${b.name}-${accel.kind}.json`);
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

/** Runs the bench as a process: exit 1, with the reason, when a run fails. */
export function mainOf(b: SingleBench): void {
  runAll(b).catch((err) => {
    console.error(`bench-${b.name}: ${(err as Error).message}`);
    process.exit(1);
  });
}
