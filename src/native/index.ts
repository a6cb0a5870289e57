// Typed, lazily loaded access to the native addon (src/native/clear_native.cc):
// only the Linux syscalls Node has no API for. See the .cc file for details.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Event bits passed to FdWatcher callbacks and to FdWatcher.start(). */
export const READABLE = 1;
export const WRITABLE = 2;
/**
 * libuv reported an error status for the fd (e.g. POLLERR). libuv has then
 * stopped polling: call start() again to keep watching. Treat it as "try the
 * operation" (it fails with the real errno) or check socketError().
 */
export const ERROR = 4;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

/** flock(2) operations. */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** uv_poll_t on the Node event loop. At most one watcher per fd. */
export interface FdWatcher {
  /** Poll for READABLE|WRITABLE (0 = stop). Keeps the loop alive while polling (unless unref'd). */
  start(events: number): void;
  /** Stop polling; the loop is no longer kept alive by this watcher. */
  stop(): void;
  /** Stop and release for good (idempotent). Call before closing the fd. */
  close(): void;
  /** uv_ref / uv_unref on the poll handle (whether a started watcher keeps the loop alive). */
  ref(): void;
  unref(): void;
}

/** Errors thrown by the addon: `syscall: CODE (strerror)`. */
export interface NativeError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

export interface NativeAddon {
  /** AF_UNIX SOCK_STREAM pair, both SOCK_CLOEXEC|SOCK_NONBLOCK. */
  socketpair(): [number, number];
  setBlocking(fd: number, blocking: boolean): void;
  /** Non-blocking, cloexec listening Unix socket bound at path. */
  unixListen(path: string, backlog?: number): number;
  /** accept4(NONBLOCK|CLOEXEC); -1 on EAGAIN. */
  accept(fd: number): number;
  /** SCM_RIGHTS fds come back cloexec; null on EAGAIN; bytes 0 = EOF. Throws EMSGSIZE if fds were truncated. */
  recvmsg(fd: number, buf: Uint8Array): { bytes: number; fds: number[] } | null;
  /** Bytes sent (MSG_NOSIGNAL); -1 on EAGAIN. */
  sendmsg(fd: number, buf: Uint8Array, fds?: number[]): number;
  /** -1 on EAGAIN, 0 on EOF. */
  read(fd: number, buf: Uint8Array, offset: number, length: number): number;
  /** -1 on EAGAIN. */
  write(fd: number, buf: Uint8Array, offset: number, length: number): number;
  close(fd: number): void;
  /** how: SHUT_RD=0, SHUT_WR=1, SHUT_RDWR=2. */
  shutdown(fd: number, how: number): void;
  /** Marks every fd >= min close-on-exec (close_range with CLOSE_RANGE_CLOEXEC). */
  cloexecFrom(min: number): void;
  /** EFD_NONBLOCK|EFD_CLOEXEC. */
  eventfd(initval: number): number;
  /** The counter (reset to 0); null on EAGAIN (counter is 0). */
  eventfdRead(fd: number): bigint | null;
  eventfdWrite(fd: number, value: bigint | number): void;
  /**
   * PROT_READ|PROT_WRITE, MAP_SHARED, as an external ArrayBuffer (no copy);
   * the mapping is unmapped when the ArrayBuffer is collected. length is at
   * most buffer.constants.MAX_LENGTH (4 GiB on Node 20); larger throws.
   */
  mmap(fd: number, length: number, offset: number): ArrayBuffer;
  /** Unmap now and detach the ArrayBuffer (byteLength becomes 0). Only for mmap() results. */
  munmap(buffer: ArrayBuffer): void;
  /** callback(events) runs on the JS thread; events: READABLE|WRITABLE, or ERROR. */
  watch(fd: number, callback: (events: number) => void): FdWatcher;
  /** AF_VSOCK listener on VMADDR_CID_ANY:port, nonblock+cloexec. */
  vsockListen(port: number, backlog?: number): number;
  /** Non-blocking connect; wait for WRITABLE (or ERROR), then socketError(). */
  vsockConnect(cid: number, port: number): number;
  /** getsockopt(SO_ERROR): 0 = fine, else the (positive) errno. */
  socketError(fd: number): number;
  /** 111 -> 'ECONNREFUSED' (sign ignored). */
  errnoName(errno: number): string;
  /** flock(2); op: LOCK_SH/LOCK_EX/LOCK_UN, | LOCK_NB. false = would block (LOCK_NB). Always pass LOCK_NB from JS. */
  flock(fd: number, op: number): boolean;
  /**
   * A new pty pair: both cloexec and O_NOCTTY; master non-blocking, slave
   * blocking. name is the slave's path (/dev/pts/N).
   */
  openpty(): { master: number; slave: number; name: string };
  /** TIOCGWINSZ on a pty master or slave. */
  getWinsize(fd: number): { rows: number; cols: number };
  /** TIOCSWINSZ (the foreground process group gets SIGWINCH on a change). */
  setWinsize(fd: number, rows: number, cols: number): void;
  /** cfmakeraw: no echo, no line discipline, no signals, no output processing. */
  setRaw(fd: number): void;
  /** A connected AF_UNIX stream socket (cloexec, then non-blocking); throws like connect(2). */
  unixConnect(path: string): number;
  /** clock_settime(CLOCK_REALTIME, {sec, nsec}): sets the wall clock (root; the guest agent). */
  setRealtime(sec: number, nsec: number): void;
}

const ADDON = 'clear_native.node';

/** Where the addon is looked for, in order. */
export function addonCandidates(): string[] {
  const c: string[] = [];
  const env = process.env.CLEAR_NATIVE_ADDON;
  if (env) c.push(env);
  // src/native (ts run directly, e.g. tap) and dist/native (compiled tsc output)
  c.push(path.join(__dirname, 'build', 'Release', ADDON));
  c.push(path.join(__dirname, '..', '..', 'src', 'native', 'build', 'Release', ADDON));
  // Bundled (esbuild) guest agent: dist/guest/agent.js with clear_native.node beside it.
  c.push(path.join(__dirname, ADDON));
  return c;
}

let loaded: NativeAddon | undefined;

/** The addon, loaded on first use. Throws if it cannot be found or loaded. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  const tried: string[] = [];
  for (const p of addonCandidates()) {
    if (!fs.existsSync(p)) {
      tried.push(`${p} (missing)`);
      continue;
    }
    try {
      // process.dlopen, what require() does for a .node file: it also works
      // where require() loads only built-in modules (the guest agent started
      // from its start-up snapshot, src/agent/snapshot.ts).
      const m = { exports: {} as NativeAddon };
      process.dlopen(m, p);
      loaded = m.exports;
      return loaded;
    } catch (e) {
      tried.push(`${p} (${(e as Error).message})`);
    }
  }
  throw new Error(`clear native addon not found; tried:\n  ${tried.join('\n  ')}\nrun 'make native'`);
}

/** An Error like the addon's, for an errno obtained some other way (socketError()). */
export function errnoError(errno: number, syscall: string, detail?: string): NativeError {
  const n = Math.abs(errno);
  const code = native().errnoName(n);
  const e = new Error(`${syscall}: ${code}${detail ? ` ${detail}` : ''}`) as NativeError;
  e.code = code;
  e.errno = -n;
  e.syscall = syscall;
  return e;
}
