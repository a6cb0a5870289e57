/**
 * `exec` through the real CLI, into a real VM, beside runc on the same
 * bundle as the reference. Afterwards: no QEMU, no virtiofsd, no monitor or
 * exec monitor, no state or VM run directory is left.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { consoleSocket } from '../src/container/console-socket';
import { runDirOf } from '../src/container/state';
import { hostTraces, running, until } from './lib/cli';
import { native } from '../src/native';
import { FdStream } from '../src/native/fd-stream';

const repo = path.resolve(__dirname, '..');
const clearBin = path.join(repo, 'bin', 'clear-runtime');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-exec-'));
const clearRoot = path.join(work, 'clear-root');
const runcRoot = path.join(work, 'runc-root');
const template = path.join(work, 'template');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let outputs = 0;
/**
 * Runs a command with files as stdout/stderr (a detached exec's monitor, or
 * a `run -d` container, keeps what it was given: no pipes we would wait on).
 */
function sh(cmd: string, args: string[], input = ''): Result {
  const out = path.join(work, `out-${outputs++}`);
  fs.writeFileSync(`${out}.stdin`, input);
  const fds = [fs.openSync(`${out}.stdin`, 'r'), fs.openSync(`${out}.stdout`, 'w+'), fs.openSync(`${out}.stderr`, 'w+')];
  try {
    const r = spawnSync(cmd, args, { stdio: fds, timeout: 180_000 });
    return { code: r.status, stdout: fs.readFileSync(`${out}.stdout`, 'utf8'), stderr: fs.readFileSync(`${out}.stderr`, 'utf8') };
  } finally {
    fds.forEach((fd) => fs.closeSync(fd));
  }
}

const usedIds = new Set<string>(['ex']);
const clear = (args: string[], input?: string) => sh(clearBin, ['--root', clearRoot, ...args], input);
// runc's container gets its own id: with the same id both would share a
// cgroup (runc's pause would freeze clear's VM too).
const runc = (args: string[], input?: string) =>
  sh('runc', ['--root', runcRoot, ...args.map((a) => (a === 'ex' ? 'ex-runc' : a))], input);

/** Every host trace a container (or an exec'd process: it names the VM's run directory) of ours could leave. */
const leftovers = () => hostTraces({ work, clearRoot, ids: usedIds });

/** Exec monitors of our containers still alive. */
function execMonitors(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.startsWith('clear-exec-monitor ') && cmd.includes(runDirOf(clearRoot, 'ex')) && running(pid);
    } catch {
      return false;
    }
  });
}


/** Runs the CLI without blocking the event loop (the console socket is served here). */
function clearAsync(args: string[]): Promise<Result> {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const out = path.join(work, `out-${outputs++}`);
  const fds = [fs.openSync(`${out}.stdout`, 'w+'), fs.openSync(`${out}.stderr`, 'w+')];
  const child = spawn(clearBin, ['--root', clearRoot, ...args], { stdio: ['ignore', fds[0], fds[1]] });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      fds.forEach((fd) => fs.closeSync(fd));
      resolve({ code, stdout: fs.readFileSync(`${out}.stdout`, 'utf8'), stderr: fs.readFileSync(`${out}.stderr`, 'utf8') });
    });
  });
}

let bundle = '';
t.before(() => {
  const r = sh('bash', [path.join(repo, 'bundles', 'make-busybox-bundle.sh'), template]);
  if (r.code !== 0) throw new Error(`make-busybox-bundle.sh failed: ${r.stderr}`);
  const spec = JSON.parse(fs.readFileSync(path.join(template, 'config.json'), 'utf8'));
  spec.root.path = path.join(template, 'rootfs');
  spec.process.args = ['sleep', '1000'];
  spec.process.terminal = false;
  bundle = path.join(work, 'bundle');
  fs.mkdirSync(bundle);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
});
t.teardown(() => {
  for (const id of fs.existsSync(clearRoot) ? fs.readdirSync(clearRoot) : []) clear(['delete', '--force', id]);
  for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) runc(['delete', '--force', id]);
  fs.rmSync(work, { recursive: true, force: true });
});

