/**
 * The shared guest image under DAX (src/devices/root-image.ts), the default:
 * what a user running many containers gets from it is that the image's pages
 * are in host memory once, shared by every VM, instead of once in each
 * guest's page cache.
 */
import fs from 'node:fs';
import t from 'tap';
import { guestArtifacts } from '../src/lib/paths';
import { Sandbox } from '../src/sandbox/sandbox';
import { assertNoLeftovers, shInGuest, VmDirs, whenGuestBuilt } from './lib/vm';

whenGuestBuilt(t, () => {
  const dirs = new VmDirs('dax');
  const image = fs.realpathSync(guestArtifacts().image);
  const cachedKiB = (meminfo: string) => Number(/^Cached:\s+(\d+) kB/m.exec(meminfo)?.[1]);

  /** Rss and Pss (KiB) of `pid`'s mappings of the image file. */
  function imageMapping(pid: number): { rss: number; pss: number } {
    let inImage = false;
    const m = { rss: 0, pss: 0 };
    for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inImage = line.endsWith(image);
      else if (inImage && line.startsWith('Rss:')) m.rss += Number(line.split(/\s+/)[1]);
      else if (inImage && line.startsWith('Pss:')) m.pss += Number(line.split(/\s+/)[1]);
    }
    return m;
  }

  async function guestView(sb: Sandbox): Promise<{ root: string; cached: number }> {
    const r = await shInGuest(sb.agent, "grep ' / ' /proc/mounts; cat /proc/meminfo");
    t.equal(r.status.exitCode, 0, r.stderr);
    return { root: r.stdout.split('\n')[0], cached: cachedKiB(r.stdout) };
  }

  t.test('two VMs read one copy of the image; neither guest caches it', async (t) => {
    const vms: Sandbox[] = [];
    t.teardown(() => Promise.all(vms.map((v) => v.shutdown())));
    for (const name of ['dax-a', 'dax-b']) vms.push(await Sandbox.boot({ name, runDir: dirs.next() }));

    for (const vm of vms) {
      const g = await guestView(vm);
      t.match(g.root, /^\/dev\/root \/ erofs ro,.*dax=always/, `${vm.name}: root is the image over DAX`);
      t.ok(g.cached < 8 * 1024, `${vm.name}: guest page cache ${(g.cached / 1024).toFixed(1)} MiB (none of it the image)`);
    }
    const maps = vms.map((vm) => imageMapping(vm.machine.pid));
    t.comment(`QEMU's image mapping, KiB: ${JSON.stringify(maps)}`);
    for (const m of maps) {
      t.ok(m.rss > 1024, 'each QEMU maps the image pages its guest uses');
      t.ok(m.pss < m.rss * 0.75, 'and shares them with the other VM (PSS well under RSS)');
    }
    const ownMaps = fs.readFileSync('/proc/self/maps', 'utf8');
    t.notOk(ownMaps.includes(image), 'the vsock backend was never handed the image (only guest RAM)');
  });

  t.test('the same start with the image on virtio-blk caches it in the guest', async (t) => {
    const sb = await Sandbox.boot({ name: 'blk', runDir: dirs.next(), imageMode: 'virtio-blk' });
    t.teardown(() => sb.shutdown());
    const g = await guestView(sb);
    t.match(g.root, /^\/dev\/root \/ erofs ro,/);
    t.notMatch(g.root, /dax/, 'no DAX on a block device');
    t.ok(g.cached > 12 * 1024, `guest page cache ${(g.cached / 1024).toFixed(1)} MiB: its own copy of what it read`);
  });

  t.test('nothing left behind', async (t) => assertNoLeftovers(t, dirs));
});
