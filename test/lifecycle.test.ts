/**
 * The lifecycle library (src/container/lifecycle.ts) without VMs: the
 * monitor is test/fixtures/fake-monitor.js, a small process per container.
 * Where runc is installed, id rules are compared with runc's answers.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { idError } from '../src/container/ids';
import * as lc from '../src/container/lifecycle';
import { formatSchemaError } from '../src/container/config';
import { hookStateJson } from '../src/container/hooks';
import { fnv1a64Hex, isProcessAlive, lockContainer, readRecord, runDirOf } from '../src/container/state';
import { NotRunningError } from '../src/lib/errors';
import { parseSignal } from '../src/lib/signals';

const repo = path.resolve(__dirname, '..');
const fake = require(path.join(repo, 'test', 'fixtures', 'fake-monitor.js')) as lc.MonitorApi & { launches: unknown[] };
const hasRunc = spawnSync('runc', ['--version']).status === 0;

t.before(() => {
  if (!fs.existsSync(path.join(repo, 'src', 'container', 'generated', 'config-validator.js'))) {
    spawnSync('make', ['-C', repo, 'schema'], { stdio: 'inherit' });
  }
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-lifecycle-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A fresh state root and a minimal bundle (config edited by `edit`). */
function setup(edit: (c: Record<string, any>) => void = () => {}) {
  const dir = path.join(tmp, `t${n++}`);
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const config: Record<string, any> = {
    ociVersion: '1.0.2-dev',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    root: { path: 'rootfs', readonly: true },
    hostname: 'test',
    annotations: { 'org.example': 'yes' },
    linux: { namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }] },
  };
  edit(config);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  const root = path.join(dir, 'root');
  const warnings: string[] = [];
  const ctx: lc.LifecycleContext = { root, monitor: fake, warn: (m) => warnings.push(m), stopTimeoutMs: 2000 };
  return { dir, bundle, root, ctx, warnings };
}

function rootEntries(root: string): string[] {
  try {
    return fs.readdirSync(root);
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

t.test('ids: runc rules', async (t) => {
  const cases: [string, boolean][] = [
    ['abc', true],
    ['A-Z_0.9+x', true],
    ['a,b', true],
    ['...', true],
    ['.a', true],
    ['_', true],
    ['0123456789abcdef'.repeat(4), true],
    ['', false],
    ['.', false],
    ['..', false],
    ['a b', false],
    ['a/b', false],
    ['a:b', false],
    ['a~b', false],
    ['a@b', false],
    ['ü', false],
    ['a$b', false],
    ['a\\b', false],
  ];
  for (const [id, ok] of cases) t.equal(idError(id) === undefined, ok, `${JSON.stringify(id)} ${ok ? 'accepted' : 'rejected'}`);
  t.equal(idError(''), 'container id cannot be empty');
  t.equal(idError('a b'), 'invalid container ID format');
  if (!hasRunc) return;
  const root = path.join(tmp, 'runc-ids');
  for (const [id] of cases) {
    const r = spawnSync('runc', ['--root', root, 'state', '--', id], { encoding: 'utf8' });
    const runcSays = /container does not exist/.test(r.stderr) ? undefined : /msg="([^"]*)"/.exec(r.stderr)?.[1];
    t.equal(idError(id), runcSays, `same answer as runc for ${JSON.stringify(id)}`);
  }
});

t.test('VM run directories: short, and one per (root, id)', async (t) => {
  // The published FNV-1a 64 test vectors.
  t.equal(fnv1a64Hex(''), 'cbf29ce484222325');
  t.equal(fnv1a64Hex('a'), 'af63dc4c8601ec8c');
  t.equal(fnv1a64Hex('foobar'), '85944171f73967e8');
  const id = 'x'.repeat(64);
  const dir = runDirOf('/var/run/docker/runtime-runc/moby', id);
  t.equal(dir, runDirOf('/var/run/docker/runtime-runc/moby/', id), 'the same root, written another way, is the same directory');
  t.not(dir, runDirOf('/run/clear', id), 'another root, another directory');
  t.not(dir, runDirOf('/var/run/docker/runtime-runc/moby', `${id.slice(1)}y`), 'another id, another directory');
  // The longest socket in it (qmp-ctl.sock) must fit sun_path's 107 bytes.
  t.ok(`${dir}/qmp-ctl.sock`.length <= 107, `${dir}/qmp-ctl.sock fits a Unix socket address`);
});

