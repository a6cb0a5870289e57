/**
 * The exec monitor: the host process that stands for one process exec'd into
 * a container (`clear-runtime exec`), as the monitor stands for the
 * container's own process. Callers treat its pid as the exec'd process (the
 * shim and conmon reap it as subreaper, and signal it), so it:
 *
 * - joins the container's host cgroup (where its monitor is);
 * - starts the process in the guest through the container's agent socket
 *   (ExecProcess with container_id: the process joins the container's
 *   namespaces);
 * - relays its stdio to the fds `exec` gave it, or its terminal to the
 *   console socket, closing them when the process ends;
 * - forwards the signals it gets to the process;
 * - exits with the process's status (same code, or the same signal
 *   re-raised); 255 when the VM went away first.
 *
 * The sync pipe (its fd 3) carries one JSON line back to `exec`:
 * {"ok":true,"pid":N} once the process runs, or {"error":"..."}.
 *
 *   node bin/clear-monitor exec '<ExecMonitorParams as JSON>'
 *
 * (or `node dist/container/exec-monitor.js '<json>'`: see monitor.ts)
 */
import fs from 'node:fs';
import os from 'node:os';
import { AgentClient, type ExitStatus, type PreservedFd } from '../agent/client';
import { ClearError, messageOf } from '../lib/errors';
import type { MonitorHooks } from './monitor-api';
import { debug } from '../lib/log';
import { joinDirs } from './cgroups';
import { native } from '../native';
import { VM_DIED_EXIT_CODE, closeStdio, exitLike, relayPipes, relayPreserved } from './relay';
import { attachConsole, type ConsoleRelay } from './terminal';

export interface ExecMonitorParams {
  /** The container id (as the agent knows it). */
  id: string;
  /** The process's exec id in the agent, unique in the VM. */
  execId: string;
  /** The container's agent socket (from its monitor.json). */
  agentSocket: string;
  /** The OCI runtime-spec process object. */
  process: { terminal?: boolean; consoleSize?: { height: number; width: number } } & Record<string, unknown>;
  /** --console-socket (absolute), with process.terminal. */
  consoleSocket?: string;
  /** The container's host cgroup directories (its cgroups.json), joined first. */
  cgroups?: string[];
  /** --preserve-fds: our fds at the numbers the process gets (3..), and which way each goes. */
  preservedFds?: PreservedFd[];
  syncFd: number;
}

/** Signals that are the caller's to send to the process: forwarded. */
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGCONT', 'SIGWINCH', 'SIGHUP', 'SIGALRM'] as const;

function report(fd: number, message: object): void {
  try {
    fs.writeSync(fd, `${JSON.stringify(message)}\n`);
  } catch (err) {
    debug('exec-monitor', `sync: ${messageOf(err)}`);
  }
  try {
    fs.closeSync(fd);
  } catch {
    // closed already
  }
}

/** The exec monitor's life; `hooks.created` runs once the process runs and `exec` was told. */
export async function main(paramsJson = process.argv[2], hooks: MonitorHooks = {}): Promise<void> {
  const params = JSON.parse(paramsJson ?? '') as ExecMonitorParams;
  // What `ps` and `docker top` show instead of the JSON argument (the agent socket names the VM).
  process.title = `clear-exec-monitor ${params.id} ${params.execId} ${params.agentSocket}`;
  native().cloexecFrom(3);
  // The container's host cgroup, as the container's monitor is in it.
  try {
    joinDirs(params.cgroups ?? []);
  } catch (err) {
    report(params.syncFd, { error: messageOf(err) });
    process.exit(1);
  }
  const agent = AgentClient.connect(params.agentSocket);
  const terminal = params.process.terminal === true;
  let console: ConsoleRelay | null = null;
  try {
    const { pid } = await agent.execInContainer(params.id, params.execId, params.process, params.preservedFds);
    if (terminal) {
      // The terminal's hang-up reaches the process as SIGHUP (the relay sends it).
      process.on('SIGHUP', () => debug('exec-monitor', 'SIGHUP ignored (terminal)'));
      const size = params.process.consoleSize;
      console = await attachConsole(params.consoleSocket ?? '', agent, params.execId,
        size ? { rows: size.height, cols: size.width } : null);
    }
    report(params.syncFd, { ok: true, pid });
    hooks.created?.();
  } catch (err) {
    report(params.syncFd, { error: messageOf(err) });
    agent.close();
    process.exit(1);
  }
  for (const sig of FORWARDED) {
    if (terminal && (sig === 'SIGHUP' || sig === 'SIGWINCH')) continue; // the terminal relay's
    const signo = os.constants.signals[sig];
    process.on(sig, () => {
      agent.signal(params.execId, signo).catch((err) => debug('exec-monitor', `${sig}: ${messageOf(err)}`));
    });
  }
  const relays = Promise.all([
    console ? console.done : relayPipes(agent, params.execId),
    relayPreserved(agent, params.execId, params.preservedFds ?? []),
  ]);
  const status: ExitStatus | null = await agent.wait(params.execId).catch((err) => {
    debug('exec-monitor', `wait: ${messageOf(err)}`);
    return null;
  });
  if (status) await relays;
  console?.close();
  closeStdio();
  agent.close();
  exitLike(status);
}

/** main() as a process: what it throws ends the process with the VM-died status. */
export function runMain(paramsJson: string | undefined, hooks: MonitorHooks = {}): void {
  main(paramsJson, hooks).catch((err) => {
    process.stderr.write(`clear exec monitor: ${err instanceof ClearError ? err.message : messageOf(err)}\n`);
    process.exit(VM_DIED_EXIT_CODE);
  });
}

if (require.main === module) runMain(process.argv[2]);
