/**
 * The guest's root: clear's read-only erofs image, shared by every VM on the
 * host. Two ways to hand it to a guest:
 *
 *  - `dax` (the default): the image file is mapped read-only into guest
 *    memory as legacy persistent memory (the hypervisor's `pmem` device) and
 *    the guest mounts /dev/pmem0 with `dax`: file reads and node's text are
 *    loads straight from the host's page cache of the image, so N VMs hold
 *    one copy of the pages they use instead of N copies in N guests' page
 *    caches. This is Clear Containers' DAX image; it needs our guest kernel
 *    (X86_PMEM_LEGACY, FS_DAX, and guest/kernel/patches for a kernel without
 *    PCI) and an image whose size is a multiple of 2 MiB (`make image` pads
 *    it), because the guest maps device memory in 2 MiB subsections.
 *  - `virtio-blk`: an ordinary read-only disk; every guest caches what it
 *    reads in its own RAM. For kernels or images that cannot do the above,
 *    and for the image build's page-set recording, which needs a page cache
 *    to observe (`CLEAR_IMAGE_DAX=0` picks it).
 */
import fs from 'node:fs';
import { ClearError } from '../lib/errors';
import type { DeviceSpec } from '../vmm/hypervisor';

export type RootImageMode = 'dax' | 'virtio-blk';

/** The device granule a pmem region must be a multiple of (the kernel's subsection). */
export const PMEM_ALIGN_BYTES = 2 * 1024 * 1024;

export interface RootImage {
  mode: RootImageMode;
  device: DeviceSpec;
  /** The kernel command line that mounts it as / (read-only erofs). */
  cmdline: string;
}

/** The mode the environment asks for: `CLEAR_IMAGE_DAX=0` turns DAX off. */
export function requestedRootImageMode(): RootImageMode {
  return process.env.CLEAR_IMAGE_DAX === '0' ? 'virtio-blk' : 'dax';
}

/**
 * The device and command line for `image`. `dax` falls back to virtio-blk
 * for an image whose size is not a multiple of 2 MiB (one not built by
 * `make image`), so an odd image still boots, only without sharing.
 */
export function rootImage(image: string, mode: RootImageMode = requestedRootImageMode()): RootImage {
  let size: number;
  try {
    size = fs.statSync(image).size;
  } catch (err) {
    throw new ClearError(`guest image ${image}: ${(err as NodeJS.ErrnoException).code ?? err}: run 'make guest'`);
  }
  const common = 'rootfstype=erofs ro';
  if (mode === 'dax' && size > 0 && size % PMEM_ALIGN_BYTES === 0) {
    return {
      mode,
      device: { kind: 'pmem', id: 'root', path: image, sizeBytes: size },
      // rootwait: /dev/pmem0 appears when the nvdimm bus has probed, which
      // can come after the kernel first looks for its root.
      cmdline: `root=/dev/pmem0 rootflags=dax rootwait ${common}`,
    };
  }
  return {
    mode: 'virtio-blk',
    device: { kind: 'block', id: 'root', path: image, readOnly: true },
    cmdline: `root=/dev/vda ${common}`,
  };
}
