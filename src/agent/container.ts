/**
 * Containers in the guest: CreateContainer and StartContainer.
 *
 * The agent flattens the OCI config into the exec helper's simple record
 * format (guest/exec-helper/clear-exec.c documents it), spawns the helper
 * through the process table (so the container's stdio, exit and signals are
 * reached by exec_id like any ExecProcess), and waits for it to report the
 * container init's pid and "ready" (or an error in runc's words). The helper
 * then holds the process at a barrier until StartContainer releases it.
 */
import { execFile } from 'child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'fs';
import * as path from 'path';
import type { Socket } from 'net';
import { native } from '../native';
import { AgentError, Code, EXEC_HELPER, checkPreservedFds, type PreservedFdSpec, type Proc, type ProcessTable } from './processes';
import { trace } from './trace';
import { GuestCgroups, type LinuxResources } from './cgroup';

export { EXEC_HELPER };

// ---------------------------------------------------------------------------
// The OCI config, as far as the guest needs it.

interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}
interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

interface OciConfig {
  ociVersion?: string;
  annotations?: Record<string, string>;
  hooks?: Partial<Record<'createContainer' | 'startContainer', OciHook[]>>;
  process?: {
    terminal?: boolean;
    consoleSize?: { height?: number; width?: number };
    user?: { uid?: number; gid?: number; umask?: number; additionalGids?: number[] };
    args?: string[];
    env?: string[];
    cwd?: string;
    capabilities?: Partial<Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>>;
    rlimits?: { type: string; soft: number; hard: number }[];
    noNewPrivileges?: boolean;
    oomScoreAdj?: number;
  };
  root?: { path?: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: OciMount[];
  linux?: {
    namespaces?: { type: string; path?: string }[];
    devices?: { path: string; type: string; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }[];
    sysctl?: Record<string, string>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    resources?: LinuxResources;
  };
}

// Mount flags (linux/mount.h).
const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64, DIRSYNC: 128,
  NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, REC: 16384, SILENT: 32768, UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20, RELATIME: 1 << 21, I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24, LAZYTIME: 1 << 25,
} as const;

/** runc's mount option table: [clears the flag, flag]. */
const MOUNT_FLAGS: Record<string, [boolean, number]> = {
  async: [true, MS.SYNCHRONOUS], atime: [true, MS.NOATIME], bind: [false, MS.BIND], defaults: [false, 0],
  dev: [true, MS.NODEV], diratime: [true, MS.NODIRATIME], dirsync: [false, MS.DIRSYNC], exec: [true, MS.NOEXEC],
  iversion: [false, MS.I_VERSION], lazytime: [false, MS.LAZYTIME], loud: [true, MS.SILENT],
  mand: [false, MS.MANDLOCK], noatime: [false, MS.NOATIME], nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME], noexec: [false, MS.NOEXEC], noiversion: [true, MS.I_VERSION],
  nolazytime: [true, MS.LAZYTIME], nomand: [true, MS.MANDLOCK], norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME], nosuid: [false, MS.NOSUID], rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME], remount: [false, MS.REMOUNT], ro: [false, MS.RDONLY], rw: [true, MS.RDONLY],
  silent: [false, MS.SILENT], strictatime: [false, MS.STRICTATIME], suid: [true, MS.NOSUID],
  sync: [false, MS.SYNCHRONOUS],
};
const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, shared: MS.SHARED, slave: MS.SLAVE, unbindable: MS.UNBINDABLE,
  rprivate: MS.PRIVATE | MS.REC, rshared: MS.SHARED | MS.REC, rslave: MS.SLAVE | MS.REC,
  runbindable: MS.UNBINDABLE | MS.REC,
};
/** runc extensions and id-mapping options that are not mount data; ignored here. */
const IGNORED_OPTIONS = new Set(['tmpcopyup', 'idmap', 'ridmap']);

/** RLIMIT_* numbers on Linux (x86_64, arm64 share them). */
const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

const CAP_SETS = { bounding: 'b', effective: 'e', permitted: 'p', inheritable: 'i', ambient: 'a' } as const;

export interface ParsedMount {
  flags: number;
  pflags: number;
  data: string;
}

