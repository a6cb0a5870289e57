/**
 * Which accelerator a guest gets on this host: KVM when a standard guest
 * kernel really boots on it, else TCG (QEMU's software emulation).
 *
 * /dev/kvm existing is not enough: on PVM hosts (kvm_pvm module) /dev/kvm
 * opens and creates VMs and vCPUs, yet only PVM-built guest kernels run, and
 * a standard kernel hangs silently (see /work/shared/VM-NOTES.md). So the
 * cheap checks rule KVM out where they can, and otherwise one real boot of
 * the guest kernel decides; its answer is cached per host boot.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClearError } from '../lib/errors';
import { logger } from '../lib/log';
import { cacheDir, guestArtifacts, qemuBinary } from '../lib/paths';
import type { AccelKind, Accelerator } from './hypervisor';

const log = logger('accel');

/** Timeout multipliers: a TCG guest runs roughly ten times slower. */
export const TIMEOUT_SCALE: Readonly<Record<AccelKind, number>> = Object.freeze({ kvm: 1, tcg: 10 });

export interface DetectOptions {
  /** Environment to read CLEAR_ACCEL from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Guest kernel for the probe boot; default guestArtifacts().kernel. */
  kernel?: string;
  /** QEMU binary for the probe; default CLEAR_QEMU or qemu-system-x86_64. */
  qemu?: string;
  /** Probe cache file; default $CLEAR_CACHE/accel.json; null: no cache. */
  cacheFile?: string | null;
  /** How long the probe boot may take (ms); default 10 s. */
  probeTimeoutMs?: number;
  /** Prefix for /dev, /sys and /proc paths (tests point it at a fake tree). */
  hostRoot?: string;
}

function accel(kind: AccelKind, reason: string): Accelerator {
  return { kind, reason, timeoutScale: TIMEOUT_SCALE[kind] };
}

export async function detectAccelerator(opts: DetectOptions = {}): Promise<Accelerator> {
  const chosen = await chooseAccelerator(opts);
  if (chosen.kind !== 'tcg') return chosen;
  const tscKHz = hostTscKHz(opts.hostRoot ?? '');
  return tscKHz ? { ...chosen, guestTscKHz: tscKHz } : chosen;
}

/**
 * The host TSC's rate in kHz, where /proc/cpuinfo states it exactly: the
 * host kernel was given the rate (`tsc_known_freq`: by its hypervisor or by
 * CPUID, as on this kind of cloud VM), the TSC runs at one rate whatever
 * the CPU does (`constant_tsc`, `nonstop_tsc`), and nothing else feeds
 * "cpu MHz" (no APERF/MPERF counters, no cpufreq driver), so that line is
 * the kernel's cpu_khz, which it sets to the TSC's known rate. Anywhere
 * else (a bare-metal host whose "cpu MHz" is the current clock) this says
 * nothing rather than guess.
 */
export function hostTscKHz(root = ''): number | undefined {
  let cpuinfo: string;
  try {
    cpuinfo = fs.readFileSync(`${root}/proc/cpuinfo`, 'utf8');
  } catch {
    return undefined;
  }
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  const known = ['tsc_known_freq', 'constant_tsc', 'nonstop_tsc'].every((f) => flags.has(f));
  if (!known || flags.has('aperfmperf') || fs.existsSync(`${root}/sys/devices/system/cpu/cpu0/cpufreq`)) return undefined;
  const mhz = Number(/^cpu MHz\s*:\s*([0-9.]+)$/m.exec(cpuinfo)?.[1]);
  return mhz > 0 ? Math.round(mhz * 1000) : undefined;
}

