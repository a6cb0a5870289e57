/**
 * /proc/PID/stat, read the one way: the command name (field 2) may hold
 * spaces and parentheses, so the fields are split after its last ')'.
 */
import { execFileSync } from 'node:child_process';
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
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}