/** OCI mount options → mount(2) flags, propagation flags and data (runc's parseMountOptions). */
export function parseMountOptions(options: string[] = []): ParsedMount {
  let flags = 0;
  let pflags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = MOUNT_FLAGS[o];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
    } else if (PROPAGATION[o] !== undefined) {
      pflags |= PROPAGATION[o];
    } else if (!IGNORED_OPTIONS.has(o)) {
      data.push(o);
    }
  }
  return { flags, pflags, data: data.join(',') };
}

function invalid(msg: string): AgentError {
  return new AgentError(Code.INVALID_ARGUMENT, msg);
}

function u64(v: number, what: string): string {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`${what}: ${v} is not a valid limit`);
  // JSON cannot carry 2^64-1 exactly: anything that large is RLIM_INFINITY.
  if (v >= 2 ** 64 - 2 ** 11) return 'inf';
  return BigInt(Math.floor(v)).toString();
}

function uint(v: unknown, what: string): string {
  if (v === undefined || v === null) return '0';
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(`${what}: ${String(v)} is not valid`);
  return String(v);
}

/** The environment as runc builds it: every entry KEY=VALUE, a later duplicate wins in place. */
function processEnv(env: string[]): string[] {
  const out = new Map<string, string>();
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i < 0) throw invalid(`invalid environment variable ${JSON.stringify(kv)}: missing '='`);
    if (i === 0) throw invalid(`invalid environment variable ${JSON.stringify(kv)}: name cannot be empty`);
    out.set(kv.slice(0, i), kv);
  }
  return [...out.values()];
}

/**
 * Flattens a (host-validated) OCI config into the helper's spec: the records
 * as a list of string fields, NUL-terminated each, after the header line.
 */
export function flattenConfig(cfg: OciConfig, opts: GuestCreateOptions = {}): Buffer {
  const rec: string[] = [];
  const add = (...fields: string[]) => rec.push(...fields);
  const p = cfg.process;
  if (!p) throw invalid('config has no process');
  // A pty from the container's devpts: stdio, controlling terminal, /dev/console.
  if (p.terminal) addConsole(add, p.consoleSize);
  if (!p.args?.length || !p.args[0]) throw invalid('args must not be empty');
  const rootPath = cfg.root?.path;
  if (!rootPath || !path.isAbsolute(rootPath)) throw invalid(`root.path ${JSON.stringify(rootPath ?? '')} must be an absolute guest path`);
  add('root', path.normalize(rootPath));
  if (cfg.root?.readonly) add('rootro');

  const nsTypes = new Set<string>();
  for (const ns of cfg.linux?.namespaces ?? []) {
    if (ns.type === 'network') continue; // the VM's network is the container's
    if (ns.type === 'user') throw invalid('user namespaces are not supported: the VM is the isolation boundary');
    if (!['mount', 'pid', 'uts', 'ipc', 'cgroup', 'time'].includes(ns.type)) throw invalid(`unknown namespace type ${JSON.stringify(ns.type)}`);
    if (nsTypes.has(ns.type)) throw invalid(`duplicate namespace type ${ns.type}`);
    nsTypes.add(ns.type);
    add('ns', ns.type, ns.path ?? '');
  }
  if (!nsTypes.has('mount')) throw invalid('the config has no mount namespace: clear needs one to set up the root');
  if ((cfg.hostname || cfg.domainname) && !nsTypes.has('uts')) {
    throw invalid('unable to set hostname without a private UTS namespace');
  }

  const mounts = cfg.mounts ?? [];
  let devIsBind = false;
  let hasShm = false;
  for (const m of mounts) {
    if (!m.destination) throw invalid('mount destination is empty');
    const dest = path.posix.normalize('/' + m.destination);
    const opts = parseMountOptions(m.options);
    const isBind = m.type === 'bind' || (opts.flags & MS.BIND) !== 0;
    if (isBind) {
      opts.flags |= MS.BIND;
      if (!m.source || !path.isAbsolute(m.source)) throw invalid(`bind mount ${dest}: source ${JSON.stringify(m.source ?? '')} must be an absolute guest path`);
      if (dest === '/dev') devIsBind = true;
    }
    if (dest === '/dev/shm') hasShm = true;
    const type = isBind ? 'bind' : m.type || '';
    if (!type) throw invalid(`mount ${dest}: no type`);
    add('mount', dest, type, m.source ?? '', String(opts.flags), String(opts.pflags), opts.data);
  }

  // Default /dev content (runc: unless /dev itself is a bind mount).
  if (!devIsBind) {
    // Docker and runc's spec always list /dev/shm; a config without one still gets a tmpfs there.
    if (!hasShm) add('mount', '/dev/shm', 'tmpfs', 'shm', String(MS.NOSUID | MS.NODEV | MS.NOEXEC), '0', 'mode=1777,size=65536k');
    add('defdevs');
  }
  for (const d of cfg.linux?.devices ?? []) {
    if (!d.path || !path.isAbsolute(d.path)) throw invalid(`device path ${JSON.stringify(d.path)} must be absolute`);
    const t = d.type === 'u' ? 'c' : d.type;
    if (!['c', 'b', 'p'].includes(t)) throw invalid(`device ${d.path}: unknown type ${JSON.stringify(d.type)}`);
    add('dev', d.path, t, uint(d.major, 'major'), uint(d.minor, 'minor'), uint(d.fileMode ?? 0o666, 'fileMode'),
      uint(d.uid, 'uid'), uint(d.gid, 'gid'));
  }
  for (const m of cfg.linux?.maskedPaths ?? []) add('mask', m);
  for (const r of cfg.linux?.readonlyPaths ?? []) add('ropath', r);
  if (cfg.hostname) add('hostname', cfg.hostname);
  if (cfg.domainname) add('domainname', cfg.domainname);
  for (const [k, v] of Object.entries(cfg.linux?.sysctl ?? {})) {
    if (!/^[A-Za-z0-9_.\-/]+$/.test(k) || k.includes('..')) throw invalid(`sysctl ${JSON.stringify(k)} is not valid`);
    add('sysctl', k, String(v));
  }
  if (opts.noPivot) add('nopivot');
  if (!opts.noNewKeyring && opts.id) add('keyring', `_ses.${opts.id}`);
  addPreserved(add, opts.preservedFds ?? []);
  addGuestHooks(add, cfg, opts);
  addProcess(add, p);
  return encodeSpec(rec);
}

