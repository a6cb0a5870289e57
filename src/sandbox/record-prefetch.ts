/**
 * Records the guest image's start-up page set (guest/prefetch/clear-prefetch.c)
 * for scripts/build-image.sh: boots IMAGE once with read-ahead off and the
 * prefetch off, so the guest's page cache holds exactly what the kernel,
 * init and the agent touched; has the agent spawn a process (the path every
 * container takes); then prints clear-prefetch's list of those ranges.
 *
 *   node dist/sandbox/record-prefetch.js IMAGE > prefetch.list
 *
 * Progress and errors go to stderr; exit 1 (and no VM left) on failure.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Readable } from 'stream';
import { Sandbox } from './sandbox';

/** Where the image keeps its files (build-image.sh's layout). */
const RECORDED_PATHS = ['/usr', '/lib', '/lib64', '/bin', '/sbin', '/opt'];

async function collect(r: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

async function run(sb: Sandbox, id: string, args: string[]): Promise<string> {
  await sb.agent.exec(id, { args, env: ['PATH=/usr/bin:/bin'] });
  const [out, err] = await Promise.all([collect(sb.agent.readStdio(id, 'stdout')), collect(sb.agent.readStdio(id, 'stderr'))]);
  const status = await sb.agent.wait(id);
  if (status.exitCode !== 0) throw new Error(`${args.join(' ')} exited ${status.exitCode}: ${err.trim()}`);
  return out;
}

export async function recordPrefetch(image: string): Promise<string> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-prefetch-'));
  let sb: Sandbox | null = null;
  try {
    // virtio-blk: the page set is what a guest's own page cache would hold
    // (under DAX there is none to observe).
    sb = await Sandbox.boot({ name: 'prefetch', runDir, image, imageMode: 'virtio-blk', cmdline: 'clear.readahead=0 clear.prefetch=0' });
    await run(sb, 'warm', ['/bin/busybox', 'true']);
    return await run(sb, 'record', ['/opt/clear/clear-prefetch', 'record', ...RECORDED_PATHS]);
  } finally {
    await sb?.shutdown();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const image = process.argv[2];
  if (!image) {
    process.stderr.write('usage: record-prefetch IMAGE\n');
    process.exit(2);
  }
  recordPrefetch(image).then(
    (list) => process.stdout.write(list),
    (err: Error) => {
      process.stderr.write(`record-prefetch: ${err.message}\n`);
      process.exit(1);
    },
  );
}
