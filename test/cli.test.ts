/**
 * The lifecycle CLI through bin/clear-runtime (the compiled dist/, built here
 * first if missing), without VMs: CLEAR_MONITOR_MODULE points the lifecycle
 * at test/fixtures/fake-monitor.js. Where runc is installed, exit codes and
 * error texts are compared with runc's on the same bundles (runc gets its
 * own --root in a temp dir).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..');
const bin = path.join(repo, 'bin', 'clear-runtime');
const fakeMonitor = path.join(repo, 'test', 'fixtures', 'fake-monitor.js');
const hasRunc = spawnSync('runc', ['--version']).status === 0;
const hasBusybox = fs.existsSync('/bin/busybox');

t.before(() => {
  if (!fs.existsSync(path.join(repo, 'dist', 'cli', 'create.js')) || !fs.existsSync(path.join(repo, 'dist', 'container', 'generated', 'config-validator.js'))) {
    spawnSync('make', ['-C', repo, 'schema'], { stdio: 'inherit' });
    spawnSync(path.join(repo, 'node_modules', '.bin', 'tsc'), ['-p', repo], { stdio: 'inherit' });
    fs.mkdirSync(path.join(repo, 'dist', 'container', 'generated'), { recursive: true });
    fs.copyFileSync(
      path.join(repo, 'src', 'container', 'generated', 'config-validator.js'),
      path.join(repo, 'dist', 'container', 'generated', 'config-validator.js'),
    );
  }
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-cli-'));
const root = path.join(tmp, 'root');
const runcRoot = path.join(tmp, 'runc-root');
t.teardown(() => {
  // whatever a failed test left: our containers, then runc's
  spawnSync(bin, ['--root', root, 'delete', '--force', 'c1'], { env: { ...process.env, CLEAR_MONITOR_MODULE: fakeMonitor } });
  if (hasRunc) {
    for (const r of [runcRoot, root]) {
      for (const id of fs.existsSync(r) ? fs.readdirSync(r) : []) spawnSync('runc', ['--root', r, 'delete', '--force', id], { stdio: 'ignore' });
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function clear(args: string[], opts: { cwd?: string; root?: string | null } = {}): Result {
  const r = spawnSync(bin, [...(opts.root === null ? [] : ['--root', opts.root ?? root]), ...args], {
    encoding: 'utf8',
    cwd: opts.cwd ?? tmp,
    env: { ...process.env, CLEAR_MONITOR_MODULE: fakeMonitor },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runc with its own root. Its stdout and stderr go to files, not pipes: a
 * created container's init holds them open until it exits.
 */
function runc(args: string[], opts: { cwd?: string; root?: string } = {}): Result {
  const out = path.join(tmp, 'runc.out');
  const err = path.join(tmp, 'runc.err');
  const fo = fs.openSync(out, 'w');
  const fe = fs.openSync(err, 'w');
  try {
    const r = spawnSync('runc', ['--root', opts.root ?? runcRoot, ...args], { cwd: opts.cwd ?? tmp, stdio: ['ignore', fo, fe], timeout: 60_000 });
    return { code: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    fs.closeSync(fo);
    fs.closeSync(fe);
  }
}

/** The msg of a logrus text line on stderr, with the program name made neutral. */
function msgOf(stderr: string): string | undefined {
  const m = /level=error msg="((?:[^"\\]|\\.)*)"/.exec(stderr) ?? /level=error msg=(\S+)/.exec(stderr);
  return m ? JSON.parse(m[1].startsWith('"') ? m[1] : `"${m[1]}"`).replace(/^(runc|clear-runtime)(:| create failed:)/, 'PROG$2') : undefined;
}

