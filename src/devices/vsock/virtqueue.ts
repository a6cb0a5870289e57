/**
 * A split virtqueue (virtio 1.x, section 2.7) seen from the device side.
 * The driver (guest) offers descriptor chains in the available ring; we take
 * them, read or fill their buffers, and return them through the used ring.
 * Only what clear negotiates is handled: no indirect descriptors, no
 * event-idx (we always notify, the guest always kicks).
 */
import { ClearError } from '../../lib/errors';
import type { GuestMemory } from './guest-memory';

const DESC_SIZE = 16;
const DESC_F_NEXT = 1;
const DESC_F_WRITE = 2;
const DESC_F_INDIRECT = 4;

/** A descriptor chain taken from the available ring. */
export interface Chain {
  head: number;
  /** Buffers the device reads (driver → device), in order. */
  readable: Buffer[];
  /** Buffers the device writes (device → driver), in order. */
  writable: Buffer[];
}

export interface VringAddresses {
  /** QEMU virtual addresses of the three parts of the ring. */
  desc: number;
  avail: number;
  used: number;
}

export class Virtqueue {
  private desc!: Buffer;
  private avail!: Buffer;
  private used!: Buffer;
  /** Next index of the available ring we have not consumed (free-running u16). */
  private lastAvail = 0;
  /** Next index of the used ring we will fill (free-running u16). */
  private usedIdx = 0;

  constructor(
    readonly size: number,
    memory: GuestMemory,
    addrs: VringAddresses,
    base: number,
  ) {
    if (size === 0 || size > 32768 || (size & (size - 1)) !== 0) {
      throw new ClearError(`virtqueue size ${size} is not a power of two up to 32768`);
    }
    this.desc = memory.user(addrs.desc, DESC_SIZE * size);
    this.avail = memory.user(addrs.avail, 6 + 2 * size);
    this.used = memory.user(addrs.used, 6 + 8 * size);
    this.lastAvail = base & 0xffff;
    this.usedIdx = base & 0xffff;
  }

  /** Where a restarted backend should resume (GET_VRING_BASE). */
  get base(): number {
    return this.lastAvail;
  }

  /** Whether the driver has offered chains we have not taken. */
  hasAvailable(): boolean {
    return this.avail.readUInt16LE(2) !== this.lastAvail;
  }

  /** Takes the next offered chain, or null when there is none. */
  pop(memory: GuestMemory): Chain | null {
    const availIdx = this.avail.readUInt16LE(2);
    if (availIdx === this.lastAvail) return null;
    const head = this.avail.readUInt16LE(4 + 2 * (this.lastAvail % this.size));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    return this.walk(head, memory);
  }

  private walk(head: number, memory: GuestMemory): Chain {
    const chain: Chain = { head, readable: [], writable: [] };
    let index = head;
    for (let hops = 0; ; hops++) {
      if (index >= this.size || hops >= this.size) {
        throw new ClearError(`virtqueue: malformed descriptor chain at head ${head}`);
      }
      const at = index * DESC_SIZE;
      const addr = Number(this.desc.readBigUInt64LE(at));
      const len = this.desc.readUInt32LE(at + 8);
      const flags = this.desc.readUInt16LE(at + 12);
      if (flags & DESC_F_INDIRECT) throw new ClearError('virtqueue: indirect descriptors were not negotiated');
      const buf = memory.guest(addr, len);
      (flags & DESC_F_WRITE ? chain.writable : chain.readable).push(buf);
      if (!(flags & DESC_F_NEXT)) return chain;
      index = this.desc.readUInt16LE(at + 14);
    }
  }

  /** Gives back the chain pop() just took, untouched, to be taken again later. */
  unpop(): void {
    this.lastAvail = (this.lastAvail - 1) & 0xffff;
  }

  /** Returns a chain to the driver, saying how many bytes we wrote into it. */
  push(head: number, written: number): void {
    const slot = 4 + 8 * (this.usedIdx % this.size);
    this.used.writeUInt32LE(head, slot);
    this.used.writeUInt32LE(written, slot + 4);
    // The element must be visible before the index that publishes it. x86
    // keeps stores in program order, and these are plain stores to shared
    // memory, so writing the index last is enough here.
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.used.writeUInt16LE(this.usedIdx, 2);
  }
}

/** Copies `src` into the chain's writable buffers; returns bytes written. */
export function writeToChain(chain: Chain, parts: Buffer[]): number {
  let bufIndex = 0;
  let bufOffset = 0;
  let total = 0;
  for (const part of parts) {
    let partOffset = 0;
    while (partOffset < part.length) {
      const dst = chain.writable[bufIndex];
      if (!dst) throw new ClearError('virtqueue: packet larger than the buffers offered');
      const n = part.copy(dst, bufOffset, partOffset);
      partOffset += n;
      bufOffset += n;
      total += n;
      if (bufOffset === dst.length) {
        bufIndex++;
        bufOffset = 0;
      }
    }
  }
  return total;
}

/** The total size of the chain's writable buffers. */
export function writableLength(chain: Chain): number {
  let n = 0;
  for (const b of chain.writable) n += b.length;
  return n;
}

/** The chain's readable buffers as one Buffer (one copy, only when split). */
export function readFromChain(chain: Chain): Buffer {
  return chain.readable.length === 1 ? chain.readable[0] : Buffer.concat(chain.readable);
}
