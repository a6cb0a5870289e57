/**
 * The subcommands that need no exec: list, ps, pause, resume, spec,
 * features, checkpoint/restore. Output shapes and errors are compared with
 * runc 1.1.5's on the same inputs (runc gets its own --root):
 *  - spec, features, checkpoint and errors on unknown ids without any container;
 *  - list, ps, pause/resume/kill with the fake monitor (test/fixtures/fake-monitor.js);
 *  - one real VM: pause really freezes the container (a counter it writes to a
 *    bind-mounted host file stops), resume thaws it, kill 9 ends a paused one;
 *  - one real VM: `run`'s stdout into a reader that starts late arrives whole.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDirOf } from '../src/container/state';
import { guestArtifacts } from '../src/lib/paths';
import { QmpClient } from '../src/vmm/qemu/qmp';
import { until } from './lib/cli';
import { whenGuestBuilt } from './lib/vm';

const repo = path.resolve(__dirname, '..');
const bin = path.join(repo, 'bin', 'clear-runtime');
const fakeMonitor = path.join(repo, 'test', 'fixtures', 'fake-monitor.js');
const hasRunc = spawnSync('runc', ['--version']).status === 0;
const hasBusybox = fs.existsSync('/bin/busybox');

t.before(() => {
  if (!fs.existsSync(path.join(repo, 'dist', 'cli', 'list.js'))) spawnSync('make', ['-C', repo, 'build'], { stdio: 'inherit' });
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-more-'));
const root = path.join(tmp, 'root');
const vmRoot = path.join(tmp, 'vm-root');
const runcRoot = path.join(tmp, 'runc-root');
t.teardown(() => {
  for (const [r, env] of [[root, fakeMonitor], [vmRoot, '']] as const) {
    for (const id of fs.existsSync(r) ? fs.readdirSync(r) : []) {
      spawnSync(bin, ['--root', r, 'delete', '--force', id], { env: { ...process.env, CLEAR_MONITOR_MODULE: env } });
    }
  }
  if (hasRunc) for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with stdout/stderr in files (a created container holds what it was given). */
function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const out = path.join(tmp, 'cmd.out');
  const err = path.join(tmp, 'cmd.err');
  const fo = fs.openSync(out, 'w');
  const fe = fs.openSync(err, 'w');
  try {
    const r = spawnSync(cmd, args, { cwd: opts.cwd ?? tmp, env: opts.env ?? process.env, stdio: ['ignore', fo, fe], timeout: 180_000 });
    return { code: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    fs.closeSync(fo);
    fs.closeSync(fe);
  }
}

const clear = (args: string[], opts: { cwd?: string; root?: string } = {}) =>
  sh(bin, ['--root', opts.root ?? root, ...args], { cwd: opts.cwd, env: { ...process.env, CLEAR_MONITOR_MODULE: opts.root === vmRoot ? '' : fakeMonitor } });
const runc = (args: string[], opts: { cwd?: string } = {}) => sh('runc', ['--root', runcRoot, ...args], opts);

/** The msg of a logrus text line, the program name made neutral. */
function msgOf(stderr: string): string | undefined {
  const m = /level=error msg="((?:[^"\\]|\\.)*)"/.exec(stderr) ?? /level=error msg=(\S+)/.exec(stderr);
  return m ? (JSON.parse(m[1].startsWith('"') ? m[1] : `"${m[1]}"`) as string).replace(/^(runc|clear-runtime)\b/, 'PROG') : undefined;
}

