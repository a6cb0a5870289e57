/**
 * Docker with clear, end to end: a dockerd and containerd of this run's own
 * (test/e2e/lib/engines.ts), clear registered as runtime "clear", and every
 * scenario run first with runc, the reference, then with clear, with the
 * same expectations (where a VM differs on purpose, e.g. nproc under
 * --cpus, the test says so). Each clear container is a VM boot (7-20 s
 * under TCG), so each scenario checks several things in one container.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { type Engines, IMAGE, run } from './lib/engines';
import { checkTeardown, RUNTIMES, show, startEngines, until } from './lib/suite';

let e: Engines | undefined;

t.before(async () => {
  e = await startEngines(t, ['/usr/sbin/dockerd', '/usr/bin/containerd', '/usr/bin/docker', 'script', 'runc'], { docker: true, containerd: true });
  await e?.loadImage({ docker: true });
});

const docker = (args: string[], o = {}) => e!.docker(args, o);

t.test('docker info lists clear as a runtime', async (t) => {
  if (!e) return;
  const r = await docker(['info', '--format', '{{json .Runtimes}}']);
  t.equal(r.code, 0, show(r));
  t.match(r.stdout, /"clear"/, 'clear registered');
});

for (const rt of RUNTIMES) {
  t.test(`${rt}: run --rm: output, exit 3, -e, -w, -u 1000:1000`, async (t) => {
    if (!e) return;
    const r = await docker([
      'run', '--rm', '--runtime', rt, '-e', 'FOO=bar baz', '-w', '/tmp', '-u', '1000:1000', IMAGE,
      'sh', '-c', 'echo "foo=$FOO"; echo "cwd=$(pwd)"; echo "id=$(id -u):$(id -g)"; echo err >&2; exit 3',
    ]);
    t.equal(r.code, 3, `exit code 3: ${show(r)}`);
    t.equal(r.stdout, 'foo=bar baz\ncwd=/tmp\nid=1000:1000\n', 'stdout');
    t.match(r.stderr, /^err$/m, 'stderr');
  });

  t.test(`${rt}: run --rm: exit 0, -v both ways, --read-only, --memory, --cpus`, async (t) => {
    if (!e) return;
    const vol = path.join(e.dir, `vol-${rt}`);
    fs.mkdirSync(vol);
    fs.writeFileSync(path.join(vol, 'from-host'), 'written on the host\n');
    const r = await docker([
      'run', '--rm', '--runtime', rt, '--read-only', '-v', `${vol}:/data`, '--memory', '256m', '--cpus', '1', IMAGE,
      'sh', '-c', [
        'cat /data/from-host',
        'echo "written in the container" > /data/from-container',
        'if touch /rootfs-write 2>/dev/null; then echo rootfs=rw; else echo rootfs=ro; fi',
        'echo "mem=$(free -m | awk \'/^Mem:/{print $2}\')"',
        'echo "nproc=$(nproc)"',
        'echo "cglimit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null)"',
      ].join('; '),
    ]);
    t.equal(r.code, 0, `exit code 0: ${show(r)}`);
    t.match(r.stdout, /^written on the host$/m, 'host file read in the container');
    t.equal(fs.readFileSync(path.join(vol, 'from-container'), 'utf8'), 'written in the container\n', 'container file read on the host');
    t.match(r.stdout, /^rootfs=ro$/m, '--read-only rootfs');
    const mem = Number(/^mem=(\d+)/m.exec(r.stdout)?.[1]);
    const nproc = Number(/^nproc=(\d+)/m.exec(r.stdout)?.[1]);
    if (rt === 'clear') {
      // The VM is sized from the limits: memory limit + headroom, vCPUs from the quota.
      t.ok(mem > 128 && mem <= 400, `free shows the VM's memory (${mem} MiB for --memory 256m)`);
      t.equal(nproc, 1, 'nproc is 1 for --cpus 1');
    } else {
      t.match(r.stdout, /^cglimit=268435456$/m, 'runc: the memory cgroup limit is 256 MiB');
      t.ok(nproc >= 1, `runc: nproc ${nproc}`);
    }
  });

  t.test(`${rt}: a running container: logs, exec (with and without -t), top, stats, pause/unpause, then kill gives 137`, async (t) => {
    if (!e) return;
    const name = `e2e-main-${rt}`;
    const fg = docker(['run', '--rm', '--runtime', rt, '--name', name, IMAGE, 'sh', '-c', 'echo logline; exec sleep 1000'], { timeoutMs: 300_000 });
    const up = await until(async () => (await docker(['logs', name])).stdout.includes('logline'), 120_000);
    t.ok(up, 'the container runs and its output reaches docker logs');
    if (!up) {
      t.comment(show(await fg));
      return;
    }
    const logs = await docker(['logs', name]);
    t.equal(logs.stdout, 'logline\n', 'docker logs');

    const ex = await docker(['exec', name, 'sh', '-c', 'echo exec-out; echo exec-err >&2; exit 3']);
    t.equal(ex.code, 3, `exec exit code: ${show(ex)}`);
    t.equal(ex.stdout, 'exec-out\n', 'exec stdout');
    t.match(ex.stderr, /exec-err/, 'exec stderr');

    const ext = await docker(['exec', '-t', name, 'sh', '-c', 'tty; exit 4']);
    t.equal(ext.code, 4, `exec -t exit code: ${show(ext)}`);
    t.match(ext.stdout, /^\/dev\/pts\/\d+\r?$/m, 'exec -t has a pty');

    const top = await docker(['top', name]);
    t.equal(top.code, 0, `docker top: ${show(top)}`);
    t.match(top.stdout, /^UID\s+PID\s+PPID/m, 'top header');
    t.ok(top.stdout.trim().split('\n').length >= 2, 'top lists a process');

    const stats = await docker(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', name]);
    t.equal(stats.code, 0, `docker stats: ${show(stats)}`);
    const used = /^\S+ ([\d.]+)([KMG]i?B) \//m.exec(stats.stdout);
    t.ok(used && Number(used[1]) > 0, `stats shows memory in use: ${stats.stdout.trim()}`);

    const pause = await docker(['pause', name]);
    t.equal(pause.code, 0, `pause: ${show(pause)}`);
    t.equal((await docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim(), 'paused', 'paused');
    const unpause = await docker(['unpause', name]);
    t.equal(unpause.code, 0, `unpause: ${show(unpause)}`);
    t.equal((await docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim(), 'running', 'running again');
    const after = await docker(['exec', name, 'echo', 'alive']);
    t.equal(after.stdout, 'alive\n', `exec after unpause: ${show(after)}`);

    const kill = await docker(['kill', name]);
    t.equal(kill.code, 0, `docker kill: ${show(kill)}`);
    const r = await fg;
    t.equal(r.code, 137, `docker run exits 137 after docker kill: ${show(r)}`);
  });

  t.test(`${rt}: run -d, then docker stop within its timeout; docker rm -f of a running one`, async (t) => {
    if (!e) return;
    const d = await docker(['run', '-d', '--runtime', rt, IMAGE, 'sleep', '1000']);
    t.equal(d.code, 0, `run -d: ${show(d)}`);
    const id = d.stdout.trim();
    const f = await docker(['run', '-d', '--runtime', rt, IMAGE, 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done']);
    t.equal(f.code, 0, `run -d: ${show(f)}`);
    const id2 = f.stdout.trim();

    // sleep as PID 1 ignores SIGTERM: stop kills it after the timeout.
    const stop = await docker(['stop', '-t', '3', id]);
    t.equal(stop.code, 0, `docker stop: ${show(stop)}`);
    t.ok(stop.ms < 3000 + 10_000, `stop returned within its timeout plus a margin (${stop.ms} ms)`);
    const st = await docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id]);
    t.equal(st.stdout.trim(), 'exited 137', 'stopped by SIGKILL after the timeout');

    const rm = await docker(['rm', '-f', id2]);
    t.equal(rm.code, 0, `docker rm -f: ${show(rm)}`);
    const gone = await docker(['inspect', id2]);
    t.not(gone.code, 0, 'removed');
    await docker(['rm', '-f', id]);
  });

  t.test(`${rt}: run -it with a real pty: tty is a /dev/pts path, exit 5`, async (t) => {
    if (!e) return;
    const cmd = [...e.dockerArgv(), 'run', '-it', '--rm', '--runtime', rt, IMAGE, 'sh', '-c', "'tty; echo term=$TERM; exit 5'"].join(' ');
    // `script` gives docker a real terminal.
    const r = await run('script', ['-qec', cmd, '/dev/null'], { stdinOpen: true, timeoutMs: 180_000 });
    t.equal(r.code, 5, `exit 5: ${show(r)}`);
    t.match(r.stdout, /\/dev\/pts\/\d+\r?\n/, 'tty prints a /dev/pts path');
    t.match(r.stdout, /term=xterm/, 'TERM=xterm, as docker sets it for -t');
  });
}

checkTeardown(t, () => e);

// Keep a failing daemon's last words in the output.
t.afterEach(async (t) => {
  if (e && t.passing() === false) t.comment(`dockerd log tail:\n${e.tail('dockerd', 20)}`);
});

