/**
 * What scripts/build-image.sh learns from one boot of the image:
 *
 * - the start-up page set (guest/prefetch/clear-prefetch.c): IMAGE booted
 *   with read-ahead off and the prefetch off, so the guest's page cache
 *   holds exactly what the kernel, init and the agent touched; the agent
 *   spawns a process (the path every container takes); then clear-prefetch's
 *   list of those ranges is printed;
 * - with BLOB, the agent's start-up snapshot (src/agent/snapshot.ts), made
 *   afterwards by the guest's node with the flags init gives the agent under
 *   this host's accelerator: written to BLOB, and those flags to BLOB.flags
 *   (init uses the blob only when they are its own).
 *
 *   node dist/sandbox/record-prefetch.js IMAGE [BLOB] > prefetch.list
 *
 * Progress and errors go to stderr; exit 1 (and no VM left) on failure.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Readable } from 'stream';
import { Sandbox, agentNodeFlags } from './sandbox';

/** Where the image keeps its files (build-image.sh's layout). */
const RECORDED_PATHS = ['/usr', '/lib', '/lib64', '/bin', '/sbin', '/opt'];

/** Where the guest's node writes the snapshot (a tmpfs init mounts). */
const GUEST_BLOB = '/run/agent.blob';

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function run(sb: Sandbox, id: string, args: string[]): Promise<Buffer> {
  await sb.agent.exec(id, { args, env: ['PATH=/usr/bin:/bin'] });
  const [out, err] = await Promise.all([collect(sb.agent.readStdio(id, 'stdout')), collect(sb.agent.readStdio(id, 'stderr'))]);
  const status = await sb.agent.wait(id);
  if (status.exitCode !== 0) throw new Error(`${args.join(' ')} exited ${status.exitCode}: ${err.toString().trim()}`);
  return out;
}

/** The agent's start-up snapshot, made in the guest with the agent's node flags; returns those flags. */
async function makeSnapshot(sb: Sandbox, blob: string): Promise<string[]> {
  const flags = agentNodeFlags(sb.accel.kind);
  await run(sb, 'snapshot', ['/usr/bin/node', ...flags, '--snapshot-blob', GUEST_BLOB, '--build-snapshot', '/opt/clear/agent-snapshot.js']);
  fs.writeFileSync(blob, await run(sb, 'snapshot-read', ['/bin/busybox', 'cat', GUEST_BLOB]));
  fs.writeFileSync(`${blob}.flags`, `${flags.join(' ')}\n`);
  return flags;
}

export async function recordPrefetch(image: string, blob?: string): Promise<string> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-prefetch-'));
  let sb: Sandbox | null = null;
  try {
    // virtio-blk: the page set is what a guest's own page cache would hold
    // (under DAX there is none to observe).
    sb = await Sandbox.boot({ name: 'prefetch', runDir, image, imageMode: 'virtio-blk', cmdline: 'clear.readahead=0 clear.prefetch=0' });
    await run(sb, 'warm', ['/bin/busybox', 'true']);
    const list = (await run(sb, 'record', ['/opt/clear/clear-prefetch', 'record', ...RECORDED_PATHS])).toString();
    if (blob) {
      process.stderr.write(`record-prefetch: making the agent's start-up snapshot (${sb.accel.kind})\n`);
      // Without it the image still works (init loads the bundle): not fatal.
      await makeSnapshot(sb, blob).catch((err: Error) => {
        process.stderr.write(`record-prefetch: the agent's snapshot failed, the image goes without it: ${err.message}\n`);
        fs.rmSync(blob, { force: true });
        fs.rmSync(`${blob}.flags`, { force: true });
      });
    }
    return list;
  } finally {
    await sb?.shutdown();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [image, blob] = process.argv.slice(2);
  if (!image) {
    process.stderr.write('usage: record-prefetch IMAGE [BLOB]\n');
    process.exit(2);
  }
  recordPrefetch(image, blob).then(
    (list) => process.stdout.write(list),
    (err: Error) => {
      process.stderr.write(`record-prefetch: ${err.message}\n`);
      process.exit(1);
    },
  );
}
