/**
 * make bench: clear beside runc, crun and gVisor's runsc, interleaved in one
 * run, with a bare QEMU boot of the same kernel and image (and `node -e 0`
 * for the CLI) as floors. Not a test. Writes bench/results/<date>-<accel>.json,
 * .md (the table) and .svg (the chart), and puts the table and chart in the
 * README between its bench markers.
 *
 * Knobs (environment): BENCH_QUICK=1 (a few minutes: few runs, 1 and 5
 * containers), BENCH_RUNS (start, 10), BENCH_CLI_RUNS (20), BENCH_LEVELS
 * (1,5,10,20), BENCH_BUDGET_MIB (4096), BENCH_DENSITY_CAP (64),
 * BENCH_IO_RUNS (1), BENCH_DD_MIB (256; 16 quick), BENCH_PARALLEL (10), BENCH_RUNTIMES
 * (clear,runc,crun,runsc), BENCH_SECTIONS (start,cli,memory,io,parallel),
 * BENCH_NO_README=1, BENCH_OUT (a directory instead of bench/results). `node dist/bench/render.js RESULT.json` re-renders a result.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDirOf } from '../container/state';
import { packageRoot } from '../lib/paths';
import { IDLE_CHECK_MS, idleReclaimDelayMs } from '../sandbox/idle-reclaim';
import { detectAccelerator } from '../vmm/accel';
import { floorBoot, floorIdlePss } from './floor';
import { argv, create, createOneEach, createStartDelete, forceDelete, idsUsed, newId, RUNTIME_TIMEOUT_MS, type Runtime, start, stateOf } from './runtime';
import { renderMarkdown, renderSvg, SPAWN_RUNS, updateReadme, type BenchResult, type MemoryLevel } from './report';
import {
  engineEnv,
  exeName,
  exec,
  failure,
  host,
  loadavg,
  now,
  parentMap,
  processTree,
  pssKiB,
  cpuSeconds,
  qemuProcesses,
  Recorder,
  round,
  sleep,
  summarize,
  translationCacheKiB,
  versionLine,
} from './util';

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const num = (name: string, full: number, quick: number): number => {
  const v = env[name] !== undefined ? Number(env[name]) : QUICK ? quick : full;
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name}=${env[name]}: want a non-negative integer`);
  return v;
};
const CFG = {
  quick: QUICK,
  runs: num('BENCH_RUNS', 10, 3),
  cliRuns: num('BENCH_CLI_RUNS', 20, 10),
  levels: (env.BENCH_LEVELS ?? (QUICK ? '1,5' : '1,5,10,20')).split(',').map(Number),
  budgetMiB: num('BENCH_BUDGET_MIB', 4096, 4096),
  densityCap: num('BENCH_DENSITY_CAP', 64, 5),
  // One round by default: clear's stdout relay runs at ~1 MiB/s under TCG, so
  // the 256 MiB dd alone takes minutes (docs/performance.md).
  ioRuns: num('BENCH_IO_RUNS', 1, 1),
  parallel: num('BENCH_PARALLEL', 10, 3),
  ddMiB: num('BENCH_DD_MIB', 256, 16),
  settleMs: num('BENCH_SETTLE_MS', 5000, 3000),
  idleCpuS: num('BENCH_IDLE_CPU_S', 10, 5),
  runtimes: (env.BENCH_RUNTIMES ?? 'clear,runc,crun,runsc').split(','),
  sections: new Set((env.BENCH_SECTIONS ?? 'start,cli,memory,io,parallel').split(',')),
};
const TIMEOUT = RUNTIME_TIMEOUT_MS;

/**
 * How long the memory and density sections let containers idle before
 * measuring: an idle clear VM gives its translation cache back after
 * CLEAR_IDLE_RECLAIM_S of idleness (src/sandbox/idle-reclaim.ts), and the
 * figure is what a user's idle containers hold, so clear's runs wait for
 * that (checked every IDLE_CHECK_MS); BENCH_SETTLE_MS when it is longer.
 */
