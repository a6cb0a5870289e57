/**
 * virtio-net on a tap device, joined to an interface of a network namespace
 * with tc (the "tcfilter" model, as Kata Containers does it).
 *
 * For every interface the namespace has (a veth from Docker or a CNI plugin):
 *
 *   peer ══ veth (in the netns) ──tc ingress: mirred redirect──► tap ──► QEMU virtio-net ──► guest eth0
 *                               ◄──tc ingress: mirred redirect── tap ◄──
 *
 * Every frame arriving on the veth is redirected, at ingress, out of the
 * tap (to QEMU, so to the guest), and every frame the guest sends (arriving
 * on the tap) out of the veth. The namespace's own IP stack never sees a
 * frame of the container's, so the addresses stay on the veth (Docker and
 * CNI still read them there) and nothing answers for them but the guest.
 * The guest's device gets the veth's MAC: to the peer nothing changed.
 *
 * The taps are persistent (`ip tuntap add`), made here in the namespace the
 * caller runs in; QEMU, started in the same namespace, opens them by name.
 * Everything is done with iproute2's `ip` and `tc`, in the current network
 * namespace or, for cleanup from outside, through `nsenter --net=PATH`.
 * This module knows nothing of OCI.
 */
import * as fs from 'node:fs';
import { ClearError } from '../../lib/errors';
import type { DeviceSpec } from '../../vmm/hypervisor';

/** Whether the current network namespace has no interface but `lo` (/proc/self/net/dev). */
function onlyLoopback(): boolean {
  const names = fs
    .readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2) // two header lines
    .map((line) => line.split(':')[0].trim())
    .filter(Boolean);
  return names.length === 1 && names[0] === 'lo';
}

/** An interface of the namespace, as the guest must get it. */
export interface NetInterface {
  name: string;
  /** Lower-case aa:bb:cc:dd:ee:ff. */
  mac: string;
  mtu: number;
  /** ADDRESS/PREFIX, IPv4 and IPv6 (no IPv6 link-local: the guest derives the same one from the MAC). */
  addresses: string[];
}

export interface NetRoute {
  /** "default" or ADDRESS/PREFIX. */
  dest: string;
  gateway?: string;
  device: string;
  family: 4 | 6;
  scope?: 'link';
  metric?: number;
}

export interface NetnsConfig {
  interfaces: NetInterface[];
  routes: NetRoute[];
}

/** One interface joined to one tap. */
export interface TapLink {
  /** The namespace's interface (the veth). */
  link: string;
  tap: string;
  mac: string;
}

/** Where commands run: the current network namespace (null) or the one at a path. */
export type Netns = string | null;

/** The tap for the namespace's n-th interface. Fifteen bytes at most. */
export function tapName(n: number): string {
  return `clear-tap${n}`;
}

function run(netns: Netns, file: string, args: string[]): Promise<string> {
  const [cmd, argv] = netns ? ['nsenter', [`--net=${netns}`, file, ...args]] : [file, args];
  // Loaded here, not at the top: `state` and `list` reach this module through
  // the lifecycle and must not pay child_process's start-up (a few ms).
  const { execFile } = require('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 30_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = String(stderr).trim() || err.message;
        const e = new ClearError(`${file} ${args.join(' ')}: ${why}`) as ClearError & { stderr?: string };
        e.stderr = String(stderr);
        reject(e);
      } else resolve(String(stdout));
    });
  });
}

const ip = (netns: Netns, args: string[]) => run(netns, 'ip', args);
const tc = (netns: Netns, args: string[]) => run(netns, 'tc', args);

interface IpLink {
  ifname: string;
  flags?: string[];
  mtu?: number;
  link_type?: string;
  address?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  type?: string;
  metric?: number;
}

/**
 * The interfaces worth a virtio-net device (Ethernet links other than lo and
 * our own taps) with their addresses, and the routes over them that the
 * guest must add itself (not the kernel's own subnet and link-local routes).
 */
