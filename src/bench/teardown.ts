/**
 * make bench-teardown: how long the VM outlives its container's process.
 * The container prints a line and exits; the clock starts when that line
 * reaches us through `clear run` (the process has ended by then, give or
 * take its exit) and stops when the VM's QEMU process is gone from /proc.
 * The bar is one second. Not a test: figures go to bench/results/.
 *
 *   node dist/bench/teardown.js [--runs N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { runDirOf } from '../container/state';
import { mainOf, now, sleep } from './single-run';

/** Live (not zombie) processes whose command line names `needle`. */
function pidsNaming(needle: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/^\d+ \(.*\) Z/.test(stat) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** One run: ms from the container's last line to its QEMU process gone. */
async function oneRun(bin: string, root: string, bundle: string, id: string): Promise<number> {
  const runDir = runDirOf(root, id);
  const child = spawn(bin, ['--root', root, 'run', id], { cwd: bundle, stdio: ['ignore', 'pipe', 'inherit'] });
  let qemu: number[] = [];
  let lastLine = 0;
  child.stdout.on('data', (b: Buffer) => {
    const text = b.toString();
    if (text.includes('started')) qemu = pidsNaming(runDir).filter((p) => /qemu-system-[^/\0]*$/.test(fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]));
    if (text.includes('bye')) lastLine = now();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  while (!lastLine) {
    if (child.exitCode !== null) throw new Error(`clear run exited ${child.exitCode} before the last line`);
    await sleep(2);
  }
  if (qemu.length !== 1) throw new Error(`expected one QEMU process for ${runDir}, found ${qemu.length}`);
  while (fs.existsSync(`/proc/${qemu[0]}`) && !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${qemu[0]}/stat`, 'utf8'))) await sleep(2);
  const gone = now() - lastLine;
  const code = await exited;
  if (code !== 0) throw new Error(`clear run exited ${code}`);
  return gone;
}

mainOf({
  name: 'teardown',
  measure: 'last line of the container process → its QEMU process gone (ms)',
  // A second between the lines: time to find the VM's QEMU before the end.
  args: ['sh', '-c', 'echo started; sleep 1; echo bye'],
  one: (c) => oneRun(c.bin, c.root, c.bundle, c.id),
});
