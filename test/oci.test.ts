/**
 * The OCI lifecycle through the real CLI, a real VM per container, and runc
 * on the same bundle as the reference. After every test: no QEMU, no
 * virtiofsd, no monitor, no state or VM run directory is left.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test as TapTest } from 'tap';
import { runDirOf } from '../src/container/state';
import { hostTraces, running } from './lib/cli';

const repo = path.resolve(__dirname, '..');
const clearBin = path.join(repo, 'bin', 'clear-runtime');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-oci-'));
const clearRoot = path.join(work, 'clear-root');
const runcRoot = path.join(work, 'runc-root');
const template = path.join(work, 'template');

type Spec = Record<string, any>;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Result {
  // `create` (and `run -d`) leave the container holding the stdio they were
  // given, as runc's do: give those files, not pipes we would wait on.
  if (args.includes('create') || args.includes('--detach')) return detached(cmd, args, opts.cwd);
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input ?? '', encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

let outputs = 0;
function detached(cmd: string, args: string[], cwd?: string): Result {
  const out = path.join(work, `out-${outputs++}`);
  const fds = [fs.openSync(`${out}.stdout`, 'w+'), fs.openSync(`${out}.stderr`, 'w+')];
  try {
    const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', fds[0], fds[1]], timeout: 180_000 });
    return {
      code: r.status,
      signal: r.signal,
      stdout: fs.readFileSync(`${out}.stdout`, 'utf8'),
      stderr: fs.readFileSync(`${out}.stderr`, 'utf8'),
    };
  } finally {
    fds.forEach((fd) => fs.closeSync(fd));
  }
}

/** Every container id the tests used, to find their VM run directories. */
const usedIds = new Set<string>();
const clear = (args: string[], opts: { cwd?: string; input?: string } = {}) => {
  usedIds.add(args[args.length - 1]);
  return sh(clearBin, ['--root', clearRoot, ...args], opts);
};
/**
 * runc on the same bundle, under ids of its own: containers of one id share
 * the default cgroup (/<id>) whichever runtime made them, and runc's delete
 * kills what is in it.
 */
const runc = (args: string[], opts: { cwd?: string; input?: string } = {}) =>
  sh('runc', ['--root', runcRoot, ...args.slice(0, -1), `${args[args.length - 1]}-runc`], opts);

let bundleCount = 0;
/** A copy of the busybox bundle with `edit` applied to its config.json. */
function bundle(edit: (spec: Spec) => void): string {
  const dir = path.join(work, `b${bundleCount++}`);
  fs.mkdirSync(dir);
  fs.symlinkSync(path.join(template, 'rootfs'), path.join(dir, 'rootfs'));
  const spec = JSON.parse(fs.readFileSync(path.join(template, 'config.json'), 'utf8'));
  spec.root.path = path.join(template, 'rootfs');
  edit(spec);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

function withArgs(args: string[], more: (spec: Spec) => void = () => {}) {
  return bundle((s) => {
    s.process.args = args;
    more(s);
  });
}

const leftovers = () => hostTraces({ work, clearRoot, ids: usedIds });

t.before(() => {
  const r = sh('bash', [path.join(repo, 'bundles', 'make-busybox-bundle.sh'), template]);
  if (r.code !== 0) throw new Error(`make-busybox-bundle.sh failed: ${r.stderr}`);
});
t.teardown(() => {
  for (const id of fs.existsSync(clearRoot) ? fs.readdirSync(clearRoot) : []) clear(['delete', '--force', id]);
  for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) sh('runc', ['--root', runcRoot, 'delete', '--force', id]);
  fs.rmSync(work, { recursive: true, force: true });
});
type Test = TapTest;

/** A test that, pass or fail, deletes its containers and then checks the host is clean. */
function ociTest(name: string, body: (t: Test) => Promise<void>): void {
  t.test(name, async (t) => {
    try {
      await body(t);
    } finally {
      for (const id of fs.existsSync(clearRoot) ? fs.readdirSync(clearRoot) : []) clear(['delete', '--force', id]);
      for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) sh('runc', ['--root', runcRoot, 'delete', '--force', id]);
    }
    t.same(leftovers(), [], 'nothing of the container is left on the host');
  });
}


