/**
 * The container's cgroup in the guest (cgroup v2, mounted by init on
 * /sys/fs/cgroup): /sys/fs/cgroup/clear/<container id>, with the cpu,
 * cpuset, memory, pids and io controllers the kernel has. The agent puts the
 * exec helper in it before the helper does anything (so the container's init
 * and every process exec'd into the container live there, and a private
 * cgroup namespace has it as its root), applies config.json's
 * linux.resources at create, changes them on UpdateContainer and reads them
 * for StatsContainer.
 *
 * Resources have runc update's meaning: a field absent or 0 is left as it
 * is; the v1-style OCI values map onto v2 files as runc's fs2 driver maps
 * them (memory.limit → memory.max, reservation → memory.low, swap (memory +
 * swap) → memory.swap.max minus the limit, shares → cpu.weight, quota and
 * period → cpu.max, cpus/mems → cpuset.*, pids.limit → pids.max, unified →
 * the named files). The VM has no swap device and no I/O scheduler that
 * takes weights, so swap limits and blockIO.weight are accepted and ignored
 * when the files are missing; devices, hugepages, rdma and network
 * priorities are ignored (the VM is the boundary).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AgentError, Code } from './processes';

export interface LinuxResources {
  memory?: { limit?: number; reservation?: number; swap?: number; kernel?: number; kernelTCP?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; realtimeRuntime?: number; realtimePeriod?: number; cpus?: string; mems?: string; idle?: number };
  pids?: { limit?: number };
  blockIO?: { weight?: number };
  unified?: Record<string, string>;
}

/** The files StatsContainer returns (those that exist). */
export const STAT_FILES = [
  'cpu.stat', 'cpu.max', 'cpu.weight',
  'memory.current', 'memory.max', 'memory.peak', 'memory.low', 'memory.stat', 'memory.events',
  'memory.swap.current', 'memory.swap.max',
  'pids.current', 'pids.max', 'io.stat',
  'cpuset.cpus.effective', 'cpuset.mems.effective',
];

const CONTROLLERS = ['cpu', 'cpuset', 'memory', 'pids', 'io'];

/** The cgroup v2 root, or null when there is none (an agent on a v1 host in tests). */
export function defaultCgroupRoot(): string | null {
  const root = process.env.CLEAR_CGROUP_ROOT ?? '/sys/fs/cgroup';
  return fs.existsSync(path.join(root, 'cgroup.controllers')) ? root : null;
}

function invalid(msg: string): AgentError {
  return new AgentError(Code.INVALID_ARGUMENT, msg);
}

/** Which CPUs a list such as "0-2,5" names. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw invalid(`invalid cpuset ${JSON.stringify(list)}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw invalid(`invalid cpuset ${JSON.stringify(list)}`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** runc's ConvertCPUSharesToCgroupV2Value. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** A set value: neither absent nor 0 (runc update's "unchanged"). */
function isSet(v: number | undefined | null): v is number {
  return typeof v === 'number' && v !== 0;
}

