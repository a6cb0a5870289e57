/**
 * process.terminal on the host: the console socket and the relay between
 * the pty the caller holds and the container's pty in the guest.
 *
 * runc allocates the container's pty and sends its master over the
 * `--console-socket` (SCM_RIGHTS, message body "/dev/ptmx", the master's
 * name). Here the container's real terminal is a pty in the guest (the
 * agent's, from the container's own devpts), so the host has a second pty:
 *
 *   caller ── host master ══ host slave (raw) ── monitor ── agent ── guest master ══ guest slave ── process
 *
 * The host pty is only a pipe with terminal ioctls: the slave is raw (no
 * echo, no line editing, no signals, no output processing), so every byte
 * the caller writes reaches the guest's line discipline unchanged (^C becomes
 * SIGINT there, ^D EOF) and output comes back as the guest's terminal made
 * it (\r\n included). Termios changes the caller makes on its master stay on
 * the host; the container's own stty calls act in the guest.
 *
 * Window size: the caller resizes the master (TIOCSWINSZ). The monitor is a
 * session leader without a controlling terminal, so opening the slave
 * without O_NOCTTY makes it its controlling terminal, and the kernel then
 * sends it SIGWINCH on every resize; the new size goes to the guest with
 * ResizeTerminal. A process that cannot take the terminal (not a session
 * leader: tests, or a terminal of its own) polls the size instead.
 *
 * Hang-up: when the caller closes the master, reading the slave ends (EIO);
 * the process in the guest gets SIGHUP, as a hung-up terminal's session
 * leader does. (The monitor itself also gets SIGHUP from the kernel then: it
 * must not die of it; this module listens for it while the relay lives.)
 */
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { AgentClient, WindowSize } from '../agent/client';
import { ClearError, messageOf } from '../lib/errors';
import { debug } from '../lib/log';
import { native, type NativeError } from '../native';
import { FdStream } from '../native/fd-stream';

/** What runc writes as the console socket message: the name of the master it opened. */
export const CONSOLE_SOCKET_BODY = '/dev/ptmx';

const SIGHUP = 1;
/** How often the size is polled when SIGWINCH cannot be had. */
const POLL_MS = 200;

export interface ConsoleRelay {
  /** The host pty's slave, /dev/pts/N. */
  name: string;
  /** How resizes are noticed: SIGWINCH (the slave is our controlling terminal) or polling. */
  resizeBy: 'sigwinch' | 'poll';
  /**
   * Resolves once the process's output has all been written to the terminal
   * (the process and everything holding its terminal ended), or the caller
   * hung up, or close() was called.
   */
  done: Promise<void>;
  /** Stops relaying and closes the host slave. */
  close(): void;
}

/** An addon error's errno text as Go prints it: "no such file or directory". */
function errnoText(err: unknown): string {
  const m = /\(([^)]*)\)\s*$/.exec(messageOf(err));
  const text = m ? m[1] : messageOf(err);
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Connects to the console socket and sends `master` with SCM_RIGHTS and
 * runc's message body. Errors in runc's words (`dial unix PATH: connect: no
 * such file or directory`).
 */
export function sendConsole(socketPath: string, master: number): void {
  const n = native();
  let sock: number;
  try {
    sock = n.unixConnect(socketPath);
  } catch (err) {
    throw new ClearError(`dial unix ${socketPath}: connect: ${errnoText(err)}`);
  }
  try {
    n.setBlocking(sock, true);
    n.sendmsg(sock, Buffer.from(CONSOLE_SOCKET_BODY), [master]);
  } catch (err) {
    throw new ClearError(`send the console to ${socketPath}: ${errnoText(err)}`);
  } finally {
    n.close(sock);
  }
}

/** Whether fd is this process's controlling terminal (/proc/self/stat tty_nr). */
function isControllingTty(fd: number): boolean {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[4]) === fs.fstatSync(fd).rdev;
  } catch {
    return false;
  }
}

/**
 * Creates the host pty, sends its master to `socketPath`, and relays it to
 * the process `execId` (which runs on a terminal in the guest) until the
 * process's output ends. `initialSize` (process.consoleSize) is the host
 * pty's size before the caller gets it; the guest pty has it already.
 */
