// A stream.Duplex over a connected non-blocking stream fd (AF_VSOCK, or any
// socket Node's net module cannot adopt), driven by an FdWatcher on the Node
// event loop. Good enough for Node's http2 (which wraps any non-net Duplex
// in its JSStreamSocket), hence for @grpc/grpc-js via
// server.createConnectionInjector(...).injectConnection(stream).
import { Duplex, type DuplexOptions } from 'node:stream';
import { EventEmitter } from 'node:events';
import {
  native,
  errnoError,
  READABLE,
  WRITABLE,
  ERROR,
  SHUT_WR,
  type FdWatcher,
  type NativeError,
} from './index';

const CHUNK = 64 * 1024;

export interface FdStreamOptions extends DuplexOptions {
  /** Shown as remoteAddress/remotePort (e.g. 'vsock:3', 1024); informational only. */
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  /**
   * The fd is a pty (master or slave), not a socket: EIO from read(), which
   * a pty returns once the other side is closed, is EOF; ending the writable
   * side does nothing (there is no half-close on a terminal).
   */
  tty?: boolean;
}

interface PendingWrite {
  buf: Buffer;
  off: number;
  cb: (err?: Error | null) => void;
}

export class FdStream extends Duplex {
  /** The fd, or -1 once destroyed (the stream owns it and closes it). */
  fd: number;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  /** net.Socket look-alikes read by http2/grpc-js. */
  readonly connecting = false;
  readonly encrypted = false;
  bytesRead = 0;
  bytesWritten = 0;

  private watcher: FdWatcher | null;
  private mask = 0;
  private wantRead = false;
  private pending: PendingWrite | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly tty: boolean;

  constructor(fd: number, opts: FdStreamOptions = {}) {
    const { remoteAddress, remotePort, localAddress, localPort, tty, ...duplexOpts } = opts;
    super({ allowHalfOpen: true, ...duplexOpts });
    this.fd = fd;
    this.tty = tty === true;
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    this.localAddress = localAddress;
    this.localPort = localPort;
    // Throws (EEXIST) if the fd is already watched; the caller still owns fd then.
    this.watcher = native().watch(fd, (ev) => this.onEvents(ev));
  }

  /** Connect to cid:port over AF_VSOCK; resolves once connected. */
  static connectVsock(cid: number, port: number, opts: FdStreamOptions = {}): Promise<FdStream> {
    return new Promise((resolve, reject) => {
      const n = native();
      let fd: number;
      try {
        fd = n.vsockConnect(cid, port);
      } catch (e) {
        const err = e as NativeError;
        err.message = `vsock connect to ${cid}:${port} failed: ${err.message}`;
        reject(err);
        return;
      }
      let w: FdWatcher | null = null;
      const done = (): void => {
        w?.close(); // stops polling synchronously: the fd can be re-watched at once
        w = null;
        let errno: number;
        try {
          errno = n.socketError(fd);
        } catch (e) {
          errno = Math.abs((e as NativeError).errno ?? 5);
        }
        if (errno !== 0) {
          n.close(fd);
          reject(errnoError(errno, 'connect', `(vsock connect to ${cid}:${port})`));
          return;
        }
        try {
          resolve(new FdStream(fd, { remoteAddress: `vsock:${cid}`, remotePort: port, ...opts }));
        } catch (e) {
          n.close(fd);
          reject(e);
        }
      };
      try {
        w = n.watch(fd, done);
        w.start(WRITABLE);
      } catch (e) {
        w?.close();
        n.close(fd);
        reject(e);
      }
    });
  }

  // ------------------------------------------------------------ reading

  override _read(): void {
    this.wantRead = true;
    this.doRead();
  }

  private doRead(): void {
    const n = native();
    while (this.wantRead && this.fd >= 0) {
      const buf = Buffer.allocUnsafe(CHUNK);
      let got: number;
      try {
        got = n.read(this.fd, buf, 0, CHUNK);
      } catch (e) {
        if (!(this.tty && (e as NativeError).code === 'EIO')) {
          this.destroy(e as Error);
          return;
        }
        got = 0; // the pty's other side is gone: EOF
      }
      if (got < 0) break; // EAGAIN: wait for READABLE
      this.touch();
      if (got === 0) {
        this.wantRead = false;
        this.push(null);
        break;
      }
      this.bytesRead += got;
      // Small reads get their own small buffer instead of pinning 64 KiB.
      const chunk = got < CHUNK / 8 ? Buffer.from(buf.subarray(0, got)) : buf.subarray(0, got);
      if (!this.push(chunk)) this.wantRead = false;
    }
    this.updateWatch();
  }

