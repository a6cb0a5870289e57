/**
 * The host's gRPC client, on clear's own HTTP/2 (http2.ts) over a Unix
 * socket: the agent's vsock port as the vsock backend exposes it.
 *
 * Why not grpc-js: every container's monitor holds one client for the VM's
 * life, and grpc-js with node:http2 was ~6 MiB of each monitor's heap (5.5 of
 * its 14.5 MiB of anonymous memory) and ~70 ms of module loading in every
 * monitor and exec. The agent needs one connection to one peer that speaks
 * exactly what the agent's server speaks: no name resolution, load
 * balancing, retries, compression, keepalive or TLS. grpc-js stays the
 * reference in the tests (test/grpc-client.test.ts runs this client against
 * a grpc-js server, test/grpc-server.test.ts the agent's server against
 * grpc-js's client).
 *
 * Semantics kept from grpc-js, because callers rely on them:
 *  - a call that could not reach the agent because no connection came up
 *    fails UNAVAILABLE "No connection established" (it never left: safe to
 *    send again); one whose connection dropped fails UNAVAILABLE too, with
 *    other words;
 *  - a deadline fails DEADLINE_EXCEEDED and resets the stream;
 *  - `waitForReady` makes a call wait for a connection until its deadline
 *    instead of failing at once.
 */
import { EventEmitter } from 'events';
import net from 'node:net';
import { Http2Connection, H2_ERROR, type Http2Stream } from './http2';
import { GrpcStatus, MessageReader, frame, percentDecode, requestHeaders, type Status } from './grpc-wire';

export interface CallOptions {
  /** A Date.now() timestamp: the call fails DEADLINE_EXCEEDED after it. */
  deadline?: number;
  /** Wait for a connection (until the deadline) rather than fail while there is none. */
  waitForReady?: boolean;
}

export interface ChannelOptions {
  /** How far ahead of its reader a response stream may run (default 4 MiB: see client.ts). */
  streamReceiveWindow?: number;
  /**
   * How long a connection attempt may go without the peer's SETTINGS before
   * it is given up (default 20 s, grpc-js's least connect timeout): a peer
   * that accepted and never speaks must not hold calls for ever.
   */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

/** Pauses between connection attempts of a waitForReady call. */
const RECONNECT_BACKOFF_MS = { first: 10, max: 100 };

const NO_CONNECTION = 'No connection established';

/** A failed call's status, as an Error. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: GrpcStatus,
    readonly details: string,
  ) {
    super(`${code} ${GrpcStatus[code] ?? ''}: ${details}`);
  }
}

/**
 * One connection to the agent at a time, opened on demand and again after
 * it is lost. Calls on it are ClientCalls.
 */
export class GrpcChannel {
  private connection: Http2Connection | null = null;
  private connecting: Promise<Http2Connection> | null = null;
  /** The socket of the attempt in `connecting`. */
  private attempt: net.Socket | null = null;
  private closed = false;
  private readonly calls = new Set<ClientCall>();
  /** Ends the pauses between connection attempts now (retryNow()). */
  private readonly wakers = new Set<() => void>();

  constructor(
    /** The Unix socket the agent (or its vsock bridge) listens on. */
    readonly socketPath: string,
    private readonly options: ChannelOptions = {},
  ) {}

  /**
   * Starts a call to `path` (/package.Service/Method). The returned call
   * takes request messages at once; they leave when the connection is up.
   */
  call(path: string, options: CallOptions = {}): ClientCall {
    const call = new ClientCall(path, options);
    this.calls.add(call);
    call.once('status', () => this.calls.delete(call));
    call.attach(this.connectFor(options));
    return call;
  }

  /** Resolves once a connection is up, or rejects with UNAVAILABLE at `deadline`. */
  async waitForReady(deadline: number): Promise<void> {
    await this.connectFor({ deadline, waitForReady: true });
  }

  /**
   * Drops the connection, or the attempt at one (a peer that accepted and
   * never spoke HTTP/2): the next call connects afresh. Calls on it end
   * UNAVAILABLE.
   */
  reset(): void {
    this.attempt?.destroy();
    this.connection?.destroy();
  }

