/**
 * The floor for clear's figures: a bare QEMU of the same kernel and image,
 * with the same machine options, no devices beyond the image and a trivial
 * init — what any runtime built on this QEMU and kernel cannot beat.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rootImage } from '../devices/root-image';
import { guestArtifacts } from '../lib/paths';
import type { Accelerator } from '../vmm/hypervisor';
import { QemuHypervisor } from '../vmm/qemu/driver';
import { pssKiB, sleep, translationCacheKiB } from './util';

function tempRunDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'clear-bench-'));
}

function floorMachine(accel: Accelerator, runDir: string, init: string) {
  const { kernel, image } = guestArtifacts();
  // The image reaches the floor VM as it reaches clear's (DAX or virtio-blk).
  const root = rootImage(image);
  return new QemuHypervisor().start({
    name: 'floor',
    kernel,
    // Words without '=' that the kernel does not know go to init's argv. Not
    // `--`: QEMU appends the virtio_mmio.device= arguments after all of this,
    // and past a `--` the kernel would hand them to init and find no disk.
    cmdline: `${root.cmdline} init=${init}`,
    memoryMiB: 256,
    vcpus: 1,
    accel,
    runDir,
    consoleLog: path.join(runDir, 'console.log'),
    devices: [root.device],
  });
}

/** A floor VM must reach its init: a panic (no root, no init) also ends QEMU, sooner. */
function checkConsole(runDir: string): void {
  const text = fs.readFileSync(path.join(runDir, 'console.log'), 'utf8');
  const panic = /Kernel panic[^\n]*/.exec(text);
  if (panic) throw new Error(`floor VM: ${panic[0]}`);
}

/** QEMU start to QEMU exit, booting the same kernel and image into busybox's `reboot -f`. */
export async function floorBoot(accel: Accelerator): Promise<number> {
  const runDir = tempRunDir();
  try {
    const started = Date.now();
    const machine = await floorMachine(accel, runDir, '/sbin/reboot -f');
    const exit = await machine.exited;
    const ms = Date.now() - started;
    if (exit.code !== 0) throw new Error(`floor VM ended with ${exit.code ?? exit.signal}: ${exit.stderrTail}`);
    checkConsole(runDir);
    return ms;
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Host PSS (KiB) of a bare QEMU whose init is busybox `sleep`, after
 * `settleMs`, and how much of it is TCG's translation cache.
 */
export async function floorIdlePss(accel: Accelerator, settleMs: number): Promise<{ pssKiB: number; translationCacheKiB: number }> {
  const runDir = tempRunDir();
  const machine = await floorMachine(accel, runDir, '/bin/sleep 1000000');
  try {
    await sleep(settleMs);
    const kib = pssKiB(machine.pid);
    const tcg = translationCacheKiB(machine.pid);
    checkConsole(runDir);
    if (kib === 0) throw new Error('floor VM: QEMU gone before it was measured');
    return { pssKiB: kib, translationCacheKiB: tcg };
  } finally {
    await machine.kill().catch(() => {});
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}
