/**
 * What every host process that stands for a guest process does (the
 * container's monitor, an exec'd process's exec monitor): relay the guest
 * process's stdio to the fds it was given, close them once the process ends
 * (callers wait for EOF), and end the way the guest process ended.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Readable } from 'node:stream';
import type { AgentClient, ExitStatus } from '../agent/client';
import { messageOf } from '../lib/errors';
import { debug } from '../lib/log';

/** The status a host process ends with when its VM died rather than the guest process. */
export const VM_DIED_EXIT_CODE = 255;

/** Copies one of the process's output streams to our fd, then closes the fd. */
export function relayOut(source: Readable, fd: number): Promise<void> {
  return new Promise((resolve) => {
    const sink = fs.createWriteStream('', { fd, autoClose: true });
    const done = () => resolve();
    sink.on('close', done);
    sink.on('error', (err) => {
      debug('monitor', `fd ${fd}: ${messageOf(err)}`);
      source.destroy();
      done();
    });
    source.on('error', () => sink.end());
    source.pipe(sink);
  });
}

/** Feeds our fd to the process's stdin; EOF (or /dev/null) closes it. */
export function relayIn(agent: AgentClient, execId: string, fd: number): void {
  const source = fs.createReadStream('', { fd, autoClose: false });
  agent.writeStdin(execId, source).catch((err) => debug('monitor', `stdin: ${messageOf(err)}`));
}

/** Relays stdout and stderr to fds 1 and 2 and stdin from fd 0; resolves when both outputs ended. */
export function relayPipes(agent: AgentClient, execId: string): Promise<void> {
  const out = Promise.all([relayOut(agent.readStdio(execId, 'stdout'), 1), relayOut(agent.readStdio(execId, 'stderr'), 2)]);
  relayIn(agent, execId, 0);
  return out.then(() => undefined);
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed by its stream
  }
}

/**
 * Closes fds 0-2 (the caller reads them to EOF) and puts /dev/null in their
 * place: the next files opened and pipes made (a child's stdio: the network
 * clean-up runs `ip` and `tc` after this) must not become fds 0-2.
 */
export function closeStdio(): void {
  closeQuietly(0);
  closeQuietly(1);
  closeQuietly(2);
  for (let fd = -1; fd < 2; ) {
    try {
      fd = fs.openSync('/dev/null', 'r+');
    } catch {
      return;
    }
    if (fd > 2) {
      closeQuietly(fd);
      return;
    }
  }
}

/** Ends this process the way the guest process ended (null: the VM died). */
export function exitLike(status: ExitStatus | null): never {
  if (!status) process.exit(VM_DIED_EXIT_CODE);
  if (status.signal > 0) {
    // Die of the same signal, with its default action restored.
    const name = Object.entries(os.constants.signals).find(([, n]) => n === status.signal)?.[0];
    if (name) {
      process.removeAllListeners(name);
      process.kill(process.pid, name as NodeJS.Signals);
    }
    process.exit(128 + status.signal);
  }
  process.exit(status.exitCode);
}