/** What the guest set-up needs beyond config.json (runc's create flags). */
export interface GuestCreateOptions {
  id?: string;
  bundle?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preservedFds?: PreservedFdSpec[];
}

/** The helper's fd for the first preserved fd's source (after sync 3 and console 4). */
export const PRESERVED_SOURCE_FD = 5;

/** `pfd TARGET SOURCE`: the helper moves its fd SOURCE to TARGET right before the exec. */
/**
 * The console, and its size set by the helper before the process runs (as
 * runc's init does): set afterwards, a quick `stty size` could read 0x0.
 */
function addConsole(add: (...fields: string[]) => void, size: { height?: number; width?: number } | undefined): void {
  add('console');
  if (size?.height && size?.width) add('winsize', String(size.height), String(size.width));
}

function addPreserved(add: (...fields: string[]) => void, fds: PreservedFdSpec[]): void {
  fds.forEach((f, i) => add('pfd', String(f.fd), String(PRESERVED_SOURCE_FD + i)));
}

/**
 * The helper's fds from 4 on: the console socket's end (or nothing) at 4,
 * then one socketpair per preserved fd (the agent's ends in child.stdio).
 */
function helperFds(consoleFd: number | null, fds: PreservedFdSpec[]): Array<number | 'ignore' | 'pipe'> {
  if (!fds.length) return consoleFd !== null ? [consoleFd] : [];
  return [consoleFd ?? 'ignore', ...fds.map(() => 'pipe' as const)];
}

/** Hands the agent's ends of the preserved fds' socketpairs to the process entry. */
function attachPreserved(p: Proc, fds: PreservedFdSpec[]): void {
  fds.forEach((f, i) => p.addPreserved(f.fd, p.child.stdio[PRESERVED_SOURCE_FD + i] as Socket, f.direction));
}

