/**
 * What the monitor tells the rest of clear about its container, in
 * <stateDir>/monitor.json: written by the monitor (atomically), read by the
 * short-lived commands to know the live state and how the process ended. The
 * one other writer is `kill 9` when it had to kill the VM on the host (the
 * monitor is dead then; monitor-launch.ts, signalContainer).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExitStatus } from '../agent/client';
import type { AccelKind } from '../vmm/hypervisor';

/** The exec id of the container's own process in the agent. */
export const INIT_EXEC_ID = 'init';

export interface MonitorRecord {
  /** The monitor's own pid: the container's pid as callers see it. */
  pid: number;
  status: 'creating' | 'created' | 'stopped';
  /** Every host process the VM needs besides the monitor (QEMU, virtiofsd). */
  hostPids: number[];
  /** The VM's run directory (sockets, console). */
  runDir?: string;
  /** The agent's Unix socket. */
  agentSocket?: string;
  /** The monitor's control socket (monitor-control.ts): start, kill, update, stats through its agent connection. */
  controlSocket?: string;
  /** A QMP socket free for short-lived clients (pause/resume: `stop`/`cont`). */
  qmpSocket?: string;
  /** The VM's size, fixed at create (update refuses what it cannot hold). */
  vm?: { memoryMiB: number; vcpus: number; accel?: AccelKind };
  /** How the container process ended, once it has. */
  exit?: ExitStatus;
}

const FILE = 'monitor.json';

export function writeMonitorRecord(stateDir: string, record: MonitorRecord): void {
  const file = path.join(stateDir, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record));
  fs.renameSync(tmp, file);
}

export function readMonitorRecord(stateDir: string): MonitorRecord | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, FILE), 'utf8')) as MonitorRecord;
  } catch {
    return null;
  }
}