  /**
   * The peer says it now listens (the guest agent's ready line): attempts
   * paused between retries go at once instead of at their next tick.
   */
  retryNow(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Waits `ms` between two attempts, or until retryNow(). */
  backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Ends the connection; calls in flight end CANCELLED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of [...this.calls]) call.cancel('Channel closed');
    this.connection?.destroy();
    this.connection = null;
  }

  /** An open connection: the current one, or a new one (retried with waitForReady). */
  private async connectFor(options: CallOptions): Promise<Http2Connection> {
    let backoff = RECONNECT_BACKOFF_MS.first;
    for (;;) {
      if (this.closed) throw new GrpcCallError(GrpcStatus.CANCELLED, 'Channel closed');
      try {
        return await this.connect(options.deadline);
      } catch (err) {
        const left = (options.deadline ?? Infinity) - Date.now();
        if (!options.waitForReady || left <= 0) throw err;
        await this.backoff(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, RECONNECT_BACKOFF_MS.max);
      }
    }
  }

  private connect(deadline?: number): Promise<Http2Connection> {
    if (this.connection?.open) return Promise.resolve(this.connection);
    this.connecting ??= this.openConnection().finally(() => {
      this.connecting = null;
    });
    if (deadline === undefined) return this.connecting;
    // A call's deadline bounds its wait, not the attempt other calls share.
    return withDeadline(this.connecting, deadline);
  }

  /**
   * A Unix connection on which the peer has said its SETTINGS: only then
   * does the agent surely speak HTTP/2 (the vsock bridge accepts before the
   * guest listens, and then hangs up), so a call that fails before it was
   * never sent.
   */
  private openConnection(): Promise<Http2Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.socketPath);
      this.attempt = socket;
      let ready = false;
      const fail = () => reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, NO_CONNECTION));
      socket.once('error', fail);
      const timer = setTimeout(() => connection.destroy(), this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
      const connection = new Http2Connection(socket, null, {
        role: 'client',
        streamReceiveWindow: this.options.streamReceiveWindow,
        onReady: () => {
          ready = true;
          clearTimeout(timer);
          this.attempt = null;
          if (this.closed) {
            connection.destroy();
            return;
          }
          this.connection = connection;
          resolve(connection);
        },
        onClose: () => {
          clearTimeout(timer);
          if (this.connection === connection) this.connection = null;
          if (this.attempt === socket) this.attempt = null;
          socket.destroy();
          if (!ready) fail();
        },
      });
    });
  }
}

/**
 * One call. Events: 'message' (a response message's bytes), 'status' (once,
 * last: {code, details}; code 0 = OK), 'drain' (write() may go on).
 */
export class ClientCall extends EventEmitter {
  private stream: Http2Stream | null = null;
  private finished = false;
  private readonly pending: Buffer[] = [];
  private pendingEnd = false;
  private paused = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly reader = new MessageReader();
  private trailers: Map<string, string> | null = null;
  private responseHeaders: Map<string, string> | null = null;

  constructor(
    readonly path: string,
    private readonly options: CallOptions,
  ) {
    super();
    if (options.deadline !== undefined) {
      this.timer = setTimeout(() => this.finish({ code: GrpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }, H2_ERROR.CANCEL), Math.max(0, options.deadline - Date.now()));
    }
  }

  /** Sends one request message; false when the stream's buffer is full ('drain' follows). */
  write(message: Buffer): boolean {
    if (this.finished || this.pendingEnd) return false;
    if (!this.stream) {
      this.pending.push(frame(message));
      return false; // 'drain' once the stream is open
    }
    return this.stream.write(frame(message));
  }

  /** Ends the request side (half-close). */
  end(): void {
    if (this.finished || this.pendingEnd) return;
    this.pendingEnd = true;
    this.stream?.end();
  }

  /** Cancels the call: the stream is reset, the call ends CANCELLED. */
  cancel(details = 'Cancelled on client'): void {
    this.finish({ code: GrpcStatus.CANCELLED, details }, H2_ERROR.CANCEL);
  }

