/**
 * `clear-runtime update [options] <container-id>`: runc update's flags and
 * `--resources FILE|-` JSON (what containerd's shim and podman send), applied
 * to the container's cgroup in its guest (see monitor-launch.ts and
 * src/agent/cgroup.ts). As with runc: a value absent or 0 leaves the limit
 * as it is; with --resources every other flag is ignored; the container is
 * looked up before any value is parsed. What the VM cannot hold (memory
 * above its RAM, CPUs it lacks) is refused and nothing changes.
 */
import * as fs from 'node:fs';
import { ClearError } from '../lib/errors';
import type { ResourcesUpdate } from '../container/monitor-api';
import { type CommandHelp, checkArgs, intFlag, logWarning, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'update',
  summary: 'update container resource constraints',
  usage: 'update [command options] <container-id>',
  options: `   --resources value, -r value  path to the file containing the resources to update or '-' to read from the standard input

The accepted format is as follow (unchanged values can be omitted):

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": ""
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.
   --blkio-weight value        Specifies per cgroup weight, range is from 10 to 1000 (default: 0)
   --cpu-period value          CPU CFS period to be used for hardcapping (in usecs). 0 to use system default
   --cpu-quota value           CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period
   --cpu-share value           CPU shares (relative weight vs. other containers)
   --cpu-rt-period value       CPU realtime period to be used for hardcapping (in usecs). 0 to use system default
   --cpu-rt-runtime value      CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period
   --cpuset-cpus value         CPU(s) to use
   --cpuset-mems value         Memory node(s) to use
   --memory value              Memory limit (in bytes)
   --memory-reservation value  Memory reservation or soft_limit (in bytes)
   --memory-swap value         Total memory usage (memory + swap); set '-1' to enable unlimited swap
   --pids-limit value          Maximum number of pids allowed in the container (default: 0)
   --l3-cache-schema value     The string of Intel RDT/CAT L3 cache schema
   --mem-bw-schema value       The string of Intel RDT/MBA memory bandwidth schema`,
};

const OPTIONS = {
  resources: { type: 'string', short: 'r' },
  'blkio-weight': { type: 'string' },
  'cpu-period': { type: 'string' },
  'cpu-quota': { type: 'string' },
  'cpu-share': { type: 'string' },
  'cpu-rt-period': { type: 'string' },
  'cpu-rt-runtime': { type: 'string' },
  'cpuset-cpus': { type: 'string' },
  'cpuset-mems': { type: 'string' },
  memory: { type: 'string' },
  'memory-reservation': { type: 'string' },
  'memory-swap': { type: 'string' },
  'kernel-memory': { type: 'string' },
  'kernel-memory-tcp': { type: 'string' },
  'pids-limit': { type: 'string' },
  'l3-cache-schema': { type: 'string' },
  'mem-bw-schema': { type: 'string' },
} as const;

