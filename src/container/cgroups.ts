/**
 * The container's cgroup on the host. Callers treat the monitor's pid as the
 * container (docker stats, ctr task metrics and CRI read the v1 cgroup files
 * of that pid; podman reads /proc/<pid>/cgroup), so the monitor joins
 * `linux.cgroupsPath` before it spawns QEMU and virtiofsd, which inherit it.
 *
 * Membership only: the spec's resources limit the guest, not these cgroups
 * (QEMU needs the guest's RAM plus its own overhead), so nothing is written
 * but cgroup.procs (and, in a new v1 cpuset cgroup, the parent's cpus/mems,
 * without which no process may join).
 *
 * Where the directory is, as runc 1.1 puts it (checked against runc here):
 *  - cgroupfs driver: an absolute cgroupsPath is below every hierarchy's
 *    mountpoint; a relative one (runc's `CleanPath`: no way above its base)
 *    below the caller's own cgroup in that hierarchy (the parent of it on a
 *    pure cgroup2 host); an empty one is the relative `<id>`.
 *  - --systemd-cgroup: `slice:prefix:name` is the unit `<prefix>-<name>.scope`
 *    (or `name` itself when it ends in .slice) in `slice` (default
 *    system.slice, `-.slice` the root), slices nesting by their dashes
 *    (`a-b.slice` is /a.slice/a-b.slice); empty is `:runc:<id>`. There is no
 *    systemd to ask here, so the path is made directly in cgroupfs, below
 *    PID 1's cgroup (less a trailing init.scope), like runc's v1 systemd driver.
 *
 * Joined: every mounted v1 hierarchy that has controllers (co-mounted ones
 * such as cpu,cpuacct once), the name=systemd one (runc joins it too; other
 * named hierarchies are skipped), and the cgroup2 mount (hybrid or unified).
 * The directories joined are recorded in <stateDir>/cgroups.json; `delete`
 * removes them (runc does so at delete too: the monitor cannot, being inside).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ClearError, messageOf } from '../lib/errors';

export interface CgroupsSpec {
  linux?: { cgroupsPath?: string };
}

/** Where a cgroupsPath lies before it meets a hierarchy. */
export interface ResolvedCgroup {
  /** Clean path: absolute, or relative (no leading slash, no `..`). */
  path: string;
  /** What a relative path hangs below, and what an absolute one is prefixed with. */
  base: 'root' | 'self' | 'init';
}

/** One mounted cgroup hierarchy. */
export interface Hierarchy {
  mountpoint: string;
  /** The cgroup the mount shows at its mountpoint (mountinfo's root field). */
  mountRoot: string;
  /** The hierarchy's key as /proc/<pid>/cgroup spells it: "cpu,cpuacct", "name=systemd", "" for cgroup2. */
  key: string;
  v2: boolean;
}

const RECORD = 'cgroups.json';

/** runc's utils.CleanPath: absolute stays absolute, relative cannot climb out. */
export function cleanPath(p: string): string {
  if (p === '') return '';
  if (path.posix.isAbsolute(p)) return path.posix.normalize(p).replace(/(.)\/+$/, '$1');
  const rel = path.posix.relative('/', path.posix.normalize(`/${p}`));
  return rel;
}

/** systemd's slice path: `a-b.slice` → /a.slice/a-b.slice, `-.slice` → /. */
export function expandSlice(slice: string): string {
  const suffix = '.slice';
  if (slice.length < suffix.length || !slice.endsWith(suffix) || slice.includes('/')) {
    throw new ClearError(`invalid slice name: ${slice}`);
  }
  const name = slice.slice(0, -suffix.length);
  if (name === '-') return '/';
  let out = '';
  let prefix = '';
  for (const part of name.split('-')) {
    if (part === '') throw new ClearError(`invalid slice name: ${slice}`);
    out += `/${prefix}${part}${suffix}`;
    prefix += `${part}-`;
  }
  return out;
}