t.test('signals: numbers and names like runc kill', async (t) => {
  t.equal(parseSignal('9'), 9);
  t.equal(parseSignal('KILL'), 9);
  t.equal(parseSignal('SIGKILL'), 9);
  t.equal(parseSignal('sigterm'), 15);
  t.equal(parseSignal('term'), 15);
  t.equal(parseSignal('WINCH'), 28);
  t.equal(parseSignal('0'), 0);
  t.throws(() => parseSignal('BOGUS'), { message: 'unknown signal "BOGUS"' });
  t.throws(() => parseSignal('SIGBOGUS'), { message: 'unknown signal "SIGBOGUS"' });
});

t.test('config errors: clear message, nothing left behind', async (t) => {
  const cases: [string, (c: Record<string, any>) => void, RegExp, ((b: string) => void)?][] = [
    ['missing config.json', () => {}, /^JSON specification file config\.json not found$/, (b) => fs.rmSync(path.join(b, 'config.json'))],
    ['malformed JSON', () => {}, /^config\.json: invalid JSON: /, (b) => fs.writeFileSync(path.join(b, 'config.json'), '{"ociVersion": ')],
    ['empty file', () => {}, /^config\.json: invalid JSON: file is empty$/, (b) => fs.writeFileSync(path.join(b, 'config.json'), '')],
    ['not an object', () => {}, /^config\.json: must be object$/, (b) => fs.writeFileSync(path.join(b, 'config.json'), '[]')],
    ['uid a string', (c) => (c.process.user.uid = 'x'), /^config\.json: \/process\/user\/uid: must be integer$/],
    ['missing ociVersion', (c) => delete c.ociVersion, /^config\.json: must have required property 'ociVersion'$/],
    ['bad namespace type', (c) => (c.linux.namespaces = [{ type: 'bogus' }]), /^config\.json: \/linux\/namespaces\/0\/type: must be equal to one of the allowed values/],
    ['vm without kernel path', (c) => (c.vm = { kernel: {} }), /^config\.json: \/vm\/kernel: must have required property 'path'$/],
    ['kernel parameter with a space', (c) => (c.vm = { kernel: { path: '/vmlinux', parameters: ['quiet', 'a b'] } }), /^vm\.kernel\.parameters\[1\] "a b": one non-empty word without whitespace$/],
    ['missing rootfs', (c) => (c.root.path = 'nope'), /^invalid rootfs: stat \/.*\/bundle\/nope: no such file or directory$/],
    ['absolute missing rootfs', (c) => (c.root.path = '/nonexistent/rootfs'), /^invalid rootfs: stat \/nonexistent\/rootfs: no such file or directory$/],
    ['empty args', (c) => (c.process.args = []), /^args must not be empty$/],
    ['no process', (c) => delete c.process, /^process property must not be empty$/],
    ['no root', (c) => delete c.root, /^root must be specified$/],
    ['relative cwd', (c) => (c.process.cwd = 'rel'), /^Cwd must be an absolute path$/],
    ['console socket without terminal', () => {}, /^cannot use console socket if runc will not detach or allocate tty$/],
    ['terminal without console socket', (c) => (c.process.terminal = true), /^cannot allocate tty if runc will detach without setting console socket$/],
  ];
  for (const [name, edit, re, after] of cases) {
    const s = setup(edit);
    after?.(s.bundle);
    const launches = fake.launches.length;
    await t.rejects(
      lc.create(s.ctx, { id: 'c1', bundle: s.bundle, consoleSocket: name.startsWith('console') ? '/tmp/x.sock' : undefined }),
      { message: re },
      name,
    );
    t.same(rootEntries(s.root), [], `${name}: no state dir`);
    t.equal(fake.launches.length, launches, `${name}: no monitor launched`);
  }
  t.equal(
    formatSchemaError({ instancePath: '/process', keyword: 'additionalProperties', params: { additionalProperty: 'x' }, message: 'must NOT have additional properties' }),
    'config.json: /process: must NOT have additional properties ("x")',
  );
});

