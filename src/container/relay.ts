/**
 * What every host process that stands for a guest process does (the
 * container's monitor, an exec'd process's exec monitor): relay the guest
 * process's stdio to the fds it was given, close them once the process ends
 * (callers wait for EOF), and end the way the guest process ended.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import tty from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import type { AgentClient, ExitStatus, PreservedFd } from '../agent/client';
import { messageOf } from '../lib/errors';
import { debug } from '../lib/log';
import { SHUT_WR, native } from '../native';

/** The status a host process ends with when its VM died rather than the guest process. */
export const VM_DIED_EXIT_CODE = 255;

/**
 * Copies one of the process's output streams to our fd, then closes the fd
 * (unless keepOpen). The reader may be slow or pause (`| less`, a log
 * shipper under load): output waits, and reaches it whole.
 */
export function relayOut(source: Readable, fd: number, keepOpen = false): Promise<void> {
  return new Promise((resolve) => {
    const sink = outputStream(fd, keepOpen);
    const done = () => resolve();
    sink.stream.on(sink.doneEvent, done);
    sink.stream.on('error', (err) => {
      debug('monitor', `fd ${fd}: ${messageOf(err)}`);
      source.destroy();
      done();
    });
    source.on('error', (err) => {
      debug('monitor', `fd ${fd}: the guest's stream failed: ${messageOf(err)}`);
      sink.stream.end();
    });
    source.pipe(sink.stream);
  });
}

/**
 * A writable stream over `fd` that waits for a full pipe instead of failing.
 *
 * fs.WriteStream writes in the threadpool and gives up after a few EAGAINs
 * in a row, and the caller's pipe may well be non-blocking: O_NONBLOCK
 * belongs to the open file description every holder of the pipe shares,
 * and Node's and Go's own stdio set it. So a pipe is written on the event
 * loop through a description of our own, opened again through /proc (its
 * O_NONBLOCK is then ours alone: the caller's pipe is left as it was, as
 * runc, which hands the fd itself to the container, leaves it). A socket
 * cannot be reopened and is written on the event loop as it is; a terminal
 * through Node's tty (libuv reopens it itself); files and devices never
 * return EAGAIN and are written as files.
 */
function outputStream(fd: number, keepOpen: boolean): { stream: Writable; doneEvent: 'close' | 'finish' } {
  const asFile = () => ({
    stream: fs.createWriteStream('', { fd, autoClose: !keepOpen }),
    doneEvent: keepOpen ? ('finish' as const) : ('close' as const),
  });
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch {
    return asFile(); // its first write reports the problem
  }
  if (tty.isatty(fd) && !keepOpen) return { stream: new tty.WriteStream(fd), doneEvent: 'close' };
  if (st.isSocket() && !keepOpen) return { stream: new net.Socket({ fd, readable: false, writable: true }), doneEvent: 'close' };
  if (!st.isFIFO()) return asFile();
  let own: number;
  try {
    own = fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    // ENXIO: nobody reads the pipe any more; the write will say EPIPE.
    debug('monitor', `fd ${fd}: reopening the pipe: ${messageOf(err)}`);
    return asFile();
  }
  const stream = new net.Socket({ fd: own, readable: false, writable: true });
  // The caller's fd closes with ours: until then its number stays taken, so
  // nothing opened meanwhile can land on it (closeStdio closes 0-2 later).
  if (!keepOpen) stream.once('close', () => closeQuietly(fd));
  return { stream, doneEvent: 'close' };
}

/**
 * Our stdin's reader, when it owns fd 0 itself (a terminal or socket:
 * closeStdio must not close the number under it).
 */
let ownedStdin: net.Socket | undefined;
/** Our stdin's reader, to stop at closeStdio. */
let stdinReader: Input | undefined;

/** A readable stream over one of our fds, and how to let go of it. */
interface Input {
  stream: Readable;
  /** Whether the stream closes `fd` itself (else its owner closes it). */
  ownsFd: boolean;
}

/**
 * A readable stream over `fd` that waits for input on the event loop.
 * A blocking read of a pipe, socket or terminal in the threadpool would keep
 * this process from exiting until the writer closes it (callers such as ctr
 * hold the container's stdin pipe open until the process has exited, and
 * process.exit joins the threadpool); and fs.ReadStream fails on EAGAIN,
 * which a non-blocking pipe returns whenever it is empty. A pipe is read
 * through a description of our own (reopened through /proc, so the caller's
 * pipe keeps its mode, as with outputStream), a socket or a terminal on the
 * event loop as it is (libuv reopens a terminal itself); files and
 * /dev/null never block and are read as files.
 */
function inputStream(fd: number): Input {
  let st: fs.Stats | undefined;
  try {
    st = fs.fstatSync(fd);
  } catch {
    st = undefined;
  }
  if (st?.isFIFO()) {
    try {
      const own = fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      return { stream: new net.Socket({ fd: own, readable: true, writable: false }), ownsFd: false };
    } catch (err) {
      debug('monitor', `fd ${fd}: reopening the pipe: ${messageOf(err)}`);
    }
  }
  if (st && (st.isFIFO() || st.isSocket() || tty.isatty(fd))) {
    const stream = tty.isatty(fd) ? new tty.ReadStream(fd) : new net.Socket({ fd, readable: true, writable: false });
    return { stream, ownsFd: true };
  }
  return { stream: fs.createReadStream('', { fd, autoClose: false }), ownsFd: false };
}

