/**
 * Giving back TCG's translation cache when a VM is idle.
 *
 * Under TCG QEMU keeps the host code it translated from guest code in one
 * buffer of `tb-size` MiB (args.ts, TCG_TB_SIZE_MIB). A boot, a create and
 * a start fill it several times over (node's start-up is a lot of cold
 * code), and QEMU 7.2 never returns a page of it: an idle container's QEMU
 * holds all 32 MiB, for code an idle guest no longer runs — a third of its
 * host memory. QEMU writes the buffer from its start, and when it is full
 * it drops every translation (a "flush") and starts again from the start:
 * what lies beyond the write position is code of an earlier fill, which
 * nothing can reach any more.
 *
 * So, with the guest idle:
 *  1. force a flush. QEMU 7.2 has no command for it, but its gdbstub flushes
 *     the cache whenever single-stepping is switched on or off: a gdbstub is
 *     opened on a socket of the VM's run directory, one instruction is
 *     stepped, the stub detaches and is closed again. The guest stands
 *     still for that moment and sees nothing else;
 *  2. freeze the guest (`stop`), read how far QEMU has written since the
 *     flush (`info jit`), and punch the rest of the buffer out of its file:
 *     with `split-wx=on` (args.ts) the buffer is a memfd that QEMU maps
 *     twice (writable, and executable), which the host can reach through
 *     /proc/PID/map_files and free with fallocate(PUNCH_HOLE). Nothing beyond
 *     the write position is read again before it is written, and written
 *     pages come back zero-filled on demand. Then `cont`.
 * Step 2 alone is safe at any time: beyond the write position there is
 * only dead code, whether or not the flush of step 1 happened.
 *
 * With one vCPU QEMU has one region in the buffer and `info jit`'s "gen code
 * size" is the write position; with more, each vCPU writes its own region
 * and that figure no longer says where the live code ends: only one-vCPU
 * machines are trimmed (args.ts, sharedCodeCache).
 *
 * (Checked against Debian's QEMU 7.2 source: the flush comes from the
 * gdbstub reporting the step's stop, `gdb_vm_state_change`; a step cut
 * short by an interrupt flushes nothing, and the trim is then partial.)
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { messageOf } from '../../lib/errors';
import { logger } from '../../lib/log';
import type { ReclaimReport } from '../hypervisor';
import type { QmpClient } from './qmp';

const log = logger('qemu');
const execFileP = promisify(execFile);

/**
 * Kept beyond the write position: QEMU's prologue sits before the region
 * the write position counts from (a few hundred bytes). The guest is frozen
 * from reading the position to the punch, so this is a margin only.
 */
const KEEP_BYTES = 64 << 10;

/** The memfd's name QEMU 7.2 gives the buffer with split-wx=on. */
const MEMFD_NAME = '/memfd:tcg-jit (deleted)';

export interface CodeCacheMapping {
  /** `start-end` in hex, as /proc/PID/maps and map_files name it. */
  range: string;
  sizeBytes: number;
  residentBytes: number;
}

/** The writable mapping of QEMU's translation-cache memfd, from /proc/PID/smaps; null without split-wx. */
export function codeCacheMapping(pid: number): CodeCacheMapping | null {
  const smaps = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const lines = smaps.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) rw-s \S+ \S+ \S+\s+(.*)$/.exec(lines[i]);
    if (!m || m[3] !== MEMFD_NAME) continue;
    let rssKiB = 0;
    for (let j = i + 1; j < lines.length && !/^[0-9a-f]+-/.test(lines[j]); j++) {
      const r = /^Rss:\s+(\d+) kB/.exec(lines[j]);
      if (r) rssKiB = Number(r[1]);
    }
    return { range: `${m[1]}-${m[2]}`, sizeBytes: Number(BigInt(`0x${m[2]}`) - BigInt(`0x${m[1]}`)), residentBytes: rssKiB * 1024 };
  }
  return null;
}

export interface JitInfo {
  /** Bytes QEMU has written since the last flush (its write position). */
  usedBytes: number;
  flushes: number;
}

/** Reads HMP's `info jit` ("gen code size U/C", "TB flush count N"). */
export function parseInfoJit(text: string): JitInfo {
  const used = /gen code size\s+(\d+)\//.exec(text);
  const flushes = /TB flush count\s+(\d+)/.exec(text);
  if (!used || !flushes) throw new Error(`unexpected 'info jit' output: ${JSON.stringify(text.slice(0, 200))}`);
  return { usedBytes: Number(used[1]), flushes: Number(flushes[1]) };
}

/** One HMP command through QMP; its answer is the text HMP would print. */
async function hmp(qmp: QmpClient, line: string): Promise<string> {
  return qmp.execute<string>('human-monitor-command', { 'command-line': line });
}

async function infoJit(qmp: QmpClient): Promise<JitInfo> {
  return parseInfoJit(await hmp(qmp, 'info jit'));
}

export interface TrimOptions {
  pid: number;
  runDir: string;
  /** How long each wait on QEMU may take (ms, already scaled by the accelerator). */
  stepTimeoutMs: number;
}

/**
 * Flushes the cache and frees what lies beyond the write position. The
 * guest is left running, as it was found; a guest that is not running is
 * not touched.
 */