ociTest('run: stdout and stderr kept apart, exit code passed through, same as runc', async (t) => {
  const b = withArgs(['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
  const c = clear(['run', 'out'], { cwd: b });
  const r = runc(['run', 'out'], { cwd: b });
  t.equal(c.code, 3, c.stderr);
  t.equal(c.code, r.code);
  t.equal(c.stdout, r.stdout);
  t.equal(c.stderr, r.stderr);
  t.equal(c.stdout, 'to-stdout\n');
});

ociTest('id, env, pwd and capabilities match runc for a user with groups and a cwd', async (t) => {
  const b = withArgs(['sh', '-c', 'id; env | sort; pwd; grep -E "^(Cap|NoNewPrivs)" /proc/self/status; ulimit -n; umask'], (s) => {
    s.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 20] };
    s.process.cwd = '/home/user';
    s.process.env.push('GREETING=hello world');
  });
  const c = clear(['run', 'ident'], { cwd: b });
  const r = runc(['run', 'ident'], { cwd: b });
  t.equal(c.code, 0, c.stderr);
  t.equal(c.stdout, r.stdout, 'same output as runc');
  t.match(c.stdout, /uid=1000\(user\) gid=1000\(user\) groups=10,20/);
  t.match(c.stdout, /^GREETING=hello world$/m);
});

// A CPU quota of 2 gives the VM 2 vCPUs. Under TCG each vCPU's local APIC
// timer runs at the rate the kernel was told (lapic_timer_period: args.ts),
// so a sleep pinned to either must end.
ociTest('a 2-CPU quota: 2 CPUs, and a sleep pinned to each ends, like runc', async (t) => {
  if (os.cpus().length < 2) return void t.skip(`this host has ${os.cpus().length} CPU: a 2-vCPU VM needs 2`);
  const b = withArgs(['sh', '-c', 'nproc; for c in 0 1; do taskset -c $c sleep 0.2 && echo "cpu $c woke"; done'], (s) => {
    s.linux.resources = { ...s.linux.resources, cpu: { quota: 200000, period: 100000 } };
  });
  const c = clear(['run', 'smp'], { cwd: b });
  const r = runc(['run', 'smp'], { cwd: b });
  t.equal(c.code, 0, c.stderr);
  t.equal(c.stdout, '2\ncpu 0 woke\ncpu 1 woke\n');
  // runc's nproc is the host's (a quota is not a CPU count).
  t.equal(c.stdout.split('\n').slice(1).join('\n'), r.stdout.split('\n').slice(1).join('\n'), 'the same wake-ups as runc');
});

ociTest('stdin reaches the process', async (t) => {
  const b = withArgs(['sh', '-c', 'read line; echo "got: $line"']);
  const c = clear(['run', 'stdin'], { cwd: b, input: 'ping\n' });
  t.equal(c.stdout, 'got: ping\n', c.stderr);
  t.equal(c.code, 0);
});

