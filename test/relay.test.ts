/**
 * The stdin relay of a monitor (relay.ts) must never keep its process from
 * exiting: ctr holds the container's stdin pipe open until the container
 * has exited, so a monitor blocked on that pipe would never exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { native } from '../src/native';
import { FdStream } from '../src/native/fd-stream';

const relay = path.resolve(__dirname, '..', 'dist', 'container', 'relay.js');

// A monitor in miniature: stdin relayed to a fake agent, then stdio closed and exit 7.
const script = `
const { relayIn, closeStdio } = require(${JSON.stringify(relay)});
let got = '';
relayIn({ writeStdin: (_id, s) => new Promise((r) => { s.on('data', (d) => (got += d)); s.on('end', r); }) }, 'x', 0);
setTimeout(() => { require('fs').writeSync(3, got); closeStdio(); process.exit(7); }, 500);
`;

/** A FIFO in a fresh directory: [read end, write end], the read end opened non-blocking or not. */
function fifo(t: Test, readNonBlocking: boolean): [number, number] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-relay-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'fifo');
  execFileSync('mkfifo', [file]);
  const r = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  if (!readNonBlocking) native().setBlocking(r, true);
  const w = fs.openSync(file, fs.constants.O_WRONLY);
  return [r, w];
}

for (const kind of ['pipe', 'socket', 'fifo', 'non-blocking fifo'] as const) {
  t.test(`a process relaying stdin from an open ${kind} still exits at once`, async (t) => {
    const t0 = Date.now();
    let stdin: 'pipe' | 'overlapped' | number = kind === 'pipe' ? 'pipe' : 'overlapped';
    let writer: ((s: string) => void) | null = null;
    let closeWriter = () => {};
    if (kind.endsWith('fifo')) {
      const [r, w] = fifo(t, kind === 'non-blocking fifo');
      stdin = r;
      // Written a moment later: a non-blocking read end finds the pipe empty first.
      writer = (s) => setTimeout(() => fs.writeSync(w, s), 100);
      closeWriter = () => fs.closeSync(w);
      t.teardown(() => fs.closeSync(r));
    }
    const child = spawn(process.execPath, ['-e', script], { stdio: [stdin, 'ignore', 'inherit', 'pipe'] });
    let got = '';
    child.stdio[3]!.on('data', (d) => (got += d));
    if (writer) writer('abc');
    else child.stdin!.write('abc');
    // stdin is left open, as ctr leaves it.
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.stdin?.destroy();
    closeWriter();
    t.equal(code, 7, 'exit code');
    t.ok(Date.now() - t0 < 5000, `exited in ${Date.now() - t0} ms with stdin still open`);
    t.equal(got, 'abc', 'what was written reached the relay');
  });
}

/*
 * The output relay must wait for a slow reader, whatever the pipe's mode:
 * O_NONBLOCK is shared by every holder of a pipe (Node's and Go's stdio set
 * it), and fs.WriteStream gave up after a few EAGAINs — 64 KiB reached a
 * `| (sleep 2; wc -c)` and the rest of the container's output was lost.
 * The caller's pipe must also be left in the mode it came in, as runc leaves it.
 */
const SIZE = 4 * 1024 * 1024;
// A monitor in miniature: SIZE bytes from a fake guest stream relayed to fd 1,
// which it first makes blocking or not (argv[1]); fd 1's flags go to fd 3.
const nativeJs = path.resolve(__dirname, '..', 'dist', 'native', 'index.js');
const outScript = `
const fs = require('fs');
if (process.argv[1]) require(${JSON.stringify(nativeJs)}).native().setBlocking(1, process.argv[1] === 'blocking');
const { Readable } = require('stream');
const { relayOut, closeStdio } = require(${JSON.stringify(relay)});
const flags = () => /flags:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/fdinfo/1', 'utf8'))[1];
const before = flags();
let left = ${SIZE};
const source = new Readable({ read() { const n = Math.min(left, 65536); left -= n; this.push(n ? Buffer.alloc(n, 120) : null); } });
relayOut(source, 1).then(() => { fs.writeSync(3, JSON.stringify({ before })); closeStdio(); process.exit(0); });
setTimeout(() => { fs.writeSync(3, JSON.stringify({ before, during: flags() })); }, 200);
`;
const O_NONBLOCK = 0o4000;