/** Resolves linux.cgroupsPath as runc would, before it meets the mounted hierarchies. */
export function resolveCgroupsPath(cgroupsPath: string | undefined, id: string, systemd: boolean): ResolvedCgroup {
  const raw = cgroupsPath ?? '';
  if (!systemd) {
    if (raw === '') return { path: cleanPath(id), base: 'self' };
    const p = cleanPath(raw);
    return path.posix.isAbsolute(p) ? { path: p, base: 'root' } : { path: p, base: 'self' };
  }
  let slice = '';
  let prefix = 'runc';
  let name = id;
  if (raw !== '') {
    const parts = raw.split(':');
    if (parts.length !== 3) {
      throw new ClearError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${raw}" instead`);
    }
    [slice, prefix, name] = parts as [string, string, string];
  }
  if (name.endsWith('.slice')) return { path: expandSlice(name), base: 'init' };
  if (name === '' || name.includes('/')) throw new ClearError(`invalid systemd unit name in cgroupsPath "${raw}"`);
  const unit = prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
  return { path: path.posix.join(expandSlice(slice || 'system.slice'), unit), base: 'init' };
}

/** Octal escapes (\040 ...) of /proc/self/mountinfo. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** `hierarchy-id:controllers:path` lines: controllers key → path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[2]!, m[3]!);
  }
  return out;
}

/**
 * The cgroup hierarchies mounted (first mount of each), keyed like
 * /proc/self/cgroup. `known` are the keys /proc/self/cgroup lists: a v1
 * mount is the hierarchy whose controllers all appear in its super options.
 */
export function parseMountinfo(text: string, known: Iterable<string>): Hierarchy[] {
  const keys = [...known];
  const out: Hierarchy[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fstype = right[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountRoot = unescapeMount(left[3] ?? '/');
    const mountpoint = unescapeMount(left[4] ?? '');
    let key: string | undefined;
    if (fstype === 'cgroup2') {
      key = '';
    } else {
      const opts = new Set((right[2] ?? '').split(','));
      key = keys.find((k) => k !== '' && k.split(',').every((c) => opts.has(c)));
      if (key === undefined) {
        // Not in /proc/self/cgroup (older kernels list every hierarchy, so rare): controllers from the options.
        const ctl = [...opts].filter((o) => /^(name=.+|[a-z_]+)$/.test(o) && !NON_CONTROLLER_OPTS.has(o));
        if (!ctl.length) continue;
        key = ctl.join(',');
      }
    }
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ mountpoint, mountRoot, key, v2: fstype === 'cgroup2' });
  }
  return out;
}

const NON_CONTROLLER_OPTS = new Set(['rw', 'ro', 'noprefix', 'xattr', 'clone_children', 'cpuset_v2_mode', 'none', 'nsdelegate', 'favordynmods']);

/** Whether this hierarchy is one the container joins. */
function joins(h: Hierarchy): boolean {
  if (h.v2) return true;
  const ctl = h.key.split(',');
  if (ctl.every((c) => c.startsWith('name='))) return ctl.includes('name=systemd');
  return true;
}

/** `cg` (a cgroup path as /proc shows it) as a path below a mount of the hierarchy rooted at `mountRoot`. */
function belowMount(cg: string, mountRoot: string): string {
  if (mountRoot === '/' || mountRoot === '') return cg;
  if (cg === mountRoot) return '/';
  if (cg.startsWith(`${mountRoot}/`)) return cg.slice(mountRoot.length);
  return cg; // the mount shows another subtree; best effort
}

/** The directories of the container's cgroup, one per hierarchy joined. */
export function cgroupDirs(
  resolved: ResolvedCgroup,
  hierarchies: Hierarchy[],
  self: Map<string, string>,
  init: Map<string, string>,
): { key: string; dir: string; mountpoint: string }[] {
  const unifiedOnly = hierarchies.every((h) => h.v2);
  const out: { key: string; dir: string; mountpoint: string }[] = [];
  for (const h of hierarchies.filter(joins)) {
    let base = '/';
    if (resolved.base === 'self') {
      base = belowMount(self.get(h.key) ?? '/', h.mountRoot);
      // runc on a pure cgroup2 host: the caller's cgroup most likely has
      // processes of its own, so relative paths go below its parent.
      if (h.v2 && unifiedOnly) base = path.posix.dirname(base);
    } else if (resolved.base === 'init') {
      base = belowMount(init.get(h.key) ?? '/', h.mountRoot).replace(/\/init\.scope$/, '') || '/';
    }
    out.push({ key: h.key, dir: path.posix.join(h.mountpoint, base, resolved.path), mountpoint: h.mountpoint });
  }
  return out;
}