ociTest('create, start, state, kill, delete: the states and the pid file, like runc', async (t) => {
  const shared = fs.mkdtempSync(path.join(work, 'shared-'));
  const b = withArgs(['sh', '-c', 'echo started > /shared/marker; exec sleep 1000'], (s) => {
    s.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
  });
  const pidFile = path.join(work, 'lifecycle.pid');
  const created = clear(['create', '--bundle', b, '--pid-file', pidFile, 'life']);
  t.equal(created.code, 0, created.stderr);
  const pidText = fs.readFileSync(pidFile, 'utf8');
  t.match(pidText, /^\d+$/, 'pid file: the decimal pid, no trailing newline');
  const state = JSON.parse(clear(['state', 'life']).stdout);
  t.equal(state.status, 'created');
  t.equal(state.pid, Number(pidText));
  t.equal(state.id, 'life');
  t.equal(state.bundle, b);
  t.notOk(fs.existsSync(path.join(shared, 'marker')), 'the process has not run before start');

  t.equal(clear(['start', 'life']).code, 0);
  const deadline = Date.now() + 60_000;
  const marker = () => (fs.existsSync(path.join(shared, 'marker')) ? fs.readFileSync(path.join(shared, 'marker'), 'utf8') : '');
  // The shell creates the file before it writes to it: wait for the line.
  while (!marker().endsWith('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.equal(marker(), 'started\n', 'it ran after start, and wrote through the bind mount');
  t.equal(JSON.parse(clear(['state', 'life']).stdout).status, 'running');
  const again = clear(['start', 'life']);
  t.not(again.code, 0);
  t.match(again.stderr, /cannot start an already running container/);
  t.match(clear(['delete', 'life']).stderr, /running/, 'delete without --force refuses a running container');

  t.equal(clear(['kill', 'life', 'KILL']).code, 0);
  const stopBy = Date.now() + 30_000;
  let status = '';
  while (Date.now() < stopBy && (status = JSON.parse(clear(['state', 'life']).stdout).status) !== 'stopped') {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(status, 'stopped');
  t.notOk(running(Number(pidText)), 'the monitor (the container pid) has exited');
  t.equal(clear(['delete', 'life']).code, 0);
  t.not(clear(['state', 'life']).code, 0, 'gone after delete');
});

ociTest('delete --force takes down a running container with its VM', async (t) => {
  const b = withArgs(['sleep', '1000']);
  t.equal(clear(['run', '--detach', 'forced'], { cwd: b }).code, 0);
  t.equal(JSON.parse(clear(['state', 'forced']).stdout).status, 'running');
  t.equal(clear(['delete', '--force', 'forced']).code, 0);
  t.not(clear(['state', 'forced']).code, 0);
});

ociTest('a container killed by SIGKILL: run exits 137, like runc', async (t) => {
  const b = withArgs(['sleep', '1000']);
  /** Starts `run` in the background, kills the container once it runs, returns run's exit code. */
  async function killedRun(bin: string, root: string, id: string): Promise<number | null> {
    const child = spawn(bin, ['--root', root, 'run', id], { cwd: b, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const st = sh(bin, ['--root', root, 'state', id]);
      if (st.code === 0 && JSON.parse(st.stdout).status === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    sh(bin, ['--root', root, 'kill', id, '9']);
    return exited;
  }
  usedIds.add('sig');
  const c = await killedRun(clearBin, clearRoot, 'sig');
  const r = await killedRun('runc', runcRoot, 'sig-runc');
  t.equal(r, 137, 'runc: 128+9');
  t.equal(c, 137, 'clear: the same');
});

ociTest('a VM that dies ends the container with status 255, never 0', async (t) => {
  const b = withArgs(['sleep', '1000']);
  t.equal(clear(['run', '--detach', 'vmdeath'], { cwd: b }).code, 0);
  const record = () => JSON.parse(fs.readFileSync(path.join(clearRoot, 'vmdeath', 'monitor.json'), 'utf8'));
  const [qemuPid] = record().hostPids as number[];
  t.ok(running(qemuPid), 'the VM runs');
  process.kill(qemuPid, 'SIGKILL');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && JSON.parse(clear(['state', 'vmdeath']).stdout).status !== 'stopped') {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(JSON.parse(clear(['state', 'vmdeath']).stdout).status, 'stopped');
  t.same(record().exit, { exitCode: 255, signal: 0 }, 'the monitor says the VM died');
  t.equal(clear(['delete', 'vmdeath']).code, 0);
});

ociTest('a missing executable fails create with runc wording, and leaves nothing', async (t) => {
  const b = withArgs(['/nonexistent']);
  const c = clear(['create', '--bundle', b, 'nope']);
  const r = runc(['create', '--bundle', b, 'nope']);
  t.equal(c.code, 1);
  t.equal(r.code, 1);
  // stderr carries runc's logrus line, whose msg="..." escapes the quotes.
  t.match(c.stderr, /exec: \\?"\/nonexistent\\?": stat \/nonexistent: no such file or directory/);
  runc(['delete', '--force', 'nope']);
  const notFound = clear(['create', '--bundle', withArgs(['no-such-cmd']), 'nope2']);
  t.match(notFound.stderr, /executable file not found in \$PATH/);
});

ociTest('bad input: clear errors, non-zero exits, nothing left behind', async (t) => {
  const noConfig = path.join(work, 'empty-bundle');
  fs.mkdirSync(noConfig);
  const cases: [string, string[], RegExp][] = [
    ['missing config.json', ['create', '--bundle', noConfig, 'x1'], /config\.json/],
    ['schema violation', ['create', '--bundle', bundle((s) => (s.process.user.uid = 'root')), 'x2'], /\/process\/user\/uid/],
    ['missing rootfs', ['create', '--bundle', bundle((s) => (s.root.path = '/nonexistent-rootfs')), 'x3'], /nonexistent-rootfs/],
    ['bad id', ['create', '--bundle', withArgs(['true']), 'bad/id'], /invalid container ID format/],
    // Found by the monitor while QEMU already starts (the share is made meanwhile): QEMU must go too.
    [
      'missing bind-mount source',
      ['create', '--bundle', bundle((s) => s.mounts.push({ destination: '/data', type: 'bind', source: '/nonexistent-src', options: ['bind'] })), 'x5'],
      /mount source \/nonexistent-src \(for \/data\) does not exist/,
    ],
    ['kill unknown id', ['kill', 'ghost', '9'], /does not exist/],
    ['delete unknown id', ['delete', 'ghost'], /does not exist/],
    ['start unknown id', ['start', 'ghost'], /does not exist/],
  ];
  fs.writeFileSync(path.join(work, 'malformed.json'), '{');
  const malformed = path.join(work, 'malformed');
  fs.mkdirSync(malformed);
  fs.writeFileSync(path.join(malformed, 'config.json'), '{"ociVersion": ');
  cases.push(['malformed config.json', ['create', '--bundle', malformed, 'x4'], /config\.json/]);
  for (const [what, args, message] of cases) {
    const r = clear(args);
    t.not(r.code, 0, `${what}: non-zero exit`);
    t.match(r.stderr, message, `${what}: the error names it`);
    // create starts the monitor before it checks the config: refused, it is gone.
    t.same(leftovers(), [], `${what}: nothing left, no monitor either`);
  }
  t.equal(clear(['delete', '--force', 'ghost']).code, 0, 'delete --force of an unknown id exits 0, as with runc');

  const b = withArgs(['sleep', '1000']);
  t.equal(clear(['create', '--bundle', b, 'dup']).code, 0);
  const monitors = () => leftovers().filter((l) => l.includes('clear-monitor'));
  const before = monitors();
  const dup = clear(['create', '--bundle', b, 'dup']);
  t.not(dup.code, 0);
  t.match(dup.stderr, /container with given ID already exists/, "runc's wording");
  t.same(monitors(), before, 'the second create left no monitor beside the first container\'s');
  t.equal(JSON.parse(clear(['state', 'dup']).stdout).status, 'created', 'the first container is untouched');
  const badSignal = clear(['kill', 'dup', 'SIGNOPE']);
  t.not(badSignal.code, 0);
  t.match(badSignal.stderr, /signal/i);
  t.equal(clear(['delete', '--force', 'dup']).code, 0);
});

ociTest('hooks: prestart runs on the host with the monitor pid before boot; poststop at delete', async (t) => {
  const out = path.join(work, 'hooks');
  fs.mkdirSync(out);
  const b = withArgs(['true'], (s) => {
    s.hooks = {
      prestart: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/prestart.json`] }],
      poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/poststop.json`] }],
    };
  });
  const pidFile = path.join(work, 'hooks.pid');
  t.equal(clear(['create', '--bundle', b, '--pid-file', pidFile, 'hooked']).code, 0);
  const pre = JSON.parse(fs.readFileSync(path.join(out, 'prestart.json'), 'utf8'));
  t.equal(pre.status, 'creating');
  t.equal(pre.pid, Number(fs.readFileSync(pidFile, 'utf8')), 'the hook got the container pid');
  t.equal(pre.id, 'hooked');
  t.equal(clear(['delete', '--force', 'hooked']).code, 0);
  t.ok(fs.existsSync(path.join(out, 'poststop.json')), 'poststop ran at delete');

  const failing = withArgs(['true'], (s) => {
    s.hooks = { prestart: [{ path: '/bin/false' }] };
  });
  const r = clear(['create', '--bundle', failing, 'hookfail']);
  t.not(r.code, 0);
  t.match(r.stderr, /prestart hook/);
});

/** A bundle whose /out is a fresh host directory anyone may write, bound read-write. */
function withOut(args: string[], more: (spec: Spec, out: string) => void = () => {}): { b: string; out: string } {
  const out = fs.mkdtempSync(path.join(work, 'out-'));
  fs.chmodSync(out, 0o777);
  const b = withArgs(args, (s) => {
    s.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    more(s, out);
  });
  return { b, out };
}

ociTest('createContainer and startContainer hooks run in the guest with the state on stdin; startContainer as runc runs it', async (t) => {
  const startHook = { path: '/bin/sh', args: ['sh', '-c', 'cat > /out/start.json; id -u > /out/start.uid'] };
  const user = { uid: 1000, gid: 1000 };
  const c = withOut(['cat', '/out/create.json'], (s) => {
    s.process.user = user;
    // Paths resolve in the container's rootfs: the host's binaries are not in the guest.
    s.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'cat > /out/create.json'] }], startContainer: [startHook] };
  });
  const r = withOut(['true'], (s) => {
    s.process.user = user;
    s.hooks = { startContainer: [startHook] };
  });
  const cr = clear(['run', 'hooks'], { cwd: c.b });
  t.equal(cr.code, 0, cr.stderr);
  const created = JSON.parse(cr.stdout);
  t.same(created, { ociVersion: created.ociVersion, id: 'hooks', status: 'creating', pid: 1, bundle: c.b }, 'createContainer: state before pivot_root');
  t.same(Object.keys(created), ['ociVersion', 'id', 'status', 'pid', 'bundle'], "runc's field order");
  const rr = runc(['run', 'hooks'], { cwd: r.b });
  t.equal(rr.code, 0, rr.stderr);
  const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  t.same(JSON.parse(read(c.out, 'start.json')), { ...JSON.parse(read(r.out, 'start.json')), id: 'hooks', bundle: c.b }, 'startContainer state as runc gives it');
  t.match(JSON.parse(read(c.out, 'start.json')), { status: 'created', pid: 1 });
  t.equal(read(c.out, 'start.uid'), read(r.out, 'start.uid'), 'startContainer runs as the process user, as with runc');
  t.equal(read(c.out, 'start.uid'), '1000\n');
});