function int(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${what}: ${JSON.stringify(v)} is not an integer`);
  return v;
}

export interface CgroupWrite {
  file: string;
  value: string;
  /** Skipped when the file does not exist (swap, io weights). */
  optional?: boolean;
}

/**
 * The writes `r` asks for, checked whole first (nothing is written when one
 * is refused). `current` reads a file of the cgroup (for cpu.max's other
 * half); `cpus` is the number of vCPUs the VM has.
 */
export function planWrites(r: LinuxResources, cpus: number, current: (file: string) => string | null): CgroupWrite[] {
  if (!r || typeof r !== 'object') throw invalid('resources must be an object');
  const w: CgroupWrite[] = [];
  const mem = r.memory ?? {};
  const limit = int(mem.limit, 'memory.limit') ?? 0;
  const swap = int(mem.swap, 'memory.swap') ?? 0;
  const reservation = int(mem.reservation, 'memory.reservation') ?? 0;
  // runc's ConvertMemorySwapToCgroupV2Value.
  let swapV2 = swap;
  if (limit === -1 && swap === 0) swapV2 = -1;
  else if (swap !== -1 && swap !== 0) {
    if (limit === 0 || limit === -1) throw invalid('unable to set swap limit without memory limit');
    if (limit < 0) throw invalid(`invalid memory value: ${limit}`);
    if (swap < limit) throw invalid('memory+swap limit should be >= memory limit');
    swapV2 = swap - limit;
  }
  if (limit < -1) throw invalid(`invalid memory value: ${limit}`);
  // Swap first, as runc does: a lower memory.max then never meets an old swap limit.
  if (swapV2 !== 0) w.push({ file: 'memory.swap.max', value: swapV2 === -1 ? 'max' : String(swapV2), optional: true });
  if (isSet(limit)) w.push({ file: 'memory.max', value: limit === -1 ? 'max' : String(limit) });
  if (isSet(reservation)) w.push({ file: 'memory.low', value: reservation === -1 ? 'max' : String(reservation) });

  const cpu = r.cpu ?? {};
  const shares = int(cpu.shares, 'cpu.shares') ?? 0;
  if (isSet(shares)) {
    if (shares < 2 || shares > 262144) throw invalid(`cpu.shares ${shares} is out of range (2-262144)`);
    w.push({ file: 'cpu.weight', value: String(sharesToWeight(shares)) });
  }
  const quota = int(cpu.quota, 'cpu.quota') ?? 0;
  let period = int(cpu.period, 'cpu.period') ?? 0;
  if (period < 0) throw invalid(`cpu.period ${period} is not valid`);
  if (isSet(quota) || isSet(period)) {
    // The half not given keeps its current value (runc update does the same).
    const [curQuota, curPeriod] = (current('cpu.max') ?? 'max 100000').trim().split(/\s+/);
    if (!isSet(period)) period = Number(curPeriod) || 100000;
    const q = isSet(quota) ? (quota > 0 ? String(quota) : 'max') : curQuota;
    if (period < 1000 || period > 1_000_000) throw invalid(`cpu.period ${period} is out of range (1000-1000000)`);
    if (q !== 'max') {
      const need = Math.ceil(Number(q) / period);
      if (Number(q) < 1000) throw invalid(`cpu.quota ${q} is too small (at least 1000)`);
      if (need > cpus) {
        throw invalid(`cpu quota ${q} per period ${period} asks for ${need} CPUs; the VM has ${cpus} vCPU${cpus === 1 ? '' : 's'}, fixed at create`);
      }
    }
    w.push({ file: 'cpu.max', value: `${q} ${period}` });
  }
  if (cpu.cpus) {
    const listed = parseCpuList(cpu.cpus);
    const missing = listed.filter((c) => c >= cpus);
    if (listed.length === 0 || missing.length > 0) {
      throw invalid(`cpuset ${JSON.stringify(cpu.cpus)} names CPUs the VM does not have: it has ${cpus} vCPU${cpus === 1 ? '' : 's'} (${cpus === 1 ? '0' : `0-${cpus - 1}`}), fixed at create`);
    }
    w.push({ file: 'cpuset.cpus', value: cpu.cpus });
  }
  if (cpu.mems) {
    if (parseCpuList(cpu.mems).some((m) => m !== 0)) throw invalid(`cpuset mems ${JSON.stringify(cpu.mems)}: the VM has one memory node (0)`);
    w.push({ file: 'cpuset.mems', value: cpu.mems });
  }
  if (isSet(int(cpu.realtimeRuntime, 'cpu.realtimeRuntime')) || isSet(int(cpu.realtimePeriod, 'cpu.realtimePeriod'))) {
    throw invalid('realtime CPU limits are not supported (cgroup v2 has none)');
  }
  if (cpu.idle !== undefined && cpu.idle !== null) w.push({ file: 'cpu.idle', value: String(int(cpu.idle, 'cpu.idle')) });

  const pids = int(r.pids?.limit, 'pids.limit') ?? 0;
  if (isSet(pids)) w.push({ file: 'pids.max', value: pids > 0 ? String(pids) : 'max' });

  const weight = int(r.blockIO?.weight, 'blockIO.weight') ?? 0;
  if (isSet(weight)) {
    if (weight < 10 || weight > 1000) throw invalid(`blkio weight ${weight} is out of range (10-1000)`);
    w.push({ file: 'io.bfq.weight', value: String(weight), optional: true });
  }

  for (const [k, v] of Object.entries(r.unified ?? {})) {
    if (!/^[a-z_]+\.[a-z0-9_.]+$/.test(k) || k.startsWith('cgroup.')) throw invalid(`unified: ${JSON.stringify(k)} is not a resource file`);
    w.push({ file: k, value: String(v) });
  }
  return w;
}

/** The cgroups of the containers in this VM. */
export class GuestCgroups {
  private prepared = false;

  constructor(readonly root: string | null = defaultCgroupRoot()) {}

  /** Where container `id`'s cgroup is (null without cgroup v2). */
  dir(id: string): string | null {
    return this.root ? path.join(this.root, 'clear', id) : null;
  }

  /**
   * Turns on the controllers the kernel has, down to the containers' parent
   * (once, at the first create: ~30 ms of kernel work under TCG; done right
   * after the agent listened instead, it delayed the host's first Ping by as
   * much, the guest being busy then).
   */
  private prepare(): void {
    if (this.prepared || !this.root) return;
    const available = fs.readFileSync(path.join(this.root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    const enable = CONTROLLERS.filter((c) => available.includes(c)).map((c) => `+${c}`).join(' ');
    const parent = path.join(this.root, 'clear');
    fs.mkdirSync(parent, { recursive: true });
    if (enable) {
      fs.writeFileSync(path.join(this.root, 'cgroup.subtree_control'), enable);
      fs.writeFileSync(path.join(parent, 'cgroup.subtree_control'), enable);
    }
    this.prepared = true;
  }

  /** Makes container `id`'s cgroup with `resources` applied; returns its dir (null without cgroup v2). */
  create(id: string, resources: LinuxResources | undefined): string | null {
    const dir = this.dir(id);
    if (!dir) return null;
    this.prepare();
    // A cgroup left by an earlier container of that id: empty once it ended.
    if (fs.existsSync(dir)) this.remove(id);
    fs.mkdirSync(dir);
    try {
      if (resources) this.apply(id, resources, 'create');
    } catch (err) {
      this.remove(id);
      throw err;
    }
    return dir;
  }

  /** Moves process `pid` into container `id`'s cgroup. */
  join(id: string, pid: number): void {
    const dir = this.dir(id);
    if (dir) fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  }

  /** Moves process `pid` back to the root cgroup (best effort). */
  leave(pid: number): void {
    if (!this.root) return;
    try {
      fs.writeFileSync(path.join(this.root, 'cgroup.procs'), String(pid));
    } catch {
      // gone already
    }
  }

  /**
   * Applies `r` (runc update's meaning). At create, a cpuset naming CPUs the
   * VM lacks is left out (the VM was sized to the set's count: its CPUs are
   * numbered from 0); at update it is refused.
   */
  apply(id: string, r: LinuxResources, when: 'create' | 'update' = 'update'): void {
    const dir = this.dir(id);
    if (!dir) throw new AgentError(Code.INTERNAL, 'the guest has no cgroup v2 hierarchy');
    if (!fs.existsSync(dir)) throw new AgentError(Code.INTERNAL, `no cgroup for container ${JSON.stringify(id)}`);
    const cpus = vcpuCount();
    if (when === 'create' && r.cpu?.cpus) {
      let fits = true;
      try {
        fits = parseCpuList(r.cpu.cpus).every((c) => c < cpus);
      } catch {
        fits = false;
      }
      if (!fits) r = { ...r, cpu: { ...r.cpu, cpus: '' } };
    }
    const read = (f: string) => readOrNull(path.join(dir, f));
    for (const { file, value, optional } of planWrites(r, cpus, read)) {
      const p = path.join(dir, file);
      if (optional && !fs.existsSync(p)) continue;
      try {
        fs.writeFileSync(p, value);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new AgentError(e.code === 'ENOENT' ? Code.INVALID_ARGUMENT : Code.INTERNAL,
          `set ${file} to ${JSON.stringify(value)}: ${e.code === 'ENOENT' ? 'not supported by the guest kernel' : e.message}`);
      }
    }
  }

  /** The container's cgroup files (those that exist). */
  stats(id: string): { files: Record<string, string>; cpus: number } {
    const dir = this.dir(id);
    if (!dir || !fs.existsSync(dir)) throw new AgentError(Code.INTERNAL, `no cgroup for container ${JSON.stringify(id)}`);
    const files: Record<string, string> = {};
    for (const f of STAT_FILES) {
      const v = readOrNull(path.join(dir, f));
      if (v !== null) files[f] = v;
    }
    return { files, cpus: vcpuCount() };
  }

  /** Removes the cgroup once its processes are gone (best effort). */
  remove(id: string): void {
    const dir = this.dir(id);
    if (!dir) return;
    try {
      fs.rmdirSync(dir);
    } catch {
      // busy or gone
    }
  }
}

/**
 * The VM's vCPUs. The agent runs on all of them, so its affinity counts
 * them: one syscall, where os.cpus() reads and parses /proc/cpuinfo and
 * /proc/stat (~20 ms of a create under TCG).
 */
function vcpuCount(): number {
  return os.availableParallelism();
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