  /** Stops 'message' events; the agent stops sending once the stream's window is used. */
  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    this.stream?.resume();
  }

  /** @internal the connection to open the stream on, once it is up. */
  attach(connection: Promise<Http2Connection>): void {
    connection.then(
      (conn) => {
        if (this.finished) return;
        try {
          this.open(conn);
        } catch {
          this.finish({ code: GrpcStatus.UNAVAILABLE, details: NO_CONNECTION });
        }
      },
      (err: unknown) => {
        const status = err instanceof GrpcCallError ? { code: err.code, details: err.details } : { code: GrpcStatus.UNAVAILABLE, details: String(err) };
        // Past the deadline, the deadline is what the caller reads (as grpc-js's).
        if (this.options.deadline !== undefined && Date.now() >= this.options.deadline) {
          status.code = GrpcStatus.DEADLINE_EXCEEDED;
          status.details = 'Deadline exceeded';
        }
        this.finish(status);
      },
    );
  }

  private open(conn: Http2Connection): void {
    const stream = conn.request(requestHeaders(this.path));
    this.stream = stream;
    stream.on('headers', (headers: Map<string, string>, endStream: boolean) => {
      if (this.responseHeaders === null && !endStream) this.responseHeaders = headers;
      else this.trailers = headers;
    });
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.once('end', () => this.finish(this.statusFromTrailers()));
    stream.once('close', () => {
      if (stream.aborted) this.finish(this.abortStatus(stream));
    });
    stream.on('drain', () => this.emit('drain'));
    if (this.paused) stream.pause();
    let room = true;
    for (const f of this.pending.splice(0)) room = stream.write(f);
    if (this.pendingEnd) stream.end();
    else if (room) this.emit('drain');
  }

  private onData(chunk: Buffer): void {
    if (this.finished) return;
    let messages: Buffer[];
    try {
      messages = this.reader.push(chunk);
    } catch (status) {
      this.finish(status as Status, H2_ERROR.CANCEL);
      return;
    }
    for (const m of messages) {
      if (this.finished) return;
      this.emit('message', m);
    }
  }

  /** The status the agent sent: in trailers, or in the only header block (trailers-only). */
  private statusFromTrailers(): Status {
    const fields = this.trailers ?? this.responseHeaders;
    const httpStatus = (this.responseHeaders ?? this.trailers)?.get(':status');
    const code = fields?.get('grpc-status');
    if (code === undefined) {
      // No gRPC status: an HTTP/2 peer that is not a gRPC server, or a broken response.
      return {
        code: httpStatus && httpStatus !== '200' ? GrpcStatus.UNKNOWN : GrpcStatus.INTERNAL,
        details: httpStatus && httpStatus !== '200' ? `HTTP status ${httpStatus}` : 'the response ended without a gRPC status',
      };
    }
    if (this.reader.pending) return { code: GrpcStatus.INTERNAL, details: 'the response ended inside a message' };
    return { code: Number(code), details: percentDecode(fields?.get('grpc-message') ?? '') };
  }

  private abortStatus(stream: Http2Stream): Status {
    if (stream.resetCode === null) return { code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped' };
    if (stream.resetCode === H2_ERROR.CANCEL) return { code: GrpcStatus.CANCELLED, details: 'Call cancelled by the agent' };
    return { code: GrpcStatus.INTERNAL, details: `Stream reset by the agent with HTTP/2 error ${stream.resetCode}` };
  }

  /** Ends the call with `status` once; `reset` resets a stream still open (HTTP/2 error code). */
  private finish(status: Status, reset?: number): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    const stream = this.stream;
    if (stream && !stream.closed) {
      // The agent ended its side first (it answered before the request was
      // over, or failed it): the request side stops too.
      if (reset !== undefined) stream.reset(reset);
      else if (!stream.localEnded) stream.reset(H2_ERROR.NO_ERROR);
    }
    this.emit('status', { code: status.code, details: status.details ?? '' });
  }
}

/** `p`, or a DEADLINE_EXCEEDED rejection once `deadline` passes. */
function withDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), Math.max(0, deadline - Date.now()));
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
