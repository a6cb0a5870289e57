/**
 * The host's watch on a VM's console log for the agent's ready line
 * (src/sandbox/console-watch.ts): what wakes the first call to the agent
 * as soon as the guest says it listens.
 */
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { watchConsoleFor } from '../src/sandbox/console-watch';

const MARKER = 'clear-agent: ready on ';

function tmpLog(t: Test, content = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-console-watch-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'console.log');
  fs.writeFileSync(file, content);
  return file;
}

/** A pause of `ms`. */
const after = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a ready line already in the log is seen at once', async (t) => {
  const file = tmpLog(t, `[    0.5] some kernel line\n${MARKER}vsock:1024\n`);
  let seen = 0;
  const w = watchConsoleFor(file, MARKER, () => seen++);
  t.teardown(() => w.close());
  t.equal(seen, 1);
});

t.test('a ready line written later, split across writes, is seen once', async (t) => {
  const file = tmpLog(t, 'clear-init: 0.53 init started\n');
  let seen = 0;
  const w = watchConsoleFor(file, MARKER, () => seen++);
  t.teardown(() => w.close());
  await after(50);
  t.equal(seen, 0, 'not before the guest says it');
  fs.appendFileSync(file, 'clear-agent: rea');
  await after(100);
  t.equal(seen, 0, 'half a marker is no marker');
  fs.appendFileSync(file, 'dy on vsock:1024\n');
  for (let i = 0; i < 50 && seen === 0; i++) await after(20);
  t.equal(seen, 1, 'seen when the rest arrives');
  fs.appendFileSync(file, `${MARKER}vsock:1024\n`);
  await after(100);
  t.equal(seen, 1, 'and only once: the watch has ended');
});

t.test('closed before the line comes: never called', async (t) => {
  const file = tmpLog(t);
  let seen = 0;
  const w = watchConsoleFor(file, MARKER, () => seen++);
  w.close();
  w.close();
  fs.appendFileSync(file, `${MARKER}vsock:1024\n`);
  await after(100);
  t.equal(seen, 0);
});

t.test('a log that does not exist is no error, and nothing is seen', async (t) => {
  let seen = 0;
  const w = watchConsoleFor(path.join(os.tmpdir(), 'clear-no-such-dir', 'console.log'), MARKER, () => seen++);
  w.close();
  t.equal(seen, 0);
});