/** Makes `dir` below `mountpoint`; in a v1 cpuset hierarchy, gives each new level its parent's cpus and mems. */
function makeDir(dir: string, mountpoint: string, cpuset: boolean): void {
  const rel = path.posix.relative(mountpoint, dir);
  let cur = mountpoint;
  for (const part of rel ? rel.split('/') : []) {
    const parent = cur;
    cur = path.posix.join(cur, part);
    try {
      fs.mkdirSync(cur, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (cpuset) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const mine = readTrim(path.join(cur, f));
        if (mine === '') fs.writeFileSync(path.join(cur, f), readTrim(path.join(parent, f)) ?? '');
      }
    }
  }
}

function readTrim(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Puts process `pid` (default: this one) in the container's cgroup, in every
 * hierarchy; records the directories in <stateDir>/cgroups.json when a state
 * directory is given. Returns the directories. Errors name the path.
 */
export function joinCgroup(
  spec: CgroupsSpec,
  id: string,
  systemdCgroup: boolean,
  opts: { stateDir?: string; pid?: number; procRoot?: string } = {},
): string[] {
  const proc = opts.procRoot ?? '/proc';
  const pid = opts.pid ?? process.pid;
  const resolved = resolveCgroupsPath(spec.linux?.cgroupsPath, id, systemdCgroup);
  const self = parseProcCgroup(readTrim(`${proc}/self/cgroup`) ?? '');
  const init = parseProcCgroup(readTrim(`${proc}/1/cgroup`) ?? '');
  const hierarchies = parseMountinfo(readTrim(`${proc}/self/mountinfo`) ?? '', self.keys());
  const dirs = cgroupDirs(resolved, hierarchies, self, init);
  const joined: string[] = [];
  const record = () => {
    if (opts.stateDir) fs.writeFileSync(path.join(opts.stateDir, RECORD), JSON.stringify({ dirs: joined }));
  };
  try {
    for (const { key, dir, mountpoint } of dirs) {
      const cpuset = key.split(',').includes('cpuset');
      try {
        makeDir(dir, mountpoint, cpuset);
        joined.push(dir);
        fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
      } catch (err) {
        throw new ClearError(`cannot join cgroup ${dir}: ${messageOf(err)}`);
      }
    }
  } finally {
    record();
  }
  return joined;
}

/**
 * Puts `pid` (default: this process) in directories joinCgroup recorded: the
 * host process of an exec'd process joins its container's cgroup, as runc
 * exec puts the process there, so host accounting sees it.
 */
export function joinDirs(dirs: string[], pid = process.pid): void {
  for (const dir of dirs) {
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    } catch (err) {
      throw new ClearError(`cannot join cgroup ${dir}: ${messageOf(err)}`);
    }
  }
}

/** The directories recorded by joinCgroup for the container in `stateDir`. */
export function recordedCgroups(stateDir: string): string[] {
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(stateDir, RECORD), 'utf8')) as { dirs?: unknown };
    return Array.isArray(rec.dirs) ? rec.dirs.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Removes the container's cgroup directories (children first; runc leaves
 * the parents). Empty ones only: a directory still holding processes after
 * a short wait is reported, not emptied. Missing ones are fine.
 */
export async function removeCgroups(stateDir: string, waitMs = 2000): Promise<void> {
  const failures: string[] = [];
  for (const dir of recordedCgroups(stateDir)) {
    if (!isRemovable(dir)) continue;
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        rmdirTree(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && Date.now() < deadline) {
          // The last processes are still on their way out.
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        failures.push(`${dir}: ${messageOf(err)}`);
        break;
      }
    }
  }
  if (failures.length) throw new ClearError(`cannot remove cgroup ${failures.join('; ')}`);
}

/** Never a hierarchy's root (a cgroupsPath of "/" joins the root: nothing of ours to remove). */
function isRemovable(dir: string): boolean {
  return path.posix.isAbsolute(dir) && readTrim(path.join(path.dirname(dir), 'cgroup.procs')) !== undefined;
}

/** rmdir of a cgroup and its sub-cgroups, leaves first (cgroupfs has no rm -r: only rmdir works). */
function rmdirTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) rmdirTree(path.join(dir, e.name));
  fs.rmdirSync(dir);
}