  // ------------------------------------------------------------ writing

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.startWrite(chunk, cb);
  }

  private startWrite(buf: Buffer, cb: (err?: Error | null) => void): void {
    this.pending = { buf, off: 0, cb };
    this.doWrite();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    const buf = chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this.startWrite(buf, cb);
  }

  private doWrite(): void {
    const p = this.pending;
    if (!p) return;
    if (this.fd < 0) return; // destroyed: _destroy fails the callback
    const n = native();
    while (p.off < p.buf.length) {
      let put: number;
      try {
        put = n.write(this.fd, p.buf, p.off, p.buf.length - p.off);
      } catch (e) {
        this.pending = null;
        this.updateWatch();
        p.cb(e as Error);
        return;
      }
      if (put < 0) {
        this.updateWatch(); // EAGAIN: wait for WRITABLE
        return;
      }
      p.off += put;
      this.bytesWritten += put;
      this.touch();
    }
    this.pending = null;
    this.updateWatch();
    p.cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.fd < 0 || this.tty) return cb();
    try {
      native().shutdown(this.fd, SHUT_WR); // peer reads EOF
    } catch (e) {
      if ((e as NativeError).code !== 'ENOTCONN') return cb(e as Error);
    }
    cb();
  }

  // ------------------------------------------------------------ events

  private onEvents(ev: number): void {
    if (ev & ERROR) {
      // libuv stopped the poll. A socket error surfaces here; otherwise
      // treat it as readable+writable and let the syscalls report the problem.
      let errno = 0;
      try {
        errno = native().socketError(this.fd);
      } catch {
        /* not a socket */
      }
      if (errno !== 0) {
        this.destroy(errnoError(errno, 'poll'));
        return;
      }
      this.mask = 0; // force a restart in updateWatch()
      ev = READABLE | WRITABLE;
    }
    if (ev & WRITABLE && this.pending) this.doWrite();
    if (ev & READABLE && this.wantRead) this.doRead();
    this.updateWatch();
  }

  private updateWatch(): void {
    if (!this.watcher) return;
    const want = (this.wantRead ? READABLE : 0) | (this.pending ? WRITABLE : 0);
    if (want === this.mask) return;
    this.mask = want;
    if (want) this.watcher.start(want);
    else this.watcher.stop();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.clearTimer();
    this.wantRead = false;
    const p = this.pending;
    this.pending = null;
    // Watcher first: polling must stop before the fd number can be reused.
    this.watcher?.close();
    this.watcher = null;
    let closeErr: Error | null = null;
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      try {
        native().close(fd);
      } catch (e) {
        closeErr = e as Error;
      }
    }
    if (p) p.cb(err ?? Object.assign(new Error('write after destroy'), { code: 'ERR_STREAM_DESTROYED' }));
    cb(err ?? closeErr);
  }

  // ------------------------------------------------------------ net.Socket look-alikes

  /** Nagle does not apply to the fds used here; accepted for net.Socket compatibility. */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  /** No-op, for net.Socket compatibility. */
  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }

  /** Like net.Socket: emit 'timeout' after ms of no read/write activity (0 disables). */
  setTimeout(ms: number, cb?: () => void): this {
    if (cb) {
      if (ms === 0) this.removeListener('timeout', cb);
      else this.once('timeout', cb);
    }
    this.clearTimer();
    if (ms > 0 && this.fd >= 0) {
      this.timer = setTimeout(() => this.emit('timeout'), ms);
      this.timer.unref();
    }
    return this;
  }

  /** Whether a started watcher keeps the event loop alive, like net.Socket.ref/unref. */
  ref(): this {
    this.watcher?.ref();
    return this;
  }

  unref(): this {
    this.watcher?.unref();
    return this;
  }

  address(): { address?: string; port?: number } {
    return { address: this.localAddress, port: this.localPort };
  }

  private touch(): void {
    this.timer?.refresh();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Accepts connections on a listening non-blocking socket fd (which it owns)
 * and emits 'connection' with an FdStream for each. 'error' for accept
 * failures other than EAGAIN/ECONNABORTED; 'close' after close().
 */
export class FdServer extends EventEmitter {
  private fd: number;
  private watcher: FdWatcher | null;

  constructor(
    listenFd: number,
    private readonly streamOptions: FdStreamOptions = {},
  ) {
    super();
    this.fd = listenFd;
    this.watcher = native().watch(listenFd, () => this.onReadable());
    this.watcher.start(READABLE);
  }

  get listening(): boolean {
    return this.fd >= 0;
  }

  private onReadable(): void {
    const n = native();
    while (this.fd >= 0) {
      let c: number;
      try {
        c = n.accept(this.fd);
      } catch (e) {
        if ((e as NativeError).code === 'ECONNABORTED') continue;
        this.emit('error', e);
        break;
      }
      if (c < 0) break;
      let s: FdStream;
      try {
        s = new FdStream(c, this.streamOptions);
      } catch (e) {
        n.close(c);
        this.emit('error', e);
        continue;
      }
      this.emit('connection', s);
    }
    // libuv stops the poll after an ERROR event: keep listening.
    if (this.watcher && this.fd >= 0) this.watcher.start(READABLE);
  }

  ref(): this {
    this.watcher?.ref();
    return this;
  }

  unref(): this {
    this.watcher?.unref();
    return this;
  }

  /** Stop accepting and close the listening fd (connections stay open). */
  close(cb?: () => void): void {
    if (this.fd < 0) {
      if (cb) process.nextTick(cb);
      return;
    }
    this.watcher?.close();
    this.watcher = null;
    const fd = this.fd;
    this.fd = -1;
    native().close(fd);
    if (cb) this.once('close', cb);
    process.nextTick(() => this.emit('close'));
  }
}

/** AF_VSOCK server on VMADDR_CID_ANY:port. */
export class VsockServer extends FdServer {
  readonly port: number;

  /** Throws (e.g. EAFNOSUPPORT without vsock, EADDRINUSE) synchronously. */
  constructor(port: number, opts: FdStreamOptions & { backlog?: number } = {}) {
    const { backlog, ...streamOpts } = opts;
    const fd = native().vsockListen(port, backlog);
    try {
      super(fd, { localAddress: 'vsock', localPort: port, ...streamOpts });
    } catch (e) {
      native().close(fd);
      throw e;
    }
    this.port = port;
  }

  /** Same as `new VsockServer(port)`, for symmetry with net.createServer().listen(). */
  static listen(port: number, opts?: FdStreamOptions & { backlog?: number }): VsockServer {
    return new VsockServer(port, opts);
  }
}