let n = 0;
/** The base bundle from bundles/make-busybox-bundle.sh; every test bundle shares its rootfs. */
const base = path.join(tmp, 'base');
let baseConfig: Record<string, any> | undefined;
function bundle(edit: (c: Record<string, any>) => void = () => {}): string {
  if (!baseConfig) {
    if (hasBusybox) {
      const r = spawnSync(path.join(repo, 'bundles', 'make-busybox-bundle.sh'), [base], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`make-busybox-bundle.sh: ${r.stderr}`);
      baseConfig = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8')) as Record<string, any>;
    } else {
      fs.mkdirSync(path.join(base, 'rootfs'), { recursive: true });
      baseConfig = {
        ociVersion: '1.0.2-dev',
        process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
        root: { path: 'rootfs' },
        linux: { namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }] },
      };
    }
  }
  const dir = path.join(tmp, `bundle${n++}`);
  fs.mkdirSync(dir, { recursive: true });
  const c = JSON.parse(JSON.stringify(baseConfig)) as Record<string, any>;
  c.root = { path: path.join(base, 'rootfs') };
  c.process.args = ['sh', '-c', 'sleep 100'];
  edit(c);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c, null, 1));
  return dir;
}

function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

t.test('usage errors: runc wording, exit 1, help on stdout', async (t) => {
  const cases: [string[], string][] = [
    [['start'], 'PROG: "start" requires exactly 1 argument(s)'],
    [['start', 'a', 'b'], 'PROG: "start" requires exactly 1 argument(s)'],
    [['state'], 'PROG: "state" requires exactly 1 argument(s)'],
    [['kill'], 'PROG: "kill" requires a minimum of 1 argument(s)'],
    [['kill', 'a', 'b', 'c'], 'PROG: "kill" requires a maximum of 2 argument(s)'],
    [['delete'], 'PROG: "delete" requires exactly 1 argument(s)'],
    [['create'], 'PROG: "create" requires exactly 1 argument(s)'],
    [['run'], 'PROG: "run" requires exactly 1 argument(s)'],
    [['create', '--bad', 'x'], 'flag provided but not defined: -bad'],
    [['create', '--pid-file'], 'flag needs an argument: -pid-file'],
    [['create', '--preserve-fds', 'abc', 'x'], 'invalid value "abc" for flag -preserve-fds: parse error'],
    [['kill', '-s', '9', 'x'], 'flag provided but not defined: -s'],
  ];
  for (const [args, msg] of cases) {
    const r = clear(args);
    t.equal(r.code, 1, `${args.join(' ')}: exit 1`);
    t.equal(msgOf(r.stderr), msg, `${args.join(' ')}: message`);
    t.match(r.stdout, /^Incorrect Usage/, `${args.join(' ')}: usage on stdout`);
    if (hasRunc) {
      const rr = runc(args);
      t.equal(r.code, rr.code, `${args.join(' ')}: same exit code as runc`);
      t.equal(msgOf(r.stderr), msgOf(rr.stderr), `${args.join(' ')}: same message as runc`);
    }
  }
});

t.test('unknown ids, invalid ids, delete --force', async (t) => {
  const cases: [string[], number, string | undefined][] = [
    [['state', 'nope'], 1, 'container does not exist'],
    [['start', 'nope'], 1, 'container does not exist'],
    [['kill', 'nope'], 1, 'container does not exist'],
    [['kill', 'nope', '9'], 1, 'container does not exist'],
    [['kill', 'nope', 'BOGUS'], 1, 'container does not exist'],
    [['delete', 'nope'], 1, 'container does not exist'],
    [['delete', '--force', 'nope'], 0, undefined],
    [['delete', '-f', 'nope'], 0, undefined],
    [['state', 'bad/id'], 1, 'invalid container ID format'],
    [['state', '..'], 1, 'invalid container ID format'],
    [['state', ''], 1, 'container id cannot be empty'],
    [['state', 'a,b'], 1, 'container does not exist'],
  ];
  for (const [args, code, msg] of cases) {
    const r = clear(args);
    t.equal(r.code, code, `${args.join(' ')}: exit ${code}`);
    t.equal(msgOf(r.stderr), msg, `${args.join(' ')}: message`);
    t.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    if (hasRunc) {
      const rr = runc(args);
      t.equal(r.code, rr.code, `${args.join(' ')}: same exit code as runc`);
      t.equal(msgOf(r.stderr), msgOf(rr.stderr), `${args.join(' ')}: same message as runc`);
    }
  }
});