let n = 0;
const base = path.join(tmp, 'base');
let baseConfig: Record<string, any> | undefined;
function bundle(edit: (c: Record<string, any>) => void = () => {}): string {
  if (!baseConfig) {
    const r = spawnSync(path.join(repo, 'bundles', 'make-busybox-bundle.sh'), [base], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make-busybox-bundle.sh: ${r.stderr}`);
    baseConfig = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8')) as Record<string, any>;
  }
  const dir = path.join(tmp, `bundle${n++}`);
  fs.mkdirSync(dir, { recursive: true });
  const c = JSON.parse(JSON.stringify(baseConfig)) as Record<string, any>;
  c.root = { path: path.join(base, 'rootfs') };
  c.process.args = ['sh', '-c', 'sleep 100'];
  c.process.terminal = false;
  // A cgroup of this bundle's own: with the default one (/<id>) containers of
  // the same id from other runs would share it, and `ps` lists a cgroup.
  c.linux.cgroupsPath = `/clear-test-${process.pid}-${n}`;
  edit(c);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c, null, 1));
  return dir;
}

// ---------------------------------------------------------------- no containers

t.test('spec: the same file as runc spec, and its refusal', async (t) => {
  for (const rootless of [false, true]) {
    const a = path.join(tmp, `spec-clear-${rootless}`);
    const b = path.join(tmp, `spec-runc-${rootless}`);
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    const flags = rootless ? ['--rootless'] : [];
    const c = clear(['spec', ...flags, '--bundle', a]);
    t.equal(c.code, 0, c.stderr);
    t.equal(c.stdout, '');
    const text = fs.readFileSync(path.join(a, 'config.json'), 'utf8');
    t.notOk(text.endsWith('\n'), 'no final newline');
    t.match(text, /^\{\n\t"ociVersion": "1.0.2-dev",\n\t"process": \{/);
    if (hasRunc) {
      t.equal(runc(['spec', ...flags, '-b', b]).code, 0);
      t.equal(text, fs.readFileSync(path.join(b, 'config.json'), 'utf8'), `same bytes as runc spec${rootless ? ' --rootless' : ''}`);
    }
    // Refused when there is one already, in the bundle or the cwd.
    const again = clear(['spec', '-b', a]);
    t.equal(again.code, 1);
    t.equal(msgOf(again.stderr), 'File config.json exists. Remove it first');
    t.equal(msgOf(clear(['spec'], { cwd: a }).stderr), 'File config.json exists. Remove it first');
    if (hasRunc) t.equal(msgOf(runc(['spec', '-b', b]).stderr), msgOf(again.stderr));
  }
  const missing = clear(['spec', '-b', path.join(tmp, 'nope')]);
  t.equal(missing.code, 1);
  t.equal(msgOf(missing.stderr), `chdir ${path.join(tmp, 'nope')}: no such file or directory`);
  if (hasRunc) t.equal(msgOf(runc(['spec', '-b', path.join(tmp, 'nope')]).stderr), msgOf(missing.stderr));
});

t.test("features: runc's shape, clear's support", async (t) => {
  const c = clear(['features']);
  t.equal(c.code, 0, c.stderr);
  t.ok(c.stdout.endsWith('}\n'));
  t.match(c.stdout, /^\{\n {4}"ociVersionMin": "1.0.0",\n/, 'indented by four spaces like runc');
  const f = JSON.parse(c.stdout);
  t.same(Object.keys(f), ['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations']);
  t.same(Object.keys(f.linux), ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux']);
  t.notOk(f.linux.namespaces.includes('user'), 'no user namespace');
  t.same(f.linux.seccomp, { enabled: false });
  t.equal(f.annotations['org.opencontainers.runc.checkpoint.enabled'], 'false');
  t.equal(f.annotations['io.github.seccomp.enabled'], 'false');
  t.same(Object.keys(f.annotations), Object.keys(f.annotations).sort(), 'annotations sorted like a Go map');
  t.same(f.mountOptions, [...f.mountOptions].sort());
  if (hasRunc) {
    const r = JSON.parse(runc(['features']).stdout);
    t.same(Object.keys(f), Object.keys(r), "runc's top-level fields");
    t.same(Object.keys(f.linux), Object.keys(r.linux), "runc's linux fields");
    t.same(Object.keys(f.linux.cgroup), Object.keys(r.linux.cgroup));
    for (const o of f.mountOptions) t.ok(r.mountOptions.includes(o), `mount option ${o} is one runc knows`);
    for (const h of f.hooks) t.ok(r.hooks.includes(h), `hook ${h} is one runc knows`);
    t.same(f.linux.capabilities, r.linux.capabilities);
  }
});

t.test('checkpoint and restore: not supported, exit 1', async (t) => {
  for (const cmd of ['checkpoint', 'restore']) {
    const c = clear([cmd, '--image-path', tmp, 'x']);
    t.equal(c.code, 1);
    t.match(msgOf(c.stderr), new RegExp(`^${cmd} is not supported by clear: a VM's memory cannot be .* by CRIU$`));
  }
});