/** go-units RAMInBytes: "64M", "64mb", "1.5GiB", "1024" (binary multiples). */
export function ramInBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) throw new ClearError(`invalid size: '${s}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[(m[2] ?? '').toLowerCase()]!;
  const n = Number.parseFloat(m[1]);
  if (!Number.isFinite(n)) throw new ClearError(`invalid size: '${s}'`);
  return Math.trunc(n * mult);
}

function parseUint(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new ClearError(`invalid value for ${name}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function parseInt64(name: string, v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new ClearError(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Field types runc's JSON decoder insists on, with its error wording. */
const JSON_FIELDS: Record<string, Record<string, ['number' | 'string', string, string]>> = {
  memory: {
    limit: ['number', 'LinuxMemory', 'int64'], reservation: ['number', 'LinuxMemory', 'int64'],
    swap: ['number', 'LinuxMemory', 'int64'], kernel: ['number', 'LinuxMemory', 'int64'],
    kernelTCP: ['number', 'LinuxMemory', 'int64'],
  },
  cpu: {
    shares: ['number', 'LinuxCPU', 'uint64'], quota: ['number', 'LinuxCPU', 'int64'], period: ['number', 'LinuxCPU', 'uint64'],
    realtimeRuntime: ['number', 'LinuxCPU', 'int64'], realtimePeriod: ['number', 'LinuxCPU', 'uint64'],
    cpus: ['string', 'LinuxCPU', 'string'], mems: ['string', 'LinuxCPU', 'string'],
  },
  pids: { limit: ['number', 'LinuxPids', 'int64'] },
  blockIO: { weight: ['number', 'LinuxBlockIO', 'uint16'] },
};

/** The --resources JSON, checked the way Go's decoder would reject it. */
export function parseResourcesJson(text: string): ResourcesUpdate {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (err) {
    throw new ClearError(text.trim() === '' ? 'EOF' : `invalid character in resources JSON: ${(err as Error).message}`);
  }
  if (r === null) return {};
  if (typeof r !== 'object' || Array.isArray(r)) throw new ClearError(`json: cannot unmarshal ${Array.isArray(r) ? 'array' : typeof r} into Go value of type specs.LinuxResources`);
  for (const [section, fields] of Object.entries(JSON_FIELDS)) {
    const v = (r as Record<string, unknown>)[section];
    if (v === undefined || v === null) continue;
    for (const [k, [type, goStruct, goType]] of Object.entries(fields)) {
      const fv = (v as Record<string, unknown>)[k];
      if (fv === undefined || fv === null) continue;
      const ok = type === 'number' ? typeof fv === 'number' && Number.isInteger(fv) && (goType === 'int64' || fv >= 0) : typeof fv === 'string';
      if (!ok) {
        const got = typeof fv === 'number' ? 'number' : typeof fv === 'boolean' ? 'bool' : typeof fv === 'object' ? (Array.isArray(fv) ? 'array' : 'object') : typeof fv;
        const shown = typeof fv === 'number' ? `number ${fv}` : got;
        throw new ClearError(`json: cannot unmarshal ${shown} into Go struct field ${goStruct}.${section}.${k} of type ${goType}`);
      }
    }
  }
  return r as ResourcesUpdate;
}

/** The flags as runc builds its LinuxResources (0: unchanged). */
export function resourcesFromFlags(v: Record<string, string | boolean | undefined>): ResourcesUpdate {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const memory: Record<string, number> = {};
  const cpu: Record<string, number | string> = {};
  const r: ResourcesUpdate = { memory, cpu, blockIO: { weight: 0 }, pids: { limit: 0 } };
  const weight = str('blkio-weight');
  if (weight !== undefined) r.blockIO = { weight: intFlag(HELP, 'blkio-weight', weight, 0) };
  if (str('cpuset-cpus')) cpu.cpus = str('cpuset-cpus')!;
  if (str('cpuset-mems')) cpu.mems = str('cpuset-mems')!;
  for (const [flag, key] of [['cpu-period', 'period'], ['cpu-rt-period', 'realtimePeriod'], ['cpu-share', 'shares']]) {
    const s = str(flag);
    if (s) cpu[key] = parseUint(flag, s);
  }
  for (const [flag, key] of [['cpu-quota', 'quota'], ['cpu-rt-runtime', 'realtimeRuntime']]) {
    const s = str(flag);
    if (s) cpu[key] = parseInt64(flag, s);
  }
  for (const [flag, key] of [['memory', 'limit'], ['memory-swap', 'swap'], ['kernel-memory', 'kernel'], ['kernel-memory-tcp', 'kernelTCP'], ['memory-reservation', 'reservation']]) {
    const s = str(flag);
    if (!s) continue;
    try {
      memory[key] = s === '-1' ? -1 : ramInBytes(s);
    } catch (err) {
      throw new ClearError(`invalid value for ${flag}: ${(err as Error).message}`);
    }
  }
  r.pids = { limit: intFlag(HELP, 'pids-limit', v['pids-limit'], 0) };
  return r;
}

export async function runUpdate(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, OPTIONS);
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1);
    const id = positionals[0];
    const lifecycle = await import('../container/lifecycle');
    const ctx = { root: g.root, systemdCgroup: g.systemdCgroup };
    lifecycle.state(ctx, id); // runc looks the container up before it parses a value
    let resources: ResourcesUpdate;
    const file = values.resources as string | undefined;
    if (file) {
      resources = parseResourcesJson(file === '-' ? fs.readFileSync(0, 'utf8') : readFile(file));
    } else {
      if (values['l3-cache-schema'] || values['mem-bw-schema']) throw new ClearError('Intel RDT is not supported by clear');
      resources = resourcesFromFlags(values);
    }
    const mem = (resources.memory ?? {}) as Record<string, unknown>;
    if ((mem.kernel ?? 0) !== 0 || (mem.kernelTCP ?? 0) !== 0) logWarning(g, 'Kernel memory settings are ignored and will be removed');
    await lifecycle.update(ctx, id, resources);
    return 0;
  });
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ClearError(`open ${file}: no such file or directory`);
    throw new ClearError(`open ${file}: ${e.message}`);
  }
}
