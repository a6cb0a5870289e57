/**
 * Container networking (issue 5): which network namespace a container uses,
 * wiring its interfaces to the VM, and undoing that.
 *
 * - config.json must give a network namespace (`linux.namespaces` entry of
 *   type network): a new one (no path: Docker, which plumbs its veth in from
 *   the prestart hook) or an existing one by path (CNI/CRI). The monitor
 *   runs in it (monitor-launch.ts: `unshare --net`, or `nsenter --net=PATH`).
 *   Without one the container would share the host's network, which a VM
 *   cannot: refused before anything is created (checkNetworkNamespace).
 * - After the hooks the monitor reads the namespace's interfaces, connects
 *   each to a tap and a virtio-net device (src/devices/net/), and the agent
 *   configures the guest's side (ConfigureNetwork). No interface (Docker's
 *   `--network none`): the guest has only lo.
 * - What was made is recorded in <stateDir>/network.json *before* it is made,
 *   so that `delete` (also `delete --force` after the monitor was SIGKILLed)
 *   can remove it: in a namespace given by path the taps and tc qdiscs
 *   outlive the monitor; in one of its own they go with it, unless someone
 *   else (Docker) holds the namespace, which is why delete also cleans there
 *   while the monitor still runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connectTap, disconnectTaps, type NetnsConfig, type TapLink, netDeviceSpec, readNetns, tapName } from '../devices/net';
import { ClearError } from '../lib/errors';
import type { DeviceSpec } from '../vmm/hypervisor';

const RECORD = 'network.json';
/** statfs f_type of nsfs: a namespace file (or a bind mount of one). */
const NSFS_MAGIC = 0x6e736673;

interface SpecLike {
  linux?: { namespaces?: { type: string; path?: string }[] };
  annotations?: Record<string, string>;
}

/**
 * The annotations by which containerd's CRI plugin and CRI-O mark a pod's
 * sandbox ("pause") container: it only holds the pod's namespaces.
 */
const POD_SANDBOX_ANNOTATIONS: Record<string, string> = {
  'io.kubernetes.cri.container-type': 'sandbox',
  'io.kubernetes.cri-o.ContainerType': 'sandbox',
};

/**
 * Whether this container is a pod's sandbox. Its VM gets no network
 * device: the pod's interface goes to the VM of the pod's (first)
 * workload container, which joins the same namespace path — one interface
 * can feed one VM. (A pod sharing one VM is the lasting answer; see docs.)
 */
export function isPodSandbox(spec: SpecLike): boolean {
  return Object.entries(POD_SANDBOX_ANNOTATIONS).some(([k, v]) => spec.annotations?.[k] === v);
}

export interface NetworkRecord {
  /** The namespace by path (CNI), or null: the monitor's own. */
  netns: string | null;
  links: TapLink[];
}

/** The config's network namespace path, null for a new namespace, undefined for none (host). */
export function networkNamespacePath(spec: SpecLike): string | null | undefined {
  const ns = spec.linux?.namespaces?.find((n) => n.type === 'network');
  if (!ns) return undefined;
  return ns.path ? ns.path : null;
}

/**
 * runc's checks plus clear's: a network namespace is required (the VM has
 * no way to be in the host's), and a path must name a network namespace.
 */
export function checkNetworkNamespace(spec: SpecLike): void {
  const nsPath = networkNamespacePath(spec);
  if (nsPath === undefined) {
    throw new ClearError(
      'linux.namespaces: no network namespace: host networking is not supported (each container runs in its own VM); ' +
        'add {"type": "network"} or a network namespace path',
    );
  }
  if (nsPath === null) return;
  if (!path.isAbsolute(nsPath)) throw new ClearError(`linux.namespaces: network namespace path ${nsPath} is not absolute`);
  let type: number;
  try {
    type = Number(fs.statfsSync(nsPath).type);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ClearError(`linux.namespaces: network namespace path ${nsPath}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (type !== NSFS_MAGIC && !/^\/proc\/\d+\/(task\/\d+\/)?ns\/net$/.test(nsPath)) {
    throw new ClearError(`linux.namespaces: ${nsPath} is not a network namespace`);
  }
}

function recordFile(stateDir: string): string {
  return path.join(stateDir, RECORD);
}

function writeRecord(stateDir: string, rec: NetworkRecord): void {
  const file = recordFile(stateDir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(rec));
  fs.renameSync(`${file}.tmp`, file);
}

export function readNetworkRecord(stateDir: string): NetworkRecord | null {
  try {
    return JSON.parse(fs.readFileSync(recordFile(stateDir), 'utf8')) as NetworkRecord;
  } catch {
    return null;
  }
}

export interface WiredNetwork {
  /** virtio-net devices for the VM. */
  devices: DeviceSpec[];
  /** What the agent's ConfigureNetwork gets. */
  config: NetnsConfig;
}

/**
 * In the monitor, in the container's network namespace, after the hooks:
 * connects every interface to a tap. On failure what was made is undone.
 */
export async function wireNetwork(spec: SpecLike, stateDir: string): Promise<WiredNetwork> {
  if (isPodSandbox(spec)) return { devices: [], config: { interfaces: [], routes: [] } };
  const config = await readNetns();
  const netns = networkNamespacePath(spec) ?? null;
  // Recorded first: a monitor killed half-way still leaves delete the list.
  const planned = config.interfaces.map((i, n) => ({ link: i.name, tap: tapName(n), mac: i.mac }));
  if (planned.length === 0) return { devices: [], config };
  const links: TapLink[] = [];
  try {
    for (const [n, iface] of config.interfaces.entries()) {
      // Recorded one at a time: a tap that was there already (another VM's)
      // must not be recorded, or cleaning up after this failure would take it.
      writeRecord(stateDir, { netns, links: [...links, planned[n]] });
      links.push(await connectTap(iface, n));
    }
  } catch (err) {
    // connectTap undid its own half; the links before it are whole.
    await disconnectTaps(links);
    writeRecord(stateDir, { netns, links: [] });
    throw err;
  }
  return { devices: links.map(netDeviceSpec), config };
}

/**
 * Removes the taps and qdiscs the record lists, then forgets them. Where:
 * - `{inside: true}`: the current namespace (the monitor, shutting down);
 * - `{monitorPid}`: from outside: a namespace given by path through that
 *   path; the monitor's own through /proc/<monitorPid>/ns/net, only while it
 *   runs (pass null once it may be gone: a reused pid is someone else's).
 *   The monitor's own namespace, the monitor gone, died with it, or belongs
 *   to whoever holds it now (Docker, which removes its veth and namespace).
 * Never throws; resolves with what failed.
 */
export async function unwireNetwork(stateDir: string, where: { inside: true } | { monitorPid: number | null }): Promise<string[]> {
  const rec = readNetworkRecord(stateDir);
  if (!rec || rec.links.length === 0) return [];
  let netns: string | null;
  if ('inside' in where) netns = null;
  else if (rec.netns) netns = rec.netns;
  else if (where.monitorPid) netns = `/proc/${where.monitorPid}/ns/net`;
  else return [];
  const failures = await disconnectTaps(rec.links, netns).catch((err: Error) => [err.message]);
  if (failures.length === 0) writeRecord(stateDir, { ...rec, links: [] });
  return failures;
}
