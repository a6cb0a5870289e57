/**
 * `clear-runtime check [--boot]`: one line per thing clear needs on this
 * host, then, when something is missing, ONE final line naming every missing
 * piece and how to get it; exit status 1 in that case.
 * (`--version` is in version.ts.)
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { requestedRootImageMode, rootImage } from '../devices/root-image';
import { messageOf } from '../lib/errors';
import { guestArtifacts, packageRoot, qemuBinary, VIRTIOFSD_PATH } from '../lib/paths';
import { detectAccelerator } from '../vmm/accel';
import type { Accelerator } from '../vmm/hypervisor';
import type { GlobalOptions } from './main';

export { OCI_SPEC_VERSION, versionText } from './version';

/** The native addon, relative to the package root. */
export const NATIVE_ADDON = 'src/native/build/Release/clear_native.node';

/** One checked capability. `missing` set: required and absent (the fix says how to get it). */
export interface CheckLine {
  label: string;
  detail: string;
  missing?: { what: string; fix: string };
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string; code: string | number | null }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as NodeJS.ErrnoException).code ?? null) : 0;
      resolve({ ok: !err, out: String(stdout), err: String(stderr), code });
    });
  });
}

const DEPS_FIX = "run 'make deps' (apt-get install qemu-system-x86)";

/**
 * A note on a QEMU other than the one clear is tested with. Not a missing
 * part: such a QEMU may work, but QEMU 10.0 under TCG crashed container
 * processes at random (docs/performance.md, "VM templating").
 */
function testedQemu(version: string | undefined): string {
  return version && /^7\.2\./.test(version)
    ? ''
    : " (untested: clear is tested with Debian 12's QEMU 7.2; under TCG QEMU 10.0 crashed container processes, docs/performance.md)";
}

async function checkQemu(): Promise<CheckLine[]> {
  const qemu = qemuBinary();
  const ver = await run(qemu, ['--version']);
  if (!ver.ok) {
    const why = ver.code === 'ENOENT' ? 'not found' : (ver.err.trim().split('\n')[0] ?? `failed (${ver.code})`);
    return [
      { label: 'qemu', detail: `${qemu}: ${why}`, missing: { what: qemu, fix: DEPS_FIX } },
      { label: 'microvm', detail: 'unknown (no QEMU)' },
    ];
  }
  const m = /version\s+(\S+)/.exec(ver.out);
  const lines: CheckLine[] = [{ label: 'qemu', detail: `${qemu} ${m ? m[1] : ver.out.trim().split('\n')[0]}${testedQemu(m?.[1])}` }];
  const [machines, devices] = await Promise.all([run(qemu, ['-machine', 'help']), run(qemu, ['-device', 'help'])]);
  const want = ['vhost-user-vsock-device', 'vhost-user-fs-device', 'virtio-blk-device'];
  const lacking: string[] = [];
  if (!/^microvm\s/m.test(machines.out)) lacking.push('microvm machine');
  for (const d of want) if (!devices.out.includes(`"${d}"`)) lacking.push(d);
  lines.push(
    lacking.length === 0
      ? { label: 'microvm', detail: `yes (microvm machine, ${want.join(', ')})` }
      : {
          label: 'microvm',
          detail: `no: ${qemu} lacks ${lacking.join(', ')}`,
          missing: { what: `QEMU support for ${lacking.join(', ')}`, fix: 'install QEMU >= 7.2 from Debian (qemu-system-x86)' },
        },
  );
  return lines;
}

async function checkAccel(): Promise<CheckLine> {
  try {
    const a = await detectAccelerator();
    return { label: 'accelerator', detail: `${a.kind}: ${a.reason}${a.kind === 'tcg' ? `; ${guestTscLine(a)}` : ''}` };
  } catch (err) {
    return { label: 'accelerator', detail: `cannot tell: ${messageOf(err)}` };
  }
}

/** Under TCG, whether guests are told their TSC's rate (args.ts, timerCmdline). */
function guestTscLine(a: Accelerator): string {
  return a.guestTscKHz
    ? `guests are told the host TSC's rate (${a.guestTscKHz} kHz)`
    : "the host does not state its TSC's rate: a guest measures it, and on a busy host may keep 10 ms jiffies time instead";
}

function checkVsock(): CheckLine {
  return fs.existsSync('/dev/vhost-vsock')
    ? { label: 'vsock', detail: 'kernel vhost-vsock (/dev/vhost-vsock)' }
    : { label: 'vsock', detail: "vhost-user (clear's own backend; no /dev/vhost-vsock)" };
}

