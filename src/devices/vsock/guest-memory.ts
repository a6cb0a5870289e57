/**
 * Guest RAM as the vhost-user backend sees it: the regions QEMU shares with
 * SET_MEM_TABLE, each a memfd we map ourselves. Virtqueue descriptors carry
 * guest-physical addresses; vring addresses (SET_VRING_ADDR) carry QEMU's own
 * virtual addresses. Both are translated here, bounds-checked, to Buffers
 * that alias guest memory (no copies).
 */
import { ClearError } from '../../lib/errors';

export interface MemoryRegionSpec {
  guestPhysAddr: number;
  size: number;
  /** The address of this region in QEMU's address space. */
  userAddr: number;
  /** Where the region starts inside the shared fd. */
  mmapOffset: number;
}

export interface MappedRegion extends MemoryRegionSpec {
  /** The whole mapping (from fd offset 0), kept so it can be unmapped. */
  mapping: ArrayBuffer;
  /** The region itself, a view into mapping at mmapOffset. */
  bytes: Buffer;
}

export interface Mapper {
  mmap(fd: number, length: number, offset: number): ArrayBuffer;
  munmap(buffer: ArrayBuffer): void;
}

export class GuestMemory {
  private constructor(
    private readonly regions: MappedRegion[],
    private readonly mapper: Mapper,
  ) {}

  /** Maps each region's fd. The fds can be closed afterwards: mappings outlive them. */
  static map(specs: MemoryRegionSpec[], fds: number[], mapper: Mapper): GuestMemory {
    if (specs.length !== fds.length) {
      throw new ClearError(`vhost-user SET_MEM_TABLE: ${specs.length} regions but ${fds.length} fds`);
    }
    const regions: MappedRegion[] = [];
    try {
      specs.forEach((spec, i) => {
        const mapping = mapper.mmap(fds[i], spec.size + spec.mmapOffset, 0);
        const bytes = Buffer.from(mapping, spec.mmapOffset, spec.size);
        regions.push({ ...spec, mapping, bytes });
      });
    } catch (err) {
      for (const r of regions) mapper.munmap(r.mapping);
      throw err;
    }
    return new GuestMemory(regions, mapper);
  }

  /** A Buffer aliasing guest-physical [gpa, gpa+length). */
  guest(gpa: number, length: number): Buffer {
    for (const r of this.regions) {
      const off = gpa - r.guestPhysAddr;
      if (off >= 0 && off + length <= r.size) return r.bytes.subarray(off, off + length);
    }
    throw new ClearError(`guest address 0x${gpa.toString(16)}+${length} is outside guest memory`);
  }

  /** A Buffer aliasing QEMU's virtual [uva, uva+length) (vring addresses). */
  user(uva: number, length: number): Buffer {
    for (const r of this.regions) {
      const off = uva - r.userAddr;
      if (off >= 0 && off + length <= r.size) return r.bytes.subarray(off, off + length);
    }
    throw new ClearError(`QEMU address 0x${uva.toString(16)}+${length} is outside the shared memory table`);
  }

  unmap(): void {
    for (const r of this.regions) this.mapper.munmap(r.mapping);
    this.regions.length = 0;
  }
}