export async function readNetns(netns: Netns = null): Promise<NetnsConfig> {
  // A namespace with nothing but loopback (a container without networking)
  // is told by the kernel's own list: no `ip` process (~20 ms on create's
  // way to QEMU) to find nothing.
  if (netns === null && onlyLoopback()) return { interfaces: [], routes: [] };
  const links = JSON.parse(await ip(netns, ['-j', '-d', 'addr', 'show'])) as IpLink[];
  const interfaces: NetInterface[] = [];
  for (const l of links) {
    if (l.flags?.includes('LOOPBACK') || l.link_type !== 'ether' || !l.address) continue;
    if (l.linkinfo?.info_kind === 'tun') continue;
    const addresses = (l.addr_info ?? [])
      .filter((a) => a.scope !== 'host' && !(a.family === 'inet6' && a.scope === 'link'))
      .map((a) => `${a.local}/${a.prefixlen}`);
    interfaces.push({ name: l.ifname, mac: l.address.toLowerCase(), mtu: l.mtu ?? 1500, addresses });
  }
  const names = new Set(interfaces.map((i) => i.name));
  const routes: NetRoute[] = [];
  // Only routes through those interfaces are kept: with none, asking costs
  // two `ip` processes on the way to QEMU's start and finds nothing.
  if (names.size === 0) return { interfaces, routes };
  for (const family of [4, 6] as const) {
    const list = JSON.parse(await ip(netns, ['-j', `-${family}`, 'route', 'show', 'table', 'main'])) as IpRoute[];
    for (const r of list) {
      if (!r.dev || !names.has(r.dev) || r.protocol === 'kernel') continue;
      if (r.type && r.type !== 'unicast') continue;
      if (family === 6 && (r.dst.startsWith('fe80:') || r.dst.startsWith('ff00:'))) continue;
      routes.push({
        dest: r.dst,
        device: r.dev,
        family,
        ...(r.gateway ? { gateway: r.gateway } : {}),
        ...(!r.gateway && r.scope === 'link' ? { scope: 'link' as const } : {}),
        ...(r.metric ? { metric: r.metric } : {}),
      });
    }
  }
  return { interfaces, routes };
}

/** `tc` arguments: redirect every frame arriving on `from` out of `to`. */
function redirect(from: string, to: string): string[] {
  return ['filter', 'add', 'dev', from, 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u8', '0', '0',
    'action', 'mirred', 'egress', 'redirect', 'dev', to];
}

/**
 * Makes the tap for `iface` and joins the two with tc, in the current
 * namespace. A tap of that name already there means another VM holds this
 * namespace: an error, nothing touched.
 */
export async function connectTap(iface: NetInterface, n: number): Promise<TapLink> {
  const tap = tapName(n);
  try {
    await ip(null, ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
  } catch (err) {
    if (/exists|busy/i.test((err as Error).message)) {
      throw new ClearError(`network interface ${iface.name} is already connected to a VM (${tap} exists in its namespace)`);
    }
    throw err;
  }
  let linkQdisc = false;
  try {
    await ip(null, ['link', 'set', 'dev', tap, 'mtu', String(iface.mtu), 'up']);
    await tc(null, ['qdisc', 'add', 'dev', iface.name, 'ingress']);
    linkQdisc = true;
    await tc(null, redirect(iface.name, tap));
    await tc(null, ['qdisc', 'add', 'dev', tap, 'ingress']);
    await tc(null, redirect(tap, iface.name));
  } catch (err) {
    // Only what this call made: an ingress qdisc that was there before is not ours.
    await ip(null, ['link', 'del', 'dev', tap]).catch(() => {});
    if (linkQdisc) await tc(null, ['qdisc', 'del', 'dev', iface.name, 'ingress']).catch(() => {});
    throw err;
  }
  return { link: iface.name, tap, mac: iface.mac };
}

/**
 * Undoes connectTap for every link, in `netns` (null: the current one):
 * the tap goes (its qdisc and filter with it), and the ingress qdisc on the
 * interface (its filter with it). Whatever is already gone is skipped.
 * Resolves with the failures that were not "already gone".
 */
export async function disconnectTaps(links: TapLink[], netns: Netns = null): Promise<string[]> {
  const failures: string[] = [];
  const gone = (err: unknown) => /cannot find device|no such|not found|invalid handle|cannot open|does not exist/i.test((err as Error).message);
  for (const l of links) {
    for (const step of [
      () => ip(netns, ['link', 'del', 'dev', l.tap]),
      () => tc(netns, ['qdisc', 'del', 'dev', l.link, 'ingress']),
    ]) {
      try {
        await step();
      } catch (err) {
        if (!gone(err)) failures.push((err as Error).message);
      }
    }
  }
  return failures;
}

/** What QEMU needs for one link: a virtio-net device on the tap, with the interface's MAC. */
export function netDeviceSpec(l: TapLink): DeviceSpec {
  return { kind: 'net-tap', ifname: l.tap, mac: l.mac };
}
