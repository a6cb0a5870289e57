/**
 * A small QMP (QEMU Machine Protocol) client over a Unix socket.
 *
 * Protocol: on connect QEMU sends a greeting `{"QMP": {...}}`; the client must
 * send `qmp_capabilities` before any other command. Each command may carry an
 * `id`, echoed in its `{"return": ...}` or `{"error": {class, desc}}` reply.
 * Asynchronous events `{"event": NAME, "data": ..., "timestamp": ...}` may
 * arrive at any time. Messages are JSON objects, one per line (CRLF).
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { logger } from '../../lib/log';

const log = logger('qmp');

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** QEMU answered a command with an error. */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command}: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

export interface QmpConnectOptions {
  /** How long to wait for the greeting and the capabilities handshake (ms). */
  timeoutMs?: number;
  /**
   * Keep retrying while the socket is not there yet (ENOENT / ECONNREFUSED)
   * until the timeout. Off by default: the caller knows the socket exists.
   */
  retry?: boolean;
  /** Give up early (e.g. the QEMU process exited). */
  signal?: AbortSignal;
}

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * Events: 'event' (QmpEvent) for every asynchronous event, plus one named
 * after the event itself (e.g. 'SHUTDOWN', 'STOP', 'RESUME'); 'close' when the
 * connection ends.
 */
export class QmpClient extends EventEmitter {
  /** The greeting QEMU sent (`{"QMP": {"version": ..., "capabilities": [...]}}`). */
  greeting: Record<string, unknown> = {};
  private buf = '';
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private closed = false;
  private closeError: Error | null = null;
  private greetingWaiter: ((msg: Record<string, unknown>) => void) | null = null;

  private constructor(
    readonly socketPath: string,
    private readonly sock: net.Socket,
  ) {
    super();
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('error', (err) => {
      this.closeError = new Error(`QMP socket ${socketPath}: ${err.message}`);
    });
    sock.on('close', () => this.onClose());
  }

  /**
   * Connect to QEMU's QMP socket, read the greeting and negotiate capabilities.
   * Rejects with an error naming the socket on timeout, refusal or EOF.
   */
  static async connect(socketPath: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    let sock: net.Socket;
    for (;;) {
      try {
        sock = await connectOnce(socketPath, Math.max(1, deadline - Date.now()), opts.signal);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const again = opts.retry && (code === 'ENOENT' || code === 'ECONNREFUSED');
        if (!again || Date.now() >= deadline || opts.signal?.aborted) {
          if (opts.signal?.aborted) throw abortError(socketPath, opts.signal);
          if (again || code === 'ETIMEDOUT') {
            throw new Error(`QMP socket ${socketPath}: not ready after ${timeoutMs} ms (${code})`);
          }
          throw new Error(`QMP socket ${socketPath}: ${(err as Error).message}`);
        }
        await delay(20);
      }
    }
    const client = new QmpClient(socketPath, sock);
    try {
      await client.handshake(Math.max(1, deadline - Date.now()), opts.signal);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  private handshake(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.off('close', onClose);
        this.greetingWaiter = null;
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new Error(`QMP socket ${this.socketPath}: no greeting within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => finish(abortError(this.socketPath, signal!));
      const onClose = () =>
        finish(
          this.closeError ??
            new Error(`QMP socket ${this.socketPath}: connection closed before the handshake finished`),
        );
      signal?.addEventListener('abort', onAbort);
      this.on('close', onClose);
      this.greetingWaiter = (msg) => {
        this.greeting = msg;
        log('greeting from %s: %j', this.socketPath, msg.QMP);
        this.execute('qmp_capabilities', undefined, { timeoutMs: Math.max(1, timeoutMs) }).then(
          () => finish(null),
          (e: Error) => finish(e),
        );
      };
    });
  }

  /**
   * Run one QMP command and resolve with its `return` value. Rejects with a
   * QmpError when QEMU answers with an error, or a plain Error on timeout or
   * when the connection closes first.
   */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    opts: { timeoutMs?: number } = {},
  ): Promise<T> {
    if (this.closed) {
      return Promise.reject(new Error(`QMP socket ${this.socketPath}: connection closed (${command})`));
    }
    const id = `clear-${this.nextId++}`;
    const msg: Record<string, unknown> = { execute: command, id };
    if (args && Object.keys(args).length > 0) msg.arguments = args;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { command, resolve: resolve as (v: unknown) => void, reject, timer: null };
      p.timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP socket ${this.socketPath}: no answer to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, p);
      log('-> %j', msg);
      this.sock.write(JSON.stringify(msg) + '\n');
    });
  }

  /** Close the connection; pending commands reject. */
  close(): void {
    if (!this.closed) this.sock.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        log('unparsable line from %s: %s', this.socketPath, line);
        continue;
      }
      this.onMessage(msg);
    }
  }

  private onMessage(msg: Record<string, unknown>): void {
    if ('QMP' in msg) {
      this.greetingWaiter?.(msg);
      return;
    }
    if (typeof msg.event === 'string') {
      log('event %j', msg);
      const ev = msg as unknown as QmpEvent;
      this.emit('event', ev);
      this.emit(ev.event, ev);
      return;
    }
    log('<- %j', msg);
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p || id === undefined) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if ('error' in msg) {
      const e = (msg.error ?? {}) as { class?: string; desc?: string };
      p.reject(new QmpError(p.command, e.class ?? 'GenericError', e.desc ?? 'unknown error'));
    } else {
      p.resolve(msg.return);
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(
        this.closeError ??
          new Error(`QMP socket ${this.socketPath}: connection closed before QEMU answered ${p.command}`),
      );
    }
    this.pending.clear();
    this.emit('close');
  }
}

function connectOnce(socketPath: string, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ path: socketPath });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    const onAbort = () => {
      clearTimeout(timer);
      sock.destroy();
      reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      reject(err);
    });
  });
}

function abortError(socketPath: string, signal: AbortSignal): Error {
  const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new Error(`QMP socket ${socketPath}: gave up: ${why}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
