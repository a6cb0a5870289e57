/**
 * The vhost-user protocol (QEMU docs/interop/vhost-user.rst), backend side:
 * message framing over a Unix stream socket with fds passed as SCM_RIGHTS.
 * This module knows the wire format only; what the messages mean to a
 * device is up to the device (see ./backend.ts).
 */
export const HEADER_SIZE = 12;
export const VERSION = 0x1;
export const FLAG_REPLY = 0x4;
export const FLAG_NEED_REPLY = 0x8;

export enum Request {
  GetFeatures = 1,
  SetFeatures = 2,
  SetOwner = 3,
  ResetOwner = 4,
  SetMemTable = 5,
  SetLogBase = 6,
  SetLogFd = 7,
  SetVringNum = 8,
  SetVringAddr = 9,
  SetVringBase = 10,
  GetVringBase = 11,
  SetVringKick = 12,
  SetVringCall = 13,
  SetVringErr = 14,
  GetProtocolFeatures = 15,
  SetProtocolFeatures = 16,
  GetQueueNum = 17,
  SetVringEnable = 18,
  SetVringEndian = 23,
  GetConfig = 24,
  SetConfig = 25,
}

/** Device feature bits we offer. */
export const F_VERSION_1 = 1n << 32n;
export const F_PROTOCOL_FEATURES = 1n << 30n;
/** Protocol feature bits we offer: REPLY_ACK lets QEMU wait for errors; CONFIG serves GET_CONFIG. */
export const PF_REPLY_ACK = 1n << 3n;
export const PF_CONFIG = 1n << 9n;

/** Bit 8 of SET_VRING_KICK/CALL's u64: no fd follows. */
export const VRING_NOFD_MASK = 0x100n;
export const VRING_IDX_MASK = 0xffn;

export interface Message {
  request: number;
  flags: number;
  payload: Buffer;
  fds: number[];
}

export function encodeReply(request: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(request, 0);
  header.writeUInt32LE(VERSION | FLAG_REPLY, 4);
  header.writeUInt32LE(payload.length, 8);
  return Buffer.concat([header, payload]);
}

export function u64(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return b;
}

/** vhost_vring_state: an index and a number. */
export function decodeVringState(p: Buffer): { index: number; num: number } {
  return { index: p.readUInt32LE(0), num: p.readUInt32LE(4) };
}

export function encodeVringState(index: number, num: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(index, 0);
  b.writeUInt32LE(num, 4);
  return b;
}

/** vhost_vring_addr: ring index, flags, then desc/used/avail/log addresses. */
export function decodeVringAddr(p: Buffer) {
  return {
    index: p.readUInt32LE(0),
    flags: p.readUInt32LE(4),
    desc: Number(p.readBigUInt64LE(8)),
    used: Number(p.readBigUInt64LE(16)),
    avail: Number(p.readBigUInt64LE(24)),
  };
}

/** VhostUserMemory: a count, padding, then up to 8 regions of 4 u64s. */
export function decodeMemTable(p: Buffer) {
  const count = p.readUInt32LE(0);
  const regions = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 32;
    regions.push({
      guestPhysAddr: Number(p.readBigUInt64LE(at)),
      size: Number(p.readBigUInt64LE(at + 8)),
      userAddr: Number(p.readBigUInt64LE(at + 16)),
      mmapOffset: Number(p.readBigUInt64LE(at + 24)),
    });
  }
  return regions;
}

/** VhostUserConfig: offset, size, flags, then `size` bytes of config space. */
export function decodeConfigRequest(p: Buffer): { offset: number; size: number; flags: number } {
  return { offset: p.readUInt32LE(0), size: p.readUInt32LE(4), flags: p.readUInt32LE(8) };
}

export function encodeConfigReply(offset: number, flags: number, space: Buffer): Buffer {
  const b = Buffer.alloc(12 + space.length);
  b.writeUInt32LE(offset, 0);
  b.writeUInt32LE(space.length, 4);
  b.writeUInt32LE(flags, 8);
  space.copy(b, 12);
  return b;
}