async function chooseAccelerator(opts: DetectOptions): Promise<Accelerator> {
  const env = opts.env ?? process.env;
  const root = opts.hostRoot ?? '';
  const forced = env.CLEAR_ACCEL;
  if (forced) {
    if (forced !== 'kvm' && forced !== 'tcg') {
      throw new ClearError(`CLEAR_ACCEL=${forced}: must be 'kvm' or 'tcg' (or unset to detect)`);
    }
    return accel(forced, `forced by CLEAR_ACCEL=${forced}`);
  }

  const devKvm = `${root}/dev/kvm`;
  try {
    fs.closeSync(fs.openSync(devKvm, fs.constants.O_RDWR));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return accel(
      'tcg',
      code === 'ENOENT' ? 'no /dev/kvm: software emulation (TCG)' : `/dev/kvm cannot be opened read-write (${code}): TCG`,
    );
  }
  if (fs.existsSync(`${root}/sys/module/kvm_pvm`)) {
    return accel('tcg', '/dev/kvm is PVM-backed (kvm_pvm): standard guest kernels cannot run; TCG');
  }
  let cpuinfo = '';
  try {
    cpuinfo = fs.readFileSync(`${root}/proc/cpuinfo`, 'utf8');
  } catch {
    /* unreadable: let the probe decide */
  }
  if (cpuinfo && !/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) {
    return accel('tcg', 'the CPU shows no vmx/svm flag (no hardware virtualisation exposed): TCG');
  }

  // Everything looks like KVM: one real boot decides, once per host boot.
  const kernel = opts.kernel ?? guestArtifacts().kernel;
  const cacheFile = opts.cacheFile === undefined ? path.join(cacheDir(), 'accel.json') : opts.cacheFile;
  const bootId = readBootId(root);
  const cached = cacheFile && bootId ? readCache(cacheFile, bootId, kernel) : null;
  if (cached) {
    log('cached: %s (%s)', cached.kind, cached.reason);
    return cached;
  }
  if (!fs.existsSync(kernel)) {
    // Not cached: the answer may change once the kernel exists.
    return accel('tcg', `/dev/kvm present but not probed: guest kernel ${kernel} missing; TCG`);
  }
  const probe = await probeKvm(kernel, { qemu: opts.qemu, timeoutMs: opts.probeTimeoutMs });
  const result = probe.ok
    ? accel('kvm', `KVM: a guest kernel booted under /dev/kvm in ${probe.ms} ms`)
    : accel('tcg', `/dev/kvm present but a guest kernel does not boot on it (${probe.detail}); TCG`);
  if (cacheFile && bootId) writeCache(cacheFile, bootId, kernel, result);
  return result;
}

export interface ProbeResult {
  ok: boolean;
  /** Wall time of the probe (ms). */
  ms: number;
  /** Why it failed: QEMU's first error line, or a timeout. */
  detail: string;
}

/**
 * Boot `kernel` under -accel kvm and see it get as far as running init. The
 * guest kernel has no initramfs support and the probe gives it no disk, so it
 * runs its whole initialisation, fails to mount a root filesystem and panics;
 * panic=-1 reboots at once and -no-reboot turns that into QEMU exiting. The
 * panic message on the serial console proves the kernel ran to the end of
 * its boot: a kernel that hangs (PVM) or a QEMU that aborts (vCPU setup
 * failures) does not print it.
 */
export function probeKvm(
  kernel: string,
  opts: { qemu?: string; timeoutMs?: number; accel?: AccelKind } = {},
): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const kind = opts.accel ?? 'kvm';
  const args = [
    '-M', 'microvm,acpi=off,x-option-roms=off',
    '-accel', kind, '-cpu', kind === 'kvm' ? 'host' : 'max',
    '-m', '128M', '-smp', '1',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-kernel', kernel,
    '-append', 'console=ttyS0 quiet panic=-1 reboot=t',
    '-serial', 'stdio',
  ];
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(opts.qemu ?? qemuBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-16384)));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4096)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, ms: Date.now() - t0, detail: `cannot run QEMU: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      const reached = /Kernel panic|VFS: |Run \/init|Kernel Offset/.test(out);
      log('probe %s: code %s signal %s in %d ms, reached=%s', kind, code, signal, ms, reached);
      if (reached && !timedOut) return resolve({ ok: true, ms, detail: 'booted' });
      const firstErr = err.split('\n').map((l) => l.trim()).find(Boolean);
      const detail = timedOut
        ? `no guest output within ${timeoutMs} ms`
        : firstErr
          ? `QEMU: ${firstErr}`
          : `QEMU ${signal ? `killed by ${signal}` : `exited with code ${code}`} before the kernel finished booting`;
      resolve({ ok: false, ms, detail });
    });
  });
}

function readBootId(root: string): string | null {
  try {
    return fs.readFileSync(`${root}/proc/sys/kernel/random/boot_id`, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

interface CacheEntry {
  bootId: string;
  kernel: string;
  kind: AccelKind;
  reason: string;
}

function readCache(file: string, bootId: string, kernel: string): Accelerator | null {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry;
    if (c.bootId !== bootId || c.kernel !== kernel || (c.kind !== 'kvm' && c.kind !== 'tcg')) return null;
    return accel(c.kind, `${c.reason} (probed earlier this boot)`);
  } catch {
    return null;
  }
}

function writeCache(file: string, bootId: string, kernel: string, a: Accelerator): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const entry: CacheEntry = { bootId, kernel, kind: a.kind, reason: a.reason };
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(entry) + '\n');
    fs.renameSync(tmp, file);
  } catch (err) {
    log('cannot write %s: %s', file, (err as Error).message); // not fatal: probe again next time
  }
}
