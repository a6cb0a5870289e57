/**
 * make bench-lifecycle: the OCI lifecycle as a caller (containerd, Docker,
 * podman) sees it, for clear beside runc and crun, interleaved in one run so
 * a slow patch of the machine hurts every column alike:
 *   - `run` of `echo hi`: spawn → first byte on stdout, and spawn → exit;
 *   - `create` → `start` → stopped → `delete` of `true`;
 *   - CLI latency: `state` on a created container and `--version`, beside
 *     `node -e 0`, the floor of any Node CLI.
 * A runtime that refuses this host keeps its column, with its error text.
 * Not a test: it prints figures and writes them to bench/results/.
 *
 *   node dist/bench/lifecycle.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../lib/paths';
import { runDirOf } from '../container/state';
import { detectAccelerator } from '../vmm/accel';
import {
  engineEnv,
  exec,
  failure,
  loadavg,
  type Measure,
  qemuProcesses,
  Recorder,
  round,
  sleep,
  summarize,
  type Summary,
  versionLine,
} from './util';
import { argv, createOneEach, createStartDelete, forceDelete, idsUsed, newId, type Runtime } from './runtime';

const NOT_MEASURED: Measure = { error: 'not measured', runs: [] };

/** `run` of `echo hi`: first byte on stdout and exit, from spawn. */
async function runEcho(rt: Runtime, bundle: string): Promise<{ firstMs: number; totalMs: number }> {
  const id = newId(rt, 'run');
  try {
    const o = await exec(rt.bin, argv(rt, 'run', '--bundle', bundle, id));
    if (o.code !== 0 || o.stdout.trim() !== 'hi') throw failure(`${rt.name} run`, o);
    return { firstMs: o.firstOutputMs!, totalMs: o.ms };
  } finally {
    await forceDelete(rt, id);
  }
}

function cell(m: Measure): string {
  if ('error' in m) return `refused: ${m.error.replace(/\|/g, '\\|')}`;
  return `${Math.round(m.min)} / ${Math.round(m.median)} / ${Math.round(m.max)}`;
}

