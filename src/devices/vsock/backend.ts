/**
 * A vhost-user virtio-vsock backend: QEMU's vhost-user-vsock-device hands us
 * the guest's memory and the rx/tx virtqueues, and we move packets between
 * them and the stream multiplexer (./mux.ts). It runs on the Node event
 * loop of the per-VM host process; every fd it is given it closes.
 *
 * Queue 0 (rx) carries packets to the guest, queue 1 (tx) packets from it;
 * the event queue stays inside QEMU.
 */
import { ClearError, messageOf } from '../../lib/errors';
import { debug } from '../../lib/log';
import { type FdWatcher, type NativeAddon, native } from '../../native';
import { GuestMemory } from './guest-memory';
import { VsockMux } from './mux';
import { decodeHeader, encodeHeader, HEADER_SIZE as PACKET_HEADER } from './packet';
import {
  decodeConfigRequest,
  decodeMemTable,
  decodeVringAddr,
  decodeVringState,
  encodeConfigReply,
  encodeReply,
  encodeVringState,
  F_PROTOCOL_FEATURES,
  F_VERSION_1,
  FLAG_NEED_REPLY,
  HEADER_SIZE,
  type Message,
  PF_CONFIG,
  PF_REPLY_ACK,
  Request,
  u64,
  VRING_IDX_MASK,
  VRING_NOFD_MASK,
} from './vhost-user';
import { type Chain, readFromChain, Virtqueue, type VringAddresses, writableLength, writeToChain } from './virtqueue';

const RX = 0;
const TX = 1;
const QUEUE_COUNT = 2;
const READABLE = 1;

interface QueueState {
  size: number;
  base: number;
  addrs: VringAddresses | null;
  kickFd: number;
  callFd: number;
  enabled: boolean;
  ring: Virtqueue | null;
  kickWatcher: FdWatcher | null;
}

function emptyQueue(): QueueState {
  return { size: 0, base: 0, addrs: null, kickFd: -1, callFd: -1, enabled: false, ring: null, kickWatcher: null };
}

export interface BackendOptions {
  guestCid: number;
  mux: VsockMux;
}

export class VhostUserVsockBackend {
  private readonly sys: NativeAddon = native();
  private readonly queues: QueueState[] = [emptyQueue(), emptyQueue()];
  private memory: GuestMemory | null = null;
  private features = 0n;
  private protocolFeatures = 0n;
  private socketWatcher: FdWatcher | null = null;
  private reader: MessageReader | null = null;
  private closed = false;
  private closeResolve!: () => void;
  /** Resolves when QEMU hung up (or close() was called). */
  readonly done: Promise<void> = new Promise((resolve) => (this.closeResolve = resolve));

  constructor(
    private readonly fd: number,
    private readonly opts: BackendOptions,
  ) {
    opts.mux.onWake = () => this.flushRx();
  }

  /** Starts serving QEMU on the connected vhost-user socket. */
  start(): void {
    this.reader = new MessageReader(this.sys, this.fd);
    this.socketWatcher = this.sys.watch(this.fd, () => this.onSocketReadable());
    this.socketWatcher.start(READABLE);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socketWatcher?.close();
    this.socketWatcher = null;
    for (let i = 0; i < QUEUE_COUNT; i++) this.stopQueue(i, true);
    this.memory?.unmap();
    this.memory = null;
    this.opts.mux.resetAll();
    this.sys.close(this.fd);
    this.closeResolve();
  }

  private onSocketReadable(): void {
    try {
      for (;;) {
        const msg = this.reader!.next();
        if (msg === 'eof') {
          debug('vsock', 'vhost-user: QEMU hung up');
          this.close();
          return;
        }
        if (msg === null) return;
        this.handle(msg);
      }
    } catch (err) {
      debug('vsock', `vhost-user: ${messageOf(err)}`);
      this.close();
    }
  }

