/**
 * The bundles bin/ loads with a V8 code cache: the CLI's and the monitors'.
 *
 * The CLI's bundles (make cli): an entry and one bundle per subcommand, so a
 * call reads only its own command's code; the two generated modules, the OCI
 * config validator and the agent's protobuf code (most of the bytes), stay
 * beside them: `state` and `--version` must not read them, `create` must
 * still find the validator (docs/performance.md, "1. CLI start-up"). The
 * monitors' bundle (make monitor) is what create's and exec's monitors run.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliHarness, until } from './lib/cli';
import { whenGuestBuilt } from './lib/vm';

const repo = path.resolve(__dirname, '..');
const bin = path.join(repo, 'bin', 'clear-runtime');
const bundle = path.join(repo, 'dist', 'cli', 'clear-runtime.js');

/**
 * Runs the CLI with a preload that records every module it requires by a
 * relative path and every file of dist/ it reads (the bundles' loader reads
 * them with fs.readFileSync).
 */
function cliRequires(t: Test, args: string[]): { status: number | null; stderr: string; requested: string[]; read: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-cli-bundle-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'requires');
  const reads = path.join(dir, 'reads');
  const preload = path.join(dir, 'preload.js');
  const dist = `${path.join(repo, 'dist')}/`;
  fs.writeFileSync(
    preload,
    `const M = require('module'); const fs = require('fs'); const load = M._load; const read = fs.readFileSync;
     M._load = function (request, ...rest) { if (request.startsWith('.')) fs.appendFileSync(${JSON.stringify(log)}, request + '\\n'); return load.call(this, request, ...rest); };
     fs.readFileSync = function (file, ...rest) { if (typeof file === 'string' && file.startsWith(${JSON.stringify(dist)}) && file.endsWith('.js')) fs.appendFileSync(${JSON.stringify(reads)}, file.slice(${dist.length}) + '\\n'); return read.call(this, file, ...rest); };`,
  );
  const r = spawnSync(process.execPath, ['--require', preload, bin, '--root', path.join(dir, 'root'), ...args], { encoding: 'utf8', cwd: dir });
  const lines = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);
  return { status: r.status, stderr: r.stderr, requested: lines(log), read: lines(reads) };
}

t.test("a call reads the entry and its own command's bundle, no other command's code", async (t) => {
  for (const [args, own] of [
    [['--version'], 'version'],
    [['state', 'nope'], 'state'],
    [['list'], 'list'],
    [['delete', 'nope'], 'delete'],
  ] as const) {
    const r = cliRequires(t, [...args]);
    t.same(r.read, ['cli/clear-runtime.js', `cli-commands/${own}.js`], `${args.join(' ')}: ${r.stderr}`);
    t.same(
      r.requested.filter((m) => m !== './load-bundle'),
      [],
      `${args.join(' ')}: nothing from the module tree`,
    );
  }
});

t.test('state and list carry the state store and their query, not the lifecycle that changes containers', async (t) => {
  // esbuild names every module it wraps by its path: "dist/container/state.js".
  const modules = (name: string) =>
    new Set([...fs.readFileSync(path.join(repo, 'dist', 'cli-commands', `${name}.js`), 'utf8').matchAll(/"(dist\/[\w/-]+\.js)"/g)].map((m) => m[1]));
  for (const name of ['state', 'list']) {
    const got = modules(name);
    t.ok(got.has('dist/container/query.js') && got.has('dist/container/state.js'), `${name}: the query and the store`);
    const heavy = ['lifecycle', 'hooks', 'config', 'network', 'cgroups'].map((m) => `dist/container/${m}.js`).filter((m) => got.has(m));
    t.same(heavy, [], `${name}: none of create's, kill's or delete's modules`);
  }
});

t.test("every subcommand main() dispatches to has its bundle (make cli's list matches)", async (t) => {
  const main = fs.readFileSync(path.join(repo, 'src', 'cli', 'main.ts'), 'utf8');
  const names = [...main.matchAll(/^  (\w+): \(\) => import\('\.\/(\w+)'\),$/gm)].map((m) => m[2]);
  t.ok(names.length >= 15, `the module-tree loader names them: ${names.join(' ')}`);
  for (const name of names) t.ok(fs.existsSync(path.join(repo, 'dist', 'cli-commands', `${name}.js`)), `dist/cli-commands/${name}.js`);
});

