/**
 * The stdin relay of a monitor (relay.ts) must never keep its process from
 * exiting: ctr holds the container's stdin pipe open until the container
 * has exited, so a monitor blocked on that pipe would never exit.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import t from 'tap';

const relay = path.resolve(__dirname, '..', 'dist', 'container', 'relay.js');

// A monitor in miniature: stdin relayed to a fake agent, then stdio closed and exit 7.
const script = `
const { relayIn, closeStdio } = require(${JSON.stringify(relay)});
let got = '';
relayIn({ writeStdin: (_id, s) => new Promise((r) => { s.on('data', (d) => (got += d)); s.on('end', r); }) }, 'x', 0);
setTimeout(() => { require('fs').writeSync(3, got); closeStdio(); process.exit(7); }, 500);
`;

for (const kind of ['pipe', 'socket'] as const) {
  t.test(`a process relaying stdin from an open ${kind} still exits at once`, async (t) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: [kind === 'pipe' ? 'pipe' : 'overlapped', 'ignore', 'inherit', 'pipe'] });
    let got = '';
    child.stdio[3]!.on('data', (d) => (got += d));
    child.stdin!.write('abc');
    // stdin is left open, as ctr leaves it.
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.stdin!.destroy();
    t.equal(code, 7, 'exit code');
    t.ok(Date.now() - t0 < 5000, `exited in ${Date.now() - t0} ms with stdin still open`);
    t.equal(got, 'abc', 'what was written reached the relay');
  });
}