t.test('exec into a running container, beside runc', async (t) => {
  try {
    const c = clear(['run', '-d', '--bundle', bundle, 'ex']);
    t.equal(c.code, 0, `run -d: ${c.stderr}`);
    const r = runc(['run', '-d', '--bundle', bundle, 'ex']);
    t.equal(r.code, 0, `runc run -d: ${r.stderr}`);

    await t.test('stdout, stderr and the exit code, same as runc', async (t) => {
      const args = ['exec', 'ex', 'sh', '-c', 'echo out; echo err >&2; exit 3'];
      const c = clear(args);
      const r = runc(args);
      t.equal(c.code, 3, c.stderr);
      t.equal(c.code, r.code);
      t.equal(c.stdout, 'out\n');
      t.equal(c.stdout, r.stdout);
      t.equal(c.stderr, r.stderr);
    });

    await t.test('stdin reaches the process', async (t) => {
      const c = clear(['exec', 'ex', 'sh', '-c', 'read l; echo "got: $l"'], 'ping\n');
      t.equal(c.stdout, 'got: ping\n', c.stderr);
      t.equal(c.code, 0);
    });

    await t.test('files the host changes in the rootfs show in the container, as under runc', async (t) => {
      // The guest caches what it read over virtio-fs (devices/fs/virtiofsd.ts):
      // within a bounded time it must still see the host's edits (docker cp
      // does them), a file written in place, one renamed over, a new one.
      const rootfs = path.join(template, 'rootfs');
      const files = ['edited', 'renamed', 'added'].map((f) => path.join(rootfs, `host-${f}`));
      t.teardown(() => files.forEach((f) => fs.rmSync(f, { force: true })));
      fs.writeFileSync(files[0], 'one\n');
      fs.writeFileSync(files[1], 'old\n');
      const args = ['exec', 'ex', 'sh', '-c', 'cat /host-edited /host-renamed /host-added 2>/dev/null'];
      t.equal(clear(args).stdout, 'one\nold\n', 'read once: now in the guest page cache');
      fs.writeFileSync(files[0], 'two\n'); // same size: only the mtime tells
      fs.writeFileSync(`${files[1]}.tmp`, 'new\n');
      fs.renameSync(`${files[1]}.tmp`, files[1]);
      fs.writeFileSync(files[2], 'added\n');
      const want = runc(args).stdout;
      t.equal(want, 'two\nnew\nadded\n', 'runc sees them at once');
      let seen = '';
      t.ok(await until(() => (seen = clear(args).stdout) === want, 10_000), `clear sees them within seconds (last read: ${JSON.stringify(seen)})`);
    });

    await t.test("the container's root and pid namespace", async (t) => {
      const c = clear(['exec', 'ex', 'cat', '/proc/1/cmdline']);
      t.equal(c.stdout.replace(/\0/g, ' '), 'sleep 1000 ', c.stderr);
      const ps = clear(['exec', 'ex', 'ps', '-o', 'pid,args']);
      t.match(ps.stdout, /^\s*1 sleep 1000$/m, 'ps shows the container init as pid 1');
      const rc = runc(['exec', 'ex', 'ps', '-o', 'pid,args']);
      t.equal(ps.stdout.split('\n').length, rc.stdout.split('\n').length, 'as many processes as under runc');
      const host = clear(['exec', 'ex', 'sh', '-c', 'hostname; ls /']);
      t.equal(host.stdout, runc(['exec', 'ex', 'sh', '-c', 'hostname; ls /']).stdout, 'same hostname and root as runc');
    });

    await t.test('flags: --env, --cwd, --user, --additional-gids, same as runc', async (t) => {
      const args = ['exec', '-e', 'FOO=bar', '--cwd', '/tmp', '-u', '1000:1000', '-g', '10', 'ex', 'sh', '-c', 'id; echo $FOO; pwd; umask; grep -E "^(Cap|NoNewPrivs)" /proc/self/status'];
      const c = clear(args);
      const r = runc(args);
      t.equal(c.code, 0, c.stderr);
      t.equal(c.stdout, r.stdout);
      t.match(c.stdout, /uid=1000\(user\) gid=1000\(user\) groups=10/);
    });

    await t.test('--process with the docker shape (user, env, cwd, caps)', async (t) => {
      const proc = JSON.parse(fs.readFileSync('/work/shared/contract/examples/docker-exec-process.json', 'utf8'));
      proc.args = ['sh', '-c', 'echo $HOSTNAME; id; pwd; grep -E "^Cap(Eff|Bnd)" /proc/self/status; echo exec-hi'];
      proc.cwd = '/etc';
      proc.user = { uid: 1000, gid: 1000, additionalGids: [10] };
      const file = path.join(work, 'process.json');
      fs.writeFileSync(file, JSON.stringify(proc));
      const c = clear(['exec', '--process', file, 'ex']);
      const r = runc(['exec', '--process', file, 'ex']);
      t.equal(c.code, 0, c.stderr);
      t.equal(c.stdout, r.stdout, 'same as runc');
      t.match(c.stdout, /^<short-id>\nuid=1000\(user\) gid=1000\(user\) groups=10\n\/etc\n/);
    });

    await t.test('--detach --pid-file: the pid lives exactly as long as the process', async (t) => {
      const pidFile = path.join(work, 'exec.pid');
      const c = clear(['exec', '--detach', '--pid-file', pidFile, 'ex', 'sleep', '2']);
      t.equal(c.code, 0, c.stderr);
      const text = fs.readFileSync(pidFile, 'utf8');
      t.match(text, /^\d+$/, 'decimal pid without a newline');
      const pid = Number(text);
      t.ok(running(pid), 'alive after exec returned');
      t.same(execMonitors(), [pid], 'the exec monitor, by its process title (what ps and docker top show)');
      // Host accounting: the exec's host process is in the container's cgroup, beside its monitor.
      const monitorPid = JSON.parse(clear(['state', 'ex']).stdout).pid;
      const cg = (p: number) => fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      t.equal(cg(pid), cg(monitorPid), "the exec monitor is in the container's host cgroup");
      t.match(cg(pid), /\/ex$/m, 'the cgroup named by the container');
      t.ok(await until(() => !running(pid), 15_000), 'gone once the process ended');
    });

    await t.test('a signal to the exec pid reaches the process', async (t) => {
      const pidFile = path.join(work, 'exec2.pid');
      const c = clear(['exec', '--detach', '--pid-file', pidFile, 'ex', 'sleep', '100']);
      t.equal(c.code, 0, c.stderr);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      process.kill(pid, 'SIGTERM');
      t.ok(await until(() => !running(pid), 15_000), 'the exec monitor ended with the process');
      const ps = clear(['exec', 'ex', 'ps', '-o', 'args']);
      t.notMatch(ps.stdout, /^sleep 100$/m, 'the process is gone in the guest');
    });

    await t.test('-t with a console socket: tty prints /dev/pts/N', async (t) => {
      const cs = consoleSocket(path.join(work, `console-${outputs++}.sock`));
      try {
        const pidFile = path.join(work, 'tty.pid');
        const done = clearAsync(['exec', '-t', '-d', '--console-socket', cs.path, '--pid-file', pidFile, 'ex', 'sh', '-c', 'tty; sleep 0.5']);
        const { body, master } = await cs.received;
        t.equal(body, '/dev/ptmx');
        const r = await done;
        t.equal(r.code, 0, r.stderr);
        native().setBlocking(master, false);
        const stream = new FdStream(master, { tty: true });
        let out = '';
        stream.on('data', (b: Buffer) => (out += b.toString()));
        t.ok(await until(() => /\/dev\/pts\/\d+/.test(out), 20_000), `tty output: ${JSON.stringify(out)}`);
        const pid = Number(fs.readFileSync(pidFile, 'utf8'));
        t.ok(await until(() => !running(pid), 15_000), 'the exec monitor ended');
        stream.destroy();
      } finally {
        cs.close();
      }
    });

    await t.test('-t without --detach: our own terminal relayed, as runc does', async (t) => {
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      /** Runs an exec on a fresh pty (its controlling terminal, via setsid -c), typing `input`. */
      const onPty = async (argv: string[], input: string) => {
        const pty = native().openpty();
        native().setWinsize(pty.master, 30, 100);
        const child = spawn('setsid', ['-c', ...argv], { stdio: [pty.slave, pty.slave, pty.slave] });
        native().close(pty.slave);
        native().setBlocking(pty.master, false);
        const m = new FdStream(pty.master, { tty: true });
        let out = '';
        m.on('data', (b: Buffer) => (out += b.toString()));
        m.on('error', () => {});
        const code = await new Promise<number | null>((resolve) => {
          child.once('exit', (c) => resolve(c));
          // Type once the shell prompts.
          void until(() => out.includes('# '), 60_000).then(() => m.write(input));
        });
        await until(() => out.includes('bye'), 2000);
        m.destroy();
        return { code, out };
      };
      const script = 'tty; stty size; echo b""ye; exit 3\r';
      const c = await onPty([clearBin, '--root', clearRoot, 'exec', '-t', 'ex', 'sh'], script);
      t.equal(c.code, 3, `exit status of the process: ${JSON.stringify(c.out)}`);
      t.match(c.out, /\/dev\/pts\/\d+\r\n30 100\r\nbye\r\n/, 'a terminal of our size');
      const r = await onPty(['runc', '--root', runcRoot, 'exec', '-t', 'ex-runc', 'sh'], script);
      t.equal(c.code, r.code, 'same exit status as runc');
      const lines = (s: string) => s.split('\r\n').filter((l) => /^(\/dev\/pts|\d+ \d+|bye)/.test(l)).map((l) => l.replace(/\d+$/, 'N'));
      t.same(lines(c.out), lines(r.out), 'same tty, size and output as runc');
    });

    await t.test('errors like runc: a missing command, no command, an unknown id', async (t) => {
      for (const args of [['exec', 'ex', 'nonexistent'], ['exec', 'ex'], ['exec', 'nosuch', 'true']]) {
        const c = clear(args);
        const r = runc(args);
        t.equal(c.code, 255, `${args.join(' ')}: ${c.stderr}`);
        t.equal(c.code, r.code);
        const msg = (s: string) => /msg="([^"\\]*(?:\\.[^"\\]*)*)"/.exec(s)?.[1];
        t.equal(msg(c.stderr), msg(r.stderr), `${args.join(' ')}: same message`);
      }
    });

    await t.test('exec into a paused container', async (t) => {
      t.equal(clear(['pause', 'ex']).code, 0);
      t.equal(runc(['pause', 'ex']).code, 0);
      const c = clear(['exec', 'ex', 'true']);
      const r = runc(['exec', 'ex', 'true']);
      t.equal(c.code, 255, c.stderr);
      t.equal(c.code, r.code);
      t.match(c.stderr, /exec failed: cannot exec in a paused container \(use --ignore-paused to override\)/);
      const resumed = clear(['resume', 'ex']);
      t.equal(resumed.code, 0, resumed.stderr);
      t.equal(runc(['resume', 'ex']).code, 0);
      t.equal(clear(['exec', 'ex', 'echo', 'resumed']).stdout, 'resumed\n', 'exec works again once resumed');
    });

    await t.test('exec into a stopped container', async (t) => {
      t.equal(clear(['kill', 'ex', 'KILL']).code, 0);
      t.equal(runc(['kill', 'ex', 'KILL']).code, 0);
      await until(() => JSON.parse(clear(['state', 'ex']).stdout || '{}').status === 'stopped', 15_000);
      await until(() => JSON.parse(runc(['state', 'ex']).stdout || '{}').status === 'stopped', 15_000);
      const c = clear(['exec', 'ex', 'true']);
      const r = runc(['exec', 'ex', 'true']);
      t.equal(c.code, 255, c.stderr);
      t.equal(c.code, r.code);
      t.match(c.stderr, /exec failed: cannot exec in a stopped container/);
    });
    t.same(execMonitors(), [], 'no exec monitor left');
  } finally {
    for (const id of fs.existsSync(clearRoot) ? fs.readdirSync(clearRoot) : []) clear(['delete', '--force', id]);
    for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) runc(['delete', '--force', id]);
  }
  t.same(leftovers(), [], 'nothing of the container is left on the host');
});
