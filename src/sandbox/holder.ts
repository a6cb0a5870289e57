/**
 * Holds one sandbox in a process of its own, the way the per-container
 * monitor will: boots it, prints one JSON line {pid, qemuPid, bootMs,
 * accel, agentSocket} on stdout, and shuts it down when stdin closes or on
 * SIGTERM. Benchmarks use it to measure the host memory of one idle VM as
 * the sum over exactly the processes that VM needs.
 *
 *   node dist/sandbox/holder.js <runDir>
 */
import { messageOf } from '../lib/errors';
import { Sandbox } from './sandbox';

async function main(): Promise<void> {
  const runDir = process.argv[2];
  if (!runDir) throw new Error('usage: holder.js <runDir>');
  const sandbox = await Sandbox.boot({ name: `holder-${process.pid}`, runDir });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sandbox.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.stdout.write(
    `${JSON.stringify({
      pid: process.pid,
      qemuPid: sandbox.machine.pid,
      bootMs: sandbox.bootMs,
      accel: sandbox.accel.kind,
      agentSocket: sandbox.agentSocket,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`holder: ${messageOf(err)}\n`);
  process.exit(1);
});
