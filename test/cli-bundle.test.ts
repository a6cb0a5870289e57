/**
 * The CLI bundle (make cli) keeps the two generated modules, the OCI config
 * validator and the agent's protobuf code (most of its bytes), beside it:
 * `state` and `--version` must not read them, `create` must still find the
 * validator (docs/performance.md, "1. CLI start-up").
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..');
const bin = path.join(repo, 'bin', 'clear-runtime');
const bundle = path.join(repo, 'dist', 'cli', 'clear-runtime.js');

/** Runs the CLI with a preload that prints every module it requires by a relative path. */
function cliRequires(t: Test, args: string[]): { status: number | null; stderr: string; requested: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-cli-bundle-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'requires');
  const preload = path.join(dir, 'preload.js');
  fs.writeFileSync(
    preload,
    `const M = require('module'); const fs = require('fs'); const load = M._load;
     M._load = function (request, ...rest) { if (request.startsWith('.')) fs.appendFileSync(${JSON.stringify(log)}, request + '\\n'); return load.call(this, request, ...rest); };`,
  );
  const r = spawnSync(process.execPath, ['--require', preload, bin, '--root', path.join(dir, 'root'), ...args], { encoding: 'utf8', cwd: dir });
  const requested = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { status: r.status, stderr: r.stderr, requested };
}

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
