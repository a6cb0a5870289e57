// The guest image: scripts/build-image.sh builds one read-only erofs image,
// cached by the sha256 of its inputs; guest/image/init starts the agent.
//
// Every build here goes to a temporary CLEAR_CACHE, never to the machine's
// real cache. The real agent bundle and addon are used when `make build` has
// produced them, stand-ins otherwise. When a guest kernel and QEMU are present,
// one test boots the image under TCG with a stand-in agent and waits for the
// ready line and the power-off.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'scripts/build-image.sh');
const EROFS_MAGIC = 0xe0f5e1e2;

function tempDir(t: Test, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function build(env: Record<string, string>) {
  const r = spawnSync(script, [], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

// Inputs: the real ones when built, stand-ins otherwise.
function inputs(t: Test, dir: string): Record<string, string> {
  const env: Record<string, string> = { CLEAR_CACHE: path.join(dir, 'cache') };
  const agent = path.join(root, 'dist/guest/agent.js');
  const addon = path.join(root, 'src/native/build/Release/clear_native.node');
  if (fs.existsSync(agent)) t.comment(`using ${agent}`);
  else {
    env.CLEAR_AGENT_BUNDLE = path.join(dir, 'agent.js');
    fs.writeFileSync(env.CLEAR_AGENT_BUNDLE, "process.stderr.write('clear-agent: ready on vsock:1024\\n');\n");
  }
  if (fs.existsSync(addon)) t.comment(`using ${addon}`);
  else {
    env.CLEAR_NATIVE_ADDON = path.join(dir, 'clear_native.node');
    fs.writeFileSync(env.CLEAR_NATIVE_ADDON, 'stand-in addon\n');
  }
  return env;
}

const tools = have('mkfs.erofs') && have('fsck.erofs') && fs.existsSync('/bin/busybox');

t.test('init is valid busybox sh', { skip: !fs.existsSync('/bin/busybox') && 'no /bin/busybox' }, async (t) => {
  const init = path.join(root, 'guest/image/init');
  t.match(fs.readFileSync(init, 'utf8'), /^#!\/bin\/busybox sh\n/, 'shebang');
  t.ok(fs.statSync(init).mode & 0o111, 'executable');
  const r = spawnSync('/bin/busybox', ['sh', '-n', init], { encoding: 'utf8' });
  t.equal(r.status, 0, `sh -n: ${r.stderr}`);
});

t.test('build, contents, cache', { skip: !tools && 'erofs-utils or busybox-static missing (make deps)' }, async (t) => {
  const dir = tempDir(t, 'clear-image-');
  const env = inputs(t, dir);
  const img = path.join(env.CLEAR_CACHE, 'guest/clear.img');

  const first = build(env);
  t.equal(first.status, 0, `first build: ${first.stderr}`);
  t.match(first.stdout, /\[image\] 1\/5 /, 'progress lines');
  t.match(first.stdout, /\[image\] 4\/5 start-up page set: not recorded, no guest kernel at \S+ yet/, 'says why it has no page set');
  t.match(first.stdout, /\[image\] 5\/5 /);

  // erofs superblock at 1024, magic little endian
  const fd = fs.openSync(img, 'r');
  const sb = Buffer.alloc(4);
  fs.readSync(fd, sb, 0, 4, 1024);
  fs.closeSync(fd);
  t.equal(sb.readUInt32LE(0), EROFS_MAGIC, 'erofs magic at offset 1024');

  // contents: extract (this also checks every file decodes)
  const ex = path.join(dir, 'extract');
  const fsck = spawnSync('fsck.erofs', [`--extract=${ex}`, img], { encoding: 'utf8' });
  t.equal(fsck.status, 0, `fsck.erofs --extract: ${fsck.stderr}`);
  for (const f of ['sbin/init', 'usr/bin/node', 'opt/clear/agent.js', 'opt/clear/clear_native.node', 'bin/busybox', 'lib64/ld-linux-x86-64.so.2', 'etc/passwd', 'etc/group']) {
    t.ok(fs.existsSync(path.join(ex, f)), `/${f}`);
  }
  t.equal(fs.readlinkSync(path.join(ex, 'bin/sh')), '/bin/busybox', '/bin/sh -> busybox');
  for (const d of ['proc', 'sys', 'dev', 'run', 'run/clear', 'tmp', 'mnt']) {
    t.ok(fs.statSync(path.join(ex, d)).isDirectory(), `mount point /${d}`);
  }
  t.equal(fs.statSync(ex).mode & 0o777, 0o755, '/ is 0755');
  t.equal(fs.statSync(path.join(ex, 'tmp')).mode & 0o7777, 0o1777, '/tmp is 1777');
  t.equal(
    fs.readFileSync(path.join(ex, 'sbin/init'), 'utf8'),
    fs.readFileSync(path.join(root, 'guest/image/init'), 'utf8'),
    '/sbin/init is guest/image/init',
  );
  // every library node needs is in the image
  const ldd = spawnSync('ldd', [fs.realpathSync(process.execPath)], { encoding: 'utf8' }).stdout;
  for (const m of ldd.matchAll(/=> (\/\S+)/g)) t.ok(fs.existsSync(path.join(ex, m[1])), `library ${m[1]}`);

  // cached: the second run is up to date and leaves the image alone
  const before = fs.statSync(img);
  const second = build(env);
  t.equal(second.status, 0, `second build: ${second.stderr}`);
  t.match(second.stdout, /up to date/, 'second run says up to date');
  const after = fs.statSync(img);
  t.equal(after.mtimeMs, before.mtimeMs, 'mtime unchanged');
  t.equal(after.ino, before.ino, 'same file');

  // a changed input rebuilds
  const agent = path.join(dir, 'agent2.js');
  fs.writeFileSync(agent, '// changed\n');
  const third = build({ ...env, CLEAR_AGENT_BUNDLE: agent });
  t.equal(third.status, 0, `rebuild: ${third.stderr}`);
  t.notMatch(third.stdout, /up to date/, 'changed input rebuilds');

  // other node flags for the agent (src/sandbox/sandbox.ts) rebuild: the
  // snapshot in the image is made with them, and a guest refuses a blob
  // made with other flags than the host gives
  const sandboxModule = path.join(root, 'dist/sandbox/sandbox.js');
  t.ok(fs.existsSync(sandboxModule), `${sandboxModule} built (make build)`);
  const otherFlags = path.join(dir, 'other-flags.js');
  fs.writeFileSync(otherFlags, `require(${JSON.stringify(sandboxModule)}).ACCEL_NODE_CMDLINE.tcg += ',--stack-size=900';\n`);
  const fourth = build({ ...env, CLEAR_AGENT_BUNDLE: agent, NODE_OPTIONS: `--require=${otherFlags}` });
  t.equal(fourth.status, 0, `rebuild: ${fourth.stderr}`);
  t.notMatch(fourth.stdout, /up to date/, 'other agent node flags rebuild');
  t.notOk(fs.readdirSync(path.dirname(img)).some((f) => f.includes('.tmp') || f.startsWith('.image-stage')), 'no temp files left');
});

t.test('missing input names the make target', { skip: !tools && 'erofs-utils missing' }, async (t) => {
  const dir = tempDir(t, 'clear-image-');
  const r = build({ CLEAR_CACHE: dir, CLEAR_AGENT_BUNDLE: path.join(dir, 'nope/agent.js') });
  t.not(r.status, 0, 'fails');
  t.match(r.stderr, /agent\.js missing: run 'make build'/);
  t.notOk(fs.existsSync(path.join(dir, 'guest/clear.img')), 'no image');
});

const kernel = path.join(process.env.CLEAR_CACHE ?? '/var/cache/clear', 'guest/vmlinux');
const canBoot = tools && fs.existsSync(kernel) && have('qemu-system-x86_64');

t.test('boots under TCG: init starts node, ready line, power-off', { skip: !canBoot && `needs ${kernel} (make kernel) and qemu`, timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'clear-image-boot-');
  const agent = path.join(dir, 'agent.js');
  // A stand-in agent: proves node and its libraries load from the image.
  fs.writeFileSync(agent, "process.stderr.write(`clear-agent: ready on vsock:1024 node ${process.version}\\n`);\n");
  const addon = path.join(dir, 'clear_native.node');
  fs.writeFileSync(addon, 'stand-in\n');
  const img = path.join(dir, 'clear.img');
  const b = build({ CLEAR_CACHE: dir, CLEAR_IMAGE_OUT: img, CLEAR_AGENT_BUNDLE: agent, CLEAR_NATIVE_ADDON: addon });
  t.equal(b.status, 0, `build: ${b.stderr}`);

  const args = [
    '-M', 'microvm,acpi=off', '-accel', 'tcg', '-cpu', 'max', '-m', '256', '-nodefaults', '-no-user-config',
    '-nographic', '-no-reboot', '-serial', 'stdio', '-kernel', kernel,
    '-drive', `id=root,file=${img},format=raw,if=none,readonly=on`, '-device', 'virtio-blk-device,drive=root',
    '-append', 'console=ttyS0 quiet panic=-1 root=/dev/vda rootfstype=erofs ro init=/sbin/init random.trust_cpu=on clear.debug=1',
  ];
  const started = Date.now();
  const q = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  q.stdout.on('data', (d) => (out += d));
  q.stderr.on('data', (d) => (out += d));
  const killer = setTimeout(() => q.kill('SIGKILL'), 180_000);
  const code: number | null = await new Promise((resolve) => q.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  t.comment(`QEMU ran ${Date.now() - started} ms`);
  for (const l of out.split(/\r?\n/)) if (/clear-init|clear-agent/.test(l)) t.comment(l);
  t.equal(code, 0, 'QEMU exited by itself (the guest rebooted under -no-reboot)');
  t.match(out, /clear-agent: ready on vsock:1024 node v\d+/, 'node started in the guest and printed the ready line');
  t.match(out, /clear-init: agent exited with status 0; powering off/, 'init powered off when the agent exited');
});
