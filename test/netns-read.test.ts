/**
 * What create reads of the container's network namespace (readNetns in
 * src/devices/net): the interfaces the VM gets. A namespace with only
 * loopback is told by /proc/self/net/dev, without an `ip` process; one with
 * an interface is read with `ip` as before. Each case runs in a namespace of
 * its own (`unshare --net`), gone when its process ends.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const netModule = path.resolve(__dirname, '..', 'dist', 'devices', 'net', 'index.js');
const readScript = `require(${JSON.stringify(netModule)}).readNetns().then((c) => process.stdout.write(JSON.stringify(c)), (e) => { process.stderr.write(String(e.message)); process.exitCode = 1; });`;

t.test('only loopback: no interfaces, and no ip process needed', async (t) => {
  // PATH without iproute2: were `ip` spawned, the read would fail.
  const r = spawnSync('unshare', ['--net', 'env', 'PATH=/nonexistent', process.execPath, '-e', readScript], { encoding: 'utf8' });
  t.equal(r.status, 0, `read: ${r.stderr}`);
  t.same(JSON.parse(r.stdout || 'null'), { interfaces: [], routes: [] });
});

t.test('ethernet interfaces (a veth pair, one with an address): read through ip, as the VM must get them', async (t) => {
  const setup = 'ip link add cleara0 type veth peer name clearb0 && ip addr add 10.213.77.2/24 dev cleara0 && ip link set cleara0 up';
  const r = spawnSync('unshare', ['--net', 'sh', '-c', `${setup} && exec "$0" -e "$1"`, process.execPath, readScript], { encoding: 'utf8' });
  t.equal(r.status, 0, `read: ${r.stderr}`);
  const config = JSON.parse(r.stdout || '{}') as { interfaces?: Array<{ name: string; addresses: string[]; mtu: number }> };
  t.same(
    config.interfaces?.map((i) => ({ name: i.name, addresses: i.addresses })).sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'clearb0', addresses: [] },
      { name: 'cleara0', addresses: ['10.213.77.2/24'] },
    ].sort((a, b) => a.name.localeCompare(b.name)),
  );
});