ociTest('a failing createContainer hook fails create, a failing startContainer hook fails start', async (t) => {
  const missing = withArgs(['true'], (s) => (s.hooks = { createContainer: [{ path: '/nonexistent/hook' }] }));
  const c = clear(['create', 'badcc'], { cwd: missing });
  t.not(c.code, 0);
  t.match(c.stderr, 'error running createContainer hook #0: fork/exec /nonexistent/hook: no such file or directory');
  t.notOk(fs.existsSync(path.join(clearRoot, 'badcc')), 'no state left');
  const failing = withArgs(['echo', 'never'], (s) => (s.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo boom >&2; exit 3'] }] }));
  t.equal(clear(['create', 'badsc'], { cwd: failing }).code, 0);
  const st = clear(['start', 'badsc']);
  t.not(st.code, 0, 'start fails (runc only reports it on the container stderr)');
  t.match(st.stderr, 'error running startContainer hook #0: error running hook /bin/sh: exit status 3, stdout: , stderr: boom');
  let status = '';
  for (let i = 0; i < 100 && status !== 'stopped'; i++) {
    status = JSON.parse(clear(['state', 'badsc']).stdout || '{}').status;
    if (status !== 'stopped') await new Promise((r) => setTimeout(r, 200));
  }
  t.equal(status, 'stopped', 'the process never ran: the container is stopped');
});

ociTest('--no-pivot and --no-new-keyring: the container runs as with runc, its root and mounts unchanged', async (t) => {
  const b = withArgs(['sh', '-c', 'ls /; echo mounts: $(wc -l < /proc/self/mountinfo)']);
  const plain = clear(['run', 'flags-none'], { cwd: b });
  t.equal(plain.code, 0, plain.stderr);
  for (const flags of [['--no-pivot'], ['--no-new-keyring'], ['--no-pivot', '--no-new-keyring']]) {
    const id = `flags${flags.length}${flags[0].length}`;
    const c = clear(['run', ...flags, id], { cwd: b });
    const r = runc(['run', ...flags, id], { cwd: b });
    t.equal(c.code, 0, c.stderr);
    t.equal(c.code, r.code, 'exit code as runc');
    const root = (out: string) => out.replace(/^mounts: .*\n/m, '');
    t.equal(root(c.stdout), root(r.stdout), `${flags.join(' ')}: the same root as runc`);
    t.equal(c.stdout, plain.stdout, `${flags.join(' ')}: the same root and mounts as without`);
  }
});

/** Runs `cmd` on a fresh pty (util-linux script); types `input` once the output matches `when`. */
function onTerminal(cmd: string, cwd: string, when: RegExp, input: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!typed && when.test(out)) {
        typed = true;
        child.stdin.write(input);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, out });
    });
  });
}

