/**
 * `events` through the real CLI into a real VM, beside runc on the same
 * bundle: --stats in runc's JSON shape (the keys runc prints, less those
 * cgroup v2 lacks), the --interval stream, OOM events from the guest
 * cgroup, and runc's errors for unknown and stopped containers. Afterwards
 * no container, QEMU or state is left.
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { CliHarness, clearBin } from './lib/cli';
import { eventLine, keyValues, runcStats } from '../src/container/stats';
import { parseDuration } from '../src/cli/events';

const msg = (stderr: string) => stderr.replace(/^time="[^"]*" /gm, '');

t.test('cgroup v2 files → runc stats', async (t) => {
  const s = runcStats({
    cpus: 1,
    files: {
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
      'memory.current': '4096\n', 'memory.max': 'max\n', 'memory.stat': 'anon 4096\nfile 0\n', 'memory.events': 'low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n',
      'pids.current': '3\n', 'pids.max': '10\n', 'io.stat': '254:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
    },
  }) as any;
  t.same(s.cpu, { usage: { total: 1500000, kernel: 500000, user: 1000000 }, throttling: {} });
  t.same(s.pids, { current: 3, limit: 10 });
  t.equal(s.memory.usage.usage, 4096);
  t.equal(s.memory.usage.failcnt, 2);
  t.same(s.blkio.ioServiceBytesRecursive[0], { major: 254, minor: 0, op: 'Read', value: 512 });
  t.match(eventLine('stats', 'x', s), /"usage":\{"limit":18446744073709551615,/, '"max" prints as Go MaxUint64');
  t.equal(eventLine('oom', 'x'), '{"type":"oom","id":"x"}\n');
  t.same(keyValues('a 1\nb 2\n'), { a: 1, b: 2 });
  t.equal(parseDuration('5s'), 5000);
  t.equal(parseDuration('1m30s'), 90_000);
  t.equal(parseDuration('250ms'), 250);
  t.throws(() => parseDuration('5'), /missing unit/);
});

const h = new CliHarness('events');
t.teardown(() => h.cleanup());

/** Every key path of a JSON value (arrays by their first element). */
function keyPaths(v: unknown, prefix = ''): string[] {
  if (v === null || typeof v !== 'object') return [];
  if (Array.isArray(v)) return v.length ? keyPaths(v[0], `${prefix}[]`) : [];
  return Object.entries(v).flatMap(([k, x]) => [`${prefix}${k}`, ...keyPaths(x, `${prefix}${k}.`)]);
}

