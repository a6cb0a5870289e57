/**
 * Container networking through the VM (issue 5), with the real CLI, a real
 * VM per container, and runc on the same bundle as the reference.
 *
 * Every network here is made by the test in namespaces of its own
 * (test/lib/netns.ts; names start with a per-run prefix, addresses are
 * 10.209.0.0/16 and fd00:209::/32) and deleted again in teardown, pass or
 * fail. Nothing outside those namespaces is contacted. The peers on the
 * host side are test/fixtures/tcp-peer.js run under `ip netns exec`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { TestNet, ip, run } from './lib/netns';
import { hostTraces } from './lib/cli';

const repo = path.resolve(__dirname, '..');
const clearBin = path.join(repo, 'bin', 'clear-runtime');
const peer = path.join(__dirname, 'fixtures', 'tcp-peer.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-net-'));
const clearRoot = path.join(work, 'clear-root');
const runcRoot = path.join(work, 'runc-root');
const template = path.join(work, 'template');
/** Per run: namespaces cn<pid>-x, interfaces cn<pid>x0. */
const P = `cn${process.pid % 100000}`;

type Spec = Record<string, any>;
interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const usedIds = new Set<string>();

/** clear (or runc) to the end, stdout/stderr in files: a created container keeps the fds it was given. */
function cli(bin: 'clear' | 'runc', args: string[], cwd?: string): Result {
  const id = args[args.length - 1];
  if (bin === 'clear') usedIds.add(id);
  const out = path.join(work, `out-${bin}-${id}-${args[0]}`);
  const fds = [fs.openSync(`${out}.stdout`, 'w+'), fs.openSync(`${out}.stderr`, 'w+')];
  try {
    const r = spawnSync(bin === 'clear' ? clearBin : 'runc', ['--root', bin === 'clear' ? clearRoot : runcRoot, ...args], {
      cwd,
      stdio: ['ignore', fds[0], fds[1]],
      timeout: 180_000,
    });
    return { code: r.status, stdout: fs.readFileSync(`${out}.stdout`, 'utf8'), stderr: fs.readFileSync(`${out}.stderr`, 'utf8') };
  } finally {
    fds.forEach((fd) => fs.closeSync(fd));
  }
}