export async function attachConsole(
  socketPath: string,
  agent: AgentClient,
  execId: string,
  initialSize?: WindowSize | null,
): Promise<ConsoleRelay> {
  if (!socketPath) throw new ClearError('cannot allocate tty if runc will detach without setting console socket');
  const n = native();
  const pty = n.openpty();
  try {
    n.setRaw(pty.slave);
    if (initialSize && initialSize.rows > 0 && initialSize.cols > 0) n.setWinsize(pty.master, initialSize.rows, initialSize.cols);
    sendConsole(socketPath, pty.master);
  } catch (err) {
    n.close(pty.slave);
    throw err;
  } finally {
    // The caller's now (or nobody's): holding it would hide its hang-up.
    n.close(pty.master);
  }

  // Opened again without O_NOCTTY: for a session leader without a
  // controlling terminal it becomes one (SIGWINCH on resize).
  let fd: number;
  try {
    fd = fs.openSync(pty.name, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    n.close(pty.slave);
  } catch (err) {
    debug('console', `reopen ${pty.name}: ${messageOf(err)}`);
    fd = pty.slave;
    n.setBlocking(fd, false);
  }
  const ctty = isControllingTty(fd);
  const slave = new FdStream(fd, { tty: true });
  const output = agent.readStdio(execId, 'stdout');
  const input = new PassThrough();
  let closed = false;

  // Input: what the caller types, unchanged, to the guest's terminal. Its
  // end (the caller hung up) types ^D there; the process also gets SIGHUP.
  slave.pipe(input);
  agent.writeStdin(execId, input).catch((err) => debug('console', `stdin: ${messageOf(err)}`));
  slave.once('end', () => {
    if (closed) return;
    debug('console', 'the caller closed the terminal: SIGHUP');
    agent.signal(execId, SIGHUP).catch(() => {});
  });

  // Window size: the caller's master → the guest's.
  let last = '';
  const checkSize = () => {
    if (closed || slave.fd < 0) return;
    let ws: WindowSize;
    try {
      ws = n.getWinsize(slave.fd);
    } catch (err) {
      if ((err as NativeError).code !== 'EBADF') debug('console', `TIOCGWINSZ: ${messageOf(err)}`);
      return;
    }
    const key = `${ws.rows}x${ws.cols}`;
    if (key === last || (ws.rows === 0 && ws.cols === 0)) return;
    last = key;
    agent.resizeTerminal(execId, ws).catch((err) => debug('console', `resize: ${messageOf(err)}`));
  };
  const onHangupSignal = () => debug('console', 'SIGHUP (the terminal hung up)');
  let timer: NodeJS.Timeout | null = null;
  if (ctty) {
    process.on('SIGWINCH', checkSize);
    process.on('SIGHUP', onHangupSignal);
  } else {
    timer = setInterval(checkSize, POLL_MS);
    timer.unref();
  }
  checkSize();

  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const close = () => {
    if (closed) return;
    closed = true;
    if (timer) clearInterval(timer);
    process.off('SIGWINCH', checkSize);
    // SIGHUP stays ignored: the slave is closed below, the kernel may still deliver one.
    setTimeout(() => process.off('SIGHUP', onHangupSignal), 1000).unref();
    output.destroy();
    input.end();
    slave.destroy();
    finish();
  };
  // Output: the guest terminal's bytes to the caller. At its end, whatever
  // is written stays readable on the master after the slave closes.
  output.on('error', (err) => {
    debug('console', `output: ${messageOf(err)}`);
    close();
  });
  slave.on('error', (err) => {
    debug('console', `host terminal: ${messageOf(err)}`);
    close();
  });
  slave.once('finish', close);
  slave.once('close', close);
  output.pipe(slave);
  return { name: pty.name, resizeBy: ctty ? 'sigwinch' : 'poll', done, close };
}

/**
 * `run` and `exec` in the foreground with a terminal and no --console-socket
 * (runc's tty mode): the pty master we received is relayed to our own stdin
 * and stdout. When stdin is a terminal it is made raw (the container's pty
 * does the line editing and turns ^C into SIGINT) and its size is copied to
 * the master at once and on every SIGWINCH; close() restores it.
 */
export function relayCallerTerminal(master: number): { drained(): Promise<void>; close(): void } {
  const n = native();
  n.setBlocking(master, false);
  const term = new FdStream(master, { tty: true });
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) {
    // libuv's raw mode (which saves the termios to restore) keeps output
    // processing on; runc's SetRaw turns it off, or \r\n would become \r\r\n.
    stdin.setRawMode(true);
    n.setRaw(0);
  }
  const size = () => {
    const out = process.stdout;
    if (out.isTTY && out.rows > 0 && out.columns > 0 && term.fd >= 0) n.setWinsize(term.fd, out.rows, out.columns);
  };
  size();
  process.on('SIGWINCH', size);
  // Our stdin's end is not the terminal's: the process sees EOF when it reads ^D.
  stdin.pipe(term, { end: false });
  term.pipe(process.stdout, { end: false });
  term.on('error', (err) => debug('console', `terminal master: ${messageOf(err)}`));
  const ended = new Promise<void>((r) => term.once('end', r).once('close', r));
  return {
    drained: () => Promise.race([ended, new Promise<void>((r) => setTimeout(r, 2000).unref())]),
    close: () => {
      process.off('SIGWINCH', size);
      stdin.unpipe(term);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      stdin.destroy();
      term.destroy();
    },
  };
}