const GUEST_HOOKS = ['createContainer', 'startContainer'] as const;

/**
 * The hooks the spec runs "in the container namespace": in the guest. Their
 * state JSON is runc's, with the status and the pid filled in by the helper.
 */
function addGuestHooks(add: (...fields: string[]) => void, cfg: OciConfig, opts: GuestCreateOptions): void {
  let any = false;
  for (const kind of GUEST_HOOKS) {
    for (const h of cfg.hooks?.[kind] ?? []) {
      if (!h.path || !path.isAbsolute(h.path)) throw invalid(`${kind} hook path ${JSON.stringify(h.path ?? '')} must be absolute`);
      add('hook', kind, h.path, uint(h.timeout ?? 0, `${kind} hook timeout`));
      for (const a of h.args ?? []) add('harg', a);
      for (const e of h.env ?? []) add('henv', e);
      any = true;
    }
  }
  if (!any) return;
  const head = JSON.stringify({ ociVersion: cfg.ociVersion, id: opts.id ?? '' });
  const tail: Record<string, unknown> = { bundle: opts.bundle ?? '' };
  if (cfg.annotations && Object.keys(cfg.annotations).length > 0) tail.annotations = cfg.annotations;
  add('state', head.slice(0, -1) + ',', ',' + JSON.stringify(tail).slice(1));
}

type OciProcess = NonNullable<OciConfig['process']>;

/** The process records: limits, user, capabilities, cwd, args, env. */
function addProcess(add: (...fields: string[]) => void, p: OciProcess): void {
  const seen = new Set<string>();
  for (const r of p.rlimits ?? []) {
    const n = RLIMITS[r.type];
    if (n === undefined) throw invalid(`unknown rlimit type ${JSON.stringify(r.type)}`);
    if (seen.has(r.type)) throw invalid(`duplicate rlimit type ${r.type}`);
    seen.add(r.type);
    add('rlimit', String(n), u64(r.soft, r.type), u64(r.hard, r.type));
  }
  if (p.oomScoreAdj !== undefined && p.oomScoreAdj !== null) {
    if (!Number.isInteger(p.oomScoreAdj) || p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000) throw invalid(`oomScoreAdj ${p.oomScoreAdj} is out of range`);
    add('oom', String(p.oomScoreAdj));
  }
  if (p.user?.umask !== undefined && p.user.umask !== null) add('umask', uint(p.user.umask, 'umask'));
  if (p.noNewPrivileges) add('nnp');
  if (p.capabilities) {
    add('caps');
    for (const [set, letter] of Object.entries(CAP_SETS)) {
      for (const name of p.capabilities[set as keyof typeof CAP_SETS] ?? []) add('cap', letter, name);
    }
  }
  add('user', uint(p.user?.uid, 'uid'), uint(p.user?.gid, 'gid'));
  for (const g of p.user?.additionalGids ?? []) add('group', uint(g, 'additionalGids'));
  const cwd = p.cwd || '/';
  if (!path.isAbsolute(cwd)) throw invalid(`cwd ${JSON.stringify(cwd)} must be an absolute path`);
  add('cwd', cwd);
  for (const a of p.args ?? []) add('arg', a);
  for (const e of processEnv(p.env ?? [])) add('env', e);
}

function encodeSpec(rec: string[]): Buffer {
  for (const f of rec) if (f.includes('\0')) throw invalid(`config value ${JSON.stringify(f)} contains a NUL byte`);
  const body = Buffer.from(rec.map((f) => f + '\0').join(''), 'utf8');
  return Buffer.concat([Buffer.from(`clear-exec v1 ${body.length}\n`), body]);
}

/**
 * The helper's spec for a process exec'd into a running container (`runc
 * exec`): join mode, the namespaces of the container's init, then the process.
 * The mount namespace comes last: once in it, /proc is the container's.
 */
