/**
 * HTTP/2 (RFC 9113), as much as gRPC needs, on any Duplex (a vsock FdStream,
 * a Unix socket): the guest agent's server side, and the host's client side
 * (the agent client, grpc-client.ts).
 *
 * Why not node:http2: under TCG every module node loads is compiled and
 * translated cold in every VM, and `require('http2')` alone brings 72 of the
 * agent's 79 built-in modules (tls, crypto, http's client and server, …),
 * most of the agent's start-up after node's bootstrap. It also wraps a
 * non-net Duplex in a JavaScript socket shim (JSStreamSocket) that every
 * byte of the containers' output went through. This module is the part of the
 * protocol gRPC uses, and nothing else: no TLS, no push, no priorities. On
 * the host the same holds for memory: grpc-js and node:http2 cost each
 * container's monitor ~6 MiB of heap (docs/performance.md).
 *
 * Flow control: every stream may receive RECEIVE_WINDOW bytes ahead of what
 * its consumer took (a paused stream stops sending WINDOW_UPDATE, so its
 * sender stops); the connection's own window is topped up as data arrives,
 * so one paused stream never holds up another. On the sending side DATA
 * frames respect the peer's connection and stream windows and frame size,
 * streams take turns, and writes stop while the transport is full.
 */
import { EventEmitter } from 'events';
import type { Duplex } from 'stream';
import { HpackDecoder, HpackError, encodeHeaders, type HeaderField } from './hpack';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 };
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 };
const SETTING = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5 };

/** HTTP/2 error codes (RFC 9113 7). */
export const H2_ERROR = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  STREAM_CLOSED: 5,
  FRAME_SIZE_ERROR: 6,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
};

const HEADER_SIZE = 9;
/** The largest frame either side may send until told otherwise. */
const DEFAULT_MAX_FRAME = 16384;
const DEFAULT_WINDOW = 65535;
const MAX_WINDOW = 2 ** 31 - 1;
/** How far ahead of its consumer a stream may receive, unless told otherwise. */
const RECEIVE_WINDOW = 1024 * 1024;
/** A stream's write() says "wait for 'drain'" past this many queued bytes. */
const STREAM_HIGH_WATER = 64 * 1024;
/** At most this many bytes go to the transport in one write. */
const BATCH_BYTES = 256 * 1024;

/** A breach of the protocol: the connection ends with GOAWAY and this code. */
class ConnectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One stream. Events: 'headers' (a header block after the request's: the
 * response's headers and trailers on a client, trailers on a server; with
 * the block's END_STREAM flag), 'data' (Buffer), 'end' (the peer ended its
 * side), 'drain' (write() may go on), 'close' (the stream is over: both
 * sides ended, or `aborted` when the peer reset it or the connection went).
 */
export class Http2Stream extends EventEmitter {
  /** The peer reset the stream, or the connection ended under it. */
  aborted = false;
  /** The error code of the peer's RST_STREAM, when it sent one. */
  resetCode: number | null = null;
  closed = false;
  /** The peer sent END_STREAM. */
  remoteEnded = false;
  /** This side queued its END_STREAM (its request or response is complete). */
  localEnded = false;

  private paused = false;
  private held: Buffer[] = [];
  private heldEnd = false;
  /** 'end' went out: everything the peer sent was delivered. */
  private endEmitted = false;
  /** Bytes consumed since the last WINDOW_UPDATE sent for this stream. */
  private consumed = 0;

  /** @internal send state, driven by the connection. */
  sendWindow: number;
  /** @internal HEADERS and DATA waiting for the windows, in order. */
  queue: Array<{ kind: 'data'; data: Buffer; end: boolean } | { kind: 'headers'; block: Buffer; end: boolean }> = [];
  queuedBytes = 0;
  needDrain = false;

  constructor(
    readonly id: number,
    readonly headers: ReadonlyMap<string, string>,
    private readonly conn: Http2Connection,
    initialSendWindow: number,
  ) {
    super();
    this.sendWindow = initialSendWindow;
  }