function memorySettleMs(): number {
  const reclaimMs = CFG.runtimes.includes('clear') ? idleReclaimDelayMs() : 0;
  return Math.max(CFG.settleMs, reclaimMs > 0 ? reclaimMs + 2 * IDLE_CHECK_MS : 0);
}

/** `run` with output piped back; the container deleted after. */
async function run(rt: Runtime, bundle: string, what: string, keepStdout = true) {
  const id = newId(rt, what);
  try {
    const o = await exec(rt.bin, argv(rt, 'run', '--bundle', bundle, id), TIMEOUT, { keepStdout });
    if (o.code !== 0) throw failure(`${rt.name} run`, o);
    return o;
  } finally {
    await forceDelete(rt, id);
  }
}

/** Host processes one container uses: its state pid's tree, and runsc's gofer. */
function containerPids(rt: Runtime, id: string, statePid: number, children: Map<number, number[]>): number[] {
  const roots = [statePid];
  if (rt.name === 'runsc') {
    try {
      const st = JSON.parse(fs.readFileSync(path.join(rt.root, `${id}_sandbox:${id}.state`), 'utf8')) as { goferPid?: number };
      if (st.goferPid) roots.push(st.goferPid);
    } catch {
      /* older or newer layout: the sandbox tree alone */
    }
  }
  return processTree(roots, children);
}