/** `clear run ID` in the background, for tests that talk to the container while it runs. */
function runAsync(id: string, cwd: string): Promise<Result> {
  usedIds.add(id);
  return collectChild(spawn(clearBin, ['--root', clearRoot, 'run', id], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function collectChild(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** tcp-peer.js in namespace `ns`. */
function peerIn(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, peer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A server in `ns` that takes `n` connections; resolves once it listens, with its end. */
async function serverIn(t: Test, ns: string, port: number, n = 1): Promise<{ done: Promise<Result> }> {
  const child = peerIn(ns, ['server', String(port), String(n)]);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const done = collectChild(child);
  await new Promise<void>((resolve, reject) => {
    child.stderr!.once('data', () => resolve());
    child.once('exit', () => reject(new Error('tcp-peer server exited before listening')));
  });
  return { done };
}

let bundles = 0;
/** A copy of the busybox bundle: `args` run by sh -c, the network namespace as `net` says. */
function bundle(script: string, net: { path?: string } | 'none' | 'host', edit: (s: Spec) => void = () => {}): string {
  const dir = path.join(work, `b${bundles++}`);
  fs.mkdirSync(dir);
  const spec = JSON.parse(fs.readFileSync(path.join(template, 'config.json'), 'utf8')) as Spec;
  spec.root.path = path.join(template, 'rootfs');
  spec.process.args = ['sh', '-c', script];
  spec.linux.namespaces = spec.linux.namespaces.filter((n: Spec) => n.type !== 'network');
  if (net === 'none') spec.linux.namespaces.push({ type: 'network' });
  else if (net !== 'host') spec.linux.namespaces.push({ type: 'network', ...(net.path ? { path: net.path } : {}) });
  edit(spec);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

/** `ip -o addr` output as "ifname family address/prefix" lines, sorted. */
function addrLines(out: string): string[] {
  return out
    .split('\n')
    .map((l) => /^\d+:\s+(\S+)\s+(inet6?)\s+(\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]} ${m[3]}`)
    .sort();
}

/** What clear leaves in a namespace: its taps, ingress qdiscs, tc filters. */
function netTraces(ns: string, dev = 'eth0'): string[] {
  const found: string[] = [];
  for (const l of ip('-n', ns, '-o', 'link', 'show').split('\n')) if (/clear-tap/.test(l)) found.push(`tap: ${l.slice(0, 60)}`);
  const qdiscs = run('tc', ['-n', ns, 'qdisc', 'show']).stdout;
  for (const l of qdiscs.split('\n')) if (/ingress/.test(l)) found.push(`qdisc: ${l}`);
  const filters = run('tc', ['-n', ns, 'filter', 'show', 'dev', dev, 'ingress']).stdout.trim();
  if (filters) found.push(`filter: ${filters.split('\n')[0]}`);
  return found;
}

const leftovers = () => hostTraces({ work, clearRoot, ids: usedIds, except: (cmd) => cmd.includes(peer) });

/** A test with its own networks: containers deleted, namespaces removed, host checked clean — pass or fail. */
function netTest(name: string, fn: (t: Test, net: TestNet) => Promise<void>) {
  t.test(name, async (t) => {
    const net = new TestNet(`${P}${String.fromCharCode(97 + netTests++)}`);
    const cleanup = () => {
      for (const id of fs.existsSync(clearRoot) ? fs.readdirSync(clearRoot) : []) cli('clear', ['delete', '--force', id]);
      for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) cli('runc', ['delete', '--force', id]);
      return net.cleanup();
    };
    // Last resort (a timeout): no assertions can be made there any more.
    t.teardown(() => void cleanup());
    try {
      await fn(t, net);
    } finally {
      t.same(cleanup(), [], 'test namespaces removed');
      t.same(leftovers(), [], 'nothing left on the host');
    }
  });
}
let netTests = 0;

t.before(() => {
  const r = spawnSync('bash', [path.join(repo, 'bundles', 'make-busybox-bundle.sh'), template], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-busybox-bundle.sh failed: ${r.stderr}`);
});
t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));

t.test('host networking (no network namespace) is refused, nothing left', async (t) => {
  const r = cli('clear', ['create', 'hostnet'], bundle('true', 'host'));
  t.not(r.code, 0);
  t.match(r.stderr, /linux\.namespaces: no network namespace: host networking is not supported/);
  const bad = cli('clear', ['create', 'badpath'], bundle('true', { path: path.join(work, 'no-such-netns') }));
  t.not(bad.code, 0);
  t.match(bad.stderr, /linux\.namespaces: network namespace path .*no-such-netns: no such file or directory/);
  const notNs = cli('clear', ['create', 'notns'], bundle('true', { path: template }));
  t.match(notNs.stderr, /linux\.namespaces: .* is not a network namespace/);
  t.same(leftovers(), [], 'no state, no monitor, no run dir');
});

netTest('CNI-style namespace path: addresses, MTU, IPv6 and routes as on the host side, TCP both ways, same view as runc', async (t, net) => {
  const h = net.netns('h');
  const c = net.netns('c');
  net.veth(h, `${net.prefix}h`, c, 'eth0', { aAddrs: ['10.209.1.1/24', 'fd00:209:1::1/64'], bAddrs: ['10.209.1.2/24', 'fd00:209:1::2/64'], mtu: 1400 });
  ip('-n', c, 'route', 'add', 'default', 'via', '10.209.1.1');
  ip('-n', c, 'route', 'add', '10.77.0.0/16', 'via', '10.209.1.1');
  ip('-n', c, '-6', 'route', 'add', 'default', 'via', 'fd00:209:1::1');
  const mac = JSON.parse(ip('-j', '-n', c, 'link', 'show', 'eth0'))[0].address as string;
  const server = await serverIn(t, h, 7001, 2);
  const script = [
    'ip -o addr', 'echo ---', 'ip -o link', 'echo ---', 'ip route', 'echo ---', 'ip -6 route', 'echo ---',
    'echo via-v4 | nc 10.209.1.1 7001', 'echo via-v6 | nc fd00:209:1::1 7001',
    'echo pong | nc -l -p 8080',
  ].join('; ');
  const b = bundle(script, { path: TestNet.path(c) });
  const container = runAsync('cni', b);
  // The server in the container, from the host side of the link.
  const client = await collectChild(peerIn(h, ['client', '10.209.1.2', '8080', 'ping', '150']));
  const r = await container;
  t.equal(r.code, 0, `clear run exits 0 (${r.stderr.trim()})`);
  t.equal(client.stdout.trim(), 'pong', 'a server in the container is reachable from the host side');
  const got = (await server.done).stdout.trim().split('\n').sort();
  t.same(got, ['10.209.1.2 via-v4', 'fd00:209:1::2 via-v6'], 'the container reached the host-side server over IPv4 and IPv6, from its own addresses');
  const [addrs, links, routes, routes6] = r.stdout.split('---\n');
  t.match(addrs, /eth0\s+inet 10\.209\.1\.2\/24/);
  t.match(addrs, /eth0\s+inet6 fd00:209:1::2\/64/, 'IPv6 address present');
  t.match(links, new RegExp(`eth0: <[^>]*UP[^>]*> mtu 1400 .*link/ether ${mac}`), 'same name, MTU and MAC as the host-side interface');
  t.notMatch(links, /clear-tap/, 'no tap visible in the guest');
  t.match(routes, /default via 10\.209\.1\.1 dev eth0/);
  t.match(routes, /10\.77\.0\.0\/16 via 10\.209\.1\.1 dev eth0/);
  t.match(routes6, /default via fd00:209:1::1 dev eth0/);
  t.same(netTraces(c), [], 'taps, qdiscs and filters gone once the container exited');

  // runc on the same bundle and namespace: the same interfaces and addresses.
  const rb = bundle('ip -o addr', { path: TestNet.path(c) });
  const rr = cli('runc', ['run', 'cni-runc'], rb);
  t.equal(rr.code, 0, rr.stderr);
  t.same(addrLines(addrs), addrLines(rr.stdout), 'ip -o addr: the same interfaces and addresses as under runc');
});

netTest('two containers on one bridge reach each other (Docker-style prestart hook, and a namespace path)', async (t, net) => {
  const h = net.netns('h');
  const cb = net.netns('b');
  const br = `${net.prefix}br`;
  net.bridge(h, br, ['10.209.2.1/24']);
  // Container A's veth waits in the bridge namespace; its prestart hook moves
  // it into the monitor's new namespace, as Docker's libnetwork-setkey does.
  const aIf = `${net.prefix}a`;
  ip('-n', h, 'link', 'add', `${net.prefix}ap`, 'type', 'veth', 'peer', 'name', aIf);
  ip('-n', h, 'link', 'set', `${net.prefix}ap`, 'master', br, 'up');
  net.veth(h, `${net.prefix}bp`, cb, 'eth0', { bAddrs: ['10.209.2.3/24'] });
  ip('-n', h, 'link', 'set', `${net.prefix}bp`, 'master', br);
  const hook = path.join(work, 'hook-a.sh');
  fs.writeFileSync(hook, [
    '#!/bin/sh',
    'set -e',
    'pid=$(sed -n \'s/.*"pid": *\\([0-9]*\\).*/\\1/p\')',
    `ip -n ${h} link set dev ${aIf} netns "$pid"`,
    `nsenter --net=/proc/$pid/ns/net sh -c 'ip link set ${aIf} name eth0 && ip addr add 10.209.2.2/24 dev eth0 && ip link set eth0 up && ip route add default via 10.209.2.1'`,
    '',
  ].join('\n'), { mode: 0o755 });
  const a = bundle('echo from-a | nc -l -p 9000', 'none', (s) => {
    s.hooks = { prestart: [{ path: hook, args: ['hook-a.sh'] }] };
  });
  const b = bundle('sleep 1; i=0; until echo from-b | nc 10.209.2.2 9000; do i=$((i+1)); [ $i -lt 300 ] || exit 1; sleep 0.3; done', { path: TestNet.path(cb) });
  const ra = runAsync('bra', a);
  const rb = runAsync('brb', b);
  const [resA, resB] = await Promise.all([ra, rb]);
  t.equal(resA.code, 0, `A exits 0 (${resA.stderr.trim()})`);
  t.equal(resB.code, 0, `B exits 0 (${resB.stderr.trim()})`);
  t.equal(resA.stdout.trim(), 'from-b', 'A got B\'s message');
  t.match(resB.stdout, /from-a/, 'B got A\'s answer');
  t.same(netTraces(cb), [], 'nothing left in B\'s namespace');
});

netTest('--network none: a new namespace without interfaces gives the guest only lo', async (t) => {
  const script = 'ip -o link; ip -o addr';
  const r = cli('clear', ['run', 'none'], bundle(script, 'none'));
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stdout, /link\/ether/, 'no Ethernet device');
  const links = r.stdout.split('\n').filter((l) => /^\d+: \S+: /.test(l) && l.includes(' link/')).map((l) => l.split(': ')[1].split('@')[0]);
  t.same(links, ['lo'], 'only lo: no tunnel devices either');
  t.match(r.stdout, /lo: <LOOPBACK,UP,LOWER_UP>/, 'lo is up');
  const rr = cli('runc', ['run', 'none-runc'], bundle(script, 'none'));
  t.equal(rr.code, 0, rr.stderr);
  t.same(addrLines(r.stdout), addrLines(rr.stdout), 'the same addresses as under runc (127.0.0.1, ::1)');
});

netTest('delete --force after the monitor was SIGKILLed removes the tap, qdiscs and filters from the namespace path', async (t, net) => {
  const h = net.netns('h');
  const c = net.netns('c');
  net.veth(h, `${net.prefix}h`, c, 'eth0', { aAddrs: ['10.209.3.1/24'], bAddrs: ['10.209.3.2/24'] });
  const b = bundle('sleep 1000', { path: TestNet.path(c) });
  const r = cli('clear', ['create', 'crash'], b);
  t.equal(r.code, 0, r.stderr);
  const traces = netTraces(c);
  t.ok(traces.some((l) => l.startsWith('tap:')), 'a tap while the container exists');
  t.ok(traces.some((l) => /qdisc: .*dev eth0/.test(l)), 'an ingress qdisc on eth0');
  t.ok(traces.some((l) => l.startsWith('filter:')), 'a mirred filter on eth0');
  const pid = JSON.parse(cli('clear', ['state', 'crash']).stdout).pid as number;
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (fs.existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  t.ok(netTraces(c).some((l) => l.startsWith('tap:')), 'the tap outlives the killed monitor (the namespace is not its own)');
  const d = cli('clear', ['delete', '--force', 'crash']);
  t.equal(d.code, 0, d.stderr);
  t.same(netTraces(c), [], 'no tap, qdisc or filter left');
  t.same(ip('-n', c, '-o', 'addr', 'show', 'dev', 'eth0').match(/inet 10\.209\.3\.2\/24/)?.length, 1, 'the interface keeps its address');
});

netTest('a CRI pod: the sandbox container leaves the pod\'s interface to the workload container in the same namespace path', async (t, net) => {
  const h = net.netns('h');
  const c = net.netns('c');
  net.veth(h, `${net.prefix}h`, c, 'eth0', { aAddrs: ['10.209.4.1/24'], bAddrs: ['10.209.4.2/24'] });
  const server = await serverIn(t, h, 7004, 1);
  const sandbox = bundle('sleep 1000', { path: TestNet.path(c) }, (s) => {
    s.annotations = { 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': 'pod' };
  });
  t.equal(cli('clear', ['create', 'pod'], sandbox).code, 0);
  t.equal(cli('clear', ['start', 'pod']).code, 0);
  t.same(netTraces(c), [], 'the sandbox took no tap');
  const app = bundle('ip -o addr; echo from-app | nc 10.209.4.1 7004', { path: TestNet.path(c) }, (s) => {
    s.annotations = { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': 'pod' };
  });
  const r = cli('clear', ['run', 'app'], app);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /eth0\s+inet 10\.209\.4\.2\/24/, 'the workload container has the pod\'s address');
  t.same((await server.done).stdout.trim(), '10.209.4.2 from-app', 'and reaches the host side from it');
  t.equal(cli('clear', ['delete', '--force', 'pod']).code, 0);
  t.same(netTraces(c), [], 'nothing left in the pod\'s namespace');
});
