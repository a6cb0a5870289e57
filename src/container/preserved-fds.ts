/**
 * runc's --preserve-fds N: the caller's fds 3..3+N-1 reach the container
 * process at the same numbers. A VM cannot share a host fd, so the monitor
 * (or exec monitor) keeps them and relays their bytes over the agent; the
 * process gets a socket at each number (see PreservedFd in agent.proto and
 * docs/architecture.md). Here: which way each one goes, from its access
 * mode, and what cannot be relayed.
 */
import fs from 'node:fs';
import type { PreservedFd } from '../agent/client';
import { ClearError } from '../lib/errors';

/** The O_ACCMODE bits of our fd (the "flags:" line of /proc/self/fdinfo, octal). */
function accessMode(fd: number): number {
  let info: string;
  try {
    info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  } catch {
    throw new ClearError(`--preserve-fds: fd ${fd} is not open`);
  }
  const m = /^flags:\s*([0-7]+)/m.exec(info);
  if (!m) throw new ClearError(`--preserve-fds: cannot read the flags of fd ${fd}`);
  return parseInt(m[1], 8) & 3;
}

/** The socket's inode when fd is one ("socket:[123]"), else null. */
function socketInode(fd: number): string | null {
  try {
    return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether the socket with this inode listens, as this process's network
 * namespace lists it: Unix sockets with __SO_ACCEPTCON (flag 0x10000), TCP
 * in state LISTEN (0A).
 */
function listening(inode: string): boolean {
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8').split('\n').slice(1);
    } catch {
      return [];
    }
  };
  for (const line of read('/proc/net/unix')) {
    const c = line.trim().split(/\s+/);
    if (c[6] === inode) return (parseInt(c[3], 16) & 0x10000) !== 0;
  }
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of read(f)) {
      const c = line.trim().split(/\s+/);
      if (c[9] === inode) return c[3] === '0A';
    }
  }
  return false;
}

/**
 * Our fds first..first+count-1 and the way each is relayed: O_RDONLY → in
 * (host → process), O_WRONLY → out, O_RDWR or a socket → both. A listening
 * socket is refused: the container would have to accept on it, and
 * connections cannot be passed into a VM.
 */
export function describePreservedFds(first: number, count: number): PreservedFd[] {
  const fds: PreservedFd[] = [];
  for (let fd = first; fd < first + count; fd++) {
    const mode = accessMode(fd);
    const inode = socketInode(fd);
    if (inode && listening(inode)) {
      throw new ClearError(
        `--preserve-fds: fd ${fd} is a listening socket: clear cannot share one into the container's VM ` +
          '(only a stream of bytes is relayed; connections cannot be accepted through it)',
      );
    }
    fds.push({ fd, direction: inode || mode === 2 ? 'both' : mode === 1 ? 'out' : 'in' });
  }
  return fds;
}
