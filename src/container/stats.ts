/**
 * runc's `events` shapes (runc 1.1 types/events.go) from the container's
 * cgroup v2 files in the guest, converted as runc's fs2 driver converts them
 * (cgroup v2 has no per-CPU usage, so `percpu` is left out, as runc leaves
 * it out on a cgroup v2 host; memory.swap is reported as memory + swap, as
 * cgroup v1 did). Keys as runc prints them, in runc's order.
 */

/** Go's math.MaxUint64, which runc prints for "max"; a JS number cannot hold it, so it is spliced in as text. */
const MAX_U64 = '18446744073709551615';
const MAX_TOKEN = -1.5; // a number no cgroup file yields; replaced by MAX_U64 when printed

export interface StatsFiles {
  files: Record<string, string>;
  cpus: number;
}

/** "key value" lines → a map (memory.stat, cpu.stat, memory.events). */
export function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

function single(text: string | undefined): number {
  const t = (text ?? '').trim();
  if (t === 'max') return MAX_TOKEN;
  return /^\d+$/.test(t) ? Number(t) : 0;
}

function cpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

/** io.stat → runc's blkio entries (rbytes/wbytes → ioServiceBytesRecursive, rios/wios → ioServicedRecursive). */
function blkio(text: string | undefined): Record<string, unknown> {
  const bytes: object[] = [];
  const ios: object[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    const kv = keyValues(kvs.map((s) => s.replace('=', ' ')).join('\n'));
    for (const [key, op, list] of [['rbytes', 'Read', bytes], ['wbytes', 'Write', bytes], ['rios', 'Read', ios], ['wios', 'Write', ios]] as const) {
      if (kv[key] !== undefined) list.push({ major, minor, op, value: kv[key] });
    }
  }
  const out: Record<string, unknown> = {};
  if (bytes.length) out.ioServiceBytesRecursive = bytes;
  if (ios.length) out.ioServicedRecursive = ios;
  return out;
}

/** Go's `omitempty` for numbers: drops keys whose value is 0. */
function omitZero(o: Record<string, number>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (!(keys.includes(k) && v === 0)) out[k] = v;
  return out;
}

/** runc's types.Stats for the container. */
export function runcStats(s: StatsFiles): Record<string, unknown> {
  const f = s.files;
  const cpuStat = keyValues(f['cpu.stat']);
  const memStat = keyValues(f['memory.stat']);
  const events = keyValues(f['memory.events']);
  const usage = single(f['memory.current']);
  const limit = single(f['memory.max'] ?? 'max');
  const swapUsage = single(f['memory.swap.current']);
  const swapLimit = f['memory.swap.max'] === undefined ? 0 : single(f['memory.swap.max']);
  const pidsLimit = single(f['pids.max']);
  return {
    cpu: {
      usage: {
        total: (cpuStat.usage_usec ?? 0) * 1000,
        kernel: (cpuStat.system_usec ?? 0) * 1000,
        user: (cpuStat.user_usec ?? 0) * 1000,
      },
      throttling: omitZero(
        { periods: cpuStat.nr_periods ?? 0, throttledPeriods: cpuStat.nr_throttled ?? 0, throttledTime: (cpuStat.throttled_usec ?? 0) * 1000 },
        ['periods', 'throttledPeriods', 'throttledTime'],
      ),
    },
    cpuset: {
      ...(cpuList(f['cpuset.cpus.effective']).length ? { cpus: cpuList(f['cpuset.cpus.effective']) } : {}),
      cpu_exclusive: 0,
      ...(cpuList(f['cpuset.mems.effective']).length ? { mems: cpuList(f['cpuset.mems.effective']) } : {}),
      mem_hardwall: 0,
      mem_exclusive: 0,
      memory_migrate: 0,
      memory_spread_page: 0,
      memory_spread_slab: 0,
      memory_pressure: 0,
      sched_load_balance: 1,
      sched_relax_domain_level: -1,
    },
    memory: {
      ...(memStat.file ? { cache: memStat.file } : {}),
      usage: { limit, ...(usage ? { usage } : {}), ...(single(f['memory.peak']) > 0 ? { max: single(f['memory.peak']) } : {}), failcnt: events.max ?? 0 },
      // As on cgroup v1: memory + swap.
      swap: {
        limit: swapLimit === MAX_TOKEN || limit === MAX_TOKEN ? MAX_TOKEN : swapLimit + limit,
        ...(usage + swapUsage ? { usage: usage + swapUsage } : {}),
        failcnt: 0,
      },
      kernel: { limit: 0, ...(memStat.kernel ? { usage: memStat.kernel } : {}), failcnt: 0 },
      kernelTCP: { limit: 0, failcnt: 0 },
      raw: memStat,
    },
    pids: { current: single(f['pids.current']), ...(pidsLimit > 0 ? { limit: pidsLimit } : {}) },
    blkio: blkio(f['io.stat']),
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** The OOM kills counted so far in the container's cgroup. */
export function oomKills(s: StatsFiles): number {
  return keyValues(s.files['memory.events']).oom_kill ?? 0;
}

/** One `events` line: {"type":..,"id":..,"data":..}, "max" as Go's MaxUint64. */
export function eventLine(type: 'stats' | 'oom', id: string, data?: unknown): string {
  const json = JSON.stringify({ type, id, ...(data !== undefined ? { data } : {}) });
  return `${json.replace(new RegExp(`(?<=[:\\[,])${String(MAX_TOKEN).replace('.', '\\.')}(?=[,}\\]])`, 'g'), MAX_U64)}\n`;
}