export function flattenExec(p: OciProcess, initPid: number, preservedFds: PreservedFdSpec[] = []): Buffer {
  const rec: string[] = [];
  const add = (...fields: string[]) => rec.push(...fields);
  if (!p || typeof p !== 'object') throw invalid('oci_process_json is not an object');
  if (!p.args?.length || !p.args[0]) throw invalid('args must not be empty');
  add('join');
  if (p.terminal) addConsole(add, p.consoleSize);
  for (const [type, file] of [['pid', 'pid'], ['uts', 'uts'], ['ipc', 'ipc'], ['cgroup', 'cgroup'], ['mount', 'mnt']]) {
    add('ns', type, `/proc/${initPid}/ns/${file}`);
  }
  addPreserved(add, preservedFds);
  addProcess(add, p);
  return encodeSpec(rec);
}

// ---------------------------------------------------------------------------
// Shares

/** How a virtio-fs share gets mounted; replaceable for tests on a host. */
export type MountShare = (tag: string, mountpoint: string) => Promise<void>;

/** The topmost mount on `dir` (mountinfo: its filesystem type and source), or null. */
function mountedOn(dir: string): { fstype: string; source: string } | null {
  let top: { fstype: string; source: string } | null = null;
  try {
    const target = path.resolve(dir);
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields[4] !== target) continue;
      const sep = fields.indexOf('-', 6); // the optional fields end with a lone "-"
      top = { fstype: fields[sep + 1] ?? '', source: fields[sep + 2] ?? '' };
    }
  } catch {
    // no /proc here: nothing known to be mounted
  }
  return top;
}

export const mountVirtiofs: MountShare = (tag, mountpoint) =>
  new Promise((resolve, reject) => {
    mkdirSync(mountpoint, { recursive: true });
    const mounted = mountedOn(mountpoint);
    // The guest's init mounts the shares the host named at boot (clear.mount=).
    if (mounted?.fstype === 'virtiofs' && mounted.source === tag) return resolve();
    if (mounted) return reject(new AgentError(Code.FAILED_PRECONDITION, `${mountpoint} is already a mount point`));
    execFile('mount', ['-t', 'virtiofs', tag, mountpoint], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }, (err, _out, stderr) => {
      if (err) reject(new AgentError(Code.INTERNAL, `mount virtiofs ${tag} on ${mountpoint}: ${(stderr || err.message).trim()}`));
      else resolve();
    });
  });

// ---------------------------------------------------------------------------
// The containers

export interface CreateContainerParams {
  containerId: string;
  execId: string;
  ociConfigJson: string;
  /**
   * The virtio-fs tag holding root and bind sources. Empty: root.path and the
   * bind sources already are guest paths (tests, which build a rootfs in the
   * guest with ExecProcess); nothing is mounted.
   */
  shareTag: string;
  shareMount: string;
  /** The host bundle path, for the hooks' state JSON. */
  bundle?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /** The caller's fds passed through (runc's --preserve-fds), relayed by content. */
  preservedFds?: PreservedFdSpec[];
}

interface Container {
  id: string;
  execId: string;
  proc: Proc;
  sync: Socket;
  started: boolean;
  /** The container's mount namespace, held open (see holdMountNamespace); -1 if not. */
  mountNs: number;
}

/**
 * Opens the mount namespace of `pid` (the container's init, waiting at the
 * barrier) and returns the fd, or -1 when it cannot (no /proc: host tests).
 *
 * Held for as long as the container is known, this keeps every mount the
 * container made alive after its last process has exited, and with them the
 * virtio-fs submounts (the host's mount points in the share: the rootfs and
 * each volume). Without it the exit of the container's last process tears
 * those superblocks down at once, and 6.1's fuse cannot take that while a
 * request of theirs is in flight: a file closed with readahead pending is
 * released asynchronously, after the superblock is gone ("VFS: Busy inodes
 * after unmount"), and the release's iput() then crashes the guest kernel
 * in virtio-fs's completion worker (seen as a container whose exit never
 * reached the host: 3 of 108 runs of one `run` scenario under TCG).
 */
function holdMountNamespace(pid: number): number {
  try {
    return openSync(`/proc/${pid}/ns/mnt`, 'r');
  } catch {
    return -1;
  }
}

const ERROR_CODES: Record<string, number> = {
  notfound: Code.NOT_FOUND,
  perm: Code.PERMISSION_DENIED,
  invalid: Code.INVALID_ARGUMENT,
  internal: Code.INTERNAL,
};