t.test('global flags: both forms; --log gets runc json lines; bad log-format', async (t) => {
  const log = path.join(tmp, 'log.json');
  let r = clear(['--log', log, '--log-format', 'json', 'state', 'nope']);
  t.equal(r.code, 1);
  t.equal(r.stderr, 'container does not exist\n', 'with --log, the bare message on stderr');
  r = clear([`--log=${log}`, '--log-format=json', 'kill', 'nope', '9']);
  t.equal(r.code, 1);
  const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  t.equal(lines.length, 2, 'appended, one line per error');
  for (const l of lines) {
    const o = JSON.parse(l);
    t.same(Object.keys(o), ['level', 'msg', 'time'], 'logrus json keys');
    t.match(o, { level: 'error', msg: 'container does not exist' });
    t.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  }
  r = clear(['--log-format=json', 'state', 'nope']);
  t.match(JSON.parse(r.stderr), { level: 'error', msg: 'container does not exist' }, 'json on stderr without --log');
  r = clear(['--log', path.join(tmp, 'log.txt'), 'state', 'nope']);
  t.match(fs.readFileSync(path.join(tmp, 'log.txt'), 'utf8'), /^time="[^"]+" level=error msg="container does not exist"\n$/);
  r = clear([`--root=${root}`, '--debug', '--systemd-cgroup', 'state', 'nope'], { root: null });
  t.equal(msgOf(r.stderr), 'container does not exist');
  r = clear(['--log-format', 'xml', 'state', 'x']);
  t.equal(r.code, 1);
  t.equal(msgOf(r.stderr), 'invalid log-format: xml');
  r = clear(['--bogus', 'state', 'x']);
  t.equal(r.code, 1);
  t.equal(msgOf(r.stderr), 'flag provided but not defined: -bogus');
  if (hasRunc) {
    t.equal(runc(['--log-format', 'xml', 'state', 'x']).code, 1);
    t.equal(runc(['--bogus', 'state', 'x']).code, 1);
  }
});

t.test('config errors: exit 1, clear error, no state dir, runc agrees it fails', async (t) => {
  const cases: [string, (c: Record<string, any>) => void, RegExp, ((b: string) => void)?][] = [
    ['missing config.json', () => {}, /create failed: JSON specification file config\.json not found$/, (b) => fs.rmSync(path.join(b, 'config.json'))],
    ['malformed JSON', () => {}, /create failed: config\.json: invalid JSON: /, (b) => fs.writeFileSync(path.join(b, 'config.json'), '{"ociVersion": ')],
    ['schema violation', (c) => (c.process.user.uid = 'x'), /create failed: config\.json: \/process\/user\/uid: must be integer$/],
    ['missing rootfs', (c) => (c.root.path = 'nope'), /create failed: invalid rootfs: stat \/.*\/nope: no such file or directory$/],
    ['empty args', (c) => (c.process.args = []), /create failed: args must not be empty$/],
  ];
  for (const [name, edit, re, after] of cases) {
    const b = bundle(edit);
    after?.(b);
    const log = path.join(b, 'log.json');
    const r = clear(['--log', log, '--log-format', 'json', 'create', '--bundle', b, '--pid-file', path.join(b, 'init.pid'), 'c1'], { cwd: b });
    t.equal(r.code, 1, `${name}: exit 1`);
    t.match(r.stderr.trimEnd(), re, `${name}: stderr`);
    const last = JSON.parse(fs.readFileSync(log, 'utf8').trimEnd().split('\n').pop()!);
    t.match(last, { level: 'error', msg: re }, `${name}: last log.json line`);
    t.same(entries(root).filter((e) => e === 'c1'), [], `${name}: no state dir`);
    t.notOk(fs.existsSync(path.join(b, 'init.pid')), `${name}: no pid file`);
    if (hasRunc) {
      const rr = runc(['create', '--bundle', b, 'c1'], { cwd: b });
      t.equal(r.code, rr.code, `${name}: runc fails too`);
      if (rr.code === 0) runc(['delete', '--force', 'c1']);
    }
  }
  // same wording as runc where runc has one
  if (hasRunc) {
    for (const edit of [(c: Record<string, any>) => (c.root.path = 'nope'), (c: Record<string, any>) => (c.process.args = [])]) {
      const b = bundle(edit);
      t.equal(msgOf(clear(['create', '-b', b, 'c1']).stderr), msgOf(runc(['create', '-b', b, 'c1']).stderr), 'same message as runc');
    }
    const b = bundle();
    fs.rmSync(path.join(b, 'config.json'));
    t.equal(msgOf(clear(['create', '-b', b, 'c1']).stderr), msgOf(runc(['create', '-b', b, 'c1']).stderr), 'same message as runc');
    t.equal(msgOf(clear(['create', '-b', '/nonexistent', 'c1']).stderr), msgOf(runc(['create', '-b', '/nonexistent', 'c1']).stderr), 'same message as runc');
  }
});

