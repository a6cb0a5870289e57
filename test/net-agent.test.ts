/**
 * The agent's ConfigureNetwork without a VM: devices found by MAC in a fake
 * /sys/class/net, the `ip` commands it would run recorded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { configureNetwork } from '../src/agent/network';

function fakeSys(devs: Record<string, string>): { sys: string; conf: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-net-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, mac] of Object.entries(devs)) {
    fs.mkdirSync(path.join(dir, 'sys', name), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sys', name, 'address'), `${mac}\n`);
    fs.mkdirSync(path.join(dir, 'conf', name), { recursive: true });
  }
  return { sys: path.join(dir, 'sys'), conf: path.join(dir, 'conf') };
}

t.test('devices by MAC: renamed through temporary names, MTU, DAD off, addresses, up, lo, routes on the link first', async (t) => {
  const { sys, conf } = fakeSys({ lo: '00:00:00:00:00:00', eth0: '02:00:00:00:00:02', eth1: '02:00:00:00:00:01' });
  const calls: string[] = [];
  await configureNetwork(
    {
      interfaces: [
        { name: 'eth0', mac: '02:00:00:00:00:01', mtu: 1400, addresses: ['10.209.1.2/24', 'fd00:209::2/64'] },
        { name: 'eth1', mac: '02:00:00:00:00:02', mtu: 0, addresses: [] },
      ],
      routes: [
        { dest: 'default', gateway: '10.209.1.1', device: 'eth0', family: 4 },
        { dest: '10.5.0.0/16', device: 'eth1', family: 4, scope: 'link' },
        { dest: 'default', gateway: 'fd00:209::1', device: 'eth0', family: 6, metric: 1024 },
      ],
    } as never,
    { ip: async (a) => void calls.push(a.join(' ')), sysClassNet: sys, ipv6Conf: conf },
  );
  t.same(calls, [
    'link set dev eth1 down', 'link set dev eth1 name clrtmp0',
    'link set dev eth0 down', 'link set dev eth0 name clrtmp1',
    'link set dev clrtmp0 name eth0', 'link set dev eth0 mtu 1400',
    'addr add 10.209.1.2/24 dev eth0', 'addr add fd00:209::2/64 dev eth0', 'link set dev eth0 up',
    'link set dev clrtmp1 name eth1', 'link set dev eth1 up',
    'link set dev lo up',
    '-4 route add 10.5.0.0/16 dev eth1 scope link',
    '-4 route add default via 10.209.1.1 dev eth0',
    '-6 route add default via fd00:209::1 dev eth0 metric 1024',
  ]);
  t.equal(fs.readFileSync(path.join(conf, 'eth0', 'accept_dad'), 'utf8'), '0', 'IPv6 DAD off');
});

t.test('a MAC the guest does not have, or bad input, is refused before anything changes', async (t) => {
  const { sys, conf } = fakeSys({ eth0: '02:00:00:00:00:02' });
  const calls: string[] = [];
  const opts = { ip: async (a: string[]) => void calls.push(a.join(' ')), sysClassNet: sys, ipv6Conf: conf };
  await t.rejects(configureNetwork({ interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:09', addresses: [] }], routes: [] } as never, opts),
    /no network device with MAC 02:00:00:00:00:09/);
  await t.rejects(configureNetwork({ interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:02', addresses: ['10.0.0.1'] }], routes: [] } as never, opts),
    /not ADDRESS\/PREFIX/);
  t.same(calls, []);
});
