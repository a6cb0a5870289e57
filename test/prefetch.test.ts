/**
 * The start-up page set (guest/prefetch/clear-prefetch.c): `make image`
 * records what a VM's start reads of the image, and init reads exactly that
 * ahead. What a user gets from it: a VM whose start leaves far less of the
 * image in its page cache (guest RAM the host pays for, in every VM), with
 * nothing else changed. The page set is for a virtio-blk root
 * (CLEAR_IMAGE_DAX=0); under DAX, the default, the guest caches none of the
 * image (test/image-dax.test.ts).
 */
import fs from 'node:fs';
import t from 'tap';
import { Sandbox } from '../src/sandbox/sandbox';
import { assertNoLeftovers, shInGuest, VmDirs, whenGuestBuilt } from './lib/vm';

whenGuestBuilt(t, () => {
  const dirs = new VmDirs('prefetch');

  /** Boots the installed image with `cmdline`, runs `script` in the guest, shuts down. */
  async function inGuest(cmdline: string, script: string): Promise<{ stdout: string; console: string }> {
    const dir = dirs.next();
    const sb = await Sandbox.boot({
      name: 'prefetch',
      runDir: dir,
      imageMode: 'virtio-blk',
      cmdline: `clear.debug=1 ${cmdline}`,
    });
    try {
      const r = await shInGuest(sb.agent, script);
      if (r.status.exitCode !== 0) throw new Error(`guest script failed: ${r.stderr}`);
      return { stdout: r.stdout, console: fs.readFileSync(`${dir}/console.log`, 'utf8') };
    } finally {
      await sb.shutdown();
    }
  }
  const cachedKiB = (meminfo: string) => Number(/^Cached:\s+(\d+) kB/m.exec(meminfo)?.[1]);

  t.test('the image carries the list, and it describes real parts of real files', async (t) => {
    const r = await inGuest('', 'cat /etc/clear/prefetch.list; echo ---; stat -c "%s %n" /usr/bin/node /opt/clear/agent.js');
    const [list, sizes] = r.stdout.split('---\n');
    const size = new Map(sizes.trim().split('\n').map((l) => [l.split(' ')[1], Number(l.split(' ')[0])] as const));
    const ranges = list.trim().split('\n').map((l) => {
      const [off, len, file] = l.split(' ');
      return { off: Number(off), len: Number(len), file };
    });
    t.ok(ranges.length > 10, `${ranges.length} ranges`);
    const node = ranges.filter((r) => r.file === '/usr/bin/node');
    t.ok(node.length > 0, 'node\'s binary is in it');
    t.ok(ranges.some((r) => r.file === '/opt/clear/agent.js'), 'the agent bundle is in it');
    t.ok(node.every((r) => r.off % 4096 === 0 && r.len > 0 && r.off + r.len <= size.get('/usr/bin/node')! + 4095), 'page-aligned, inside the file');
    const nodeBytes = node.reduce((s, r) => s + r.len, 0);
    t.ok(nodeBytes < size.get('/usr/bin/node')! / 2, `a part of node: ${(nodeBytes / 2 ** 20).toFixed(1)} of ${(size.get('/usr/bin/node')! / 2 ** 20).toFixed(1)} MiB`);
    t.match(r.console, /clear-init: [\d.]+ start-up page set read ahead/, 'init read it ahead');
  });

  t.test('a start caches far less of the image with it than without it', async (t) => {
    const probe = 'cat /proc/meminfo';
    const withList = cachedKiB((await inGuest('', probe)).stdout);
    const without = await inGuest('clear.prefetch=0', probe);
    const withoutList = cachedKiB(without.stdout);
    t.notMatch(without.console, /start-up page set read ahead/, 'clear.prefetch=0 skips it');
    t.comment(`page cache after start: ${(withList / 1024).toFixed(1)} MiB with the list, ${(withoutList / 1024).toFixed(1)} MiB without`);
    t.ok(withList > 0 && withoutList > 0, 'both measured');
    t.ok(withList < withoutList * 0.7, 'at least 30 % less');
  });

  t.test('nothing left behind', async (t) => assertNoLeftovers(t, dirs));
});