t.test('state and --version read no generated module; create finds the validator beside the bundle', async (t) => {
  t.ok(fs.existsSync(bundle), `${bundle} built (make build)`);
  const generated = (rs: string[]) => rs.filter((r) => r.includes('generated/'));

  const state = cliRequires(t, ['state', 'nope']);
  t.not(state.status, 0, 'an unknown container');
  t.same(generated(state.requested), [], 'state: neither the validator nor the protobuf code');
  t.same(generated(cliRequires(t, ['--version']).requested), [], '--version: neither');

  const badBundle = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-cli-bundle-bad-'));
  t.teardown(() => fs.rmSync(badBundle, { recursive: true, force: true }));
  fs.writeFileSync(path.join(badBundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.0', process: { args: ['true'] }, root: { path: 'rootfs' } }));
  const create = cliRequires(t, ['create', '--bundle', badBundle, 'bad']);
  t.equal(create.status, 1);
  t.match(create.stderr, /config\.json: \/process: must have required property 'cwd'/, 'the validator ran and named the field');
  t.same(generated(create.requested), ['./generated/config-validator'], 'loaded from beside the bundle');
});

t.test('bin/clear-monitor refuses a kind it does not know, naming it', async (t) => {
  const r = spawnSync(process.execPath, [path.join(repo, 'bin', 'clear-monitor'), 'bogus', '{}'], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /unknown monitor kind "bogus" \(container or exec\)/);
});

whenGuestBuilt(t, () =>
  t.test("the monitors' bundle: create's and exec's monitors run it; the first one up saves its code cache", async (t) => {
    const monitorBundle = path.join(repo, 'dist', 'monitor', 'clear-monitor.js');
    t.ok(fs.existsSync(monitorBundle), `${monitorBundle} built (make build)`);
    const cache = `${monitorBundle}.${process.version}-${process.arch}.cache`;
    fs.rmSync(cache, { force: true });
    const h = new CliHarness('monitor-bundle');
    t.teardown(() => h.cleanup());
    h.ids.add('mb');
    const b = h.bundle('mb', ['sleep', '60']);
    // Through node, not the shebang (which drops it too): the monitor must
    // not inherit NODE_EXTRA_CA_CERTS, which node parses before any script.
    const caCerts = path.join(h.work, 'extra-ca.pem');
    fs.writeFileSync(caCerts, '');
    // Files as stdio: the detached container's monitor keeps what it is given.
    const errFile = path.join(h.work, 'run.stderr');
    const stdio = [fs.openSync('/dev/null', 'r'), fs.openSync('/dev/null', 'w'), fs.openSync(errFile, 'w')];
    const run = spawnSync(process.execPath, [bin, '--root', h.clearRoot, 'run', '-d', '--bundle', b, 'mb'], {
      stdio,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caCerts },
    });
    stdio.forEach((fd) => fs.closeSync(fd));
    t.equal(run.status, 0, `run -d: ${fs.readFileSync(errFile, 'utf8')}`);
    const pid = JSON.parse(h.clear(['state', 'mb']).stdout).pid as number;
    t.match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^clear-monitor mb /, "the monitor's title");
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    t.notOk(environ.some((e) => e.startsWith('NODE_EXTRA_CA_CERTS=')), "NODE_EXTRA_CA_CERTS is not in the monitor's environment");
    t.ok(environ.some((e) => e.startsWith('PATH=')), 'the rest of it is');
    // Only the bundle's loader writes it, right after the monitor said it is up.
    t.ok(await until(() => fs.existsSync(cache), 10_000), 'the code cache was saved once the container was created');
    t.ok(fs.statSync(cache).size > 100_000, 'with the compiled code of the way up in it');
    const exec = h.clear(['exec', 'mb', 'echo', 'through-exec']);
    t.equal(exec.stdout, 'through-exec\n', `exec's monitor, from the same bundle and cache: ${exec.stderr}`);
    t.equal(h.clear(['delete', '--force', 'mb']).code, 0, 'delete --force');
    t.same(h.leftovers(), [], 'nothing left');
  }),
);
