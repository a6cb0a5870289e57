/**
 * The host end of virtio-vsock streams, bridged to Unix sockets: the
 * "hybrid vsock" convention Firecracker and Cloud Hypervisor also use.
 *
 * - A host client connecting to the Unix socket exposed for guest port P
 *   becomes a vsock stream from the host to guest port P.
 * - A guest connecting to host port P is bridged to the Unix socket
 *   `<guestInitiatedBase>_<P>`, when that exists.
 *
 * This module is the protocol state (connect, credit-based flow control,
 * shutdown, reset) and knows nothing of virtqueues: the device pulls the
 * next packet for the guest with nextPacket() and hands in what the guest
 * sent with receive().
 */
import net from 'node:net';
import { debug } from '../../lib/log';
import {
  HOST_CID,
  Op,
  type OutPacket,
  type PacketHeader,
  SHUTDOWN_RCV,
  SHUTDOWN_SEND,
  TYPE_STREAM,
} from './packet';

/** Receive buffer we advertise per stream: what the guest may send unacknowledged. */
const BUF_ALLOC = 1 << 20;
/** Tell the guest about freed buffer space once this much has been consumed. */
const CREDIT_UPDATE_THRESHOLD = BUF_ALLOC / 4;
/** Stop reading a host socket while this much is waiting for guest credit or buffers. */
const PENDING_HIGH_WATER = 256 * 1024;
/** How long a closing stream waits for the guest's RST before it is dropped. */
const CLOSE_TIMEOUT_MS = 5000;

type StreamState = 'connecting' | 'established' | 'closing';

class Stream {
  state: StreamState;
  /** Data read from the host socket, waiting to go to the guest. */
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** Guest's advertised receive buffer and how much of it it has consumed. */
  peerBufAlloc = 0;
  peerFwdCnt = 0;
  /** Bytes we have sent the guest in RW packets. */
  txCnt = 0;
  /** Bytes from the guest we have handed to the host socket. */
  fwdCnt = 0;
  /** fwdCnt as last told to the guest (every header carries it). */
  reportedFwdCnt = 0;
  /** The host side has no more to send (its socket ended). */
  hostEnded = false;
  /** We have told the guest we send no more. */
  shutdownSent = false;
  /** The guest said it will send (SEND) or receive (RCV) no more. */
  peerShutdown = 0;
  pausedForBackpressure = false;
  closeTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly key: string,
    readonly hostPort: number,
    readonly guestPort: number,
    readonly socket: net.Socket,
    state: StreamState,
  ) {
    this.state = state;
  }

  /** How many bytes the guest can take from us right now. */
  get credit(): number {
    return Math.max(0, this.peerBufAlloc - ((this.txCnt - this.peerFwdCnt) >>> 0));
  }
}

export interface MuxOptions {
  guestCid: number;
  /**
   * The Unix socket a guest-initiated connection to host port `port` is
   * bridged to, or null to refuse it.
   */
  hostSocketFor(port: number): string | null;
}

export class VsockMux {
  private readonly streams = new Map<string, Stream>();
  /** Control packets not tied to stream data order (RESPONSE, RST, CREDIT_*, REQUEST). */
  private readonly control: OutPacket[] = [];
  /** Streams that may have something to send; checked round-robin. */
  private ready: Stream[] = [];
  private nextHostPort = 49152;
  /** Called whenever there may be something new for the guest. */
  onWake: () => void = () => {};

  constructor(private readonly opts: MuxOptions) {}

  /** Opens a stream from the host to guest `port`, carried by `socket`. */
  connectToGuest(port: number, socket: net.Socket): void {
    const hostPort = this.allocatePort(port);
    const stream = this.add(hostPort, port, socket, 'connecting');
    socket.pause();
    this.sendControl(stream, Op.Request);
  }

  /** Everything the guest sent: one packet, its payload already copied out of guest memory. */
  receive(h: PacketHeader, payload: Buffer | null): void {
    if (h.type !== TYPE_STREAM || h.dstCid !== HOST_CID) {
      if (h.op !== Op.Rst) this.sendReset(h);
      return;
    }
    const stream = this.streams.get(keyOf(h.dstPort, h.srcPort));
    if (!stream) {
      if (h.op === Op.Request) this.acceptFromGuest(h);
      else if (h.op !== Op.Rst) this.sendReset(h);
      return;
    }
    stream.peerBufAlloc = h.bufAlloc;
    stream.peerFwdCnt = h.fwdCnt;
    switch (h.op) {
      case Op.Response:
        if (stream.state === 'connecting') {
          stream.state = 'established';
          stream.socket.resume();
        }
        break;
      case Op.Rw:
        if (payload && payload.length > 0) this.deliverToHost(stream, payload);
        break;
      case Op.Shutdown:
        this.peerShutdown(stream, h.flags);
        break;
      case Op.Rst:
        this.drop(stream, 'reset by guest');
        return;
      case Op.CreditRequest:
        this.sendControl(stream, Op.CreditUpdate);
        break;
      case Op.CreditUpdate:
      case Op.Request:
        break;
    }
    this.markReady(stream);
  }