/** Feeds our fd to the process's stdin; EOF (or /dev/null) closes it. */
export function relayIn(agent: AgentClient, execId: string, fd: number): void {
  const input = inputStream(fd);
  if (fd === 0) {
    stdinReader = input;
    if (input.ownsFd) ownedStdin = input.stream as net.Socket;
  }
  input.stream.on('error', (err) => debug('monitor', `stdin: ${messageOf(err)}`));
  agent.writeStdin(execId, input.stream).catch((err) => debug('monitor', `stdin: ${messageOf(err)}`));
}

/**
 * Relays the process's preserved fds (runc's --preserve-fds) to ours at the
 * same numbers: in: our fd's bytes to the process until our EOF, then the
 * process reads EOF and our fd is closed; out: the process's bytes to our fd
 * until it closes its end (or ends), then our fd is closed; both: both, and
 * the process's EOF half-closes our fd when it is a socket. Resolves when
 * every output ended (inputs are not waited for: a caller that never closes
 * its end must not hold up the exit).
 */
export function relayPreserved(agent: AgentClient, execId: string, fds: PreservedFd[]): Promise<void> {
  const outputs: Promise<void>[] = [];
  for (const { fd, direction } of fds) {
    if (direction === 'in') {
      // Our fd is closed once done, after any read under way (the fd number
      // must not be reused while a read is pending on it).
      const input = inputStream(fd);
      input.stream.on('error', (err) => debug('monitor', `fd ${fd}: ${messageOf(err)}`));
      if (!input.ownsFd) input.stream.once('close', () => closeQuietly(fd));
      agent
        .writeFd(execId, fd, input.stream)
        .catch((err) => debug('monitor', `fd ${fd}: ${messageOf(err)}`))
        .finally(() => input.stream.destroy());
    }
    if (direction === 'both') {
      // Read and written both: one description, so it stays as it came.
      const source = fs.createReadStream('', { fd, autoClose: false });
      source.on('error', (err) => debug('monitor', `fd ${fd}: ${messageOf(err)}`));
      agent.writeFd(execId, fd, source).catch((err) => debug('monitor', `fd ${fd}: ${messageOf(err)}`));
    }
    if (direction === 'out') outputs.push(relayOut(agent.readFd(execId, fd), fd));
    if (direction === 'both') {
      outputs.push(
        relayOut(agent.readFd(execId, fd), fd, true).then(() => {
          try {
            native().shutdown(fd, SHUT_WR);
          } catch {
            // not a socket: nothing to half-close
          }
        }),
      );
    }
  }
  return Promise.all(outputs).then(() => undefined);
}

/** Relays stdout and stderr to fds 1 and 2 and stdin from fd 0; resolves when both outputs ended. */
export function relayPipes(agent: AgentClient, execId: string): Promise<void> {
  const out = Promise.all([relayOut(agent.readStdio(execId, 'stdout'), 1), relayOut(agent.readStdio(execId, 'stderr'), 2)]);
  relayIn(agent, execId, 0);
  return out.then(() => undefined);
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed by its stream
  }
}

/**
 * Closes fds 0-2 (the caller reads them to EOF) and puts /dev/null in their
 * place: the next files opened and pipes made (a child's stdio: the network
 * clean-up runs `ip` and `tc` after this) must not become fds 0-2.
 */
export function closeStdio(): void {
  if (ownedStdin) {
    // Its handle owns fd 0: closing the number under it could later close a
    // reused fd, and destroying it frees 0 only later, when a child's pipe
    // may take it. Nobody waits for our stdin to close: stop reading, keep it.
    ownedStdin.pause();
    ownedStdin.unref();
  } else {
    // A reader of its own description (or of a file): stop it, close ours.
    stdinReader?.stream.destroy();
    closeQuietly(0);
  }
  closeQuietly(1);
  closeQuietly(2);
  for (let fd = -1; fd < 2; ) {
    try {
      fd = fs.openSync('/dev/null', 'r+');
    } catch {
      return;
    }
    if (fd > 2) {
      closeQuietly(fd);
      return;
    }
  }
}

/** Ends this process the way the guest process ended (null: the VM died). */
export function exitLike(status: ExitStatus | null): never {
  if (!status) process.exit(VM_DIED_EXIT_CODE);
  if (status.signal > 0) {
    // Die of the same signal, with its default action restored.
    const name = Object.entries(os.constants.signals).find(([, n]) => n === status.signal)?.[0];
    if (name) {
      process.removeAllListeners(name);
      process.kill(process.pid, name as NodeJS.Signals);
    }
    process.exit(128 + status.signal);
  }
  process.exit(status.exitCode);
}
