/**
 * A CLI's output, written to fd 1 or 2 directly.
 *
 * process.stdout and process.stderr are streams that Node builds on first
 * use: for a pipe that loads node:net and node:stream, ~5 ms of a `state`
 * call whose whole budget over `node -e 0` is ~20 ms (docs/performance.md,
 * "1. CLI start-up"). A command that prints one answer and exits needs none
 * of it: write(2), as runc does. A pipe that another process made
 * non-blocking (O_NONBLOCK belongs to the open file description, which every
 * holder shares) answers EAGAIN when full: the rest then goes through the
 * stream, which waits for the reader, and so does every later write to that
 * fd (a direct one would overtake what the stream still holds). A reader
 * that is gone (EPIPE) gets nothing more, as with the stream.
 */
import * as fs from 'node:fs';

/** The fds whose writes go through their stream since one met a full pipe: what it queued must go first. */
const queued = new Set<number>();

function writeFd(fd: 1 | 2, text: string, stream: () => NodeJS.WriteStream): void {
  const buf = Buffer.from(text);
  if (queued.has(fd)) {
    stream().write(buf);
    return;
  }
  let done = 0;
  try {
    while (done < buf.length) done += fs.writeSync(fd, buf, done);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') {
      queued.add(fd);
      stream().write(buf.subarray(done));
    } else if (code !== 'EPIPE') throw err;
  }
}

/** Writes `text` to stdout, synchronously unless the pipe is full. */
export function printOut(text: string): void {
  writeFd(1, text, () => process.stdout);
}

/** Writes `text` to stderr, synchronously unless the pipe is full. */
export function printErr(text: string): void {
  writeFd(2, text, () => process.stderr);
}