function runRelay(stdout: number | 'pipe', mode = ''): { child: ReturnType<typeof spawn>; report: Promise<Array<Record<string, string>>> } {
  const child = spawn(process.execPath, ['-e', outScript, mode], {
    stdio: ['ignore', stdout, 'inherit', 'pipe'],
  });
  let text = '';
  child.stdio[3]!.on('data', (d) => (text += d));
  const report = new Promise<Array<Record<string, string>>>((resolve) =>
    child.on('close', () => resolve(text.split(/(?<=})(?={)/).filter(Boolean).map((j) => JSON.parse(j)))),
  );
  return { child, report };
}

function countLate(reader: Readable, delayMs: number): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    reader.pause();
    setTimeout(() => reader.resume(), delayMs);
    reader.on('data', (d: Buffer) => (n += d.length));
    reader.on('end', () => resolve(n));
  });
}

for (const mode of ['blocking', 'non-blocking'] as const) {
  t.test(`output reaches a reader that starts late, through a ${mode} pipe, left ${mode}`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-relay-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const fifo = path.join(dir, 'out');
    execFileSync('mkfifo', [fifo]);
    const rfd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const wfd = fs.openSync(fifo, fs.constants.O_WRONLY);
    const { report } = runRelay(wfd, mode);
    fs.closeSync(wfd);
    const got = await countLate(new net.Socket({ fd: rfd, readable: true, writable: false }), 2000);
    t.equal(got, SIZE, 'every byte arrived');
    const [first] = await report;
    const nonBlocking = (flags: string) => (Number.parseInt(flags, 8) & O_NONBLOCK) !== 0;
    t.equal(nonBlocking(first.before), mode === 'non-blocking', `the pipe was ${mode} to begin with`);
    t.equal(nonBlocking(first.during), mode === 'non-blocking', `and stayed ${mode} while the relay wrote`);
  });
}

t.test('output reaches a reader that starts late, through a socket', async (t) => {
  const { child, report } = runRelay('pipe'); // node's child stdio: a socketpair
  const got = await countLate(child.stdout!, 2000);
  t.equal(got, SIZE, 'every byte arrived');
  await report;
});

t.test('output reaches a reader that starts late, through a terminal', async (t) => {
  const n = native();
  const pty = n.openpty();
  n.setBlocking(pty.master, false);
  const { report } = runRelay(pty.slave);
  n.close(pty.slave);
  // The slave's last close makes the master read EIO, which FdStream reads as EOF.
  const got = await countLate(new FdStream(pty.master, { tty: true }), 2000);
  t.equal(got, SIZE, 'every byte arrived');
  await report;
});

t.test('a preserved fd for input (runc --preserve-fds) read from a non-blocking pipe gets all of it', async (t) => {
  const [r, w] = fifo(t, true);
  // A monitor in miniature: fd 3 (made non-blocking) relayed in to a fake
  // agent; what it got to fd 4.
  const preservedScript = `
const fs = require('fs');
require(${JSON.stringify(nativeJs)}).native().setBlocking(3, false);
const { relayPreserved } = require(${JSON.stringify(relay)});
let got = '';
const agent = { writeFd: (_id, _fd, s) => new Promise((res) => { s.on('data', (d) => (got += d)); s.on('end', res); s.on('error', (e) => { got += '[' + e.code + ']'; res(); }); }) };
relayPreserved(agent, 'x', [{ fd: 3, direction: 'in' }]);
setTimeout(() => { fs.writeSync(4, got); process.exit(0); }, 1500);
`;
  const child = spawn(process.execPath, ['-e', preservedScript], { stdio: ['ignore', 'ignore', 'inherit', r, 'pipe'] });
  fs.closeSync(r);
  let got = '';
  child.stdio[4]!.on('data', (d) => (got += d));
  setTimeout(() => {
    try {
      fs.writeSync(w, 'hello');
    } catch (err) {
      t.fail(`the relay had already closed its end: ${(err as Error).message}`);
    }
    fs.closeSync(w);
  }, 300);
  await new Promise((resolve) => child.on('close', resolve));
  t.equal(got, 'hello', 'what was written later reached the process');
});