  /**
   * The next packet for the guest whose payload fits `maxPayload` bytes,
   * or null when there is nothing to send now.
   */
  nextPacket(maxPayload: number): OutPacket | null {
    const ctl = this.control.shift();
    if (ctl) return ctl;
    while (this.ready.length > 0) {
      const stream = this.ready.shift()!;
      const pkt = this.nextFromStream(stream, maxPayload);
      if (pkt) {
        // Still more to send: go to the back of the queue, fair to others.
        if (this.streams.get(stream.key) === stream && this.canSend(stream)) this.ready.push(stream);
        return pkt;
      }
    }
    return null;
  }

  /** Whether nextPacket() would return something. */
  hasPending(): boolean {
    return this.control.length > 0 || this.ready.some((s) => this.canSend(s));
  }

  /** The device went away (QEMU exited or reset it): every stream ends. */
  resetAll(): void {
    for (const stream of [...this.streams.values()]) this.drop(stream, 'device reset');
    this.control.length = 0;
    this.ready = [];
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private allocatePort(guestPort: number): number {
    for (let i = 0; i < 16384; i++) {
      const port = this.nextHostPort;
      this.nextHostPort = port >= 65535 ? 49152 : port + 1;
      if (!this.streams.has(keyOf(port, guestPort))) return port;
    }
    throw new Error('vsock: no free host port');
  }

  private add(hostPort: number, guestPort: number, socket: net.Socket, state: StreamState): Stream {
    const stream = new Stream(keyOf(hostPort, guestPort), hostPort, guestPort, socket, state);
    this.streams.set(stream.key, stream);
    socket.on('data', (chunk: Buffer) => this.fromHost(stream, chunk));
    socket.on('end', () => {
      stream.hostEnded = true;
      this.markReady(stream);
    });
    socket.on('error', (err) => debug('vsock', `stream ${stream.key}: host socket: ${err.message}`));
    socket.on('close', () => this.hostClosed(stream));
    return stream;
  }

  private acceptFromGuest(h: PacketHeader): void {
    const path = this.opts.hostSocketFor(h.dstPort);
    if (!path) {
      this.sendReset(h);
      return;
    }
    const socket = net.connect(path);
    const stream = this.add(h.dstPort, h.srcPort, socket, 'connecting');
    stream.peerBufAlloc = h.bufAlloc;
    stream.peerFwdCnt = h.fwdCnt;
    socket.once('connect', () => {
      if (this.streams.get(stream.key) !== stream) return;
      stream.state = 'established';
      this.sendControl(stream, Op.Response);
    });
  }

  private fromHost(stream: Stream, chunk: Buffer): void {
    if (stream.peerShutdown & SHUTDOWN_RCV) return; // the guest reads no more: discard
    stream.pending.push(chunk);
    stream.pendingBytes += chunk.length;
    if (stream.pendingBytes >= PENDING_HIGH_WATER && !stream.pausedForBackpressure) {
      stream.pausedForBackpressure = true;
      stream.socket.pause();
    }
    this.markReady(stream);
  }

  private deliverToHost(stream: Stream, payload: Buffer): void {
    if (stream.socket.destroyed || stream.socket.writableEnded) return;
    stream.socket.write(payload, () => {
      stream.fwdCnt = (stream.fwdCnt + payload.length) >>> 0;
      if (((stream.fwdCnt - stream.reportedFwdCnt) >>> 0) >= CREDIT_UPDATE_THRESHOLD) {
        this.sendControl(stream, Op.CreditUpdate);
      }
    });
  }

  private peerShutdown(stream: Stream, flags: number): void {
    stream.peerShutdown |= flags & (SHUTDOWN_RCV | SHUTDOWN_SEND);
    if (stream.peerShutdown & SHUTDOWN_SEND) stream.socket.end();
    if (stream.peerShutdown & SHUTDOWN_RCV) {
      stream.pending = [];
      stream.pendingBytes = 0;
    }
    if (stream.peerShutdown === (SHUTDOWN_RCV | SHUTDOWN_SEND)) {
      // The guest closed its socket; it waits for our RST to free it.
      this.sendControl(stream, Op.Rst);
      this.forget(stream);
      stream.socket.end();
    }
  }

  private hostClosed(stream: Stream): void {
    if (this.streams.get(stream.key) !== stream) return;
    stream.hostEnded = true;
    if (stream.state !== 'established') {
      this.sendControl(stream, Op.Rst);
      this.forget(stream);
      return;
    }
    stream.state = 'closing';
    this.markReady(stream);
  }

  private nextFromStream(stream: Stream, maxPayload: number): OutPacket | null {
    if (this.streams.get(stream.key) !== stream || stream.state === 'connecting') return null;
    const n = Math.min(maxPayload, stream.credit, stream.pendingBytes);
    if (n > 0) return this.takeData(stream, n);
    if (stream.pendingBytes === 0 && stream.hostEnded && !stream.shutdownSent) {
      stream.shutdownSent = true;
      const closing = stream.state === 'closing';
      if (closing) this.armCloseTimer(stream);
      // A socket closed outright will neither send nor receive; one only
      // half-closed (end) still reads what the guest sends.
      return this.packet(stream, Op.Shutdown, closing ? SHUTDOWN_SEND | SHUTDOWN_RCV : SHUTDOWN_SEND);
    }
    return null;
  }

  private takeData(stream: Stream, n: number): OutPacket {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = stream.pending[0];
      if (head.length <= need) {
        parts.push(head);
        stream.pending.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        stream.pending[0] = head.subarray(need);
        need = 0;
      }
    }
    stream.pendingBytes -= n;
    stream.txCnt = (stream.txCnt + n) >>> 0;
    if (stream.pausedForBackpressure && stream.pendingBytes < PENDING_HIGH_WATER / 2) {
      stream.pausedForBackpressure = false;
      stream.socket.resume();
    }
    const pkt = this.packet(stream, Op.Rw, 0);
    pkt.payload = parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
    pkt.header.len = n;
    return pkt;
  }

