/**
 * ConfigureNetwork (issue 5): the guest side of container networking.
 *
 * The host wires each interface of the container's network namespace to a
 * virtio-net device with the same MAC (src/devices/net/). Here each device is
 * found by that MAC in /sys/class/net, renamed to the host-side name, given
 * its MTU and addresses and brought up; `lo` comes up; then the routes, those
 * on the link first so that gateways are reachable when the rest go in.
 *
 * Everything goes through busybox `ip` (the image has it; see
 * scripts/build-image.sh): a handful of short commands once per VM.
 * IPv6 duplicate address detection is turned off on these devices first:
 * the address was already checked on the host's side of the link, and a
 * tentative address (≈1 s, far longer under TCG) could not be bound or used
 * as a source when the container starts.
 */
import { execFile } from 'child_process';
import { readFileSync, readdirSync, writeFileSync } from 'fs';
import { AgentError, Code } from './processes';
import type { ConfigureNetworkRequest } from './protocol';

export interface NetworkOptions {
  /** Runs `ip ARGS`; default busybox ip. */
  ip?: (args: string[]) => Promise<void>;
  /** Where network devices are listed (default /sys/class/net). */
  sysClassNet?: string;
  /** Where the per-device IPv6 sysctls are (default /proc/sys/net/ipv6/conf). */
  ipv6Conf?: string;
}

const BUSYBOX = '/bin/busybox';

function busyboxIp(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(BUSYBOX, ['ip', ...args], { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err) reject(new AgentError(Code.INTERNAL, `ip ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const CIDR = /^[0-9A-Fa-f.:]+\/\d{1,3}$/;

function invalid(msg: string): AgentError {
  return new AgentError(Code.INVALID_ARGUMENT, msg);
}

/** Device names by MAC, as the guest kernel named them. */
function devicesByMac(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    try {
      out.set(readFileSync(`${dir}/${name}/address`, 'latin1').trim().toLowerCase(), name);
    } catch {
      /* not a device with an address */
    }
  }
  return out;
}

export async function configureNetwork(req: ConfigureNetworkRequest, opts: NetworkOptions = {}): Promise<void> {
  const ip = opts.ip ?? busyboxIp;
  const sysClassNet = opts.sysClassNet ?? '/sys/class/net';
  const ipv6Conf = opts.ipv6Conf ?? '/proc/sys/net/ipv6/conf';
  const interfaces = req.interfaces ?? [];
  const routes = req.routes ?? [];
  for (const i of interfaces) {
    if (!i.name || !IFNAME.test(i.name)) throw invalid(`interface name ${JSON.stringify(i.name)} is not valid`);
    if (!i.mac || !MAC.test(i.mac)) throw invalid(`interface ${i.name}: MAC ${JSON.stringify(i.mac)} is not valid`);
    for (const a of i.addresses ?? []) if (!CIDR.test(a)) throw invalid(`interface ${i.name}: address ${JSON.stringify(a)} is not ADDRESS/PREFIX`);
  }
  const byMac = devicesByMac(sysClassNet);
  const found = interfaces.map((i) => {
    const dev = byMac.get(i.mac!);
    if (!dev) throw new AgentError(Code.NOT_FOUND, `no network device with MAC ${i.mac} (for ${i.name}) in the guest`);
    return { want: i, dev };
  });
  // Renames go through temporary names: the kernel's eth0 may be the
  // device that must become eth1 and the other way round.
  for (const [n, f] of found.entries()) {
    if (f.dev === f.want.name) continue;
    const tmp = `clrtmp${n}`;
    await ip(['link', 'set', 'dev', f.dev, 'down']);
    await ip(['link', 'set', 'dev', f.dev, 'name', tmp]);
    f.dev = tmp;
  }
  for (const f of found) {
    const name = f.want.name!;
    if (f.dev !== name) await ip(['link', 'set', 'dev', f.dev, 'name', name]);
    if (f.want.mtu) await ip(['link', 'set', 'dev', name, 'mtu', String(f.want.mtu)]);
    try {
      writeFileSync(`${ipv6Conf}/${name}/accept_dad`, '0');
    } catch {
      /* no IPv6 in this kernel: v6 addresses will fail below with ip's words */
    }
    for (const a of f.want.addresses ?? []) await ip(['addr', 'add', a, 'dev', name]);
    await ip(['link', 'set', 'dev', name, 'up']);
  }
  await ip(['link', 'set', 'dev', 'lo', 'up']);
  const onLink = routes.filter((r) => !r.gateway);
  const viaGateway = routes.filter((r) => r.gateway);
  for (const r of [...onLink, ...viaGateway]) {
    if (!r.dest || !r.device) throw invalid(`route ${JSON.stringify(r)}: needs dest and device`);
    const args = [r.family === 6 ? '-6' : '-4', 'route', 'add', r.dest];
    if (r.gateway) args.push('via', r.gateway);
    args.push('dev', r.device);
    if (r.scope) args.push('scope', r.scope);
    if (r.metric) args.push('metric', String(r.metric));
    await ip(args);
  }
}
