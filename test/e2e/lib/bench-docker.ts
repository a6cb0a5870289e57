/**
 * make bench-docker: `docker run --rm busybox true`, clear beside runc,
 * interleaved (runc, clear, runc, clear, ...) on a dockerd and containerd of
 * the run's own (engines.ts), the median of N runs (default 10, --runs N).
 * Prints a table and writes JSON to bench/results/<date>-docker-<accel>.json.
 * One warm-up run of each runtime is not counted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engines, IMAGE, REPO } from './engines';

interface Summary {
  min: number;
  median: number;
  max: number;
  runs: number[];
}

function summarize(runs: number[]): Summary {
  const s = [...runs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { min: s[0]!, median: Math.round(mid), max: s[s.length - 1]!, runs };
}

/** What clear's accelerator choice comes to here (src/vmm/accel.ts): KVM needs vmx/svm and no PVM. */
function accel(): string {
  if (process.env.CLEAR_ACCEL) return process.env.CLEAR_ACCEL;
  return fs.existsSync('/sys/module/kvm_pvm') || !/\b(vmx|svm)\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8')) ? 'tcg' : 'kvm';
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 10;
  const e = new Engines();
  const times: Record<string, number[]> = { runc: [], clear: [] };
  const failures: string[] = [];
  try {
    await e.start({ docker: true, containerd: true });
    await e.loadImage({ docker: true });
    const once = async (rt: string) => {
      const r = await e.docker(['run', '--rm', '--runtime', rt, IMAGE, 'true']);
      if (r.code !== 0) failures.push(`${rt}: exit ${r.code}: ${r.stderr.trim()}`);
      return r.ms;
    };
    await once('runc');
    await once('clear');
    for (let n = 0; n < runs; n++) {
      for (const rt of ['runc', 'clear']) {
        const ms = await once(rt);
        times[rt]!.push(ms);
        process.stderr.write(`[bench-docker] ${n + 1}/${runs} ${rt}: ${ms} ms\n`);
      }
    }
  } finally {
    await e.stop();
  }
  const result = {
    date: new Date().toISOString(),
    what: `docker run --rm ${IMAGE} true (default bridge), interleaved, ${runs} runs each after one warm-up`,
    accel: accel(),
    host: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20), load: os.loadavg() },
    docker: '20.10 (Debian), containerd 1.6, runc 1.1.5',
    runc: summarize(times.runc!),
    clear: summarize(times.clear!),
    failures,
  };
  const out = path.join(REPO, 'bench', 'results', `${result.date.slice(0, 10)}-docker-${result.accel}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, s: Summary) => `| ${name.padEnd(5)} | ${String(s.median).padStart(6)} | ${String(s.min).padStart(6)} | ${String(s.max).padStart(6)} |`;
  console.log(`docker run --rm busybox true, ${runs} runs interleaved (ms, ${result.accel})`);
  console.log('| rt    | median |    min |    max |');
  console.log('|-------|--------|--------|--------|');
  console.log(row('runc', result.runc));
  console.log(row('clear', result.clear));
  console.log(`clear/runc median: ${(result.clear.median / result.runc.median).toFixed(1)}x`);
  if (failures.length) console.log(`failures:\n  ${failures.join('\n  ')}`);
  console.log(`written: ${path.relative(REPO, out)}`);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