export interface ContainerManagerOptions {
  helper?: string;
  mountShare?: MountShare;
  /** The cgroup v2 root containers get their cgroups under; null: none (default: /sys/fs/cgroup when it is v2). */
  cgroupRoot?: string | null;
}

export class ContainerManager {
  private readonly containers = new Map<string, Container>();
  private readonly creating = new Set<string>();
  /** Share tag → its mount (once per tag), and where it went. */
  private readonly shares = new Map<string, { mountpoint: string; done: Promise<void> }>();
  private readonly helper: string;
  private readonly mountShare: MountShare;
  readonly cgroups: GuestCgroups;

  constructor(private readonly table: ProcessTable, opts: ContainerManagerOptions = {}) {
    this.helper = opts.helper ?? process.env.CLEAR_EXEC_HELPER ?? EXEC_HELPER;
    table.execHelper = this.helper;
    this.mountShare = opts.mountShare ?? mountVirtiofs;
    this.cgroups = opts.cgroupRoot === undefined ? new GuestCgroups() : new GuestCgroups(opts.cgroupRoot);
  }

  private share(tag: string, mountpoint: string): Promise<void> {
    if (!mountpoint || !path.isAbsolute(mountpoint)) {
      return Promise.reject(invalid(`share_mount ${JSON.stringify(mountpoint)} must be an absolute guest path`));
    }
    const mp = path.normalize(mountpoint);
    const known = this.shares.get(tag);
    if (known) {
      if (known.mountpoint !== mp) {
        return Promise.reject(new AgentError(Code.FAILED_PRECONDITION, `share ${tag} is already mounted on ${known.mountpoint}`));
      }
      return known.done;
    }
    const done = this.mountShare(tag, mp);
    this.shares.set(tag, { mountpoint: mp, done });
    done.catch(() => this.shares.delete(tag)); // a later create may retry
    return done;
  }

  async create(req: CreateContainerParams): Promise<{ pid: number }> {
    const id = req.containerId;
    if (!id) throw invalid('container_id is empty');
    if (!req.execId) throw invalid('exec_id is empty');
    const old = this.containers.get(id);
    if (this.creating.has(id) || (old && !old.proc.exit)) {
      throw new AgentError(Code.ALREADY_EXISTS, `container ${JSON.stringify(id)} already exists`);
    }
    let cfg: OciConfig;
    try {
      cfg = JSON.parse(req.ociConfigJson) as OciConfig;
    } catch (err) {
      throw invalid(`oci_config_json: ${(err as Error).message}`);
    }
    if (!cfg || typeof cfg !== 'object') throw invalid('oci_config_json is not an object');
    const preservedFds = req.preservedFds ?? [];
    checkPreservedFds(preservedFds);
    const spec = flattenConfig(cfg, { id, bundle: req.bundle, noPivot: req.noPivot, noNewKeyring: req.noNewKeyring, preservedFds });
    const terminal = cfg.process?.terminal === true;
    this.creating.add(id);
    // With a terminal: a socketpair whose far end is the helper's fd 4, on
    // which it sends the pty master (SCM_RIGHTS) before it says "ready".
    let consoleFds: number[] = [];
    const closeConsole = () => {
      for (const fd of consoleFds) native().close(fd);
      consoleFds = [];
    };
    let cgroupMade = false;
    try {
      if (req.shareTag) await this.share(req.shareTag, req.shareMount);
      trace(`create ${id}: share mounted`);
      // The container's own cgroup, its limits set before any of its processes runs.
      cgroupMade = this.cgroups.create(id, cfg.linux?.resources) !== null;
      if (terminal) consoleFds = native().socketpair();
      let sync: Socket | undefined;
      let initPid = 0;
      const proc = await this.table.spawn(
        req.execId,
        {
          file: this.helper, args: [], env: {}, extraFds: 1, describe: 'container init',
          inheritFds: helperFds(terminal ? consoleFds[1] : null, preservedFds),
        },
        async (p) => {
          attachPreserved(p, preservedFds);
          sync = p.child.stdio[3] as Socket;
          // In the cgroup before it reads its spec: all it forks stays there.
          if (cgroupMade) this.cgroups.join(id, p.child.pid!);
          trace(`create ${id}: helper spawned`);
          initPid = await handshake(p, sync, spec);
          trace(`create ${id}: helper ready`);
          p.targetPid = initPid;
          // The helper itself stays as a proxy for the pid namespace: out of
          // the container's cgroup (its pids and memory are the container's
          // own, as with runc); the init it forked stays in.
          if (cgroupMade && initPid !== p.child.pid) this.cgroups.leave(p.child.pid!);
          if (terminal) {
            const master = receiveMaster(consoleFds[0]);
            const size = cfg.process?.consoleSize;
            p.useTerminal(master, size ? { rows: size.height ?? 0, cols: size.width ?? 0 } : null);
          }
        },
      );
      const mountNs = holdMountNamespace(initPid);
      if (old && old.mountNs >= 0) closeSync(old.mountNs);
      this.containers.set(id, { id, execId: req.execId, proc, sync: sync!, started: false, mountNs });
      proc.wait().then(() => {
        sync!.destroy();
        // Its pid namespace's processes die with it; then the cgroup is empty.
        setTimeout(() => this.cgroups.remove(id), 500).unref();
      });
      cgroupMade = false;
      return { pid: initPid };
    } catch (err) {
      if (cgroupMade) this.cgroups.remove(id);
      throw err;
    } finally {
      closeConsole();
      this.creating.delete(id);
    }
  }

