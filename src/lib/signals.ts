/**
 * Signal names and numbers as runc's `kill` takes them: a decimal number,
 * or a name with or without the SIG prefix, in any case ("KILL", "sigterm",
 * "SIGRTMIN+3"). Unknown names give runc's error: unknown signal "X".
 */
import { constants } from 'node:os';
import { ClearError } from './errors';

const SIGNALS: Readonly<Record<string, number>> = (() => {
  const m: Record<string, number> = { ...(constants.signals as Record<string, number>) };
  // Go's unix.SignalNum knows these aliases too.
  m.SIGIOT ??= 6;
  m.SIGPOLL ??= 29;
  m.SIGCLD ??= 17;
  return m;
})();

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Parses a signal the way runc's kill does; throws `unknown signal "raw"`. */
export function parseSignal(raw: string): number {
  if (/^[+-]?\d+$/.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n)) return n;
  }
  let name = raw.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  const n = SIGNALS[name];
  if (n !== undefined && n > 0) return n;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const off = rt[3] ? Number(rt[3]) * (rt[2] === '-' ? -1 : 1) : 0;
    const v = base + off;
    if (v >= SIGRTMIN && v <= SIGRTMAX) return v;
  }
  throw new ClearError(`unknown signal ${JSON.stringify(raw)}`);
}

/** The name of a signal number ("SIGTERM"), or "signal N" when it has none. */
export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n) return k;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return `signal ${n}`;
}

/** True for numbers kill(2) accepts on Linux (0 = existence check). */
export function isValidSignalNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= SIGRTMAX;
}
