/**
 * virtio-vsock packets (virtio 1.2, section 5.10.6): a 44-byte
 * little-endian header, then `len` bytes of payload for RW packets.
 */
export const HEADER_SIZE = 44;
export const HOST_CID = 2;
export const TYPE_STREAM = 1;

export enum Op {
  Request = 1,
  Response = 2,
  Rst = 3,
  Shutdown = 4,
  Rw = 5,
  CreditUpdate = 6,
  CreditRequest = 7,
}

/** SHUTDOWN flags: the sender will receive (RCV) or send (SEND) no more. */
export const SHUTDOWN_RCV = 1;
export const SHUTDOWN_SEND = 2;

export interface PacketHeader {
  srcCid: number;
  dstCid: number;
  srcPort: number;
  dstPort: number;
  len: number;
  type: number;
  op: Op;
  flags: number;
  bufAlloc: number;
  fwdCnt: number;
}

export function decodeHeader(b: Buffer): PacketHeader {
  return {
    srcCid: Number(b.readBigUInt64LE(0)),
    dstCid: Number(b.readBigUInt64LE(8)),
    srcPort: b.readUInt32LE(16),
    dstPort: b.readUInt32LE(20),
    len: b.readUInt32LE(24),
    type: b.readUInt16LE(28),
    op: b.readUInt16LE(30),
    flags: b.readUInt32LE(32),
    bufAlloc: b.readUInt32LE(36),
    fwdCnt: b.readUInt32LE(40),
  };
}

export function encodeHeader(h: PacketHeader): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.writeBigUInt64LE(BigInt(h.srcCid), 0);
  b.writeBigUInt64LE(BigInt(h.dstCid), 8);
  b.writeUInt32LE(h.srcPort >>> 0, 16);
  b.writeUInt32LE(h.dstPort >>> 0, 20);
  b.writeUInt32LE(h.len >>> 0, 24);
  b.writeUInt16LE(h.type, 28);
  b.writeUInt16LE(h.op, 30);
  b.writeUInt32LE(h.flags >>> 0, 32);
  b.writeUInt32LE(h.bufAlloc >>> 0, 36);
  b.writeUInt32LE(h.fwdCnt >>> 0, 40);
  return b;
}

/** A packet waiting to be delivered to the guest. */
export interface OutPacket {
  header: PacketHeader;
  payload?: Buffer;
}