t.test('list on an empty or missing root; errors for unknown ids; like runc', async (t) => {
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  for (const r of [empty, path.join(tmp, 'missing')]) {
    const table = clear(['list'], { root: r });
    t.equal(table.code, 0, table.stderr);
    t.equal(table.stdout, 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
    t.equal(clear(['list', '--format', 'json'], { root: r }).stdout, 'null\n');
    t.equal(clear(['list', '-q'], { root: r }).stdout, '');
    if (hasRunc) {
      t.equal(sh('runc', ['--root', r, 'list']).stdout, table.stdout, "runc's header");
      t.equal(sh('runc', ['--root', r, 'list', '-f', 'json']).stdout, 'null\n');
    }
  }
  for (const args of [['ps', 'nope'], ['ps', '-f', 'json', 'nope'], ['pause', 'nope'], ['resume', 'nope']]) {
    const c = clear(args);
    t.equal(c.code, 1, args.join(' '));
    t.equal(msgOf(c.stderr), 'container does not exist');
    if (hasRunc) t.equal(msgOf(runc(args).stderr), msgOf(c.stderr), `runc ${args.join(' ')}`);
  }
  t.equal(msgOf(clear(['list', '-f', 'xml']).stderr), 'invalid format option');
  if (hasRunc) t.equal(msgOf(runc(['list', '-f', 'xml']).stderr), 'invalid format option');
});

// ------------------------------------------------------------ the fake monitor

t.test('list, ps, pause, resume, kill while paused (fake monitor), next to runc', { skip: !hasBusybox && 'no busybox' }, async (t) => {
  const b = bundle();
  let r = clear(['create', '--bundle', b, 'c1'], { cwd: b });
  t.equal(r.code, 0, r.stderr);
  const pid = JSON.parse(clear(['state', 'c1']).stdout).pid as number;
  const withRunc = hasRunc && runc(['create', '--bundle', b, 'c1'], { cwd: b }).code === 0;

  // list
  const table = clear(['list']);
  const lines = table.stdout.split('\n');
  t.equal(lines[0].replace(/ +/g, ' '), 'ID PID STATUS BUNDLE CREATED OWNER');
  t.equal(lines.length, 3);
  const created = JSON.parse(clear(['state', 'c1']).stdout).created as string;
  const widths = [Math.max(12, 5), Math.max(12, String(pid).length + 3), 12, b.length + 3, created.length + 3];
  t.equal(
    lines[1],
    ['c1', String(pid), 'created', b, created].map((c, i) => c.padEnd(widths[i])).join('') + 'root',
    "tabwriter's alignment",
  );
  const json = clear(['list', '--format', 'json']);
  t.ok(json.stdout.endsWith(']\n') && !json.stdout.slice(0, -1).includes('\n'), 'one line');
  const items = JSON.parse(json.stdout);
  t.same(items.map((i: any) => Object.keys(i)), [['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']]);
  t.match(items[0], { id: 'c1', pid, status: 'created', bundle: b, owner: 'root' });
  t.equal(clear(['list', '-q']).stdout, 'c1\n');
  if (withRunc) {
    const rl = runc(['list']).stdout.split('\n');
    t.equal(rl[0].replace(/ +/g, ' '), lines[0].replace(/ +/g, ' '));
    t.match(rl[1], /^c1 {10}\d+ +created {5}\S+ +\S+ +root$/, "runc's row has the same layout");
    t.match(lines[1], /^c1 {10}\d+ +created {5}\S+ +\S+ +root$/);
    const rj = JSON.parse(runc(['list', '-f', 'json']).stdout);
    t.same(Object.keys(rj[0]), Object.keys(items[0]), "runc's list object");
    t.equal(runc(['list', '-q']).stdout, 'c1\n');
  }

  // ps: the monitor's pid
  t.equal(clear(['ps', '--format', 'json', 'c1']).stdout, `[${pid}]\n`);
  const ps = clear(['ps', 'c1']);
  t.equal(ps.code, 0, ps.stderr);
  const psLines = ps.stdout.trimEnd().split('\n');
  t.match(psLines[0], /^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/, "ps -ef's header");
  t.equal(psLines.length, 2);
  t.equal(psLines[1].trim().split(/\s+/)[1], String(pid));
  t.equal(clear(['ps', 'c1', '-o', 'pid,comm']).stdout.split('\n')[0].trim(), 'PID COMMAND', 'ps options after the id');
  if (withRunc) {
    t.equal(runc(['ps', 'c1']).stdout.split('\n')[0], psLines[0], "runc's header");
    t.match(runc(['ps', '-f', 'json', 'c1']).stdout, /^\[\d+\]\n$/, "runc's json shape");
  }

  // pause / resume, from running
  t.equal(clear(['start', 'c1']).code, 0);
  if (withRunc) t.equal(runc(['start', 'c1']).code, 0);
  r = clear(['resume', 'c1']);
  t.equal(r.code, 1);
  t.equal(msgOf(r.stderr), 'container not paused');
  if (withRunc) t.equal(msgOf(runc(['resume', 'c1']).stderr), 'container not paused');
  r = clear(['pause', 'c1']);
  t.equal(r.code, 0, r.stderr);
  t.equal(JSON.parse(clear(['state', 'c1']).stdout).status, 'paused');
  t.match(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), /^\d+ \(.*\) T/, 'the fake container is stopped');
  t.match(clear(['list']).stdout, /c1 +\d+ +paused /);
  r = clear(['pause', 'c1']);
  t.equal(msgOf(r.stderr), 'container not running', 'pausing a paused container');
  if (withRunc) {
    t.equal(runc(['pause', 'c1']).code, 0);
    t.equal(JSON.parse(runc(['state', 'c1']).stdout).status, 'paused');
    t.equal(msgOf(runc(['pause', 'c1']).stderr), 'container not running');
  }
  t.equal(msgOf(clear(['delete', 'c1']).stderr), 'cannot delete container c1 that is not stopped: paused');
  r = clear(['resume', 'c1']);
  t.equal(r.code, 0, r.stderr);
  t.equal(JSON.parse(clear(['state', 'c1']).stdout).status, 'running');
  t.equal(clear(['pause', 'c1']).code, 0);

  // kill 9 while paused
  r = clear(['kill', 'c1', '9']);
  t.equal(r.code, 0, r.stderr);
  if (withRunc) t.equal(runc(['kill', 'c1', '9']).code, 0);
  for (let i = 0; i < 100 && JSON.parse(clear(['state', 'c1']).stdout).status !== 'stopped'; i++) await new Promise((res) => setTimeout(res, 50));
  t.equal(JSON.parse(clear(['state', 'c1']).stdout).status, 'stopped');
  t.equal(clear(['ps', '-f', 'json', 'c1']).stdout, 'null\n', 'no pids once stopped');
  t.equal(msgOf(clear(['pause', 'c1']).stderr), 'container not running');
  t.equal(msgOf(clear(['resume', 'c1']).stderr), 'container not paused');
  if (withRunc) {
    for (let i = 0; i < 100 && JSON.parse(runc(['state', 'c1']).stdout).status !== 'stopped'; i++) await new Promise((res) => setTimeout(res, 50));
    t.equal(msgOf(runc(['pause', 'c1']).stderr), 'container not running');
    t.equal(msgOf(runc(['resume', 'c1']).stderr), 'container not paused');
    t.equal(runc(['delete', 'c1']).code, 0);
  }
  t.equal(clear(['delete', 'c1']).code, 0);
  t.equal(clear(['list', '-f', 'json']).stdout, 'null\n');
});