/** Runs `events` in the background; lines as they come. */
function stream(args: string[]) {
  const child = spawn(clearBin, ['--root', h.clearRoot, 'events', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, exited, stderr: () => stderr };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

t.test('events of a running container, beside runc', async (t) => {
  h.ids.add('ev');
  const streams: ReturnType<typeof stream>[] = [];
  t.teardown(() => {
    for (const s of streams) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    h.clear(['delete', '--force', 'ev']);
    h.runc(['delete', '--force', 'ev-runc']);
  });
  const bundle = h.bundle('bundle', ['sleep', '1000']);
  const c = h.clear(['run', '-d', '--bundle', bundle, 'ev']);
  t.equal(c.code, 0, `run -d: ${c.stderr}`);
  const r = h.runc(['run', '-d', '--bundle', bundle, 'ev-runc']);
  t.equal(r.code, 0, `runc run -d: ${r.stderr}`);

  await t.test("--stats: one line in runc's shape", async (t) => {
    const c = h.clear(['events', '--stats', 'ev']);
    t.equal(c.code, 0, c.stderr);
    const lines = c.stdout.split('\n').filter(Boolean);
    t.equal(lines.length, 1, 'one line, then exit');
    const ev = JSON.parse(lines[0]);
    t.equal(ev.type, 'stats');
    t.equal(ev.id, 'ev');
    t.ok(ev.data.memory.usage.usage > 0, `memory usage > 0 (${ev.data.memory.usage.usage})`);
    t.ok(ev.data.pids.current >= 1, `pids.current ≥ 1 (${ev.data.pids.current})`);
    t.ok(ev.data.cpu.usage.total > 0, 'cpu usage > 0');
    const rs = h.runc(['events', '--stats', 'ev-runc']);
    t.equal(rs.code, 0, rs.stderr);
    const runcEv = JSON.parse(rs.stdout);
    // cgroup v2 has no per-CPU usage and no v1-only memory counters: runc on a
    // v2 host leaves those out too. Everything else runc prints is there.
    const v1Only = /^data\.(cpu\.usage\.percpu|memory\.(raw\.|kernel\.(usage|max)|kernelTCP\.usage|swap\.max|usage\.max))/;
    const ours = new Set(keyPaths(ev));
    const missing = keyPaths(runcEv).filter((k) => !v1Only.test(k) && !ours.has(k));
    t.same(missing, [], 'every key runc prints (but v1-only ones)');
    t.same(Object.keys(ev.data), Object.keys(runcEv.data), 'same top-level keys, same order');
  });

  await t.test('--interval 1s: a stats line every second', async (t) => {
    const s = stream(['--interval', '1s', 'ev']);
    streams.push(s);
    t.ok(await waitFor(() => s.lines.length >= 2, 30_000), `two lines (${s.lines.length}) ${s.stderr()}`);
    s.child.kill('SIGTERM');
    await s.exited;
    for (const l of s.lines) t.equal(JSON.parse(l).type, 'stats');
  });

  await t.test('an OOM kill in the container gives an oom event', async (t) => {
    const s = stream(['--interval', '30s', 'ev']);
    streams.push(s);
    await new Promise((r) => setTimeout(r, 3000)); // its first reading
    t.equal(h.clear(['update', '--memory', '16M', 'ev']).code, 0);
    const hog = h.clear(['exec', 'ev', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    t.ok(hog.code === null || hog.code === 137, `dd was OOM-killed (SIGKILL): ${hog.code} ${hog.stderr}`);
    t.ok(await waitFor(() => s.lines.some((l) => JSON.parse(l).type === 'oom'), 20_000), 'oom line');
    t.equal(s.lines.find((l) => JSON.parse(l).type === 'oom'), '{"type":"oom","id":"ev"}');
    s.child.kill('SIGTERM');
    await s.exited;
  });

  await t.test('the stream ends when the container stops', async (t) => {
    const s = stream(['--interval', '1s', 'ev']);
    streams.push(s);
    await waitFor(() => s.lines.length >= 1, 20_000);
    h.clear(['kill', 'ev', 'KILL']);
    const code = await Promise.race([s.exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    t.equal(code, 0, `events exited 0 ${s.stderr()}`);
  });

  await t.test('errors like runc: stopped, unknown, no id, bad interval', async (t) => {
    h.runc(['kill', 'ev-runc', 'KILL']);
    await new Promise((r) => setTimeout(r, 500));
    for (const args of [['--stats', 'ID'], ['ID'], ['--stats', 'nope'], ['--stats'], ['--interval', '0', 'ID']]) {
      const c = h.clear(['events', ...args.map((a) => (a === 'ID' ? 'ev' : a))]);
      const r = h.runc(['events', ...args.map((a) => (a === 'ID' ? 'ev-runc' : a))]);
      t.equal(c.code, r.code, `events ${args.join(' ')}: exit ${r.code}`);
      t.equal(msg(c.stderr), msg(r.stderr).replace('ev-runc', 'ev').replace(/runc/g, 'clear-runtime'), `events ${args.join(' ')}: same message`);
    }
  });

  t.equal(h.clear(['delete', '--force', 'ev']).code, 0);
  t.same(h.leftovers().filter((l) => !l.includes('runc')), [], 'nothing of the container is left');
});