  /** Sends a header block (a server's response headers); with `endStream`, the last thing sent. */
  respond(fields: readonly HeaderField[], endStream = false): void {
    if (this.localEnded || this.closed) return;
    this.queue.push({ kind: 'headers', block: encodeHeaders(fields), end: endStream });
    if (endStream) this.localEnded = true;
    this.conn.pump();
  }

  /** Queues body bytes; false once the queue is full ('drain' follows). */
  write(data: Buffer): boolean {
    if (this.localEnded || this.closed) return false;
    if (data.length > 0) {
      this.queue.push({ kind: 'data', data, end: false });
      this.queuedBytes += data.length;
      this.conn.pump();
    }
    if (this.queuedBytes >= STREAM_HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Ends this side, with trailers (a HEADERS frame) or an empty DATA frame. */
  end(trailers?: readonly HeaderField[]): void {
    if (this.localEnded || this.closed) return;
    this.localEnded = true;
    if (trailers) this.queue.push({ kind: 'headers', block: encodeHeaders(trailers), end: true });
    else this.queue.push({ kind: 'data', data: Buffer.alloc(0), end: true });
    this.conn.pump();
  }

  /** Stops 'data' events; the peer stops sending once the window is used. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const chunk of held) {
      if (this.paused) {
        this.held.push(chunk);
        continue;
      }
      this.deliver(chunk);
    }
    if (this.heldEnd && !this.paused && this.held.length === 0) {
      this.heldEnd = false;
      this.emitEnd();
    }
  }

  /** Resets the stream (RST_STREAM) with an HTTP/2 error code. */
  reset(code = H2_ERROR.CANCEL): void {
    if (this.closed) return;
    this.conn.sendReset(this.id, code);
    this.close(false);
  }

  /** @internal a DATA frame's payload arrived. */
  received(data: Buffer, endStream: boolean): void {
    if (data.length > 0) {
      if (this.paused) this.held.push(data);
      else this.deliver(data);
    }
    if (endStream) this.remoteDone();
  }

  /** @internal the peer ended its side. */
  remoteDone(): void {
    this.remoteEnded = true;
    if (this.paused || this.held.length > 0) this.heldEnd = true;
    else this.emitEnd();
  }

  private emitEnd(): void {
    this.endEmitted = true;
    this.emit('end');
    this.closeIfDone();
  }

  /**
   * @internal everything this side queued has gone out: the stream closes
   * once the peer's side is over and delivered too (held data stays until
   * the consumer resumes and takes it).
   */
  closeIfDone(): void {
    if (this.localEnded && this.queue.length === 0 && !this.closed) {
      if (this.endEmitted) this.close(false);
      else if (this.remoteEnded) return;
      else if (this.conn.isServer) {
        // The response is complete before the request: ask the client to
        // stop sending, without an error (RFC 9113 8.1).
        this.conn.sendReset(this.id, H2_ERROR.NO_ERROR);
        this.close(false);
      }
    }
  }

  /** @internal the stream is over; `aborted` when it did not end cleanly. */
  close(aborted: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (aborted) this.aborted = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.held = [];
    this.conn.forget(this);
    this.emit('close');
  }

  private deliver(data: Buffer): void {
    this.consumed += data.length;
    if (this.consumed >= this.conn.streamReceiveWindow / 2 && !this.remoteEnded) {
      this.conn.sendWindowUpdate(this.id, this.consumed);
      this.consumed = 0;
    }
    this.emit('data', data);
  }
}

export interface Http2ConnectionOptions {
  /** 'server' (the default) answers the streams its peer opens; a client opens them with request(). */
  role?: 'server' | 'client';
  /** How far ahead of its consumer each stream may receive (default 1 MiB). */
  streamReceiveWindow?: number;
  /** The peer's first SETTINGS arrived: it speaks HTTP/2. */
  onReady?: () => void;
  /** The connection is over (ended, failed, or destroyed). */
  onClose?: () => void;
}

/** One HTTP/2 connection, either side. */
export class Http2Connection {
  readonly isServer: boolean;
  readonly streamReceiveWindow: number;
  /** The peer said GOAWAY: it takes no new streams. */
  goingAway = false;
  private readonly streams = new Map<number, Http2Stream>();
  private readonly decoder = new HpackDecoder();
  private input: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  private lastStreamId = 0;
  /** A client's next stream id (odd, ascending). */
  private nextStreamId = 1;
  private peerReady = false;
  /** A header block still waiting for its CONTINUATION frames. */
  private pendingHeaders: { streamId: number; endStream: boolean; fragments: Buffer[] } | null = null;
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private peerInitialWindow = DEFAULT_WINDOW;
  private sendWindow = DEFAULT_WINDOW;
  /** What the peer may still send on the connection before our next WINDOW_UPDATE. */
  private receiveWindow = DEFAULT_WINDOW;
  private transportFull = false;
  private pumping = false;
  private ended = false;
  /** Where pump() starts, so streams take turns at the windows. */
  private turn = 0;

  constructor(
    private readonly transport: Duplex,
    private readonly onStream: ((stream: Http2Stream) => void) | null,
    private readonly options: Http2ConnectionOptions = {},
  ) {
    this.isServer = options.role !== 'client';
    this.streamReceiveWindow = options.streamReceiveWindow ?? RECEIVE_WINDOW;
    transport.on('data', (chunk: Buffer) => this.onData(chunk));
    transport.on('drain', () => {
      this.transportFull = false;
      this.pump();
    });
    transport.once('end', () => {
      // The peer hung up: nothing more can arrive for any stream.
      this.shutdown();
      this.transport.end();
    });
    transport.once('close', () => this.shutdown());
    transport.on('error', () => this.shutdown());
    // The preface (a client's starts with the magic string): our SETTINGS,
    // then room on the connection for every stream's window.
    const settings: Array<[number, number]> = [[SETTING.INITIAL_WINDOW_SIZE, this.streamReceiveWindow]];
    if (!this.isServer) {
      this.prefaceSeen = true; // a server sends no magic string
      transport.write(PREFACE);
      settings.unshift([SETTING.ENABLE_PUSH, 0]);
    }
    this.sendFrame(FRAME.SETTINGS, 0, 0, settingsPayload(settings));
    this.sendWindowUpdate(0, MAX_WINDOW - DEFAULT_WINDOW);
    this.receiveWindow = MAX_WINDOW;
  }

  /**
   * Opens a stream with a request's header block (client side); with
   * `endStream` the request has no body.
   */
  request(fields: readonly HeaderField[], endStream = false): Http2Stream {
    if (this.isServer) throw new Error('request() on a server connection');
    if (this.ended || this.goingAway) throw new Error('the HTTP/2 connection is closed');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new Http2Stream(id, new Map(fields), this, this.peerInitialWindow);
    this.streams.set(id, stream);
    stream.respond(fields, endStream);
    return stream;
  }

  /** Whether the connection can still carry streams. */
  get open(): boolean {
    return !this.ended && !this.goingAway;
  }

  /** Ends the connection now; streams read as aborted. */
  destroy(): void {
    this.shutdown();
    this.transport.destroy();
  }

  /** @internal */
  forget(stream: Http2Stream): void {
    this.streams.delete(stream.id);
  }

  /** @internal */
  sendReset(id: number, code: number): void {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(code);
    this.sendFrame(FRAME.RST_STREAM, 0, id, payload);
  }

  /** @internal */
  sendWindowUpdate(id: number, increment: number): void {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(increment);
    this.sendFrame(FRAME.WINDOW_UPDATE, 0, id, payload);
  }

  /**
   * Moves queued HEADERS and DATA to the transport as the windows allow,
   * one stream's turn after another, in batches.
   */
  pump(): void {
    if (this.pumping || this.ended) return;
    this.pumping = true;
    try {
      while (!this.transportFull) {
        const batch: Buffer[] = [];
        let bytes = 0;
        const ready = [...this.streams.values()].filter((s) => s.queue.length > 0);
        if (ready.length === 0) break;
        let progressed = false;
        for (let i = 0; i < ready.length && bytes < BATCH_BYTES; i++) {
          const stream = ready[(this.turn + i) % ready.length];
          const sent = this.takeFrames(stream, batch, BATCH_BYTES - bytes);
          if (sent > 0) progressed = true;
          bytes += sent;
        }
        this.turn++;
        if (batch.length > 0) this.transportFull = !this.transport.write(batch.length === 1 ? batch[0] : Buffer.concat(batch));
        for (const s of ready) this.afterSend(s);
        if (!progressed) break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Frames from one stream's queue into `batch`; returns the bytes taken. */
  private takeFrames(stream: Http2Stream, batch: Buffer[], room: number): number {
    let taken = 0;
    while (stream.queue.length > 0 && taken < room) {
      const item = stream.queue[0];
      if (item.kind === 'headers') {
        batch.push(...this.headerFrames(stream.id, item.block, item.end));
        taken += item.block.length + HEADER_SIZE;
        stream.queue.shift();
        continue;
      }
      const n = Math.min(item.data.length, this.peerMaxFrame, this.sendWindow, stream.sendWindow);
      if (n <= 0 && item.data.length > 0) break; // a window is shut: WINDOW_UPDATE resumes it
      const chunk = item.data.subarray(0, n);
      const last = n === item.data.length;
      batch.push(frameHeader(n, FRAME.DATA, last && item.end ? FLAG.END_STREAM : 0, stream.id), chunk);
      this.sendWindow -= n;
      stream.sendWindow -= n;
      stream.queuedBytes -= n;
      taken += n + HEADER_SIZE;
      if (last) stream.queue.shift();
      else item.data = item.data.subarray(n);
    }
    return taken;
  }

  private afterSend(stream: Http2Stream): void {
    if (stream.needDrain && stream.queuedBytes < STREAM_HIGH_WATER && !stream.closed) {
      stream.needDrain = false;
      stream.emit('drain');
    }
    stream.closeIfDone();
  }

  /** A header block as HEADERS and as many CONTINUATION frames as the peer's frame size needs. */
  private headerFrames(id: number, block: Buffer, endStream: boolean): Buffer[] {
    const frames: Buffer[] = [];
    let offset = 0;
    do {
      const part = block.subarray(offset, offset + this.peerMaxFrame);
      offset += part.length;
      const last = offset >= block.length;
      const type = frames.length === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
      let flags = last ? FLAG.END_HEADERS : 0;
      if (type === FRAME.HEADERS && endStream) flags |= FLAG.END_STREAM;
      frames.push(frameHeader(part.length, type, flags, id), part);
    } while (offset < block.length);
    return frames;
  }

  private sendFrame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.ended) return;
    this.transportFull = !this.transport.write(Buffer.concat([frameHeader(payload.length, type, flags, id), payload])) || this.transportFull;
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    try {
      if (!this.prefaceSeen) {
        if (this.input.length < PREFACE.length) {
          if (!PREFACE.subarray(0, this.input.length).equals(this.input)) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'not an HTTP/2 connection preface');
          return;
        }
        if (!this.input.subarray(0, PREFACE.length).equals(PREFACE)) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'not an HTTP/2 connection preface');
        this.prefaceSeen = true;
        this.input = this.input.subarray(PREFACE.length);
      }
      let offset = 0;
      while (this.input.length - offset >= HEADER_SIZE && !this.ended) {
        const length = this.input.readUIntBE(offset, 3);
        if (length > DEFAULT_MAX_FRAME) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, `a frame of ${length} bytes`);
        if (this.input.length - offset < HEADER_SIZE + length) break;
        const type = this.input[offset + 3];
        const flags = this.input[offset + 4];
        const id = this.input.readUInt32BE(offset + 5) & 0x7fffffff;
        const payload = this.input.subarray(offset + HEADER_SIZE, offset + HEADER_SIZE + length);
        offset += HEADER_SIZE + length;
        this.onFrame(type, flags, id, payload);
      }
      this.input = this.input.subarray(offset);
    } catch (err) {
      const code = err instanceof ConnectionError ? err.code : err instanceof HpackError ? H2_ERROR.COMPRESSION_ERROR : H2_ERROR.INTERNAL_ERROR;
      this.fail(code, (err as Error).message);
    }
    this.pump();
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.pendingHeaders && type !== FRAME.CONTINUATION) {
      throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'a header block interrupted');
    }
    switch (type) {
      case FRAME.DATA:
        return this.onDataFrame(flags, id, payload);
      case FRAME.HEADERS:
        return this.onHeadersFrame(flags, id, payload);
      case FRAME.CONTINUATION:
        return this.onContinuation(flags, id, payload);
      case FRAME.RST_STREAM: {
        if (payload.length !== 4) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'RST_STREAM of the wrong size');
        const stream = this.streams.get(id);
        if (stream) stream.resetCode = payload.readUInt32BE(0);
        stream?.close(true);
        return;
      }
      case FRAME.SETTINGS:
        return this.onSettings(flags, id, payload);
      case FRAME.PING:
        if (payload.length !== 8) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'PING of the wrong size');
        if (!(flags & FLAG.ACK)) this.sendFrame(FRAME.PING, FLAG.ACK, 0, Buffer.from(payload));
        return;
      case FRAME.WINDOW_UPDATE:
        return this.onWindowUpdate(id, payload);
      case FRAME.GOAWAY:
        this.goingAway = true; // the peer takes no more streams; the ones open go on
        return;
      case FRAME.PUSH_PROMISE:
        // A client never sends one; this side's SETTINGS turned push off.
        throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'PUSH_PROMISE');
      default:
        return; // PRIORITY, and frame types this side does not know: ignored (RFC 9113 5.5)
    }
  }

  private onDataFrame(flags: number, id: number, payload: Buffer): void {
    if (id === 0) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'DATA on stream 0');
    this.receiveWindow -= payload.length;
    if (this.receiveWindow < MAX_WINDOW / 2) {
      this.sendWindowUpdate(0, MAX_WINDOW - this.receiveWindow);
      this.receiveWindow = MAX_WINDOW;
    }
    const stream = this.streams.get(id);
    // DATA for a stream this side has closed (reset, or answered early) is
    // in flight and expected: dropped.
    if (!stream || stream.remoteEnded) return;
    stream.received(unpad(flags, payload), (flags & FLAG.END_STREAM) !== 0);
  }

  private onHeadersFrame(flags: number, id: number, payload: Buffer): void {
    // Streams are the client's, odd-numbered (no push): a server's HEADERS answer one of them.
    if (id === 0 || id % 2 === 0 || (!this.isServer && id >= this.nextStreamId)) {
      throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, `HEADERS on stream ${id}`);
    }
    let block = unpad(flags, payload);
    if (flags & FLAG.PRIORITY) block = block.subarray(5);
    this.pendingHeaders = { streamId: id, endStream: (flags & FLAG.END_STREAM) !== 0, fragments: [block] };
    if (flags & FLAG.END_HEADERS) this.headerBlockDone();
  }

  private onContinuation(flags: number, id: number, payload: Buffer): void {
    if (!this.pendingHeaders || this.pendingHeaders.streamId !== id) {
      throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'CONTINUATION without HEADERS');
    }
    this.pendingHeaders.fragments.push(payload);
    if (flags & FLAG.END_HEADERS) this.headerBlockDone();
  }

  private headerBlockDone(): void {
    const { streamId, endStream, fragments } = this.pendingHeaders!;
    this.pendingHeaders = null;
    // Decoded even for a stream that is gone: the decoder's table must follow the peer's.
    const headers = headerMap(this.decoder.decode(fragments.length === 1 ? fragments[0] : Buffer.concat(fragments)));
    const open = this.streams.get(streamId);
    if (open) {
      // A response's headers or trailers, or a request's trailers.
      if (open.remoteEnded) return;
      open.emit('headers', headers, endStream);
      if (endStream && !open.closed) open.remoteDone();
      return;
    }
    if (!this.isServer || streamId <= this.lastStreamId) return; // a stream already closed
    this.lastStreamId = streamId;
    const stream = new Http2Stream(streamId, headers, this, this.peerInitialWindow);
    this.streams.set(streamId, stream);
    this.onStream?.(stream);
    if (endStream && !stream.closed) stream.remoteDone();
  }

  private onSettings(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if (flags & FLAG.ACK) return;
    if (payload.length % 6 !== 0) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'SETTINGS of the wrong size');
    for (let i = 0; i < payload.length; i += 6) {
      const key = payload.readUInt16BE(i);
      const value = payload.readUInt32BE(i + 2);
      if (key === SETTING.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW) throw new ConnectionError(H2_ERROR.FLOW_CONTROL_ERROR, `initial window ${value}`);
        // Applies to every open stream too, as a change to what it may send (RFC 9113 6.9.2).
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) s.sendWindow += delta;
      } else if (key === SETTING.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME || value > 2 ** 24 - 1) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, `max frame size ${value}`);
        this.peerMaxFrame = value;
      }
      // HEADER_TABLE_SIZE bounds our encoder's table, which is never used;
      // the rest concern a client's side of the connection.
    }
    this.sendFrame(FRAME.SETTINGS, FLAG.ACK, 0, Buffer.alloc(0));
    if (!this.peerReady) {
      this.peerReady = true;
      this.options.onReady?.();
    }
  }

  private onWindowUpdate(id: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'WINDOW_UPDATE of the wrong size');
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (id === 0) {
      if (increment === 0) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW) throw new ConnectionError(H2_ERROR.FLOW_CONTROL_ERROR, 'connection window over 2^31-1');
      return;
    }
    const stream = this.streams.get(id);
    if (!stream) return;
    stream.sendWindow += increment;
    if (increment === 0 || stream.sendWindow > MAX_WINDOW) stream.reset(H2_ERROR.FLOW_CONTROL_ERROR);
  }

  /** A protocol error: GOAWAY with its code, then the connection ends. */
  private fail(code: number, message: string): void {
    const payload = Buffer.alloc(8 + Buffer.byteLength(message));
    payload.writeUInt32BE(this.lastStreamId, 0);
    payload.writeUInt32BE(code, 4);
    payload.write(message, 8);
    this.sendFrame(FRAME.GOAWAY, 0, 0, payload);
    this.shutdown();
    this.transport.end();
  }

  /** The transport is gone or going: every open stream is aborted. */
  private shutdown(): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of [...this.streams.values()]) s.close(true);
    this.options.onClose?.();
  }
}

function frameHeader(length: number, type: number, flags: number, id: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_SIZE);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return h;
}

/** A header block's fields by name; a repeated name's values joined with ", ". */
function headerMap(fields: readonly HeaderField[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, value] of fields) headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  return headers;
}

function settingsPayload(settings: Array<[number, number]>): Buffer {
  const out = Buffer.alloc(6 * settings.length);
  settings.forEach(([key, value], i) => {
    out.writeUInt16BE(key, 6 * i);
    out.writeUInt32BE(value, 6 * i + 2);
  });
  return out;
}

/** A DATA or HEADERS payload without its padding (RFC 9113 6.1). */
function unpad(flags: number, payload: Buffer): Buffer {
  if (!(flags & FLAG.PADDED)) return payload;
  if (payload.length < 1 || payload[0] >= payload.length) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'padding longer than the frame');
  return payload.subarray(1, payload.length - payload[0]);
}