// ------------------------------------------------------------------- a real VM

/** Host processes of ours: anything naming the test's directory or a VM run dir. */
function leftovers(ids: string[]): string[] {
  const found: string[] = [];
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmd.includes(tmp) || ids.some((id) => cmd.includes(runDirOf(vmRoot, id)))) found.push(`process ${p}: ${cmd.slice(0, 120)}`);
  }
  if (fs.existsSync(vmRoot)) for (const d of fs.readdirSync(vmRoot)) found.push(`state dir ${d}`);
  for (const id of ids) if (fs.existsSync(runDirOf(vmRoot, id))) found.push(`VM run dir of ${id}`);
  found.push(...fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(vmRoot)).map((m) => `mount ${m}`));
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real-VM container `id` ended by SIGKILL: its recorded exit is 137/9, and `delete` removes it. */
function diedOfSigkillThenDeleted(t: Test, id: string): void {
  const exit = JSON.parse(fs.readFileSync(path.join(vmRoot, id, 'monitor.json'), 'utf8')).exit;
  t.same(exit, { exitCode: 137, signal: 9 }, 'it died of SIGKILL: status 137 for callers');
  const d = clear(['delete', id], { root: vmRoot });
  t.equal(d.code, 0, d.stderr);
}

/** Nothing of real-VM container `id` stays on the host (waits up to 5 s for it to go). */
async function nothingLeft(t: Test, id: string): Promise<void> {
  for (let i = 0; i < 50 && leftovers([id]).length; i++) await sleep(100);
  t.same(leftovers([id]), [], 'nothing left on the host');
}
const readCounter = (f: string) => Number(fs.readFileSync(f, 'utf8').trim() || '0');

