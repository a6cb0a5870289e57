/**
 * make bench-net: container networking, clear beside runc on the same bundle
 * and the same network: a veth pair between two network namespaces the
 * bench makes (10.209.9.0/24), the container in one (given by path, as CNI
 * does), the servers in the other. From inside the container:
 *   - TCP throughput, iperf3 (Debian's, copied with its libraries into the
 *     bench bundle): container → host side, and host side → container (-R);
 *   - TCP connect latency: scripts/bench-net-connect.c (static), N
 *     sequential connect()s to a server that accepts and closes.
 * Not a test: it prints a table and writes bench/results/<date>-net-<accel>.json.
 * Only the namespaces it made are touched, and removed at the end.
 *
 *   node dist/bench/net.js [--runs N] [--seconds S] [--connects N]
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../lib/paths';
import { detectAccelerator } from '../vmm/accel';

interface Runtime {
  name: string;
  bin: string;
  root: string;
}
interface Sample {
  uploadMbps: number;
  downloadMbps: number;
  connect: { n: number; resUs: number; totalUs: number; meanUs: number; minUs: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number };
}

const PREFIX = `cnb${process.pid % 100000}`;
const HOST_NS = `${PREFIX}-h`;
const CTR_NS = `${PREFIX}-c`;
const SERVER = '10.209.9.1';
const IPERF_PORT = 5201;
const CONNECT_PORT = 5202;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The busybox bundle plus iperf3 (and what ldd says it needs) and the static connect client. */
function makeBundle(dir: string, script: string): void {
  execFileSync(path.join(packageRoot(), 'bundles', 'make-busybox-bundle.sh'), [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const rootfs = path.join(dir, 'rootfs');
  const iperf = sh('sh', ['-c', 'command -v iperf3']).trim();
  if (!iperf) throw new Error('iperf3 not installed: make deps (Debian package iperf3)');
  const libs = sh('ldd', [iperf])
    .split('\n')
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter((l): l is string => !!l);
  for (const file of [iperf, ...libs]) {
    fs.mkdirSync(path.join(rootfs, path.dirname(file)), { recursive: true });
    fs.copyFileSync(fs.realpathSync(file), path.join(rootfs, file));
    fs.chmodSync(path.join(rootfs, file), 0o755);
  }
  execFileSync('gcc', ['-static', '-O2', '-Wall', '-o', path.join(rootfs, 'usr/bin/bench-net-connect'),
    path.join(packageRoot(), 'scripts', 'bench-net-connect.c')]);
  const cfgFile = path.join(dir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  cfg.process.args = ['sh', '-c', script];
  // iperf3 keeps its buffer in a temporary file.
  cfg.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] });
  cfg.linux.namespaces = cfg.linux.namespaces.filter((n: { type: string }) => n.type !== 'network');
  cfg.linux.namespaces.push({ type: 'network', path: `/var/run/netns/${CTR_NS}` });
  fs.writeFileSync(cfgFile, `${JSON.stringify(cfg, null, '\t')}\n`);
}

function setUpNetwork(): void {
  const ip = (...args: string[]) => sh('ip', args);
  ip('netns', 'add', HOST_NS);
  ip('netns', 'add', CTR_NS);
  ip('-n', HOST_NS, 'link', 'add', `${PREFIX}h`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CTR_NS);
  ip('-n', HOST_NS, 'addr', 'add', `${SERVER}/24`, 'dev', `${PREFIX}h`);
  ip('-n', CTR_NS, 'addr', 'add', '10.209.9.2/24', 'dev', 'eth0');
  for (const [ns, dev] of [[HOST_NS, `${PREFIX}h`], [CTR_NS, 'eth0'], [HOST_NS, 'lo'], [CTR_NS, 'lo']]) ip('-n', ns, 'link', 'set', dev, 'up');
}

function tearDownNetwork(): void {
  for (const ns of [CTR_NS, HOST_NS]) spawnSync('ip', ['netns', 'del', ns]);
}

