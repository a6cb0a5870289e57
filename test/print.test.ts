/**
 * The CLI writes its answers to fd 1 and 2 directly (src/lib/print.ts), not
 * through process.stdout's stream. What a reader gets must not change: all
 * of it, in order, also through a pipe that another holder made
 * non-blocking and that fills before the reader starts.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const print = path.resolve(__dirname, '..', 'dist', 'lib', 'print.js');

t.test('a full non-blocking pipe: the rest goes through the stream, nothing lost or reordered', async (t) => {
  // 2 MiB of numbered lines, far more than a pipe holds (64 KiB), written
  // while nobody reads. Opening fd 1 as a net.Socket is what makes it
  // O_NONBLOCK (libuv's uv_pipe_open). Then the reader starts and empties
  // the pipe while the writer's event loop is held (a busy wait), so the
  // stream still holds most of the text when the last line is written: it
  // must not overtake it.
  const script = `
    new (require('net').Socket)({ fd: 1, readable: false });
    const { printOut } = require(${JSON.stringify(print)});
    let text = '';
    for (let i = 0; i < 200000; i++) text += String(i).padStart(9, '0') + '\\n';
    printOut(text);
    require('fs').writeSync(2, 'written\\n');
    const until = Date.now() + 300;
    while (Date.now() < until);
    printOut('end\\n');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause();
  const chunks: Buffer[] = [];
  let stderr = '';
  await new Promise<void>((resolve) =>
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (stderr.includes('written\n')) resolve();
    }),
  );
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stdout.resume();
  const code = await new Promise<number | null>((r) => child.on('close', r));
  t.equal(code, 0, `the writer exited cleanly: ${stderr}`);
  const lines = Buffer.concat(chunks).toString().split('\n');
  t.equal(lines.length, 200002, 'every line and the last one');
  t.equal(lines[200000], 'end', 'the later write came after the rest');
  t.ok(lines.slice(0, 200000).every((l, i) => l === String(i).padStart(9, '0')), 'in order, none lost or doubled');
});

t.test('a reader that is gone: the writer neither fails nor hangs', async (t) => {
  const script = `
    const { printOut } = require(${JSON.stringify(print)});
    printOut('x'.repeat(1 << 20));
    process.exitCode = 3;`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // EPIPE for the writer
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  t.equal(code, 3, `the exit status it chose, no crash: ${stderr}`);
});