t.test('missing bundle: runc wording', async (t) => {
  const s = setup();
  await t.rejects(lc.create(s.ctx, { id: 'c1', bundle: '/nonexistent/bundle' }), { message: 'chdir /nonexistent/bundle: no such file or directory' });
  await t.rejects(lc.create(s.ctx, { id: 'bad id', bundle: s.bundle }), { message: 'invalid container ID format' });
  t.same(rootEntries(s.root), []);
});

t.test('create, state, start, kill, delete', async (t) => {
  const s = setup();
  const pidFile = path.join(s.dir, 'init.pid');
  const { pid } = await lc.create(s.ctx, { id: 'c1', bundle: s.bundle, pidFile });
  t.equal(fs.readFileSync(pidFile, 'utf8'), String(pid), 'pid file: the pid, no newline');
  t.ok(isProcessAlive(pid), 'monitor runs');
  let st = lc.state(s.ctx, 'c1');
  t.same(Object.keys(st), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'annotations', 'owner'], 'runc field order');
  t.match(st, { id: 'c1', pid, status: 'created', bundle: s.bundle, rootfs: path.join(s.bundle, 'rootfs'), owner: '', annotations: { 'org.example': 'yes' } });
  t.match(st.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  t.equal(lc.formatState(st).endsWith('}'), true, 'no final newline');
  t.match(lc.formatState(st), /^\{\n  "ociVersion": /);
  t.same(lc.list(s.ctx).map((x) => x.id), ['c1']);

  await t.rejects(lc.create(s.ctx, { id: 'c1', bundle: s.bundle }), { message: 'container with given ID already exists' });
  await t.rejects(lc.kill(s.ctx, 'c1', 'BOGUS'), { message: 'unknown signal "BOGUS"' });
  await t.rejects(lc.kill(s.ctx, 'c1', '99'), { message: 'unable to signal init: invalid argument' });

  await lc.start(s.ctx, 'c1');
  t.equal(lc.state(s.ctx, 'c1').status, 'running');
  await t.rejects(lc.start(s.ctx, 'c1'), { message: 'cannot start an already running container' });
  await t.rejects(lc.remove(s.ctx, 'c1'), { message: 'cannot delete container c1 that is not stopped: running' });

  await lc.kill(s.ctx, 'c1', '0');
  await lc.kill(s.ctx, 'c1', 'TERM');
  t.ok(await waitFor(() => lc.state(s.ctx, 'c1').status === 'stopped'), 'stopped after SIGTERM');
  st = lc.state(s.ctx, 'c1');
  t.equal(st.pid, 0, 'pid 0 once stopped');
  t.equal(lc.exitStatusOf(s.ctx, readRecord(s.root, 'c1')!), 143);
  await t.rejects(lc.kill(s.ctx, 'c1', '9'), { message: 'container not running' });
  await lc.kill(s.ctx, 'c1', '9', true); // --all on a stopped container: nothing to do
  await t.rejects(lc.start(s.ctx, 'c1'), { message: 'cannot start a container that has stopped' });

  await lc.remove(s.ctx, 'c1');
  t.same(rootEntries(s.root), [], 'state dir removed');
  t.throws(() => lc.state(s.ctx, 'c1'), { message: 'container does not exist' });
  await t.rejects(lc.remove(s.ctx, 'c1'), { message: 'container does not exist' });
  await lc.remove(s.ctx, 'c1', true);
  await lc.remove(s.ctx, 'bad id', true);
  await t.rejects(lc.kill(s.ctx, 'c1', '9'), { message: 'container does not exist' });
  await t.rejects(lc.start(s.ctx, 'c1'), { message: 'container does not exist' });
});

t.test('delete: a created container needs no --force; a running one is killed with it', async (t) => {
  const s = setup();
  const { pid } = await lc.create(s.ctx, { id: 'a', bundle: s.bundle });
  await lc.remove(s.ctx, 'a');
  t.notOk(isProcessAlive(pid), 'monitor gone');
  const b = await lc.create(s.ctx, { id: 'b', bundle: s.bundle });
  await lc.start(s.ctx, 'b');
  await lc.remove(s.ctx, 'b', true);
  t.notOk(isProcessAlive(b.pid), 'monitor gone');
  t.same(rootEntries(s.root), []);
});

t.test('a monitor that died is a stopped container', async (t) => {
  const s = setup();
  const { pid } = await lc.create(s.ctx, { id: 'c', bundle: s.bundle });
  await lc.start(s.ctx, 'c');
  process.kill(pid, 'SIGKILL');
  t.ok(await waitFor(() => !isProcessAlive(pid)));
  t.match(lc.state(s.ctx, 'c'), { status: 'stopped', pid: 0 });
  await lc.remove(s.ctx, 'c');
  t.same(rootEntries(s.root), []);
});

t.test('a container that stops under events --stats or update: the words of a stopped one', async (t) => {
  // The race the fresh-clone CI met: running when checked, its monitor gone
  // by the time the call reached it.
  const s = setup();
  await lc.create(s.ctx, { id: 'r', bundle: s.bundle });
  await lc.start(s.ctx, 'r');
  const gone = async () => {
    throw new NotRunningError('container not running (its monitor hung up)');
  };
  const ctx = { ...s.ctx, monitor: { ...fake, statsContainer: gone, updateContainer: gone } };
  await t.rejects(lc.stats(ctx, 'r'), { message: 'container with id r is not running' }, 'runc\'s words for events --stats');
  await t.rejects(lc.update(ctx, 'r', {}), { message: 'container not running' }, 'and for update');
  const other = { ...s.ctx, monitor: { ...fake, statsContainer: async () => { throw new Error('agent said no'); } } };
  await t.rejects(lc.stats(other, 'r'), { message: 'agent said no' }, 'any other failure keeps its words');
  await lc.remove(s.ctx, 'r', true);
  t.same(rootEntries(s.root), []);
});

t.test('hooks: state on stdin, failures named, poststop after delete', async (t) => {
  const out = path.join(tmp, `hooks-${n}`);
  fs.mkdirSync(out);
  const hook = path.join(out, 'hook.sh');
  fs.writeFileSync(hook, '#!/bin/sh\ncat > "$HOOK_OUT/$1.json"\necho "out-$1"; echo "err-$1" >&2\nexit ${2:-0}\n', { mode: 0o755 });
  const h = (phase: string, code = 0) => ({ path: hook, args: ['hook', phase, String(code)], env: [`HOOK_OUT=${out}`] });
  const s = setup((c) => {
    c.hooks = { prestart: [h('prestart')], createRuntime: [h('createRuntime')], createContainer: [h('createContainer')], poststart: [h('poststart')], poststop: [h('poststop', 3)] };
  });
  const { pid } = await lc.create(s.ctx, { id: 'h', bundle: s.bundle });
  const pre = JSON.parse(fs.readFileSync(path.join(out, 'prestart.json'), 'utf8'));
  t.same(pre, { ociVersion: '1.1.0', id: 'h', status: 'creating', pid, bundle: s.bundle, annotations: { 'org.example': 'yes' } });
  t.same(Object.keys(pre), ['ociVersion', 'id', 'status', 'pid', 'bundle', 'annotations'], 'runc field order');
  t.ok(fs.existsSync(path.join(out, 'createRuntime.json')));
  t.notOk(fs.existsSync(path.join(out, 'createContainer.json')), 'createContainer hooks run in the guest, not on the host');
  t.notOk(fs.existsSync(path.join(out, 'poststart.json')), 'poststart not before start');
  await lc.start(s.ctx, 'h');
  t.match(JSON.parse(fs.readFileSync(path.join(out, 'poststart.json'), 'utf8')), { status: 'running', pid });
  await lc.remove(s.ctx, 'h', true);
  const post = JSON.parse(fs.readFileSync(path.join(out, 'poststop.json'), 'utf8'));
  t.same(post, { ociVersion: '1.1.0', id: 'h', status: 'stopped', bundle: s.bundle, annotations: { 'org.example': 'yes' } });
  t.same(s.warnings, ['error running poststop hook #0: error running hook ' + hook + ': exit status 3, stdout: out-poststop\n, stderr: err-poststop\n'], 'poststop failure is a warning');
  t.same(rootEntries(s.root), []);
  t.equal(hookStateJson({ ociVersion: '1', id: 'x', status: 'stopped', bundle: '/b' }), '{"ociVersion":"1","id":"x","status":"stopped","bundle":"/b"}');
});

t.test('hooks: a failing create hook fails create and leaves nothing', async (t) => {
  const cases: [string, object, RegExp][] = [
    ['exit status', { createRuntime: [{ path: '/bin/true' }, { path: '/bin/sh', args: ['sh', '-c', 'echo bad >&2; exit 4'] }] }, /^error running createRuntime hook #1: error running hook \/bin\/sh: exit status 4, stdout: , stderr: bad\n$/],
    ['missing binary', { prestart: [{ path: '/nonexistent/hook' }] }, /^error running prestart hook #0: fork\/exec \/nonexistent\/hook: no such file or directory$/],
    ['timeout', { prestart: [{ path: '/bin/sleep', args: ['sleep', '5'], timeout: 1 }] }, /^error running prestart hook #0: hook ran past specified timeout of 1\.0s$/],
  ];
  for (const [name, hooks, re] of cases) {
    const s = setup((c) => (c.hooks = hooks));
    const before = fake.launches.length;
    await t.rejects(lc.create(s.ctx, { id: 'h', bundle: s.bundle, pidFile: path.join(s.dir, 'pid') }), { message: re }, name);
    t.equal(fake.launches.length, before + 1, `${name}: the monitor was launched`);
    t.same(rootEntries(s.root), [], `${name}: no state dir`);
    t.notOk(fs.existsSync(path.join(s.dir, 'pid')), `${name}: no pid file`);
  }
});

t.test('monitor launch failure: its message, nothing left', async (t) => {
  const s = setup((c) => (c.annotations = { 'fake.fail': 'exec: "/nonexistent": stat /nonexistent: no such file or directory' }));
  await t.rejects(lc.create(s.ctx, { id: 'f', bundle: s.bundle }), { message: 'exec: "/nonexistent": stat /nonexistent: no such file or directory' });
  t.same(rootEntries(s.root), []);
});

t.test('pid file in a missing directory: runc wording, container removed', async (t) => {
  const s = setup();
  await t.rejects(lc.create(s.ctx, { id: 'p', bundle: s.bundle, pidFile: '/nonexistent/dir/init.pid' }), {
    message: 'open /nonexistent/dir/.init.pid: no such file or directory',
  });
  t.same(rootEntries(s.root), []);
  // relative pid file: relative to cwd
  await lc.create(s.ctx, { id: 'p', bundle: s.bundle, pidFile: 'rel.pid', cwd: s.dir });
  t.ok(fs.existsSync(path.join(s.dir, 'rel.pid')));
  await lc.remove(s.ctx, 'p', true);
});

t.test('a runc container dir in the same root: ignored, its id taken', async (t) => {
  const s = setup();
  fs.mkdirSync(path.join(s.root, 'runc1'), { recursive: true });
  fs.writeFileSync(path.join(s.root, 'runc1', 'state.json'), '{"id":"runc1"}');
  t.throws(() => lc.state(s.ctx, 'runc1'), { message: 'container does not exist' });
  t.same(lc.list(s.ctx), []);
  await t.rejects(lc.create(s.ctx, { id: 'runc1', bundle: s.bundle }), { message: 'container with given ID already exists' });
  await t.rejects(lc.kill(s.ctx, 'runc1', '9'), { message: 'container does not exist' });
  await t.rejects(lc.remove(s.ctx, 'runc1'), { message: 'container does not exist' });
  await lc.remove(s.ctx, 'runc1', true);
  t.ok(fs.existsSync(path.join(s.root, 'runc1', 'state.json')), "runc's state untouched");
});

t.test('run: waits and returns the exit status; --detach returns at once', async (t) => {
  const s = setup((c) => (c.process.args = ['fake-exit', '7']));
  t.equal(await lc.run(s.ctx, { id: 'r', bundle: s.bundle }), 7);
  t.same(rootEntries(s.root), [], 'deleted after the exit');
  t.equal(await lc.run(s.ctx, { id: 'd', bundle: s.bundle, detach: true }), 0);
  t.ok(await waitFor(() => lc.state(s.ctx, 'd').status === 'stopped'));
  t.equal(await lc.waitStopped(s.ctx, 'd'), 7);
  await lc.remove(s.ctx, 'd');
});

t.test('the lock: concurrent commands on one id run one after another', async (t) => {
  const s = setup();
  await lc.create(s.ctx, { id: 'l', bundle: s.bundle });
  const lock = await lockContainer(s.root, 'l');
  t.ok(lock);
  let started = false;
  const p = lc.start(s.ctx, 'l').then(() => (started = true));
  await sleep(200);
  t.equal(started, false, 'start waits for the lock');
  t.equal(lc.state(s.ctx, 'l').status, 'created', 'state reads without the lock');
  lock!.release();
  await p;
  t.equal(lc.state(s.ctx, 'l').status, 'running');

  // two deletes at once: one removes, the other finds nothing
  const results = await Promise.allSettled([lc.remove(s.ctx, 'l', true), lc.remove(s.ctx, 'l')]);
  t.equal(results[0].status, 'fulfilled');
  t.match(results[1], { status: 'rejected', reason: { message: 'container does not exist' } });

  // concurrent creates of one id: exactly one wins
  const creates = await Promise.allSettled([1, 2, 3].map(() => lc.create(s.ctx, { id: 'same', bundle: s.bundle })));
  t.equal(creates.filter((r) => r.status === 'fulfilled').length, 1, 'one create succeeds');
  for (const r of creates) if (r.status === 'rejected') t.equal((r.reason as Error).message, 'container with given ID already exists');
  await lc.remove(s.ctx, 'same', true);
  t.same(rootEntries(s.root), []);
});

t.test('the lock survives its holder crashing', async (t) => {
  const s = setup();
  await lc.create(s.ctx, { id: 'k', bundle: s.bundle });
  // A process that takes the lock and dies holding it (flock is dropped by the kernel).
  const script = `const fs=require('fs');const a=require(${JSON.stringify(path.join(repo, 'src/native/build/Release/clear_native.node'))});const fd=fs.openSync(${JSON.stringify(path.join(s.root, 'k'))},'r');if(!a.flock(fd,6))process.exit(3);process.kill(process.pid,'SIGKILL');`;
  const r = spawnSync(process.execPath, ['-e', script]);
  t.equal(r.signal, 'SIGKILL');
  await lc.remove(s.ctx, 'k', true);
  t.same(rootEntries(s.root), []);
});

t.test('the monitor loads gRPC and protobuf only once QEMU runs, not on its way to starting it', async (t) => {
  // The monitor's module graph up to QEMU's start must not pull in the agent
  // client (~70 ms on the host). Checked on the module tree (dist/container);
  // the monitors' bundle that create spawns keeps the same order (esbuild
  // evaluates a bundled CommonJS module at its first require).
  const monitor = path.join(__dirname, '..', 'dist', 'container', 'monitor.js');
  t.ok(fs.existsSync(monitor), `${monitor} built (make build)`);
  const probe = `require(${JSON.stringify(monitor)});
    const loaded = Object.keys(require.cache).filter((f) => /node_modules\\/(@grpc\\/grpc-js|protobufjs)\\//.test(f) || /agent\\/(client|protocol)\\.js$/.test(f));
    process.stdout.write(JSON.stringify(loaded));`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout || 'null'), [], 'no grpc-js, protobufjs or agent client among its modules');
});