t.test('a create without the native addon: names `make native`, leaves no state dir, the id stays free', async (t) => {
  // A checkout built without `make native`: the CLI's bundles, no addon.
  const tree = fs.mkdtempSync(path.join(tmp, 'no-addon-'));
  t.teardown(() => fs.rmSync(tree, { recursive: true, force: true }));
  for (const part of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(repo, part), path.join(tree, part), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(tree, 'node_modules'));
  const b = bundle();
  for (let attempt = 1; attempt <= 2; attempt++) {
    const r = spawnSync(path.join(tree, 'bin', 'clear-runtime'), ['--root', root, 'create', '--bundle', b, 'c1'], {
      encoding: 'utf8',
      env: { ...process.env, CLEAR_MONITOR_MODULE: fakeMonitor },
      timeout: 60_000,
    });
    t.equal(r.status, 1, `attempt ${attempt}: exit 1`);
    t.match(r.stderr, /native addon not found.*run 'make native'/s, `attempt ${attempt}: says what is missing: ${r.stderr}`);
    t.same(entries(root).filter((e) => e === 'c1'), [], `attempt ${attempt}: no state dir`);
  }
});

t.test('the lifecycle through the CLI (fake monitor)', async (t) => {
  const b = bundle();
  const pidFile = path.join(b, 'init.pid');
  let r = clear(['create', '--bundle', b, '--pid-file', pidFile, 'c1'], { cwd: b });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '');
  const pid = fs.readFileSync(pidFile, 'utf8');
  t.match(pid, /^\d+$/, 'pid file without newline');
  r = clear(['state', 'c1']);
  t.equal(r.code, 0);
  t.notOk(r.stdout.endsWith('\n'), 'no final newline, like runc');
  const st = JSON.parse(r.stdout);
  t.same(Object.keys(st), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']);
  t.match(st, { id: 'c1', pid: Number(pid), status: 'created', bundle: b, rootfs: path.join(base, 'rootfs'), owner: '' });
  if (hasRunc && hasBusybox) {
    const rr = runc(['create', '--bundle', b, 'c1'], { cwd: b });
    t.equal(rr.code, 0, rr.stderr);
    const rs = runc(['state', 'c1']);
    t.same(Object.keys(JSON.parse(rs.stdout)), Object.keys(st), "runc's state has the same fields in the same order");
    t.equal(rs.stdout.replace(/: .*?(,?)$/gm, ': X$1'), r.stdout.replace(/: .*?(,?)$/gm, ': X$1'), 'same layout as runc');
    runc(['delete', '--force', 'c1']);
  }
  t.equal(clear(['create', '-b', b, 'c1']).code, 1);
  t.equal(msgOf(clear(['create', '-b', b, 'c1']).stderr), 'PROG create failed: container with given ID already exists');
  r = clear(['start', 'c1']);
  t.equal(r.code, 0, r.stderr);
  t.equal(JSON.parse(clear(['state', 'c1']).stdout).status, 'running');
  r = clear(['start', 'c1']);
  t.equal(msgOf(r.stderr), 'cannot start an already running container');
  r = clear(['delete', 'c1']);
  t.equal(r.code, 1);
  t.equal(msgOf(r.stderr), 'cannot delete container c1 that is not stopped: running');
  r = clear(['kill', 'c1', 'BOGUS']);
  t.equal(r.code, 1);
  t.equal(msgOf(r.stderr), 'unknown signal "BOGUS"');
  t.equal(clear(['kill', 'c1', '28']).code, 0, 'SIGWINCH by number');
  t.equal(clear(['kill', 'c1']).code, 0, 'default SIGTERM');
  for (let i = 0; i < 100 && JSON.parse(clear(['state', 'c1']).stdout).status !== 'stopped'; i++) await new Promise((res) => setTimeout(res, 50));
  t.match(JSON.parse(clear(['state', 'c1']).stdout), { status: 'stopped', pid: 0 });
  r = clear(['kill', 'c1', '9']);
  t.equal(msgOf(r.stderr), 'container not running');
  t.equal(clear(['kill', '--all', 'c1', '9']).code, 0);
  t.equal(msgOf(clear(['start', 'c1']).stderr), 'cannot start a container that has stopped');
  t.equal(clear(['delete', 'c1']).code, 0);
  t.same(entries(root), []);
  t.equal(clear(['delete', '--force', 'c1']).code, 0);
});