/**
 * The container's clock against the host's at one moment: the container
 * makes a file on its own tmpfs (stamped by the guest's clock) and then one
 * in a bind mount (stamped by the host's: virtiofsd creates it). busybox's
 * stat shows nanoseconds, `date` only seconds. Coarse file times have a
 * tick's granularity on either side.
 */
function containerClock(vm: (args: string[]) => Result, id: string, hostDir: string): { guest: number; host: number } {
  const r = vm(['exec', id, 'sh', '-c', 'touch /dev/shm/now /shared/now && stat -c %y /dev/shm/now /shared/now']);
  const stamps = [...r.stdout.matchAll(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})\d* \+0000$/gm)].map((m) => Date.parse(`${m[1]}T${m[2]}Z`));
  if (r.code !== 0 || stamps.length !== 2) throw new Error(`exec stat: ${r.code} ${r.stdout} ${r.stderr}`);
  fs.rmSync(path.join(hostDir, 'now'), { force: true });
  return { guest: stamps[0], host: stamps[1] };
}

/** How far behind the host's the guest's clock may be: the transit of the call that set it, and a virtio-fs create. */
const CLOCK_LAG_MS = 150;

function clockAgrees(t: Test, c: { guest: number; host: number }, when: string): void {
  const lag = c.host - c.guest;
  t.ok(lag <= CLOCK_LAG_MS && lag >= -20, `${when}: the container's clock is the host's (${lag} ms behind)`);
}

