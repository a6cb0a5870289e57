/**
 * What every host process that stands for a guest process does (the
 * container's monitor, an exec'd process's exec monitor): relay the guest
 * process's stdio to the fds it was given, close them once the process ends
 * (callers wait for EOF), and end the way the guest process ended.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Readable } from 'node:stream';
import type { AgentClient, ExitStatus, PreservedFd } from '../agent/client';
import { messageOf } from '../lib/errors';
import { debug } from '../lib/log';
import { SHUT_WR, native } from '../native';

/** The status a host process ends with when its VM died rather than the guest process. */
export const VM_DIED_EXIT_CODE = 255;

/** Copies one of the process's output streams to our fd, then closes the fd (unless keepOpen). */
export function relayOut(source: Readable, fd: number, keepOpen = false): Promise<void> {
  return new Promise((resolve) => {
    const sink = fs.createWriteStream('', { fd, autoClose: !keepOpen });
    const done = () => resolve();
    sink.on(keepOpen ? 'finish' : 'close', done);
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

/**
 * Relays the process's preserved fds (runc's --preserve-fds) to ours at the
 * same numbers: in: our fd's bytes to the process until our EOF, then the
 * process reads EOF and our fd is closed; out: the process's bytes to our fd
 * until it closes its end (or ends), then our fd is closed; both: both, and
 * the process's EOF half-closes our fd when it is a socket. Resolves when
 * every output ended (inputs are not waited for: a caller that never closes
 * its end must not hold up the exit).
 */
export function relayPreserved(agent: AgentClient, execId: string, fds: PreservedFd[]): Promise<void> {
  const outputs: Promise<void>[] = [];
  for (const { fd, direction } of fds) {
    if (direction !== 'out') {
      // in: the stream closes our fd once done, after any read under way
      // (the fd number must not be reused while a read is pending on it).
      const source = fs.createReadStream('', { fd, autoClose: direction === 'in' });
      source.on('error', (err) => debug('monitor', `fd ${fd}: ${messageOf(err)}`));
      agent
        .writeFd(execId, fd, source)
        .catch((err) => debug('monitor', `fd ${fd}: ${messageOf(err)}`))
        .finally(() => {
          if (direction === 'in') source.destroy();
        });
    }
    if (direction === 'out') outputs.push(relayOut(agent.readFd(execId, fd), fd));
    if (direction === 'both') {
      outputs.push(
        relayOut(agent.readFd(execId, fd), fd, true).then(() => {
          try {
            native().shutdown(fd, SHUT_WR);
          } catch {
            // not a socket: nothing to half-close
          }
        }),
      );
    }
  }
  return Promise.all(outputs).then(() => undefined);
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

/** Closes fds 0-2 (the caller reads them to EOF). */
export function closeStdio(): void {
  closeQuietly(0);
  closeQuietly(1);
  closeQuietly(2);
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
