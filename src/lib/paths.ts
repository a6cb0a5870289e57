/**
 * Default locations on the host. Every one can be overridden: the state root
 * by the CLI's --root flag, the others by environment variables.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where per-container state lives (runc uses /run/runc). */
export function defaultStateRoot(): string {
  return '/run/clear';
}

/**
 * VM run directories live apart from the state dirs: their Unix sockets need
 * short paths (107 bytes at most), and Docker's root plus a 64-character id
 * alone come close to that.
 */
export const VM_RUN_ROOT = '/run/clear-vm';

/** The boot gate's slots, shared by every VM of the host (src/sandbox/boot-gate.ts). */
export const BOOT_GATE_DIR = path.join(VM_RUN_ROOT, 'boot-slots');

/** The machine-wide cache: guest kernel and image, accelerator probe result. */
export function cacheDir(): string {
  return process.env.CLEAR_CACHE || '/var/cache/clear';
}

export interface GuestArtifacts {
  /** PVH-bootable ELF vmlinux. */
  kernel: string;
  /** Read-only guest root image (erofs). */
  image: string;
}

/** Guest kernel and image: CLEAR_KERNEL / CLEAR_IMAGE, else under $CLEAR_CACHE/guest. */
export function guestArtifacts(): GuestArtifacts {
  const guest = path.join(cacheDir(), 'guest');
  return {
    kernel: process.env.CLEAR_KERNEL || path.join(guest, 'vmlinux'),
    image: process.env.CLEAR_IMAGE || path.join(guest, 'clear.img'),
  };
}

/**
 * The package root (the directory holding package.json). This file sits two
 * levels below it both as src/lib/paths.ts and as dist/lib/paths.js.
 */
export function packageRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/** The QEMU binary: CLEAR_QEMU, else qemu-system-x86_64 from PATH. */
export function qemuBinary(): string {
  return process.env.CLEAR_QEMU || 'qemu-system-x86_64';
}

/** virtiofsd as Debian 12 installs it (package qemu-system-common). */
export const VIRTIOFSD_PATH = '/usr/lib/qemu/virtiofsd';

/**
 * util-linux's setpriv (QEMU and virtiofsd run under `setpriv --pdeathsig`),
 * by its path where Debian puts it: a bare name costs a failed exec for every
 * PATH entry before it (~10 on a developer's PATH) on each VM's way to start.
 */
export function setprivPath(): string {
  return fs.existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : 'setpriv';
}