  private canSend(stream: Stream): boolean {
    if (this.streams.get(stream.key) !== stream || stream.state === 'connecting') return false;
    if (stream.pendingBytes > 0) return stream.credit > 0;
    return stream.hostEnded && !stream.shutdownSent;
  }

  private markReady(stream: Stream): void {
    if (!this.ready.includes(stream)) this.ready.push(stream);
    this.onWake();
  }

  private sendControl(stream: Stream, op: Op): void {
    this.control.push(this.packet(stream, op, 0));
    this.onWake();
  }

  private packet(stream: Stream, op: Op, flags: number): OutPacket {
    stream.reportedFwdCnt = stream.fwdCnt;
    return {
      header: {
        srcCid: HOST_CID,
        dstCid: this.opts.guestCid,
        srcPort: stream.hostPort,
        dstPort: stream.guestPort,
        len: 0,
        type: TYPE_STREAM,
        op,
        flags,
        bufAlloc: BUF_ALLOC,
        fwdCnt: stream.fwdCnt,
      },
    };
  }

  private sendReset(h: PacketHeader): void {
    this.control.push({
      header: {
        srcCid: HOST_CID,
        dstCid: h.srcCid,
        srcPort: h.dstPort,
        dstPort: h.srcPort,
        len: 0,
        type: TYPE_STREAM,
        op: Op.Rst,
        flags: 0,
        bufAlloc: 0,
        fwdCnt: 0,
      },
    });
    this.onWake();
  }

  private armCloseTimer(stream: Stream): void {
    stream.closeTimer = setTimeout(() => this.drop(stream, 'guest did not reset a closed stream'), CLOSE_TIMEOUT_MS);
    stream.closeTimer.unref();
  }

  /** Ends a stream on both sides without telling the guest. */
  private drop(stream: Stream, why: string): void {
    debug('vsock', `stream ${stream.key}: ${why}`);
    this.forget(stream);
    stream.socket.destroy();
  }

  private forget(stream: Stream): void {
    if (stream.closeTimer) clearTimeout(stream.closeTimer);
    if (this.streams.get(stream.key) === stream) this.streams.delete(stream.key);
    this.ready = this.ready.filter((s) => s !== stream);
  }
}

function keyOf(hostPort: number, guestPort: number): string {
  return `${hostPort}:${guestPort}`;
}