t.test('a runc container in the same root: ignored by us, its id taken', { skip: !(hasRunc && hasBusybox) && 'needs runc and busybox' }, async (t) => {
  const b = bundle();
  const rr = runc(['create', '--bundle', b, 'shared'], { cwd: b, root });
  t.equal(rr.code, 0, rr.stderr);
  t.equal(msgOf(clear(['state', 'shared']).stderr), 'container does not exist');
  t.equal(msgOf(clear(['kill', 'shared', '9']).stderr), 'container does not exist');
  t.equal(msgOf(clear(['create', '-b', b, 'shared']).stderr), 'PROG create failed: container with given ID already exists');
  t.equal(clear(['delete', '--force', 'shared']).code, 0);
  const st = runc(['state', 'shared'], { root });
  t.equal(st.code, 0, "runc's container is still there");
  t.equal(JSON.parse(st.stdout).status, 'created');
  // ours and runc's side by side
  t.equal(clear(['create', '-b', b, 'c1']).code, 0);
  t.equal(JSON.parse(runc(['list', '--format', 'json'], { root }).stdout).length, 1, 'runc lists only its own');
  t.equal(clear(['delete', '--force', 'c1']).code, 0);
  t.equal(runc(['delete', '--force', 'shared'], { root }).code, 0);
  t.same(entries(root), []);
});

t.test('run: exit status of the container; --detach', async (t) => {
  const b = bundle((c) => (c.process.args = ['fake-exit', '7']));
  let r = clear(['run', '--bundle', b, 'r1']);
  t.equal(r.code, 7, r.stderr);
  t.same(entries(root), []);
  r = clear(['run', '-d', '--bundle', b, '--pid-file', path.join(b, 'pid'), 'r2']);
  t.equal(r.code, 0, r.stderr);
  t.ok(fs.existsSync(path.join(b, 'pid')));
  t.equal(clear(['delete', '--force', 'r2']).code, 0);
});
