/**
 * `exec`: a new process in a running container. The process gets its own
 * host process, the exec monitor (exec-monitor.ts), spawned here detached
 * with exactly the caller's stdio (none with a terminal): its pid goes to
 * --pid-file, and it exits with the process's status. With --detach this
 * returns once the process runs; otherwise it waits for the exec monitor and
 * returns its status (signals sent to us are passed on to it).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { ClearError } from '../lib/errors';
import { native } from '../native';
import type { ExecMonitorParams } from './exec-monitor';
import { recordedCgroups } from './cgroups';
import { state } from './lifecycle';
import { monitorCommand, monitorEnv, readReport } from './monitor-launch';
import { readMonitorRecord } from './monitor-record';
import { ownConsoleSocket } from './console-socket';
import { describePreservedFds } from './preserved-fds';
import { relayCallerTerminal } from './terminal';
import { containerDir, writePidFile } from './state';

export interface ExecOptions {
  id: string;
  /** The OCI process object (from --process, or built from the flags). */
  process: ExecMonitorParams['process'];
  pidFile?: string;
  /** Absolute or relative to the cwd. */
  consoleSocket?: string;
  detach: boolean;
  preserveFds: number;
  ignorePaused?: boolean;
}

/** The container's config.json process: the base for `exec` without --process (as runc's). */
export function containerProcess(root: string, id: string, ignorePaused = false): Record<string, unknown> {
  ensureExecutable(root, id, ignorePaused);
  try {
    const spec = JSON.parse(fs.readFileSync(path.join(containerDir(root, id), 'config.json'), 'utf8')) as { process?: Record<string, unknown> };
    return spec.process ?? {};
  } catch {
    return {};
  }
}

/** runc's checks: the container exists and is not stopped or paused. */
function ensureExecutable(root: string, id: string, ignorePaused: boolean): void {
  const s = state({ root }, id);
  if (s.status === 'stopped') throw new ClearError('cannot exec in a stopped container');
  // With --ignore-paused the process starts once the VM is resumed (runc's waits for the thaw too).
  if (s.status === 'paused' && !ignorePaused) throw new ClearError('cannot exec in a paused container (use --ignore-paused to override)');
}

export async function exec(ctx: { root: string }, opts: ExecOptions): Promise<number> {
  ensureExecutable(ctx.root, opts.id, opts.ignorePaused === true);
  const terminal = opts.process.terminal === true;
  // runc's checkTerminal.
  if (opts.detach && terminal && !opts.consoleSocket) {
    throw new ClearError('cannot allocate tty if runc will detach without setting console socket');
  }
  if ((!opts.detach || !terminal) && opts.consoleSocket) {
    throw new ClearError('cannot use console socket if runc will not detach or allocate tty');
  }
  const record = readMonitorRecord(containerDir(ctx.root, opts.id));
  if (!record?.agentSocket || record.status === 'stopped') throw new ClearError('cannot exec in a stopped container');

  // -t in the foreground: as runc does, we hold the pty ourselves and relay
  // our own stdio to it (the exec monitor sends its master to a console
  // socket of ours).
  // runc's --preserve-fds: our fds 3.. go to the exec monitor at the same
  // numbers, which relays them (looked at here: a listening socket is refused).
  const preservedFds = describePreservedFds(3, opts.preserveFds > 0 ? opts.preserveFds : 0);
  const syncFd = 3 + preservedFds.length;
  const local = terminal && !opts.detach ? ownConsoleSocket() : null;
  const params: ExecMonitorParams = {
    id: opts.id,
    execId: `exec-${crypto.randomBytes(8).toString('hex')}`,
    agentSocket: record.agentSocket,
    process: opts.process,
    ...(opts.consoleSocket ? { consoleSocket: path.resolve(opts.consoleSocket) } : {}),
    ...(local ? { consoleSocket: local.path } : {}),
    cgroups: recordedCgroups(containerDir(ctx.root, opts.id)),
    ...(preservedFds.length ? { preservedFds } : {}),
    syncFd,
  };
  // As for the container's monitor: nothing we inherited beyond stdio may
  // stay open in a long-lived process.
  native().cloexecFrom(3);
  const [cmd, ...args] = monitorCommand('exec', params);
  const child = spawn(cmd, args, {
    detached: true,
    stdio: [...(terminal ? (['ignore', 'ignore', 'ignore'] as const) : [0, 1, 2]), ...preservedFds.map((f) => f.fd), 'pipe'],
    env: monitorEnv(preservedFds.length),
  });
  const sync = child.stdio[syncFd] as Readable | null;
  if (!child.pid || !sync) throw new ClearError('cannot start the exec monitor');
  const pid = child.pid;
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? 128 + (os.constants.signals[signal] ?? 0) : (code ?? 255))),
  );
  const lines = readline.createInterface({ input: sync });
  const reply = await readReport<{ ok?: boolean; pid?: number }>(lines, child, 'the exec monitor').catch((err) => {
    local?.close();
    throw err;
  });
  lines.close();
  sync.destroy();
  if (!reply.ok) {
    local?.close();
    if (child.exitCode === null) child.kill('SIGKILL');
    throw new ClearError(`unable to start container process: ${reply.error ?? 'the exec monitor failed'}`);
  }
  if (opts.pidFile) {
    try {
      writePidFile(path.resolve(opts.pidFile), pid);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }
  if (opts.detach) {
    child.unref();
    return 0;
  }
  let relay: ReturnType<typeof relayCallerTerminal> | null = null;
  if (local) {
    const timeout = setTimeout(() => local.close(), 10_000);
    try {
      relay = relayCallerTerminal(await local.received);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timeout);
      local.close();
    }
  }
  // Attached: signals for the process go through its exec monitor.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    const code = await exited;
    await relay?.drained();
    return code;
  } finally {
    relay?.close();
    for (const [s, h] of handlers) process.off(s, h);
  }
}
