/**
 * Idle reclaim: once a VM has gone idle, ask its machine to give back the
 * memory it holds only to run faster (under TCG the translated code: a
 * third of an idle container's host memory; see src/vmm/qemu/code-cache.ts).
 *
 * Idle is judged from the VMM process's CPU time, sampled every few
 * seconds: no guest help and no wake-ups of the guest. A VM that has used
 * less than IDLE_CPU_FRACTION of a CPU for `delayMs` is reclaimed once; it
 * is reclaimed again only after it has been busy and idle again. Reclaiming
 * costs the next burst of work its translations (done again, cold), so a
 * container busy again soon after a reclaim (a health check every 30 s,
 * say) has its delay doubled, up to MAX_DELAY_MS: its cache stays.
 *
 * CLEAR_IDLE_RECLAIM_S sets the first delay in seconds (0: never).
 */
import { ClearError, messageOf } from '../lib/errors';
import { debug } from '../lib/log';
import { cpuSecondsOf } from '../lib/proc';
import type { Machine, ReclaimReport } from '../vmm/hypervisor';

/** The default delay: long enough that a create → start → first work is never interrupted. */
export const DEFAULT_DELAY_MS = 10_000;
const MAX_DELAY_MS = 320_000;
/** How often the VMM's CPU time is sampled. */
export const IDLE_CHECK_MS = 5_000;
/** Below this share of one CPU the VMM counts as idle (an idle clear VM's QEMU uses ~0.1 %). */
const IDLE_CPU_FRACTION = 0.02;
/** Partial reclaims in a row before the VM counts as reclaimed until it is busy again. */
const MAX_PARTIAL = 3;
/** Busy again within this many delays of a reclaim: the reclaim came too early. */
const TOO_EARLY_DELAYS = 3;

/** The first delay (ms) from CLEAR_IDLE_RECLAIM_S; 0 when reclaiming is off. */
export function idleReclaimDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.CLEAR_IDLE_RECLAIM_S;
  if (value === undefined || value === '') return DEFAULT_DELAY_MS;
  if (!/^\d+$/.test(value)) {
    throw new ClearError(`CLEAR_IDLE_RECLAIM_S=${value}: must be the seconds a VM is idle before its memory is reclaimed (0: never)`);
  }
  return Number(value) * 1000;
}

/** When to reclaim, from CPU samples: no clock or process of its own, for tests. */
export class IdlePolicy {
  private lastSample: { at: number; cpuMs: number } | null = null;
  private idleSince: number | null = null;
  private reclaimedAt: number | null = null;

  constructor(public delayMs: number) {}

  /** A new sample of the VMM's CPU time (ms) at `now`: true when it is time to reclaim. */
  observe(now: number, cpuMs: number): boolean {
    const last = this.lastSample;
    this.lastSample = { at: now, cpuMs };
    if (!last || now <= last.at) return false;
    const busy = (cpuMs - last.cpuMs) / (now - last.at) >= IDLE_CPU_FRACTION;
    if (busy) {
      if (this.reclaimedAt !== null && now - this.reclaimedAt < TOO_EARLY_DELAYS * this.delayMs) {
        this.delayMs = Math.min(MAX_DELAY_MS, this.delayMs * 2);
      }
      this.reclaimedAt = null;
      this.idleSince = null;
      return false;
    }
    this.idleSince ??= last.at;
    return this.reclaimedAt === null && now - this.idleSince >= this.delayMs;
  }

  /**
   * The reclaim is done (or was declined) at `now`; `cpuMs` is the VMM's CPU
   * time then, so the reclaim's own work is not taken for the guest's.
   */
  reclaimed(now: number, cpuMs: number): void {
    this.reclaimedAt = now;
    this.lastSample = { at: now, cpuMs };
  }
}

/** A process's CPU time (user + system, ms); null once it is gone. */
export function processCpuMs(pid: number): number | null {
  const s = cpuSecondsOf(pid);
  return s === null ? null : s * 1000;
}

/** What IdleReclaimOptions.guard answers when the container does not allow a reclaim now. */
export const DECLINED = Symbol('declined');

export interface IdleReclaimOptions {
  machine: Machine;
  delayMs: number;
  /**
   * Runs the reclaim when the container allows it now (not paused, not in
   * the middle of a command of its own); resolves DECLINED when it does not
   * (asked again at the next check).
   */
  guard(fn: () => Promise<ReclaimReport | null>): Promise<ReclaimReport | null | typeof DECLINED>;
  checkMs?: number;
}

/** Watches the machine until stop(); reclaims as IdlePolicy says. Never throws. */
export function watchIdle(o: IdleReclaimOptions): { stop(): void } {
  if (o.delayMs <= 0) return { stop: () => {} };
  const policy = new IdlePolicy(o.delayMs);
  let running = false;
  let partials = 0;
  const tick = async () => {
    const cpu = processCpuMs(o.machine.pid);
    if (cpu === null || running || !policy.observe(Date.now(), cpu)) return;
    running = true;
    let again = false;
    try {
      const report = await o.guard(() => o.machine.reclaimIdleMemory());
      // Declined, or only partly done: asked again at the next check (a
      // partial one at most MAX_PARTIAL times in a row).
      partials = report !== DECLINED && report?.partial ? partials + 1 : 0;
      again = report === DECLINED || (partials > 0 && partials < MAX_PARTIAL);
      if (report && report !== DECLINED) {
        debug(
          'reclaim',
          `${report.what}: ${mib(report.residentBefore)} → ${mib(report.residentAfter)} MiB resident, guest still ${report.pausedMs} ms, ${report.tookMs} ms in all (next after ${policy.delayMs / 1000} s idle)`,
        );
      }
    } catch (err) {
      debug('reclaim', `not done: ${messageOf(err)}`);
    } finally {
      running = false;
      if (!again) policy.reclaimed(Date.now(), processCpuMs(o.machine.pid) ?? 0);
    }
  };
  const timer = setInterval(() => void tick(), o.checkMs ?? IDLE_CHECK_MS);
  // The monitor's life is its container's, not this timer's.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
