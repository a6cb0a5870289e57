/**
 * The CLI's `check` and `--version`, run through bin/clear-runtime (the
 * compiled dist/, built here first if missing).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostTscKHz } from '../src/vmm/accel';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'clear-runtime');

t.before(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    // tsc still emits when other files have type errors; the run below says if it did not.
    spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', root], { stdio: 'inherit' });
  }
});

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(bin, args, {
    encoding: 'utf8',
    env: { ...process.env, CLEAR_ACCEL: 'tcg', ...env },
    timeout: 60_000,
  });
  const lines = r.stdout.trimEnd().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines, last: lines[lines.length - 1] };
}

t.test('--version: three lines, runc layout', async (t) => {
  for (const flag of ['--version', '-v']) {
    const r = cli([flag]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.lines.length, 3, r.stdout);
    t.match(r.lines[0], /^clear-runtime version \d+\.\d+\.\d+/);
    t.match(r.lines[1], /^commit: ([0-9a-f]{40}|unknown)$/);
    t.equal(r.lines[2], 'spec: 1.1.0');
  }
});

t.test('check: a missing guest kernel fails and the last line names it', async (t) => {
  const kernel = '/nonexistent/clear-test/vmlinux';
  const r = cli(['check'], { CLEAR_KERNEL: kernel });
  t.not(r.code, 0, 'non-zero exit');
  t.match(r.last, /^missing: /);
  t.match(r.last, `guest kernel ${kernel} — run 'make guest'`);
  t.match(r.stdout, /^guest kernel: +MISSING /m);
  for (const label of ['qemu', 'microvm', 'accelerator', 'vsock', 'virtiofsd', 'guest image', 'native addon']) {
    t.match(r.stdout, new RegExp(`^${label}: `, 'm'), `a ${label} line`);
  }
  t.match(r.stdout, /^accelerator: +tcg: forced by CLEAR_ACCEL=tcg/m);
  const tsc = hostTscKHz();
  t.match(
    r.stdout,
    new RegExp(`^accelerator: .*; ${tsc ? `guests are told the host TSC's rate \\(${tsc} kHz\\)` : "the host does not state its TSC's rate"}`, 'm'),
    "whether TCG guests are told their TSC's rate",
  );
});

t.test('check: a missing QEMU is named with how to get it', async (t) => {
  const r = cli(['check'], { CLEAR_QEMU: '/nonexistent/qemu-system-x86_64' });
  t.not(r.code, 0);
  t.match(r.last, "missing: /nonexistent/qemu-system-x86_64 — run 'make deps' (apt-get install qemu-system-x86)");
});

t.test('check: a QEMU other than the tested 7.2 is named as untested, not missing', async (t) => {
  const dir = fs.mkdtempSync('/tmp/clear-fakeqemu-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const real = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout;
  t.match(cli(['check']).stdout, /^qemu: +\S+ 7\.2\.\S+$/m, `the tested QEMU gets no note (${real.split('\n')[0]})`);
  // A QEMU 10 that has everything clear needs: it answers as the real one does, with its own version.
  const fake = path.join(dir, 'qemu-system-x86_64');
  fs.writeFileSync(fake, `#!/bin/sh\nif [ "$1" = --version ]; then echo 'QEMU emulator version 10.0.2 (Debian)'; exit 0; fi\nexec qemu-system-x86_64 "$@"\n`, { mode: 0o755 });
  const r = cli(['check'], { CLEAR_QEMU: fake });
  t.match(r.stdout, new RegExp(`^qemu: +${fake} 10\\.0\\.2 \\(untested: clear is tested with Debian 12's QEMU 7\\.2;`, 'm'));
  t.match(r.stdout, /^microvm: +yes/m);
  t.equal(r.code, 0, 'an untested QEMU is not a missing part');
});

t.test('check: everything present exits 0', async (t) => {
  // The test run builds the guest first (make test), so nothing may be missing here.
  const r = cli(['check']);
  t.equal(r.last, 'ok: this host can run clear', r.stdout);
  t.equal(r.code, 0);
});

t.test('check: says how the image reaches guests (DAX, or virtio-blk and why)', async (t) => {
  t.match(cli(['check']).stdout, /^image sharing: +DAX: one copy in the host page cache for every VM$/m);
  t.match(cli(['check'], { CLEAR_IMAGE_DAX: '0' }).stdout, /^image sharing: +virtio-blk, a page cache per VM \(CLEAR_IMAGE_DAX=0\)$/m);
  const odd = path.join(fs.mkdtempSync('/tmp/clear-oddimg-'), 'odd.img');
  t.teardown(() => fs.rmSync(path.dirname(odd), { recursive: true, force: true }));
  fs.writeFileSync(odd, Buffer.alloc(4096));
  const r = cli(['check'], { CLEAR_IMAGE: odd });
  t.match(r.stdout, /^image sharing: +virtio-blk, a page cache per VM \(the image is not a whole number of 2 MiB: rebuild it with 'make image' for DAX\)$/m);
  t.equal(r.last, 'ok: this host can run clear', 'informational: both ways work');
});

t.test('check --boot boots a VM, runs uname -r in it and reports the boot time', async (t) => {
  const runDirs = () => fs.readdirSync('/tmp').filter((d) => d.startsWith('clear-check-'));
  const before = runDirs();
  const r = cli(['check', '--boot'], { CLEAR_ACCEL: '' });
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^guest uname -r: +6\.1\.\d+$/m, 'the guest kernel answered');
  t.match(r.stdout, /^boot-to-agent-ready: \d+ ms \((kvm|tcg)\)$/m);
  t.equal(r.last, 'ok: this host can run clear');
  const leftovers = spawnSync('pgrep', ['-f', 'clear-check-'], { encoding: 'utf8' }).stdout.trim();
  t.equal(leftovers, '', 'no QEMU or virtiofsd of the check is left');
  t.same(runDirs(), before, 'its run directory is removed');
});

t.test('check --boot is accepted; bad flags and commands are refused', async (t) => {
  const boot = cli(['check', '--boot'], { CLEAR_KERNEL: '/nonexistent/vmlinux' });
  t.match(boot.stdout, /^boot: +skipped/m);
  t.not(boot.code, 0);
  const bad = cli(['check', '--bogus']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /bogus/);
  const unknown = cli(['frobnicate']);
  t.not(unknown.code, 0);
  t.match(unknown.stderr, /unknown command.*frobnicate/);
});

t.test('global flags before the command', async (t) => {
  const r = cli(['--root', '/tmp/clear-root', '--log-format', 'json', 'check'], { CLEAR_KERNEL: '/nonexistent/vmlinux' });
  t.match(r.last, /^missing: /);
  t.not(cli(['--log-format', 'xml', 'check']).code, 0, 'a bad --log-format is refused');
});