  /**
   * Starts a process inside a container (runc exec): the helper joins the
   * container init's namespaces and execs at once. Its stdio, exit and
   * signals are reached by execId like any process.
   */
  async exec(containerId: string, execId: string, processJson: string, preservedFds: PreservedFdSpec[] = []): Promise<{ pid: number }> {
    const c = this.containers.get(containerId);
    if (!c) throw new AgentError(Code.NOT_FOUND, `no container ${JSON.stringify(containerId)}`);
    if (c.proc.exit) throw new AgentError(Code.FAILED_PRECONDITION, 'cannot exec in a stopped container');
    let p: OciProcess;
    try {
      p = JSON.parse(processJson) as OciProcess;
    } catch (err) {
      throw invalid(`oci_process_json: ${(err as Error).message}`);
    }
    checkPreservedFds(preservedFds);
    const spec = flattenExec(p, c.proc.targetPid, preservedFds);
    const terminal = p.terminal === true;
    let consoleFds: number[] = [];
    try {
      if (terminal) consoleFds = native().socketpair();
      let pid = 0;
      await this.table.spawn(
        execId,
        {
          file: this.helper, args: [], env: {}, extraFds: 1, describe: 'exec helper',
          inheritFds: helperFds(terminal ? consoleFds[1] : null, preservedFds),
        },
        async (proc) => {
          attachPreserved(proc, preservedFds);
          const sync = proc.child.stdio[3] as Socket;
          // runc exec puts the process in the container's cgroup too.
          if (this.cgroups.dir(containerId) && existsSync(this.cgroups.dir(containerId)!)) {
            this.cgroups.join(containerId, proc.child.pid!);
          }
          pid = await handshake(proc, sync, spec);
          proc.targetPid = pid;
          if (pid !== proc.child.pid) this.cgroups.leave(proc.child.pid!);
          // Exec'd on "ready": the helper's end closes on exec.
          sync.destroy();
          if (terminal) {
            const master = receiveMaster(consoleFds[0]);
            const size = p.consoleSize;
            proc.useTerminal(master, size ? { rows: size.height ?? 0, cols: size.width ?? 0 } : null);
          }
        },
      );
      return { pid };
    } finally {
      for (const fd of consoleFds) native().close(fd);
    }
  }

  /** A container whose process has not ended, or NOT_FOUND / FAILED_PRECONDITION. */
  private live(containerId: string): Container {
    const c = this.containers.get(containerId);
    if (!c) throw new AgentError(Code.NOT_FOUND, `no container ${JSON.stringify(containerId)}`);
    if (c.proc.exit) throw new AgentError(Code.FAILED_PRECONDITION, 'container not running');
    return c;
  }