ociTest('run in the foreground with a terminal and no console socket: our terminal becomes the container\'s, as with runc', async (t) => {
  const consoles = () => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('clear-console-'));
  const before = consoles();
  const b = withArgs(['sh', '-c', 'tty; read x; echo "got $x"; exit 5'], (s) => (s.process.terminal = true));
  usedIds.add('ownterm');
  const c = await onTerminal(`${clearBin} --root ${clearRoot} run ownterm`, b, /\/dev\/pts\/\d+\r\n/, 'hello\r');
  const r = await onTerminal(`runc --root ${runcRoot} run ownterm-runc`, b, /\/dev\/pts\/\d+\r\n/, 'hello\r');
  t.equal(c.code, 5, c.out);
  t.equal(c.code, r.code, 'exit code as runc');
  t.match(c.out, /^\/dev\/pts\/\d+\r\n/, 'tty names a /dev/pts path');
  t.match(c.out, /got hello\r\n/, 'what we type reaches the process');
  t.equal(c.out, r.out, 'the session reads as runc\'s');
  t.same(consoles(), before, 'our console socket directory is gone');
});

ociTest('the VM is gone by the time the container reads as stopped', async (t) => {
  const b = withArgs(['sleep', '3']);
  const runDir = runDirOf(clearRoot, 'vmgone');
  const vmProcesses = () =>
    fs.readdirSync('/proc').filter((pid) => {
      try {
        return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(runDir) && running(Number(pid));
      } catch {
        return false;
      }
    });
  t.equal(clear(['create', 'vmgone'], { cwd: b }).code, 0);
  t.equal(clear(['start', 'vmgone']).code, 0);
  t.ok(vmProcesses().length >= 2, 'QEMU and virtiofsd run while the process does');
  let status = '';
  while (status !== 'stopped') {
    status = JSON.parse(clear(['state', 'vmgone']).stdout).status;
    if (status === 'stopped') t.same(vmProcesses(), [], 'no VM process is left once the state says stopped');
    else await new Promise((r) => setTimeout(r, 100));
  }
});
