/**
 * /proc/PID/stat, read the one way: the command name (field 2) may hold
 * spaces and parentheses, so the fields are split after its last ')'.
 */
import fs from 'node:fs';

/** Fields 3 (state) onwards of /proc/PID/stat: [0] is field 3; undefined once the process is gone. */
export function procStatFields(pid: number): string[] | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** CPU time the process has used so far, user and system (fields 14 and 15), in seconds; null once it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  const f = procStatFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / clockTicksPerSecond() : null;
}

let clockTicks: number | undefined;
/** sysconf(_SC_CLK_TCK), the unit of /proc/PID/stat's times. */
function clockTicksPerSecond(): number {
  // child_process is loaded here, not with this file: `state` reads
  // /proc/PID/stat through it, and loading child_process cost that CLI call
  // ~6 ms (make bench, 2026-11-25: 1.31x node -e 0 instead of ~1.17x).
  if (clockTicks === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  }
  return clockTicks;
}
