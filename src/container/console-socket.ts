/**
 * The receiving end of --console-socket, as containerd's shim or runc's
 * recvtty have it: one connection, one pty master fd. `run` in the
 * foreground with a terminal and no --console-socket uses it on itself
 * (runc does the same), and so do the tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClearError } from '../lib/errors';
import { native, READABLE } from '../native';

/** Listens on `socketPath` (created here, removed once used) for one master fd. */
export function consoleSocket(socketPath: string): { path: string; received: Promise<{ body: string; master: number }>; close(): void } {
  const n = native();
  const p = socketPath;
  const l = n.unixListen(p, 4);
  let listening = true;
  const stop = () => {
    if (!listening) return;
    listening = false;
    w.close();
    n.close(l);
    fs.rmSync(p, { force: true });
  };
  let w!: ReturnType<typeof n.watch>;
  const received = new Promise<{ body: string; master: number }>((resolve, reject) => {
    w = n.watch(l, () => {
      const c = n.accept(l);
      if (c < 0) return;
      stop();
      const buf = Buffer.alloc(4096);
      const rw = n.watch(c, () => {
        try {
          const r = n.recvmsg(c, buf);
          if (!r) return;
          rw.close();
          n.close(c);
          if (r.fds.length !== 1) return reject(new Error(`got ${r.fds.length} fds`));
          resolve({ body: buf.subarray(0, r.bytes).toString(), master: r.fds[0] });
        } catch (err) {
          rw.close();
          n.close(c);
          reject(err);
        }
      });
      rw.start(READABLE);
    });
    w.start(READABLE);
  });
  return { path: p, received, close: stop };
}

/**
 * A console socket of our own in a private directory, for `run` and `exec`
 * in the foreground with a terminal and no --console-socket (runc's tty
 * mode). close() removes it; a master not received by then fails `received`.
 */
export function ownConsoleSocket(): { path: string; received: Promise<number>; close(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-console-'));
  const sock = consoleSocket(path.join(dir, 'console.sock'));
  let fail!: (err: Error) => void;
  const received = new Promise<number>((resolve, reject) => {
    fail = reject;
    sock.received.then((r) => resolve(r.master), reject);
  });
  received.catch(() => {});
  let open = true;
  return {
    path: sock.path,
    received,
    close: () => {
      if (!open) return;
      open = false;
      sock.close();
      fs.rmSync(dir, { recursive: true, force: true });
      fail(new ClearError('no terminal came to the console socket'));
    },
  };
}
