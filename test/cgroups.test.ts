/**
 * The container's host cgroup (src/container/cgroups.ts): how cgroupsPath
 * resolves (cgroupfs and --systemd-cgroup, as runc does), and, end to end,
 * that the monitor and the VM's processes are in it (compared with runc on
 * the same bundle) and that `delete --force` removes it.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import {
  cgroupDirs,
  cleanPath,
  expandSlice,
  type Hierarchy,
  parseMountinfo,
  parseProcCgroup,
  removeCgroups,
  resolveCgroupsPath,
} from '../src/container/cgroups';

// ------------------------------------------------------------ resolution

t.test('cgroupfs: absolute, relative, empty', async (t) => {
  t.same(resolveCgroupsPath('/docker/abc', 'abc', false), { path: '/docker/abc', base: 'root' });
  t.same(resolveCgroupsPath('/libpod_parent//libpod-x/', 'x', false), { path: '/libpod_parent/libpod-x', base: 'root' });
  t.same(resolveCgroupsPath('/a/../../b', 'x', false), { path: '/b', base: 'root' });
  t.same(resolveCgroupsPath('rel/x', 'x', false), { path: 'rel/x', base: 'self' });
  t.same(resolveCgroupsPath('../../etc', 'x', false), { path: 'etc', base: 'self' }, 'a relative path cannot climb out');
  t.same(resolveCgroupsPath('', 'myid', false), { path: 'myid', base: 'self' }, 'empty: <id> below our own cgroup (runc)');
  t.same(resolveCgroupsPath(undefined, 'myid', false), { path: 'myid', base: 'self' });
  t.same(resolveCgroupsPath('system.slice:docker:abc', 'abc', false), { path: 'system.slice:docker:abc', base: 'self' },
    'without --systemd-cgroup a slice:prefix:name is just a relative path');
  t.equal(cleanPath('/'), '/');
  t.equal(cleanPath('./'), '');
});

t.test('systemd: slice:prefix:name', async (t) => {
  t.same(resolveCgroupsPath('system.slice:docker:abc', 'abc', true), { path: '/system.slice/docker-abc.scope', base: 'init' });
  t.same(resolveCgroupsPath('kubepods-besteffort-pod12.slice:cri-containerd:abc', 'abc', true), {
    path: '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-abc.scope',
    base: 'init',
  });
  t.same(resolveCgroupsPath('a-b.slice:p:n', 'n', true), { path: '/a.slice/a-b.slice/p-n.scope', base: 'init' });
  t.same(resolveCgroupsPath(':libpod:abc', 'abc', true), { path: '/system.slice/libpod-abc.scope', base: 'init' }, 'empty slice: system.slice');
  t.same(resolveCgroupsPath('-.slice:p:n', 'n', true), { path: '/p-n.scope', base: 'init' }, '-.slice is the root');
  t.same(resolveCgroupsPath('', 'myid', true), { path: '/system.slice/runc-myid.scope', base: 'init' }, 'empty: :runc:<id>');
  t.same(resolveCgroupsPath('user.slice:p:user-1000-x.slice', 'x', true), { path: '/user.slice/user-1000.slice/user-1000-x.slice', base: 'init' },
    'a name ending in .slice is the unit itself');
  t.throws(() => resolveCgroupsPath('/docker/abc', 'abc', true), /expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "\/docker\/abc" instead/);
  t.throws(() => resolveCgroupsPath('a--b.slice:p:n', 'n', true), /invalid slice name: a--b.slice/);
  t.throws(() => resolveCgroupsPath('a/b.slice:p:n', 'n', true), /invalid slice name/);
  t.throws(() => resolveCgroupsPath('system:p:n', 'n', true), /invalid slice name: system/);
  t.equal(expandSlice('-.slice'), '/');
  t.equal(expandSlice('test-a-b.slice'), '/test.slice/test-a.slice/test-a-b.slice');
});

const HYBRID_MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '33 31 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
  '41 31 0:39 / /sys/fs/cgroup/other\\040name rw,relatime - cgroup cgroup rw,name=other',
  '42 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
  '43 23 0:32 / /mnt/again rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const HYBRID_SELF = '10:name=other:/\n9:name=systemd:/user.slice\n4:memory:/process_api/x\n3:cpuset:/\n2:cpu,cpuacct:/user.slice\n0::/user.slice\n';

t.test('mountinfo: every hierarchy once, co-mounted controllers together', async (t) => {
  const self = parseProcCgroup(HYBRID_SELF);
  const hs = parseMountinfo(HYBRID_MOUNTINFO, self.keys());
  t.same(hs.map((h) => [h.key, h.mountpoint, h.v2]), [
    ['cpu,cpuacct', '/sys/fs/cgroup/cpu,cpuacct', false],
    ['cpuset', '/sys/fs/cgroup/cpuset', false],
    ['memory', '/sys/fs/cgroup/memory', false],
    ['name=systemd', '/sys/fs/cgroup/systemd', false],
    ['name=other', '/sys/fs/cgroup/other name', false],
    ['', '/sys/fs/cgroup/unified', true],
  ]);
});

t.test('directories: absolute, relative (below our own cgroup), systemd (below init), named hierarchies', async (t) => {
  const self = parseProcCgroup(HYBRID_SELF);
  const init = parseProcCgroup('9:name=systemd:/init.scope\n4:memory:/\n3:cpuset:/\n2:cpu,cpuacct:/\n0::/init.scope\n');
  const hs = parseMountinfo(HYBRID_MOUNTINFO, self.keys());
  const dirs = (p: string | undefined, systemd = false) =>
    cgroupDirs(resolveCgroupsPath(p, 'cid', systemd), hs, self, init).map((d) => d.dir);
  t.same(dirs('/docker/cid'), [
    '/sys/fs/cgroup/cpu,cpuacct/docker/cid',
    '/sys/fs/cgroup/cpuset/docker/cid',
    '/sys/fs/cgroup/memory/docker/cid',
    '/sys/fs/cgroup/systemd/docker/cid',
    '/sys/fs/cgroup/unified/docker/cid',
  ], 'name=other is skipped, name=systemd joined');
  t.same(dirs(''), [
    '/sys/fs/cgroup/cpu,cpuacct/user.slice/cid',
    '/sys/fs/cgroup/cpuset/cid',
    '/sys/fs/cgroup/memory/process_api/x/cid',
    '/sys/fs/cgroup/systemd/user.slice/cid',
    '/sys/fs/cgroup/unified/user.slice/cid',
  ]);
  t.same(dirs('system.slice:docker:cid', true), [
    '/sys/fs/cgroup/cpu,cpuacct/system.slice/docker-cid.scope',
    '/sys/fs/cgroup/cpuset/system.slice/docker-cid.scope',
    '/sys/fs/cgroup/memory/system.slice/docker-cid.scope',
    '/sys/fs/cgroup/systemd/system.slice/docker-cid.scope',
    '/sys/fs/cgroup/unified/system.slice/docker-cid.scope',
  ], "PID 1's init.scope is not part of the path");
  // Pure cgroup2: relative paths go below the parent of our own cgroup (runc).
  const v2: Hierarchy[] = parseMountinfo('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', ['']);
  const self2 = parseProcCgroup('0::/user.slice/session-1.scope\n');
  t.same(cgroupDirs(resolveCgroupsPath('', 'cid', false), v2, self2, new Map()).map((d) => d.dir), ['/sys/fs/cgroup/user.slice/cid']);
  t.same(cgroupDirs(resolveCgroupsPath('/k8s.io/cid', 'cid', false), v2, self2, new Map()).map((d) => d.dir), ['/sys/fs/cgroup/k8s.io/cid']);
  // A cgroup namespace's mount shows a subtree: paths below its root.
  const ns = parseMountinfo('30 23 0:26 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw', ['']);
  t.same(cgroupDirs(resolveCgroupsPath('a', 'cid', false), ns, parseProcCgroup('0::/user.slice/x\n'), new Map()).map((d) => d.dir), ['/sys/fs/cgroup/a']);
});

t.test('removeCgroups: leaves first, missing ones fine, never a hierarchy root', async (t) => {
  const dir = t.testdir({
    state: { 'cgroups.json': '' },
    fs: { 'cgroup.procs': '', cg: { 'cgroup.procs': '', sub: { leaf: {} } } },
  });
  const cg = path.join(dir, 'fs', 'cg');
  fs.writeFileSync(path.join(dir, 'state', 'cgroups.json'), JSON.stringify({ dirs: [cg, path.join(dir, 'fs', 'gone'), path.join(dir, 'fs')] }));
  // In a real cgroupfs rmdir removes a cgroup whose only entries are its
  // control files; here the files are real, so drop them first.
  fs.rmSync(path.join(cg, 'cgroup.procs'));
  await removeCgroups(path.join(dir, 'state'));
  t.notOk(fs.existsSync(cg), 'the cgroup and its children are gone');
  t.ok(fs.existsSync(path.join(dir, 'fs')), 'a directory without a cgroup parent (a mount root) is left');
  await removeCgroups(path.join(dir, 'nothing-recorded'));
});

// ------------------------------------------------------------ end to end

const repo = path.resolve(__dirname, '..');
const clearBin = path.join(repo, 'bin', 'clear-runtime');
const hasRunc = spawnSync('runc', ['--version']).status === 0;
const canCgroup = process.getuid?.() === 0 && fs.existsSync('/sys/fs/cgroup') && fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' - cgroup');
const hasDist = fs.existsSync(path.join(repo, 'dist', 'container', 'monitor.js'));

/** Runs a command with files, not pipes, for stdio (a detached container holds what it was given). */
function run(cmd: string, args: string[], cwd?: string): { code: number | null; out: string } {
  const out = path.join(os.tmpdir(), `clear-cg-out-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const fd = fs.openSync(out, 'w+');
  try {
    const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', fd, fd], timeout: 180_000 });
    return { code: r.status, out: fs.readFileSync(out, 'utf8') };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(out, { force: true });
  }
}

/** /proc/<pid>/cgroup as controllers key → path. */
const cgroupOf = (pid: number) => parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Every directory named `rel` below a cgroup mount (v1 hierarchies and cgroup2). */
function cgroupCopies(rel: string): string[] {
  const self = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'), self.keys())
    .map((h) => path.join(h.mountpoint, rel))
    .filter((d) => fs.existsSync(d));
}

t.test('end to end: the monitor and QEMU are in cgroupsPath, like runc; delete removes it', {
  skip: !canCgroup ? 'needs root and mounted cgroups' : !hasDist ? 'needs make build' : false,
}, async (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-cg-'));
  const clearRoot = path.join(work, 'clear-root');
  const runcRoot = path.join(work, 'runc-root');
  const cgPath = `/clear-test-${crypto.randomBytes(4).toString('hex')}`;
  const runcPath = `${cgPath}-runc`;
  const id = `cg-${crypto.randomBytes(3).toString('hex')}`;
  t.teardown(() => {
    run(clearBin, ['--root', clearRoot, 'delete', '--force', id]);
    if (hasRunc) run('runc', ['--root', runcRoot, 'delete', '--force', id]);
    for (const d of [...cgroupCopies(cgPath), ...cgroupCopies(runcPath)]) {
      try {
        fs.rmdirSync(d);
      } catch {
        /* busy or gone */
      }
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  const b = path.join(work, 'bundle');
  const mk = run('bash', [path.join(repo, 'bundles', 'make-busybox-bundle.sh'), b]);
  t.equal(mk.code, 0, mk.out);
  const spec = JSON.parse(fs.readFileSync(path.join(b, 'config.json'), 'utf8'));
  spec.process.args = ['sleep', '1000'];
  spec.linux.cgroupsPath = cgPath;
  fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify(spec, null, 2));

  const r = run(clearBin, ['--root', clearRoot, 'run', '-d', id], b);
  t.equal(r.code, 0, `clear run -d: ${r.out}`);
  const st = run(clearBin, ['--root', clearRoot, 'state', id]);
  const pid = (JSON.parse(st.out) as { pid: number }).pid;
  t.ok(pid > 0, 'the monitor pid');

  const mine = cgroupOf(pid);
  t.equal(mine.get('memory'), cgPath, 'the monitor is in cgroupsPath in the memory hierarchy');
  t.equal(mine.get(''), cgPath, 'and in cgroup2 (the 0:: line)');
  const kids = childrenOf(pid);
  const qemu = kids.find((k) => /qemu|^clear-/.test(fs.readFileSync(`/proc/${k}/comm`, 'utf8')) || fs.readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('qemu'));
  t.ok(qemu, `QEMU is a child of the monitor (children: ${kids.join(', ')})`);
  for (const k of kids) {
    const cg = cgroupOf(k);
    const comm = fs.readFileSync(`/proc/${k}/comm`, 'utf8').trim();
    t.equal(cg.get('memory'), cgPath, `${comm} (${k}) is in cgroupsPath in the memory hierarchy`);
    t.equal(cg.get(''), cgPath, `${comm} (${k}) is in it in cgroup2`);
  }
  const copies = cgroupCopies(cgPath);
  t.ok(copies.length >= 2, `the cgroup exists in every hierarchy: ${copies.join(' ')}`);

  if (hasRunc) {
    // runc on the same bundle and a sibling path: the same hierarchies, the same shape.
    spec.linux.cgroupsPath = runcPath;
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify(spec, null, 2));
    const rr = run('runc', ['--root', runcRoot, 'run', '-d', id], b);
    t.equal(rr.code, 0, `runc run -d: ${rr.out}`);
    const rpid = (JSON.parse(run('runc', ['--root', runcRoot, 'state', id]).out) as { pid: number }).pid;
    const theirs = cgroupOf(rpid);
    const norm = (m: Map<string, string>, p: string) => [...m].map(([k, v]) => `${k}:${v === p ? '<path>' : v}`).sort();
    t.same(norm(mine, cgPath), norm(theirs, runcPath), 'the same /proc/<pid>/cgroup as runc gives its init');
    run('runc', ['--root', runcRoot, 'delete', '--force', id]);
    t.same(cgroupCopies(runcPath), [], 'runc removes its cgroup at delete');
  }

  const d = run(clearBin, ['--root', clearRoot, 'delete', '--force', id]);
  t.equal(d.code, 0, d.out);
  t.same(cgroupCopies(cgPath), [], 'delete --force removed the cgroup directories');
});