whenGuestBuilt(t, () =>
  t.test('a real VM: pause freezes it, resume thaws it, kill 9 ends it while paused', async (t) => {
    const shared = fs.mkdtempSync(path.join(tmp, 'shared-'));
    const counter = path.join(shared, 'counter');
    const b = bundle((c) => {
      c.process.args = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /shared/counter; sleep 0.1; done'];
      c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    });
    const vm = (args: string[], cwd?: string) => clear(args, { root: vmRoot, cwd });
    try {
      const r = vm(['run', '-d', 'frozen'], b);
      t.equal(r.code, 0, r.stderr);
      const pid = JSON.parse(vm(['state', 'frozen']).stdout).pid as number;
      t.equal(vm(['ps', '-f', 'json', 'frozen']).stdout, `[${pid}]\n`, 'ps: the monitor');
      for (let i = 0; i < 300 && !(fs.existsSync(counter) && readCounter(counter) > 2); i++) await sleep(100);
      t.ok(readCounter(counter) > 2, 'the counter advances');
      clockAgrees(t, containerClock(vm, 'frozen', shared), 'after boot');

      let p = vm(['pause', 'frozen']);
      t.equal(p.code, 0, p.stderr);
      t.equal(JSON.parse(vm(['state', 'frozen']).stdout).status, 'paused');
      await sleep(500); // a write under way lands
      const frozenAt = readCounter(counter);
      await sleep(2000);
      t.equal(readCounter(counter), frozenAt, 'the counter stands still while paused');

      p = vm(['resume', 'frozen']);
      t.equal(p.code, 0, p.stderr);
      t.equal(JSON.parse(vm(['state', 'frozen']).stdout).status, 'running');
      for (let i = 0; i < 100 && readCounter(counter) <= frozenAt; i++) await sleep(100);
      t.ok(readCounter(counter) > frozenAt, 'the counter advances again after resume');
      // A stopped VM's clock stands still: resume sets it again.
      clockAgrees(t, containerClock(vm, 'frozen', shared), 'after 2.5 s paused');

      t.equal(vm(['pause', 'frozen']).code, 0);
      const k = vm(['kill', 'frozen', '9']);
      t.equal(k.code, 0, k.stderr);
      let st = '';
      for (let i = 0; i < 300 && (st = JSON.parse(vm(['state', 'frozen']).stdout).status) !== 'stopped'; i++) await sleep(100);
      t.equal(st, 'stopped', 'kill 9 on a paused container stops it');
      diedOfSigkillThenDeleted(t, 'frozen');
    } finally {
      clear(['delete', '--force', 'frozen'], { root: vmRoot });
    }
    await nothingLeft(t, 'frozen');
  }),
);

whenGuestBuilt(t, () =>
  t.test("a real VM: run's stdout into a reader that starts late arrives whole, as runc's", async (t) => {
    // A pipe's reader that waits before reading (`| less`, a log shipper under
    // load) once made the monitor's relay give up after 64 KiB and the
    // container block on its full stdout for ever, when the pipe was
    // non-blocking, as Node's and Go's stdio leave it (O_NONBLOCK is shared by
    // every holder of the pipe: a node that sets it and dies of SIGKILL, so
    // that it cannot set it back, stands for such a caller).
    const size = 1024 * 1024;
    const native = path.join(repo, 'dist', 'native', 'index.js');
    const nonBlocking = `'${process.execPath}' -e 'require(${JSON.stringify(native)}).native().setBlocking(1, false); process.kill(process.pid, "SIGKILL")'`;
    const b = bundle((c) => {
      c.process.args = ['dd', 'if=/dev/zero', 'bs=64k', `count=${size / 65536}`];
    });
    for (const mode of ['blocking', 'non-blocking']) {
      const late = (cmd: string) => {
        const pre = mode === 'non-blocking' ? `${nonBlocking} 2>/dev/null; ` : '';
        // The reader takes the first byte, then waits 3 s: the VM's boot must not hide the wait.
        const reader = '(dd bs=1 count=1 of=/dev/null 2>/dev/null; sleep 3; wc -c)';
        return spawnSync('sh', ['-c', `{ ${pre}${cmd} 2>/dev/null; } | ${reader}`], { cwd: b, encoding: 'utf8', timeout: 240_000 });
      };
      try {
        const r = late(`'${bin}' --root '${vmRoot}' run late`);
        t.equal(r.stdout.trim(), String(size - 1), `${mode} pipe: every byte of the container's stdout arrived`);
        if (hasRunc) t.equal(late(`runc --root '${runcRoot}' run late`).stdout.trim(), String(size - 1), `${mode} pipe: runc's too`);
        t.notOk(fs.existsSync(path.join(vmRoot, 'late')), 'run removed the container once it ended');
      } finally {
        clear(['delete', '--force', 'late'], { root: vmRoot });
      }
    }
  }),
);

