/**
 * Where the guest's time goes: with CLEAR_AGENT_TRACE=1 in its environment
 * (init sets it when the kernel command line has clear.debug=1) the agent
 * writes `clear-agent: <guest uptime> <what>` lines to stderr, which is the
 * VM's console: each RPC with how long it took, and the steps of a create.
 * Off, every call here is one environment lookup.
 */
import { readFileSync } from 'fs';
import { printErr } from '../lib/print';

// Read at each use, never kept: the agent's start-up snapshot (snapshot.ts)
// evaluates this module, and serves a Ping, in the image build's guest.
const enabled = (): boolean => process.env.CLEAR_AGENT_TRACE === '1';

function uptime(): string {
  try {
    return readFileSync('/proc/uptime', 'utf8').split(' ')[0];
  } catch {
    return (process.uptime()).toFixed(2);
  }
}

export function trace(what: string): void {
  if (enabled()) printErr(`clear-agent: ${uptime()} ${what}\n`);
}

/** Wraps each `(call, callback)` handler so its answer is traced with its duration. */
export function traceHandlers<T extends object>(handlers: T): T {
  if (!enabled()) return handlers;
  const traced: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function' || handler.length !== 2) {
      traced[name] = handler;
      continue;
    }
    traced[name] = (call: unknown, cb: (err: unknown, res?: unknown) => void) => {
      // performance.now: the wall clock jumps when SetGuestTime sets it.
      const started = performance.now();
      trace(`${name} received`);
      (handler as (c: unknown, cb: (err: unknown, res?: unknown) => void) => void)(call, (err, res) => {
        trace(`${name} answered${err ? ' (error)' : ''} after ${Math.round(performance.now() - started)} ms`);
        cb(err, res);
      });
    };
  }
  return traced as T;
}

/**
 * The first trace line: the time node's own bootstrap (or the snapshot's
 * deserialising) took, and what the process cost the kernel and the CPU
 * by then (page faults are kernel work, slow under TCG).
 */
export function traceBootstrap(what: string): void {
  if (!enabled()) return;
  const u = process.resourceUsage();
  const cpu = (us: number) => (us / 1e6).toFixed(2);
  trace(`${what} (${process.uptime().toFixed(2)} s after exec; ${u.minorPageFault} page faults, CPU ${cpu(u.userCPUTime)} s user, ${cpu(u.systemCPUTime)} s system)`);
}