function checkFile(label: string, file: string, fix: string, what = `${label} ${file}`): CheckLine {
  return fs.existsSync(file) ? { label, detail: file } : { label, detail: `${file} (missing)`, missing: { what, fix } };
}

/** How the image will reach guests (informational: both ways work). */
function checkImageSharing(image: string): CheckLine[] {
  if (!fs.existsSync(image)) return [];
  const label = 'image sharing';
  const mode = rootImage(image).mode;
  if (mode === 'dax') return [{ label, detail: 'DAX: one copy in the host page cache for every VM' }];
  const why =
    requestedRootImageMode() === 'virtio-blk'
      ? 'CLEAR_IMAGE_DAX=0'
      : `the image is not a whole number of 2 MiB: rebuild it with 'make image' for DAX`;
  return [{ label, detail: `virtio-blk, a page cache per VM (${why})` }];
}

/**
 * Boots a real VM, asks its agent for its version, runs `uname -r` in the
 * guest, and shuts it down. The sandbox (and gRPC with it) is loaded only
 * here: plain `check` stays fast.
 */
async function bootCheck(): Promise<CheckLine[]> {
  const { Sandbox } = await import('../sandbox/sandbox');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-check-'));
  let sandbox: Awaited<ReturnType<typeof Sandbox.boot>> | null = null;
  try {
    sandbox = await Sandbox.boot({ name: 'check', runDir });
    const version = await sandbox.agent.version();
    await sandbox.agent.exec('uname', { args: ['/bin/uname', '-r'], env: ['PATH=/bin'] });
    const out: Buffer[] = [];
    const stdout = sandbox.agent.readStdio('uname', 'stdout');
    stdout.on('data', (b: Buffer) => out.push(b));
    const ended = new Promise((r) => stdout.once('end', r));
    await sandbox.agent.closeStdin('uname');
    const [status] = await Promise.all([sandbox.agent.wait('uname'), ended]);
    const release = Buffer.concat(out).toString().trim();
    if (status.exitCode !== 0) throw new Error(`uname -r in the guest exited with ${status.exitCode}`);
    return [
      { label: 'agent', detail: `${version.protocol} ${version.agentVersion} answered over vsock` },
      { label: 'guest uname -r', detail: release },
      { label: 'boot-to-agent-ready', detail: `${sandbox.bootMs} ms (${sandbox.accel.kind})` },
    ];
  } catch (err) {
    return [{ label: 'boot', detail: messageOf(err), missing: { what: 'a VM that boots to its agent', fix: `see the error above; CLEAR_DEBUG=1 shows the guest console` } }];
  } finally {
    await sandbox?.shutdown();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/** Runs the checks, prints them, and resolves with the exit code. */
export async function runCheck(argv: string[], _globals?: GlobalOptions): Promise<number> {
  let boot = false;
  try {
    const { values } = parseArgs({ args: argv, options: { boot: { type: 'boolean' } }, strict: true });
    boot = values.boot ?? false;
  } catch (err) {
    process.stderr.write(`clear-runtime check: ${messageOf(err)}\nusage: clear-runtime check [--boot]\n`);
    return 2;
  }
  const guest = guestArtifacts();
  const [qemu, accel] = await Promise.all([checkQemu(), checkAccel()]);
  const lines: CheckLine[] = [
    ...qemu,
    accel,
    checkVsock(),
    checkFile('virtiofsd', VIRTIOFSD_PATH, "run 'make deps' (apt-get install qemu-system-common)"),
    checkFile('guest kernel', guest.kernel, "run 'make guest'"),
    checkFile('guest image', guest.image, "run 'make guest'"),
    ...checkImageSharing(guest.image),
    checkFile('native addon', path.join(packageRoot(), NATIVE_ADDON), "run 'make native'"),
  ];
  const missingBefore = lines.some((l) => l.missing);
  if (boot) {
    lines.push(...(missingBefore ? [{ label: 'boot', detail: 'skipped: something above is missing' }] : await bootCheck()));
  }
  const width = Math.max(...lines.map((l) => l.label.length)) + 2;
  let out = '';
  for (const l of lines) out += `${`${l.label}:`.padEnd(width)}${l.missing ? 'MISSING ' : ''}${l.detail}\n`;
  const missing = lines.filter((l) => l.missing);
  if (missing.length > 0) {
    out += `missing: ${missing.map((l) => `${l.missing!.what} — ${l.missing!.fix}`).join('; ')}\n`;
  } else {
    out += 'ok: this host can run clear\n';
  }
  process.stdout.write(out);
  return missing.length > 0 ? 1 : 0;
}