/** Makes a busybox bundle whose process runs `args`. */
function makeBundle(dir: string, args: string[], tweak?: (cfg: Record<string, any>) => void): string {
  execFileSync(path.join(packageRoot(), 'bundles', 'make-busybox-bundle.sh'), [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const cfgFile = path.join(dir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, any>;
  cfg.process.args = args;
  tweak?.(cfg);
  fs.writeFileSync(cfgFile, `${JSON.stringify(cfg, null, '\t')}\n`);
  return dir;
}

/** Guest uptime lines printed around a command: elapsed seconds. */
function uptimeDelta(stdout: string): number {
  const ups = [...stdout.matchAll(/^UP ([\d.]+)/gm)].map((m) => Number(m[1]));
  if (ups.length !== 2) throw new Error(`no timing in output: ${stdout.slice(0, 200)}`);
  return ups[1] - ups[0];
}

async function main(): Promise<void> {
  const accel = await detectAccelerator();
  const h = host();
  const loadBefore = loadavg();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  console.log(`# make bench${QUICK ? ' (quick)' : ''}: accelerator ${accel.kind} (${accel.reason})`);
  console.log(`# machine: ${h.cpu}, ${h.cpus} cpus, ${h.memGiB} GiB, ${h.kernel}; load ${loadBefore} (shared machine)`);
  console.log(`# config: ${JSON.stringify({ ...CFG, sections: [...CFG.sections] })}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-bench-'));
  const qemuBefore = new Set(qemuProcesses().map((p) => p.pid));
  const all: Runtime[] = [
    { name: 'clear', bin: path.join(packageRoot(), 'bin', 'clear-runtime'), pre: [], root: path.join(tmp, 'root-clear') },
    { name: 'runc', bin: 'runc', pre: [], root: path.join(tmp, 'root-runc') },
    { name: 'crun', bin: 'crun', pre: [], root: path.join(tmp, 'root-crun') },
    // No KVM for gVisor either: ptrace; no network (nothing here needs one).
    { name: 'runsc', bin: 'runsc', pre: ['--platform=ptrace', '--network=none'], root: path.join(tmp, 'root-runsc') },
  ];
  const runtimes = all.filter((r) => CFG.runtimes.includes(r.name));
  const versions: Record<string, string> = {};
  for (const rt of runtimes) {
    try {
      rt.bin = rt.bin.includes('/') ? rt.bin : execFileSync('sh', ['-c', `command -v ${rt.bin}`], { encoding: 'utf8' }).trim();
    } catch {
      rt.missing = `${rt.bin} not installed (make deps)`;
    }
    fs.mkdirSync(rt.root, { recursive: true, mode: 0o700 });
    versions[rt.name] = rt.missing ?? versionLine(rt.bin, rt.name === 'runsc' ? [] : []);
    console.log(`# ${rt.name}: ${versions[rt.name]}`);
  }
  const live = runtimes.filter((r) => !r.missing);
  const rec = new Recorder();
  for (const rt of runtimes) if (rt.missing) rec.fail(rt.name, 'all', rt.missing);

  const memory: MemoryLevel[] = [];
  const density: Record<string, { count: number; capped: boolean; pssMiB: number; extrapolated?: number } | { error: string }> = {};
  const guestMemory: Record<string, Record<string, number> | { error: string }> = {};
  let memoryFloorMiB: number | null = null;
  let memoryFloorTranslationCacheMiB: number | null = null;
  let nodeFloor: number[] = [];
  let failed = false;
  const holders = new Map<string, { id: string; pid: number }[]>();
  try {
    const bundles = {
      echo: makeBundle(path.join(tmp, 'b-echo'), ['echo', 'hi']),
      true: makeBundle(path.join(tmp, 'b-true'), ['true']),
      sleep: makeBundle(path.join(tmp, 'b-sleep'), ['sleep', '1000000']),
    };

    // ── start: run → first output, create → start → delete; the bare QEMU floor.
    if (CFG.sections.has('start')) {
      log(`## start: ${CFG.runs} rounds`);
      for (let i = 0; i < CFG.runs; i++) {
        const line: string[] = [];
        await rec.measure('qemu floor', ['runFirstOutputMs'], async () => {
          const ms = await floorBoot(accel);
          line.push(`floor ${ms}`);
          return [ms];
        });
        for (const rt of live) {
          await rec.measure(rt.name, ['runFirstOutputMs', 'runTotalMs'], async () => {
            const o = await run(rt, bundles.echo, 'run');
            if (o.stdout.trim() !== 'hi') throw failure(`${rt.name} run: output ${JSON.stringify(o.stdout)}`, o);
            line.push(`${rt.name} ${Math.round(o.firstOutputMs!)}`);
            return [o.firstOutputMs!, o.ms];
          });
        }
        for (const rt of live) {
          await rec.measure(rt.name, ['createStartDeleteMs'], async () => [await createStartDelete(rt, bundles.true, tmp)]);
        }
        log(`  round ${i + 1}/${CFG.runs} (load ${loadavg()}): run→first output ${line.join(', ')} ms`);
      }
    }

    // ── CLI latency: a created container each (state) and a running one
    // (exec: what `docker exec` and Kubernetes' exec probes cost), interleaved
    // rounds, node -e 0.
    if (CFG.sections.has('cli')) {
      log(`## cli: ${CFG.cliRuns} rounds`);
      const ids = await createOneEach(live, bundles.true, tmp, rec, 'stateMs');
      const running = await createOneEach(live, bundles.sleep, tmp, rec, 'execMs', { started: true });
      const floor: number[] = [];
      for (let i = 0; i < CFG.cliRuns; i++) {
        for (const rt of live) {
          const id = ids.get(rt.name);
          if (id) {
            await rec.measure(rt.name, ['stateMs'], async () => {
              const o = await exec(rt.bin, argv(rt, 'state', id), undefined, { env: engineEnv() });
              if (o.code !== 0 || (JSON.parse(o.stdout) as { status: string }).status !== 'created') throw failure(`${rt.name} state`, o);
              return [o.ms];
            });
          }
          const runningId = running.get(rt.name);
          if (runningId) {
            await rec.measure(rt.name, ['execMs'], async () => {
              const o = await exec(rt.bin, argv(rt, 'exec', runningId, 'true'), undefined, { env: engineEnv() });
              if (o.code !== 0) throw failure(`${rt.name} exec`, o);
              return [o.ms];
            });
          }
          await rec.measure(rt.name, ['versionMs'], async () => {
            const o = await exec(rt.bin, [...(rt.pre ?? []), '--version'], undefined, { env: engineEnv() });
            if (o.code !== 0) throw failure(`${rt.name} --version`, o);
            return [o.ms];
          });
        }
        const o = await exec(process.execPath, ['-e', '0'], undefined, { env: engineEnv() });
        if (o.code !== 0) throw failure('node -e 0', o);
        floor.push(round(o.ms));
      }
      nodeFloor = floor;
      for (const rt of live) {
        for (const id of [ids.get(rt.name), running.get(rt.name)]) if (id) await forceDelete(rt, id);
      }
    }

    // ── memory and density: containers running `sleep`, levels interleaved.
    if (CFG.sections.has('memory')) {
      log(`## memory: levels ${CFG.levels.join(', ')}; density budget ${CFG.budgetMiB} MiB, cap ${CFG.densityCap}; measured ${memorySettleMs() / 1000} s after the last start`);
      const floor = await floorIdlePss(accel, CFG.settleMs);
      memoryFloorMiB = round(floor.pssKiB / 1024);
      memoryFloorTranslationCacheMiB = round(floor.translationCacheKiB / 1024);
      log(`  bare QEMU (init sleeps): ${memoryFloorMiB} MiB PSS, of which ${memoryFloorTranslationCacheMiB} MiB TCG's translation cache`);
      const startOne = async (rt: Runtime): Promise<void> => {
        const id = newId(rt, 'mem');
        try {
          const pid = await create(rt, bundles.sleep, id, tmp);
          await start(rt, id);
          const st = await stateOf(rt, id);
          holders.set(rt.name, [...(holders.get(rt.name) ?? []), { id, pid: st.pid ?? pid }]);
        } catch (err) {
          await forceDelete(rt, id);
          throw err;
        }
      };
      const measurePss = (rt: Runtime) => {
        const children = parentMap();
        const byComm: Record<string, number> = {};
        let total = 0;
        let tcgKiB = 0;
        for (const c of holders.get(rt.name) ?? []) {
          for (const p of containerPids(rt, c.id, c.pid, children)) {
            const k = pssKiB(p);
            total += k;
            // By executable: QEMU renames its process after the VM (-name process=).
            const name = exeName(p);
            byComm[name] = (byComm[name] ?? 0) + k;
            if (name.startsWith('qemu-system')) tcgKiB += translationCacheKiB(p);
          }
        }
        return { totalKiB: total, byComm, tcgKiB };
      };
      // Host CPU the idle containers use, all runtimes' over the same window.
      const measureIdleCpu = async (rts: Runtime[]): Promise<Record<string, number>> => {
        const children = parentMap();
        const pids = new Map(rts.map((rt) => [rt.name, (holders.get(rt.name) ?? []).flatMap((c) => containerPids(rt, c.id, c.pid, children))]));
        const used = (rt: Runtime) => pids.get(rt.name)!.reduce((sum, p) => sum + cpuSeconds(p), 0);
        const before = new Map(rts.map((rt) => [rt.name, used(rt)]));
        await sleep(CFG.idleCpuS * 1000);
        return Object.fromEntries(rts.map((rt) => [rt.name, round(((used(rt) - before.get(rt.name)!) / CFG.idleCpuS / (holders.get(rt.name)?.length ?? 1)) * 100)]));
      };
      for (const level of [...CFG.levels].sort((a, b) => a - b)) {
        const entry: MemoryLevel & Required<Pick<MemoryLevel, 'translationCacheMiB'>> = { containers: level, perContainerMiB: {}, byProcessMiB: {}, translationCacheMiB: {}, errors: {} };
        for (const rt of live) {
          if (rec.failed(rt.name, 'memory')) continue;
          try {
            while ((holders.get(rt.name)?.length ?? 0) < level) await startOne(rt);
          } catch (err) {
            rec.fail(rt.name, 'memory', err);
            log(`  ${rt.name}: ${err instanceof Error ? err.message : err}`);
          }
        }
        await sleep(memorySettleMs());
        for (const rt of live) {
          if (rec.failed(rt.name, 'memory')) {
            entry.errors[rt.name] = rec.errors.get(`${rt.name}\0memory`)!;
            continue;
          }
          const m = measurePss(rt);
          entry.perContainerMiB[rt.name] = round(m.totalKiB / level / 1024);
          entry.byProcessMiB[rt.name] = Object.fromEntries(Object.entries(m.byComm).map(([k, v]) => [k, round(v / level / 1024)]));
          if (m.tcgKiB > 0) entry.translationCacheMiB[rt.name] = round(m.tcgKiB / level / 1024);
        }
        if (level === Math.max(...CFG.levels)) {
          entry.idleCpuPercent = await measureIdleCpu(live.filter((rt) => !rec.failed(rt.name, 'memory')));
          log(`  host CPU per idle container over ${CFG.idleCpuS} s: ${JSON.stringify(entry.idleCpuPercent)} % of a CPU`);
        }
        // What idling costs the next command: an exec in the level's last
        // container, idle since its start (for clear: after its VM gave its
        // translation cache back, so the exec's code is translated anew).
        for (const rt of live.filter((r) => !rec.failed(r.name, 'memory'))) {
          const idle = holders.get(rt.name)?.at(-1);
          if (!idle) continue;
          await rec.measure(rt.name, ['execIdleMs'], async () => {
            const o = await exec(rt.bin, argv(rt, 'exec', idle.id, 'true'), undefined, { env: engineEnv() });
            if (o.code !== 0) throw failure(`${rt.name} exec after idling`, o);
            return [o.ms];
          });
        }
        memory.push(entry);
        log(`  ${level} containers (load ${loadavg()}): ${JSON.stringify(entry.perContainerMiB)} MiB PSS per container`);
        if (level === Math.min(...CFG.levels)) {
          // The guest's own view, from inside the first container.
          for (const rt of live.filter((r) => r.name === 'clear' || r.name === 'runsc')) {
            const c = holders.get(rt.name)?.[0];
            if (!c) continue;
            const o = await exec(rt.bin, argv(rt, 'exec', c.id, 'cat', '/proc/meminfo')).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }) as never);
            if (o.code !== 0) {
              guestMemory[rt.name] = { error: failure(`${rt.name} exec`, o).message };
              continue;
            }
            const kv: Record<string, number> = {};
            for (const m of o.stdout.matchAll(/^(\w+):\s+(\d+) kB/gm)) kv[m[1]] = Number(m[2]);
            guestMemory[rt.name] = {
              MemTotalMiB: round(kv.MemTotal / 1024),
              usedMiB: round((kv.MemTotal - kv.MemFree) / 1024),
              cachedMiB: round((kv.Cached ?? 0) / 1024),
              anonMiB: round((kv.AnonPages ?? 0) / 1024),
              availableMiB: round((kv.MemAvailable ?? 0) / 1024),
            };
          }
        }
      }
      // Density: go on starting containers until their PSS passes the budget, or the cap.
      for (const rt of live) {
        if (rec.failed(rt.name, 'memory')) {
          density[rt.name] = { error: rec.errors.get(`${rt.name}\0memory`)! };
          continue;
        }
        const budgetKiB = CFG.budgetMiB * 1024;
        let over = false;
        try {
          for (;;) {
            const n = holders.get(rt.name)?.length ?? 0;
            if (measurePss(rt).totalKiB > budgetKiB) {
              // Over, maybe only until the last ones started have idled
              // (clear's give their translation cache back then).
              await sleep(memorySettleMs());
              if (measurePss(rt).totalKiB > budgetKiB) {
                over = true;
                break;
              }
            }
            if (n >= CFG.densityCap) break;
            await startOne(rt);
          }
        } catch (err) {
          log(`  ${rt.name} density: ${err instanceof Error ? err.message : err}`);
          density[rt.name] = { error: err instanceof Error ? err.message : String(err) };
          continue;
        }
        await sleep(memorySettleMs());
        const list = holders.get(rt.name) ?? [];
        const total = measurePss(rt).totalKiB;
        const n = list.length;
        const fits = over || total > budgetKiB ? n - 1 : n;
        const d: { count: number; capped: boolean; pssMiB: number; extrapolated?: number } = {
          count: fits,
          capped: !over && total <= budgetKiB,
          pssMiB: round(total / 1024),
        };
        if (d.capped && n > 0) d.extrapolated = Math.floor(budgetKiB / (total / n));
        density[rt.name] = d;
        log(`  ${rt.name}: ${d.capped ? `≥${d.count} (cap; ≈${d.extrapolated} extrapolated)` : d.count} containers in ${CFG.budgetMiB} MiB`);
      }
      for (const rt of live) {
        for (const c of holders.get(rt.name) ?? []) await forceDelete(rt, c.id);
        holders.set(rt.name, []);
      }
    }

    // ── I/O: stdout of dd, a 256 MiB sequential read, programs run from the rootfs and a 5,000-file untar in it.
    if (CFG.sections.has('io')) {
      log(`## io: ${CFG.ioRuns} rounds`);
      const io = makeBundle(path.join(tmp, 'b-io'), ['true'], (cfg) => {
        cfg.root.readonly = false;
      });
      const rootfs = path.join(io, 'rootfs');
      execFileSync('dd', ['if=/dev/urandom', `of=${rootfs}/big`, 'bs=1M', 'count=256', 'status=none']);
      const tree = path.join(tmp, 'tree');
      for (let d = 0; d < 50; d++) {
        fs.mkdirSync(path.join(tree, `d${d}`), { recursive: true });
        for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(tree, `d${d}`, `f${f}`), `${d}/${f}\n`.repeat(100));
      }
      execFileSync('tar', ['-cf', `${rootfs}/tree.tar`, '-C', tree, '.']);
      const withArgs = (args: string[]) => {
        const cfgFile = path.join(io, 'config.json');
        const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, any>;
        cfg.process.args = args;
        fs.writeFileSync(cfgFile, `${JSON.stringify(cfg, null, '\t')}\n`);
      };
      for (let i = 0; i < CFG.ioRuns; i++) {
        const line: string[] = [];
        for (const rt of live) {
          await rec.measure(rt.name, ['stdoutMiBps'], async () => {
            withArgs(['dd', 'if=/dev/zero', 'bs=1M', `count=${CFG.ddMiB}`]);
            const o = await run(rt, io, 'dd', false);
            if (o.stdoutBytes !== CFG.ddMiB * 2 ** 20) throw new Error(`${rt.name}: ${o.stdoutBytes} bytes of stdout, want ${CFG.ddMiB * 2 ** 20}`);
            // First byte to last: the stream, not the container's start.
            const s = (o.lastOutputMs! - o.firstOutputMs!) / 1000;
            line.push(`${rt.name} dd ${Math.round(CFG.ddMiB / s)}`);
            return [CFG.ddMiB / s];
          });
          await rec.measure(rt.name, ['readMiBps'], async () => {
            withArgs(['sh', '-c', 'echo UP $(cut -d" " -f1 /proc/uptime); dd if=/big of=/dev/null bs=1M 2>/dev/null; echo UP $(cut -d" " -f1 /proc/uptime)']);
            const s = uptimeDelta((await run(rt, io, 'read')).stdout);
            line.push(`read ${Math.round(256 / s)}`);
            return [256 / s];
          });
          await rec.measure(rt.name, ['spawnMs'], async () => {
            // A shell script's cost: every command it runs is a program read from the rootfs.
            withArgs(['sh', '-c', `echo UP $(cut -d" " -f1 /proc/uptime); i=0; while [ $i -lt ${SPAWN_RUNS} ]; do /bin/true; i=$((i+1)); done; echo UP $(cut -d" " -f1 /proc/uptime)`]);
            const ms = (uptimeDelta((await run(rt, io, 'spawn')).stdout) * 1000) / SPAWN_RUNS;
            line.push(`spawn ${ms.toFixed(1)} ms`);
            return [ms];
          });
          await rec.measure(rt.name, ['untarS'], async () => {
            const dir = `/untar-${rt.name}-${i}`;
            withArgs(['sh', '-c', `mkdir ${dir}; echo UP $(cut -d" " -f1 /proc/uptime); tar -xf /tree.tar -C ${dir}; echo UP $(cut -d" " -f1 /proc/uptime); find ${dir} -type f | wc -l`]);
            try {
              const o = await run(rt, io, 'untar');
              const files = Number(o.stdout.trim().split('\n').pop());
              if (files !== 5000) throw new Error(`${rt.name} untar: ${files} files, want 5000`);
              const s = uptimeDelta(o.stdout);
              line.push(`untar ${s.toFixed(2)} s`);
              return [s];
            } finally {
              fs.rmSync(path.join(rootfs, dir), { recursive: true, force: true });
            }
          });
        }
        log(`  round ${i + 1}/${CFG.ioRuns} (load ${loadavg()}): ${line.join(', ')}`);
      }
    }

    // ── parallel: N creates at once, total time to the last one's return,
    // and each create's own time (what each of N pods started together waits).
    if (CFG.sections.has('parallel')) {
      log(`## parallel: ${CFG.parallel} at once`);
      for (const rt of live) {
        const ids = Array.from({ length: CFG.parallel }, () => newId(rt, 'par'));
        await rec.measure(rt.name, ['parallelCreateMs'], async () => {
          try {
            const t = now();
            const each = await Promise.all(ids.map((id) => create(rt, bundles.sleep, id, tmp).then(() => now() - t)));
            for (const ms of each) rec.add(rt.name, 'parallelEachMs', ms);
            return [Math.max(...each)];
          } finally {
            for (const id of ids) await forceDelete(rt, id);
          }
        });
        log(`  ${rt.name}: ${JSON.stringify(rec.get(rt.name, 'parallelCreateMs'))}, each ${JSON.stringify(rec.get(rt.name, 'parallelEachMs'))}`);
      }
    }
  } catch (err) {
    failed = true;
    console.error(`bench: ${err instanceof Error ? err.stack : err}`);
  } finally {
    for (const rt of live) {
      for (const c of holders.get(rt.name) ?? []) await forceDelete(rt, c.id);
    }
  }

  const ourRunDirs = idsUsed('clear').map((id) => runDirOf(all[0].root, id));
  await sleep(500);
  const leftovers = qemuProcesses().filter((p) => ourRunDirs.some((d) => p.cmdline.includes(d)));
  const others = qemuProcesses().filter((p) => !qemuBefore.has(p.pid) && !leftovers.includes(p));
  fs.rmSync(tmp, { recursive: true, force: true });

  const measures = ['runFirstOutputMs', 'runTotalMs', 'createStartDeleteMs', 'stateMs', 'execMs', 'execIdleMs', 'versionMs', 'stdoutMiBps', 'readMiBps', 'spawnMs', 'untarS', 'parallelCreateMs', 'parallelEachMs'];
  const result: BenchResult = {
    date: new Date().toISOString(),
    accel: accel.kind,
    accelReason: accel.reason,
    host: h,
    sharedMachine: true,
    loadAverage: { before: loadBefore, after: loadavg() },
    otherQemuDuringRun: others.length,
    config: { ...CFG, sections: [...CFG.sections], memorySettleMs: memorySettleMs() },
    runtimes: runtimes.map((r) => r.name),
    versions,
    refusals: Object.fromEntries(rec.firstError),
    measures: Object.fromEntries(
      [...runtimes.map((r) => r.name), 'qemu floor'].map((rt) => [rt, Object.fromEntries(measures.map((m) => [m, rec.get(rt, m) ?? null]))]),
    ),
    nodeFloorMs: nodeFloor.length ? summarize(nodeFloor) : null,
    memory,
    memoryFloorMiB,
    memoryFloorTranslationCacheMiB,
    guestMemory,
    density,
    qemuLeftovers: leftovers,
  };
  const outDir = env.BENCH_OUT ? path.resolve(env.BENCH_OUT) : path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${result.date.slice(0, 10)}-${accel.kind}`);
  const md = renderMarkdown(result, path.basename(`${base}.svg`));
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, md);
  fs.writeFileSync(`${base}.svg`, renderSvg(result));
  if (env.BENCH_NO_README !== '1') updateReadme(path.join(packageRoot(), 'README.md'), result, path.relative(packageRoot(), base));
  console.log(md);
  console.log(`# written to ${path.relative(process.cwd(), base)}.{json,md,svg}`);
  if (leftovers.length > 0) {
    console.error(`bench: FAILED — this run left QEMU behind:\n${leftovers.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`);
    process.exit(2);
  }
  if (failed) process.exit(1);
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
