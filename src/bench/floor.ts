/**
 * The floor for clear's figures: a bare QEMU of the same kernel and image,
 * with the same machine options, no devices beyond the image and a trivial
 * init — what any runtime built on this QEMU and kernel cannot beat.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { guestArtifacts } from '../lib/paths';
import type { Accelerator } from '../vmm/hypervisor';
import { QemuHypervisor } from '../vmm/qemu/driver';
import { pssKiB, sleep } from './util';

function tempRunDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'clear-bench-'));
}

function floorMachine(accel: Accelerator, runDir: string, init: string) {
  const { kernel, image } = guestArtifacts();
  return new QemuHypervisor().start({
    name: 'floor',
    kernel,
    // Everything after `--` goes to init.
    cmdline: `root=/dev/vda rootfstype=erofs ro init=${init}`,
    memoryMiB: 256,
    vcpus: 1,
    accel,
    runDir,
    consoleLog: null,
    devices: [{ kind: 'block', id: 'root', path: image, readOnly: true }],
  });
}

/** QEMU start to QEMU exit, booting the same kernel and image into busybox's `reboot -f`. */
export async function floorBoot(accel: Accelerator): Promise<number> {
  const runDir = tempRunDir();
  try {
    const started = Date.now();
    const machine = await floorMachine(accel, runDir, '/bin/reboot -- -f');
    const exit = await machine.exited;
    if (exit.code !== 0) throw new Error(`floor VM ended with ${exit.code ?? exit.signal}: ${exit.stderrTail}`);
    return Date.now() - started;
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/** Host PSS (KiB) of a bare QEMU whose init is busybox `sleep`, after `settleMs`. */
export async function floorIdlePss(accel: Accelerator, settleMs: number): Promise<number> {
  const runDir = tempRunDir();
  const machine = await floorMachine(accel, runDir, '/bin/sleep -- 1000000');
  try {
    await sleep(settleMs);
    return pssKiB(machine.pid);
  } finally {
    await machine.kill().catch(() => {});
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}