  private handle(msg: Message): void {
    debug('vsock', `vhost-user: request ${Request[msg.request] ?? msg.request} (${msg.payload.length} bytes, ${msg.fds.length} fds)`);
    let reply: Buffer | null = null;
    let fdsUsed = false;
    const p = msg.payload;
    switch (msg.request) {
      case Request.GetFeatures:
        reply = u64(F_VERSION_1 | F_PROTOCOL_FEATURES);
        break;
      case Request.SetFeatures:
        this.features = p.readBigUInt64LE(0);
        break;
      case Request.GetProtocolFeatures:
        reply = u64(PF_CONFIG | PF_REPLY_ACK);
        break;
      case Request.SetProtocolFeatures:
        this.protocolFeatures = p.readBigUInt64LE(0);
        break;
      case Request.GetQueueNum:
        reply = u64(BigInt(QUEUE_COUNT));
        break;
      case Request.SetOwner:
      case Request.SetVringEndian:
      case Request.SetConfig:
      case Request.SetLogBase:
        break;
      case Request.ResetOwner:
        for (let i = 0; i < QUEUE_COUNT; i++) this.stopQueue(i, true);
        this.opts.mux.resetAll();
        break;
      case Request.SetMemTable:
        this.setMemTable(p, msg.fds);
        fdsUsed = true;
        break;
      case Request.SetVringNum: {
        const s = decodeVringState(p);
        this.queue(s.index).size = s.num;
        break;
      }
      case Request.SetVringBase: {
        const s = decodeVringState(p);
        this.queue(s.index).base = s.num;
        break;
      }
      case Request.SetVringAddr: {
        const a = decodeVringAddr(p);
        this.queue(a.index).addrs = { desc: a.desc, avail: a.avail, used: a.used };
        break;
      }
      case Request.GetVringBase: {
        const index = decodeVringState(p).index;
        const base = this.stopQueue(index, false);
        reply = encodeVringState(index, base);
        break;
      }
      case Request.SetVringKick:
        this.setVringFd(p, msg.fds, 'kick');
        fdsUsed = true;
        break;
      case Request.SetVringCall:
        this.setVringFd(p, msg.fds, 'call');
        fdsUsed = true;
        break;
      case Request.SetVringErr:
        break; // we never signal errors through it; its fd is closed below
      case Request.SetVringEnable: {
        const s = decodeVringState(p);
        this.queue(s.index).enabled = s.num === 1;
        this.maybeStartQueue(s.index);
        break;
      }
      case Request.GetConfig:
        reply = this.config(p);
        break;
      default:
        debug('vsock', `vhost-user: ignoring request ${msg.request}`);
    }
    if (!fdsUsed) for (const fd of msg.fds) this.sys.close(fd);
    if (reply) this.send(msg.request, reply);
    else if (msg.flags & FLAG_NEED_REPLY && this.protocolFeatures & PF_REPLY_ACK) this.send(msg.request, u64(0n));
  }

  private queue(index: number): QueueState {
    const q = this.queues[index];
    if (!q) throw new ClearError(`vhost-user: queue ${index} does not exist (vsock has ${QUEUE_COUNT})`);
    return q;
  }

  /** The device's config space: the guest's CID as a little-endian u64. */
  private config(p: Buffer): Buffer {
    const req = decodeConfigRequest(p);
    const space = Buffer.alloc(8);
    space.writeBigUInt64LE(BigInt(this.opts.guestCid));
    const slice = Buffer.alloc(req.size);
    space.copy(slice, 0, req.offset, Math.min(8, req.offset + req.size));
    return encodeConfigReply(req.offset, req.flags, slice);
  }

  private setMemTable(p: Buffer, fds: number[]): void {
    const specs = decodeMemTable(p);
    try {
      const next = GuestMemory.map(specs, fds, this.sys);
      // Rings alias the old mapping: rebuild them on the new one.
      const old = this.memory;
      this.memory = next;
      for (let i = 0; i < QUEUE_COUNT; i++) this.queues[i].ring = null;
      old?.unmap();
      for (let i = 0; i < QUEUE_COUNT; i++) this.maybeStartQueue(i);
    } finally {
      for (const fd of fds) this.sys.close(fd);
    }
  }

  private setVringFd(p: Buffer, fds: number[], which: 'kick' | 'call'): void {
    const value = p.readBigUInt64LE(0);
    const index = Number(value & VRING_IDX_MASK);
    const q = this.queue(index);
    const fd = value & VRING_NOFD_MASK ? -1 : (fds.shift() ?? -1);
    for (const extra of fds) this.sys.close(extra);
    if (which === 'call') {
      if (q.callFd >= 0) this.sys.close(q.callFd);
      q.callFd = fd;
      return;
    }
    q.kickWatcher?.close();
    q.kickWatcher = null;
    if (q.kickFd >= 0) this.sys.close(q.kickFd);
    q.kickFd = fd;
    // Without VHOST_USER_F_PROTOCOL_FEATURES a ring starts enabled on kick.
    if (!(this.features & F_PROTOCOL_FEATURES)) q.enabled = true;
    this.maybeStartQueue(index);
  }

  /** Starts processing a queue once it has memory, addresses, a size and a kick fd. */
  private maybeStartQueue(index: number): void {
    const q = this.queues[index];
    if (!this.memory || !q.addrs || q.size === 0 || q.kickFd < 0) return;
    if (!q.ring) q.ring = new Virtqueue(q.size, this.memory, q.addrs, q.base);
    if (!q.kickWatcher) {
      q.kickWatcher = this.sys.watch(q.kickFd, () => this.onKick(index));
      q.kickWatcher.start(READABLE);
    }
    if (q.enabled) this.process(index);
  }

  /** Stops a queue (GET_VRING_BASE or teardown); returns where it stopped. */
  private stopQueue(index: number, closeFds: boolean): number {
    const q = this.queue(index);
    const base = q.ring ? q.ring.base : q.base;
    q.kickWatcher?.close();
    q.kickWatcher = null;
    if (q.kickFd >= 0) this.sys.close(q.kickFd);
    q.kickFd = -1;
    q.ring = null;
    q.base = base;
    q.enabled = false;
    if (closeFds && q.callFd >= 0) {
      this.sys.close(q.callFd);
      q.callFd = -1;
    }
    return base;
  }