whenGuestBuilt(t, () =>
  t.test('a real VM whose guest stopped answering: kill TERM fails saying so, kill 9 still ends it (137), nothing left', async (t) => {
    const b = bundle();
    const vm = (args: string[], cwd?: string) => clear(args, { root: vmRoot, cwd });
    try {
      const r = vm(['run', '-d', 'mute'], b);
      t.equal(r.code, 0, r.stderr);
      const pid = JSON.parse(vm(['state', 'mute']).stdout).pid as number;
      // Freeze the VM behind clear's back (not `pause`: the record still
      // says running), so that neither the agent nor the guest can answer.
      const record = JSON.parse(fs.readFileSync(path.join(vmRoot, 'mute', 'monitor.json'), 'utf8'));
      const qmp = await QmpClient.connect(record.qmpSocket, { timeoutMs: 5000 });
      await qmp.execute('stop');
      qmp.close();

      const term = vm(['kill', 'mute', 'TERM']);
      t.not(term.code, 0, 'kill TERM fails');
      t.match(term.stderr, /did not answer signal 15 within/, `it says why: ${term.stderr.trim()}`);
      t.equal(JSON.parse(vm(['state', 'mute']).stdout).status, 'running', 'the container is still there');

      const k = vm(['kill', 'mute', 'KILL']);
      t.equal(k.code, 0, `kill 9 succeeds: ${k.stderr}`);
      t.notOk(isAlive(pid), "the container's pid is gone");
      t.equal(JSON.parse(vm(['state', 'mute']).stdout).status, 'stopped');
      diedOfSigkillThenDeleted(t, 'mute');
    } finally {
      clear(['delete', '--force', 'mute'], { root: vmRoot });
    }
    await nothingLeft(t, 'mute');
  }),
);

whenGuestBuilt(t, () =>
  t.test("a guest kernel that panics: run exits 255 and the container's stderr says so, with the panic; nothing left", async (t) => {
    const b = bundle((c) => {
      c.process.args = ['sleep', '1000'];
      // An NMI then panics the guest. microvm has no NMI status port: the
      // guest reads 0xff there and takes the NMI for a PCI SERR, which the
      // sysctl turns into a panic (an unknown one, the boot parameter).
      c.vm = { kernel: { path: guestArtifacts().kernel, parameters: ['unknown_nmi_panic=1', 'sysctl.kernel.panic_on_unrecovered_nmi=1'] } };
    });
    const errFile = path.join(tmp, 'panic.err');
    const fe = fs.openSync(errFile, 'w');
    const run = spawn(bin, ['--root', vmRoot, 'run', 'panic'], {
      cwd: b,
      stdio: ['ignore', 'ignore', fe],
      env: { ...process.env, CLEAR_MONITOR_MODULE: '' },
    });
    fs.closeSync(fe);
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    try {
      const state = () => {
        const r = clear(['state', 'panic'], { root: vmRoot });
        return r.code === 0 ? (JSON.parse(r.stdout).status as string) : '';
      };
      t.ok(await until(() => state() === 'running', 180_000), 'the container runs');
      const record = JSON.parse(fs.readFileSync(path.join(vmRoot, 'panic', 'monitor.json'), 'utf8'));
      const qmp = await QmpClient.connect(record.qmpSocket, { timeoutMs: 5000 });
      await qmp.execute('inject-nmi');
      qmp.close();
      const stderr = () => fs.readFileSync(errFile, 'utf8');
      t.equal(await exited, 255, `run ends with the VM-died status: ${stderr()}`);
      t.match(
        stderr(),
        /^clear: the container's VM ended before its process did \(QEMU exited with code 0\): guest kernel: .*Kernel panic - not syncing: NMI/m,
        'its stderr says why, in the guest kernel\'s words',
      );
    } finally {
      run.kill('SIGKILL');
      clear(['delete', '--force', 'panic'], { root: vmRoot });
    }
    await nothingLeft(t, 'panic');
  }),
);

/** Whether a pid is a live process (a zombie is not). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
