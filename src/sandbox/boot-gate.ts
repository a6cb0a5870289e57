/**
 * The boot gate: at most N VMs of this host boot at once, the others wait
 * their turn. N defaults to the CPUs this process may run on, under TCG.
 *
 * Why: a booting TCG guest keeps one host CPU busy for its whole boot, and
 * more of them than CPUs do not share the CPUs well: 10 creates at once on
 * 2 CPUs took 20.6–22.1 s with all ten booting together and 14.3–17.3 s
 * two at a time, their QEMUs using 33–35 against 23–27 CPU-seconds (each
 * VM's translated code and guest memory evict the others' from the caches
 * at every switch). Queued, every create returns sooner, the first ones
 * most. Under KVM nothing was measured, so nothing is gated there unless
 * CLEAR_BOOT_SLOTS asks for it.
 *
 * A slot is a listening Unix socket `<dir>/<k>.sock`: whoever has it bound
 * holds the slot. The kernel closes it when its holder dies, so a monitor
 * that crashed holds nothing: a slot file nobody listens on is stale and
 * taken over. A waiter connects to every held slot and wakes when one of
 * them hangs up, which its holder does on release (no polling interval to
 * lose); it scans again every WAIT_RESCAN_MS regardless. Two waiters that
 * both find the same stale slot may both take it: one VM too many booting
 * for a while, never a wait without end. The gate never fails a boot: any
 * error of its own, or a wait past maxWaitMs, lets the boot go ungated.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClearError, messageOf } from '../lib/errors';
import { logger } from '../lib/log';
import type { AccelKind } from '../vmm/hypervisor';

const debug = logger('sandbox');

/** A waiter scans every slot again at least this often (ms). */
const WAIT_RESCAN_MS = 1000;

export interface BootSlot {
  /** The slot's number; null when the boot goes ungated. */
  readonly index: number | null;
  /** How long the caller waited for it (ms). */
  readonly waitedMs: number;
  /** Frees the slot (its file goes, its waiters wake). Safe to call twice. */
  release(): void;
}

export interface BootGateOptions {
  /** Where the slots' sockets live (made 0700 if missing). */
  dir: string;
  /** How many boots at once; 0: no gate. */
  slots: number;
  /** After this long (ms) the boot goes ahead without a slot. */
  maxWaitMs: number;
}

/**
 * How many VMs may boot at once: CLEAR_BOOT_SLOTS when set (0: no limit),
 * else under TCG the CPUs this process may use, under KVM no limit.
 */
export function bootSlotCount(kind: AccelKind, env: NodeJS.ProcessEnv = process.env): number {
  const value = env.CLEAR_BOOT_SLOTS;
  if (value === undefined || value === '') return kind === 'tcg' ? os.availableParallelism() : 0;
  if (!/^\d+$/.test(value)) {
    throw new ClearError(`CLEAR_BOOT_SLOTS=${value}: must be the number of VMs that may boot at once (0: no limit)`);
  }
  return Number(value);
}

/** Waits for a free slot (see the file's comment); never throws. */
export async function acquireBootSlot(opts: BootGateOptions): Promise<BootSlot> {
  const started = Date.now();
  const ungated = (why?: string): BootSlot => {
    if (why) debug(`boot gate: going ahead without a slot: ${why}`);
    return { index: null, waitedMs: Date.now() - started, release: () => {} };
  };
  if (opts.slots <= 0) return ungated();
  try {
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const files = Array.from({ length: opts.slots }, (_, k) => path.join(opts.dir, `${k}.sock`));
    for (;;) {
      for (const [k, file] of files.entries()) {
        const server = await bindSlot(file);
        if (server) return heldSlot(k, server, Date.now() - started);
      }
      const left = started + opts.maxWaitMs - Date.now();
      if (left <= 0) return ungated(`every one of ${opts.slots} slots still held after ${opts.maxWaitMs} ms`);
      await waitForAnyRelease(files, Math.min(WAIT_RESCAN_MS, left));
    }
  } catch (err) {
    return ungated(messageOf(err));
  }
}

/** Binds the slot's socket: the server, or null when someone holds it. */
function bindSlot(file: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen(file, () => resolve(server));
  });
}

function heldSlot(index: number, server: net.Server, waitedMs: number): BootSlot {
  const waiters = new Set<net.Socket>();
  server.on('connection', (conn) => {
    waiters.add(conn);
    conn.on('error', () => {});
    conn.on('close', () => waiters.delete(conn));
  });
  server.unref();
  let released = false;
  if (waitedMs > 0) debug(`boot gate: slot ${index} after ${waitedMs} ms`);
  return {
    index,
    waitedMs,
    release: () => {
      if (released) return;
      released = true;
      // Closing a listening Unix socket removes its file (libuv), so the
      // next bind succeeds; hanging up wakes the waiters to try it.
      server.close();
      for (const conn of waiters) conn.destroy();
    },
  };
}

/**
 * Resolves when any slot may be free: its holder hung up, its file is gone,
 * or nobody listens on it (stale: the file is removed here); or after ms.
 */
function waitForAnyRelease(files: string[], ms: number): Promise<void> {
  const conns: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  return new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    for (const file of files) {
      const conn = net.connect(file);
      conns.push(conn);
      conn.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED') fs.rmSync(file, { force: true });
        resolve();
      });
      conn.on('close', () => resolve());
    }
  }).finally(() => {
    clearTimeout(timer);
    for (const conn of conns) conn.destroy();
  });
}
