/**
 * guest-profile's report (src/bench/guest-profile.ts): samples named by the
 * guest kernel's symbols and node's, counted, within the time window asked.
 * The samples are written here from the real binaries' symbol tables; the
 * recording itself needs a VM and is what docs/performance.md shows.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { reportLines } from '../src/bench/guest-profile';
import { guestArtifacts } from '../src/lib/paths';

/** The address of a text symbol of `file`, from nm. */
function addressOf(file: string, symbol: string): bigint {
  const line = execFileSync('nm', ['--defined-only', file], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n')
    .find((l) => / [tT] /.test(l) && l.endsWith(` ${symbol}`));
  if (!line) throw new Error(`${symbol} is not in ${file}`);
  return BigInt(`0x${line.split(' ')[0]}`);
}

const kernel = guestArtifacts().kernel;
t.test('report: kernel and node addresses by symbol, user pages otherwise, only in the window', { skip: !fs.existsSync(kernel) && `no guest kernel at ${kernel} (make guest)` }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-profile-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const hex = (a: bigint) => a.toString(16).padStart(16, '0');
  const halt = addressOf(kernel, 'calibrate_delay') + 4n;
  const uvRun = addressOf('/usr/bin/node', 'uv_run') + 8n;
  const samples = [
    `0.10 ${hex(halt)} 0000000001a0a000 0`,
    `0.20 ${hex(halt)} 0000000001a0a000 0`,
    `0.30 ${hex(uvRun)} 0000000000b5c000 3`,
    `0.40 00007ffff7b8cf6c 0000000000b5c000 3`,
    `0.90 ${hex(uvRun)} 0000000000b5c000 3`,
  ];
  const file = path.join(dir, 'samples.txt');
  fs.writeFileSync(file, samples.join('\n') + '\n');

  const lines = reportLines(file, 0, 0.5, 10);
  t.match(lines[0], /^4 samples from 0 s to 0.5 s; by CR3: 0000000001a0a000 50.0%, 0000000000b5c000 50.0%$/, 'the sample at 0.9 s is outside the window');
  t.match(lines[1], /^\s+2\s+50.0%\s+kernel: calibrate_delay$/, 'the most frequent first, by its kernel symbol');
  t.ok(lines.some((l) => /\s1\s+25.0%\s+node: uv_run$/.test(l)), `node's text by its symbol: ${lines.join(' | ')}`);
  t.ok(lines.some((l) => /user: page 7ffff7b8c000$/.test(l)), 'an address outside node: its page');
  t.equal(reportLines(file, 0, 10, 1).length, 2, '--top bounds the list');
});