const MEASURES: [string, string][] = [
  ['runFirstOutputMs', '`run` echo hi: spawn → first stdout byte (ms)'],
  ['runTotalMs', '`run` echo hi: spawn → exit (ms)'],
  ['createStartExitMs', '`create` → `start` → stopped → `delete`, `true` (ms)'],
  ['stateMs', '`state` on a created container (ms)'],
  ['versionMs', '`--version` (ms)'],
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: want a positive integer`);
  const cliRuns = 20;
  const accel = await detectAccelerator();
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const cpus = os.cpus().length;
  const loadBefore = loadavg();
  console.log(`# lifecycle benchmark: ${runs} runs each, accelerator ${accel.kind} (${accel.reason})`);
  console.log(`# machine: ${cpu}, ${cpus} cpus, ${Math.round(os.totalmem() / 2 ** 30)} GiB; load average ${loadBefore} (shared machine)`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-bench-lc-'));
  const qemuBefore = new Set(qemuProcesses().map((p) => p.pid));
  const runtimes: Runtime[] = [
    { name: 'clear', bin: path.join(packageRoot(), 'bin', 'clear-runtime'), root: path.join(tmp, 'root-clear') },
    { name: 'runc', bin: 'runc', root: path.join(tmp, 'root-runc') },
    { name: 'crun', bin: 'crun', root: path.join(tmp, 'root-crun') },
  ];
  const rec = new Recorder();
  const cliIds = new Map<string, string>();
  let nodeFloor: Summary | undefined;
  let failed = false;
  try {
    // Two busybox bundles: `echo hi` for run, `true` for the lifecycle and state.
    const script = path.join(packageRoot(), 'bundles', 'make-busybox-bundle.sh');
    const bundles: Record<string, string> = {};
    for (const [name, args] of [
      ['echo', ['echo', 'hi']],
      ['true', ['true']],
    ] as const) {
      const dir = path.join(tmp, `bundle-${name}`);
      execFileSync(script, [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
      const cfgFile = path.join(dir, 'config.json');
      const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as { process: { args: string[] } };
      cfg.process.args = [...args];
      fs.writeFileSync(cfgFile, `${JSON.stringify(cfg, null, '\t')}\n`);
      bundles[name] = dir;
    }
    for (const rt of runtimes) {
      fs.mkdirSync(rt.root, { recursive: true, mode: 0o700 });
      console.log(`# ${rt.name}: ${versionLine(rt.bin)}`);
    }

    for (let i = 0; i < runs; i++) {
      const line: string[] = [];
      for (const rt of runtimes) {
        await rec.measure(rt.name, ['runFirstOutputMs', 'runTotalMs'], async () => {
          const r = await runEcho(rt, bundles.echo);
          line.push(`${rt.name} run ${Math.round(r.firstMs)}/${Math.round(r.totalMs)}`);
          return [r.firstMs, r.totalMs];
        });
      }
      for (const rt of runtimes) {
        await rec.measure(rt.name, ['createStartExitMs'], async () => {
          const ms = await createStartDelete(rt, bundles.true, tmp);
          line.push(`${rt.name} cse ${Math.round(ms)}`);
          return [ms];
        });
      }
      process.stderr.write(`  run ${i + 1}/${runs} (load ${loadavg()}): ${line.join(', ')} ms\n`);
    }

    // CLI latency: one created container per runtime, then interleaved rounds.
    for (const [name, id] of await createOneEach(runtimes, bundles.true, tmp, rec, 'stateMs')) cliIds.set(name, id);
    const floor: number[] = [];
    for (let i = 0; i < cliRuns; i++) {
      for (const rt of runtimes) {
        const id = cliIds.get(rt.name);
        if (id) {
          await rec.measure(rt.name, ['stateMs'], async () => {
            const o = await exec(rt.bin, argv(rt, 'state', id), undefined, { env: engineEnv() });
            if (o.code !== 0 || (JSON.parse(o.stdout) as { status: string }).status !== 'created') {
              throw failure(`${rt.name} state`, o);
            }
            return [o.ms];
          });
        }
        await rec.measure(rt.name, ['versionMs'], async () => {
          const o = await exec(rt.bin, ['--version'], undefined, { env: engineEnv() });
          if (o.code !== 0) throw failure(`${rt.name} --version`, o);
          return [o.ms];
        });
      }
      const o = await exec(process.execPath, ['-e', '0'], undefined, { env: engineEnv() });
      if (o.code !== 0) throw failure('node -e 0', o);
      floor.push(round(o.ms));
    }
    nodeFloor = summarize(floor);
  } catch (err) {
    failed = true;
    console.error(`bench-lifecycle: ${err instanceof Error ? err.message : err}`);
  } finally {
    for (const rt of runtimes) {
      const id = cliIds.get(rt.name);
      if (id) await forceDelete(rt, id);
    }
  }

  // Nothing of ours may outlive the run: a QEMU started for one of our
  // containers carries that container's run directory on its command line.
  const ourRunDirs = idsUsed('clear').map((id) => runDirOf(runtimes[0].root, id));
  await sleep(500);
  const qemuAfter = qemuProcesses();
  const leftovers = qemuAfter.filter((p) => ourRunDirs.some((d) => p.cmdline.includes(d)));
  const others = qemuAfter.filter((p) => !qemuBefore.has(p.pid) && !leftovers.includes(p));
  fs.rmSync(tmp, { recursive: true, force: true });
  const loadAfter = loadavg();

  const runtimeResults: Record<string, unknown> = {};
  for (const rt of runtimes) {
    runtimeResults[rt.name] = {
      version: versionLine(rt.bin),
      ...Object.fromEntries(MEASURES.map(([k]) => [k, rec.get(rt.name, k) ?? NOT_MEASURED])),
    };
  }
  const result = {
    date: new Date().toISOString(),
    accel: accel.kind,
    accelReason: accel.reason,
    host: { cpu, cpus, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() },
    loadAverage: { before: loadBefore, after: loadAfter },
    runs,
    cliRuns,
    runtimes: runtimeResults,
    nodeFloorMs: nodeFloor ?? null,
    qemuLeftovers: leftovers,
  };

  console.log(`| measure (min / median / max) | ${runtimes.map((r) => r.name).join(' | ')} |`);
  console.log(`|---|${runtimes.map(() => '---|').join('')}`);
  for (const [k, label] of MEASURES) {
    console.log(`| ${label} | ${runtimes.map((rt) => cell(rec.get(rt.name, k) ?? NOT_MEASURED)).join(' | ')} |`);
  }
  if (nodeFloor) {
    const floorCell = `${Math.round(nodeFloor.min)} / ${Math.round(nodeFloor.median)} / ${Math.round(nodeFloor.max)}`;
    console.log(`| \`node -e 0\`: the floor of any Node CLI (ms) | ${floorCell} | — | — |`);
  }
  console.log(`# load average: before ${loadBefore}, after ${loadAfter}`);
  if (others.length > 0) {
    console.log(`# note: ${others.length} QEMU process(es) started during the run by someone else (not ours): ${others.map((p) => p.pid).join(' ')}`);
  }

  const outDir = path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${result.date.slice(0, 10)}-lifecycle-${accel.kind}.json`);
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`# written to ${path.relative(process.cwd(), out)}`);

  if (leftovers.length > 0) {
    console.error(`bench-lifecycle: FAILED — this run left QEMU behind:\n${leftovers.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`);
    process.exit(2);
  }
  if (failed) process.exit(1);
}

main().catch((err) => {
  console.error(`bench-lifecycle: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