function inHostNs(args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', HOST_NS, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function runContainer(rt: Runtime, bundle: string, id: string): Sample {
  const r = spawnSync(rt.bin, ['--root', rt.root, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  spawnSync(rt.bin, ['--root', rt.root, 'delete', '--force', id]);
  if (r.status !== 0) throw new Error(`${rt.name} run: exit ${r.status}: ${r.stderr.trim().slice(-500)}`);
  const [up, down, connect] = r.stdout.split(/^=====$/m).map((s) => s.trim());
  const mbps = (doc: string) => JSON.parse(doc).end.sum_received.bits_per_second / 1e6;
  return { uploadMbps: mbps(up), downloadMbps: mbps(down), connect: JSON.parse(connect) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '2' }, seconds: { type: 'string', default: '5' }, connects: { type: 'string', default: '1000' } },
  });
  const runs = Number(values.runs);
  const seconds = Number(values.seconds);
  const connects = Number(values.connects);
  const accel = await detectAccelerator();
  console.log(`# network benchmark: ${runs} runs each, iperf3 ${seconds} s per direction, ${connects} connects; accelerator ${accel.kind}`);
  console.log(`# machine: ${os.cpus()[0]?.model}, ${os.cpus().length} cpus; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (shared machine)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-bench-net-'));
  const runtimes: Runtime[] = [
    { name: 'clear', bin: path.join(packageRoot(), 'bin', 'clear-runtime'), root: path.join(tmp, 'root-clear') },
    { name: 'runc', bin: 'runc', root: path.join(tmp, 'root-runc') },
  ];
  const script = [
    `iperf3 -c ${SERVER} -p ${IPERF_PORT} -t ${seconds} -J`, 'echo =====',
    `iperf3 -c ${SERVER} -p ${IPERF_PORT} -t ${seconds} -J -R`, 'echo =====',
    `bench-net-connect ${SERVER} ${CONNECT_PORT} ${connects}`,
  ].join('; ');
  const servers: ChildProcess[] = [];
  const samples = new Map<string, Sample[]>(runtimes.map((rt) => [rt.name, []]));
  try {
    const bundle = path.join(tmp, 'bundle');
    makeBundle(bundle, script);
    setUpNetwork();
    servers.push(inHostNs(['iperf3', '-s', '-p', String(IPERF_PORT)]));
    servers.push(inHostNs([process.execPath, '-e',
      `require('net').createServer((s) => s.destroy()).listen(${CONNECT_PORT}, '${SERVER}')`]));
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < runs; i++) {
      for (const rt of runtimes) {
        fs.mkdirSync(rt.root, { recursive: true });
        const s = runContainer(rt, bundle, `bench-net-${process.pid}-${rt.name}-${i}`);
        samples.get(rt.name)!.push(s);
        console.log(`# ${rt.name} run ${i + 1}: up ${s.uploadMbps.toFixed(0)} Mbit/s, down ${s.downloadMbps.toFixed(0)} Mbit/s, connect mean ${s.connect.meanUs} µs (p50 ${s.connect.p50Us}, clock resolution ${s.connect.resUs} µs)`);
      }
    }
  } finally {
    for (const s of servers) s.kill('SIGKILL');
    tearDownNetwork();
    process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  }
  const summary = Object.fromEntries(
    runtimes.map((rt) => {
      const xs = samples.get(rt.name)!;
      return [rt.name, {
        uploadMbps: median(xs.map((x) => x.uploadMbps)),
        downloadMbps: median(xs.map((x) => x.downloadMbps)),
        connectMeanUs: median(xs.map((x) => x.connect.meanUs)),
        connectP50Us: median(xs.map((x) => x.connect.p50Us)),
        connectP90Us: median(xs.map((x) => x.connect.p90Us)),
        clockResolutionUs: Math.max(...xs.map((x) => x.connect.resUs)),
      }];
    }),
  );
  console.log('\n| median of runs | clear | runc |');
  console.log('|---|---|---|');
  const row = (label: string, k: keyof (typeof summary)[string], digits = 0) =>
    console.log(`| ${label} | ${runtimes.map((rt) => summary[rt.name][k].toFixed(digits)).join(' | ')} |`);
  row('TCP container → host side (Mbit/s, iperf3)', 'uploadMbps');
  row('TCP host side → container (Mbit/s, iperf3 -R)', 'downloadMbps');
  row(`TCP connect, mean of ${connects} in a row (µs)`, 'connectMeanUs');
  row('TCP connect, p50 of single connects (µs)', 'connectP50Us');
  row('TCP connect, p90 of single connects (µs)', 'connectP90Us');
  row('container clock resolution (µs): p50/p90 mean nothing above ~1/10 of it', 'clockResolutionUs', 3);
  const result = { date: new Date().toISOString(), accel: accel.kind, machine: { cpu: os.cpus()[0]?.model, cpus: os.cpus().length },
    runs, seconds, connects, summary, samples: Object.fromEntries(samples) };
  const outDir = path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${result.date.slice(0, 10)}-net-${accel.kind}.json`);
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`# written to ${path.relative(process.cwd(), out)}`);
}

main().catch((err) => {
  console.error(`bench-net: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
