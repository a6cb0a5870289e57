/**
 * make bench-host-path: the host's part of a start, from `clear run`'s
 * start to the monitor spawning QEMU (the monitor's `spawning` debug line,
 * CLEAR_DEBUG=qemu, ms timestamps): the two node start-ups (the CLI's and
 * the monitor's), the checks and state files, the cgroups, the share's
 * bind mounts. Under KVM a guest boots in ~0.15 s, so this part weighs as
 * much as the boot itself. Not a test: figures go to bench/results/.
 *
 *   node dist/bench/host-path.js [--runs N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { mainOf, type RunContext } from './single-run';

/** One run: ms from spawning `clear run` to the monitor's line saying it spawns QEMU. */
async function oneRun(c: RunContext): Promise<number> {
  const log = path.join(c.work, `${c.id}.debug`);
  const started = Date.now();
  const child = spawn(c.bin, ['--root', c.root, 'run', c.id], {
    cwd: c.bundle,
    stdio: 'ignore',
    env: { ...process.env, CLEAR_DEBUG: 'qemu', CLEAR_DEBUG_FILE: log },
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (n) => r(n)));
  if (code !== 0) throw new Error(`clear run exited ${code}`);
  const line = /^(\S+) \S+ qemu: \S+ spawning /m.exec(fs.readFileSync(log, 'utf8'));
  if (!line) throw new Error(`no 'spawning' line in the monitor's debug log ${log}`);
  return Date.parse(line[1]) - started;
}

mainOf({
  name: 'host-path',
  measure: "clear run's start → the monitor spawning QEMU (ms)",
  args: ['true'],
  one: oneRun,
});