  /** UpdateContainer: new limits for the container's cgroup (runc update's meaning). */
  update(containerId: string, resourcesJson: string): void {
    this.live(containerId);
    let r: LinuxResources;
    try {
      r = JSON.parse(resourcesJson) as LinuxResources;
    } catch (err) {
      throw invalid(`resources_json: ${(err as Error).message}`);
    }
    this.cgroups.apply(containerId, r, 'update');
  }

  /** StatsContainer: the container cgroup's files. */
  stats(containerId: string): { files: Record<string, string>; cpus: number } {
    this.live(containerId);
    return this.cgroups.stats(containerId);
  }

  /**
   * Releases the container's process from the barrier. Resolves once it has
   * exec'd (the helper's end of the sync socket closes on exec), or rejects
   * with a startContainer hook's failure.
   */
  async start(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) throw new AgentError(Code.NOT_FOUND, `no container ${JSON.stringify(containerId)}`);
    if (c.started) throw new AgentError(Code.FAILED_PRECONDITION, `container ${JSON.stringify(containerId)} has already been started`);
    if (c.proc.exit || c.sync.destroyed) {
      throw new AgentError(Code.FAILED_PRECONDITION, `container ${JSON.stringify(containerId)} has stopped: its process exited before start`);
    }
    c.started = true;
    const started = startOutcome(c.sync);
    c.sync.end('g');
    await started;
  }
}

/** After the barrier: EOF (exec'd, or gone) or "error KIND MSG" from a startContainer hook. */
function startOutcome(sync: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = () => {
      sync.off('data', onData);
      const line = buf.split('\n').find((l) => l.startsWith('error '));
      if (!line) return resolve();
      const rest = line.slice(6);
      const sp = rest.indexOf(' ');
      reject(new AgentError(ERROR_CODES[rest.slice(0, sp)] ?? Code.INTERNAL, rest.slice(sp + 1)));
    };
    const onData = (chunk: Buffer) => (buf += chunk.toString('utf8'));
    sync.on('data', onData);
    sync.once('end', done);
    sync.once('close', done);
  });
}

/** The pty master the helper sent (before "ready", so it is already queued). */
function receiveMaster(fd: number): number {
  const buf = Buffer.alloc(256);
  const msg = native().recvmsg(fd, buf);
  if (!msg || msg.fds.length !== 1) {
    for (const f of msg?.fds ?? []) native().close(f);
    throw new AgentError(Code.INTERNAL, 'the exec helper did not send the console');
  }
  // The helper opened it blocking; the event loop drives it from now on.
  native().setBlocking(msg.fds[0], false);
  return msg.fds[0];
}

/** Sends the spec and waits for "pid N" and "ready" (or "error KIND MSG"). */
function handshake(p: Proc, sync: Socket, spec: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let pid = 0;
    let settled = false;
    const finish = (err: AgentError | null) => {
      if (settled) return;
      settled = true;
      sync.off('data', onData);
      sync.off('end', onGone);
      sync.off('close', onGone);
      if (err) reject(err);
      else resolve(pid);
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('pid ')) pid = Number(line.slice(4));
        else if (line === 'ready') {
          if (pid > 0) finish(null);
          else finish(new AgentError(Code.INTERNAL, 'exec helper said ready before its pid'));
        } else if (line.startsWith('error ')) {
          const rest = line.slice(6);
          const sp = rest.indexOf(' ');
          const kind = sp < 0 ? rest : rest.slice(0, sp);
          finish(new AgentError(ERROR_CODES[kind] ?? Code.INTERNAL, sp < 0 ? rest : rest.slice(sp + 1)));
        }
      }
    };
    const onGone = () => {
      // EOF without a verdict: the helper died. Say how, with its stderr.
      void p.wait().then((exit) => {
        const err = p.out.stderr.stream.read() as Buffer | null;
        const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with status ${exit.exitCode}`;
        finish(new AgentError(Code.INTERNAL, `container init ${how} before it was ready${err ? ': ' + err.toString().trim() : ''}`));
      });
    };
    sync.on('error', () => {});
    sync.on('data', onData);
    sync.once('end', onGone);
    sync.once('close', onGone);
    sync.write(spec);
  });
}