export async function trimCodeCache(qmp: QmpClient, o: TrimOptions): Promise<ReclaimReport | null> {
  const before = codeCacheMapping(o.pid);
  if (!before) return null;
  const status = await qmp.execute<{ status?: string }>('query-status');
  if (status.status !== 'running') return null;
  const started = Date.now();
  const jit0 = await infoJit(qmp);
  const flushed = await flushThroughGdbStub(qmp, o).catch((err: unknown) => {
    log('code cache: no flush through the gdbstub: %s', messageOf(err));
    return false;
  });
  if (flushed) await waitForFlush(qmp, jit0.flushes, o.stepTimeoutMs);
  const paused = Date.now();
  await qmp.execute('stop');
  try {
    const jit = await infoJit(qmp);
    const from = Math.ceil((jit.usedBytes + KEEP_BYTES) / 65536) * 65536;
    if (from < before.sizeBytes) await punchHole(o.pid, before.range, from, before.sizeBytes - from);
  } finally {
    await qmp.execute('cont');
  }
  const pausedMs = Date.now() - paused;
  return {
    what: flushed ? 'translation cache, flushed' : 'translation cache, not flushed',
    partial: !flushed,
    residentBefore: before.residentBytes,
    residentAfter: codeCacheMapping(o.pid)?.residentBytes ?? 0,
    pausedMs,
    tookMs: Date.now() - started,
  };
}

/** fallocate(PUNCH_HOLE) on the memfd through /proc/PID/map_files (util-linux; node has no fallocate). */
async function punchHole(pid: number, range: string, offset: number, length: number): Promise<void> {
  await execFileP('fallocate', ['--punch-hole', '--offset', String(offset), '--length', String(length), `/proc/${pid}/map_files/${range}`]);
}

/** After the stub's flush is queued, the vCPU runs it once resumed: wait until `info jit` counts it. */
async function waitForFlush(qmp: QmpClient, flushesBefore: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await infoJit(qmp)).flushes > flushesBefore) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Opens a gdbstub, steps one instruction and detaches: QEMU flushes the
 * translation cache when the stub reports the step's stop (a trap, "T05");
 * true when it did. A guest waiting in HLT steps only at its next
 * interrupt: if none comes in time the step is cut short (0x03), which
 * flushes nothing. The stub is closed again whatever happened; the guest runs
 * again after the detach (a stub that lost its client leaves the guest
 * stopped: the caller's `stop`/`cont` that follows covers that).
 *
 * The stub stops the guest when a client connects, and from the second
 * client on it also reports that stop ("T02", as an interrupt), maybe after
 * our first packet is sent. So the step is known done by its own report, a
 * trap ("T05"). A packet that reaches a running guest only stops it (and
 * is lost), so nothing else is sent before a stop is reported.
 */
async function flushThroughGdbStub(qmp: QmpClient, o: TrimOptions): Promise<boolean> {
  const socket = path.join(o.runDir, 'gdb.sock');
  fs.rmSync(socket, { force: true });
  const answer = await hmp(qmp, `gdbserver unix:${socket},server=on,wait=off`);
  if (!/Waiting for gdb connection/i.test(answer)) throw new Error(`gdbserver: ${answer.trim()}`);
  try {
    const gdb = await GdbConnection.open(socket, o.stepTimeoutMs);
    try {
      gdb.send('s');
      // An idle vCPU waits in HLT: the step ends at its next interrupt, or
      // is cut short by ours (0x03) if none comes.
      const stepped = await gdb.waitFor((p) => p.startsWith('T05'), 0, o.stepTimeoutMs / 4);
      if (!stepped) {
        const seen = gdb.packets.length;
        gdb.interrupt();
        if (!(await gdb.waitFor((p) => /^[TS]/.test(p), seen, o.stepTimeoutMs))) throw new Error(`the gdbstub never reported a stop (it said ${gdb.said()})`);
      }
      const seen = gdb.packets.length;
      gdb.send('D');
      if (!(await gdb.waitFor((p) => p === 'OK', seen, o.stepTimeoutMs))) throw new Error(`the gdbstub did not detach (it said ${gdb.said()})`);
      return stepped;
    } finally {
      gdb.close();
    }
  } finally {
    await hmp(qmp, 'gdbserver none').catch(() => '');
    fs.rmSync(socket, { force: true });
  }
}

/** Just enough of gdb's remote serial protocol: packets out, packets in. */
class GdbConnection {
  /** Every packet's payload the stub has sent, in order. */
  readonly packets: string[] = [];
  private buffer = '';
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buffer += d;
      for (let m; (m = /\$([^#$]*)#[0-9a-fA-F]{2}/.exec(this.buffer)); ) {
        this.packets.push(m[1]);
        this.buffer = this.buffer.slice(m.index + m[0].length);
      }
    });
    sock.on('error', () => {});
  }

  static open(socket: string, timeoutMs: number): Promise<GdbConnection> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(socket);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`gdbstub ${socket}: no connection in ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(new GdbConnection(sock));
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  send(payload: string): void {
    let sum = 0;
    for (const c of Buffer.from(payload, 'latin1')) sum = (sum + c) & 0xff;
    this.sock.write(`$${payload}#${sum.toString(16).padStart(2, '0')}`);
  }

  interrupt(): void {
    this.sock.write('\x03');
  }

  /** Whether a packet from index `from` on satisfies `match` within the time. */
  async waitFor(match: (payload: string) => boolean, from: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.packets.slice(from).some(match)) {
      if (Date.now() > deadline || this.sock.destroyed) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  said(): string {
    return JSON.stringify(this.packets);
  }

  close(): void {
    this.sock.destroy();
  }
}