  private onKick(index: number): void {
    const q = this.queues[index];
    if (q.kickFd < 0) return;
    this.sys.eventfdRead(q.kickFd);
    if (q.enabled) this.process(index);
  }

  private process(index: number): void {
    try {
      if (index === TX) this.drainTx();
      else this.flushRx();
    } catch (err) {
      // A malformed ring is the guest's fault; stop the device rather than
      // trust its memory any further.
      debug('vsock', `virtqueue ${index}: ${messageOf(err)}`);
      this.close();
    }
  }

  /** Takes every packet the guest has queued for the host. */
  private drainTx(): void {
    const q = this.queues[TX];
    if (!q.ring || !this.memory || !q.enabled) return;
    let taken = 0;
    for (let chain = q.ring.pop(this.memory); chain; chain = q.ring.pop(this.memory)) {
      this.receivePacket(chain);
      q.ring.push(chain.head, 0);
      taken++;
    }
    if (taken > 0) this.notify(q);
  }

  private receivePacket(chain: Chain): void {
    const bytes = readFromChain(chain);
    if (bytes.length < PACKET_HEADER) throw new ClearError(`vsock: tx packet of ${bytes.length} bytes is shorter than a header`);
    const header = decodeHeader(bytes);
    const len = Math.min(header.len, bytes.length - PACKET_HEADER);
    // Copy: the chain's memory goes back to the guest as soon as we return.
    const payload = len > 0 ? Buffer.from(bytes.subarray(PACKET_HEADER, PACKET_HEADER + len)) : null;
    this.opts.mux.receive(header, payload);
  }

  /** Fills the buffers the guest offers with packets waiting for it. */
  private flushRx(): void {
    const q = this.queues[RX];
    if (!q.ring || !this.memory || !q.enabled) return;
    let filled = 0;
    while (this.opts.mux.hasPending()) {
      const chain = q.ring.pop(this.memory);
      if (!chain) break;
      const room = writableLength(chain) - PACKET_HEADER;
      const pkt = this.opts.mux.nextPacket(room);
      if (!pkt) {
        q.ring.unpop();
        break;
      }
      const parts = pkt.payload ? [encodeHeader(pkt.header), pkt.payload] : [encodeHeader(pkt.header)];
      q.ring.push(chain.head, writeToChain(chain, parts));
      filled++;
    }
    if (filled > 0) this.notify(q);
  }

  private notify(q: QueueState): void {
    if (q.callFd >= 0) this.sys.eventfdWrite(q.callFd, 1n);
  }

  private send(request: number, payload: Buffer): void {
    const msg = encodeReply(request, payload);
    // Replies are small and QEMU waits for each: a blocked socket here
    // means QEMU is gone or broken.
    const n = this.sys.sendmsg(this.fd, msg, []);
    if (n !== msg.length) throw new ClearError(`vhost-user: short reply (${n} of ${msg.length} bytes)`);
  }
}

/**
 * Reads vhost-user messages: the 12-byte header first (its fds arrive with
 * it), then exactly the payload it announces, so fds never leak into the
 * next message.
 */
class MessageReader {
  private header = Buffer.alloc(HEADER_SIZE);
  private headerFill = 0;
  private payload: Buffer | null = null;
  private payloadFill = 0;
  private fds: number[] = [];

  constructor(
    private readonly sys: NativeAddon,
    private readonly fd: number,
  ) {}

  /** The next whole message, null if it has not all arrived, 'eof' at hang-up. */
  next(): Message | null | 'eof' {
    while (this.headerFill < HEADER_SIZE) {
      const r = this.sys.recvmsg(this.fd, this.header.subarray(this.headerFill));
      if (r === null) return null;
      if (r.bytes === 0) return 'eof';
      this.fds.push(...r.fds);
      this.headerFill += r.bytes;
    }
    if (!this.payload) {
      const size = this.header.readUInt32LE(8);
      if (size > 4096) throw new ClearError(`vhost-user: message of ${size} bytes is too large`);
      this.payload = Buffer.alloc(size);
    }
    while (this.payloadFill < this.payload.length) {
      const r = this.sys.recvmsg(this.fd, this.payload.subarray(this.payloadFill));
      if (r === null) return null;
      if (r.bytes === 0) return 'eof';
      this.fds.push(...r.fds);
      this.payloadFill += r.bytes;
    }
    const msg: Message = {
      request: this.header.readUInt32LE(0),
      flags: this.header.readUInt32LE(4),
      payload: this.payload,
      fds: this.fds,
    };
    this.headerFill = 0;
    this.payload = null;
    this.payloadFill = 0;
    this.fds = [];
    return msg;
  }
}
