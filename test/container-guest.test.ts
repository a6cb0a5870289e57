/**
 * Containers inside a real guest: CreateContainer/StartContainer through the
 * agent and the exec helper (/opt/clear/clear-exec in the image).
 *
 * The host-side virtio-fs share is written elsewhere, so the rootfs here is a
 * directory the test builds inside the guest with ExecProcess (busybox and
 * its applet links under /tmp/rootfs), and CreateContainer gets an empty
 * share_tag, which means "root.path and bind sources already are guest
 * paths" (the mode meant for tests).
 *
 * Expected outputs were checked against runc 1.1.5 on the host with the same
 * config and a busybox rootfs (the `id` line, the Cap* masks, env, umask,
 * ulimit, and the error texts are identical).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import t from 'tap';
import type { AgentClient } from '../src/agent/client';
import { Sandbox, type SandboxShare, shareMountCmdline } from '../src/sandbox/sandbox';
import { assertNoLeftovers, collect as collectBytes, memfdTraces, shInGuest, type Test, VmDirs, whenGuestBuilt } from './lib/vm';

const BUSYBOX_ENV = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'];
const ROOTFS = '/tmp/rootfs';

let counter = 0;
const dirs = new VmDirs('ctrtest');
const runDir = () => {
  counter++;
  return dirs.next();
};




/** One VM for a test, with a busybox rootfs built in it; checks that nothing is left behind. */
async function withSandbox(
  t: Test,
  fn: (sb: Sandbox) => Promise<void>,
  shares?: SandboxShare[],
): Promise<void> {
  const dir = runDir();
  const sb = await Sandbox.boot({ name: `ctr-${counter}`, runDir: dir, shares });
  t.teardown(() => sb.shutdown());
  try {
    if (!shares) await makeRootfs(sb.agent);
    await fn(sb);
  } finally {
    await sb.shutdown();
  }
  assertNoLeftovers(t, dirs, dir);
}


const guest = shInGuest;
const collect = async (stream: Readable) => (await collectBytes(stream)).toString();

/** A busybox rootfs in the guest, laid out like the contract's make-busybox-rootfs.sh. */
async function makeRootfs(agent: AgentClient): Promise<void> {
  const r = await guest(
    agent,
    [
      `R=${ROOTFS}`,
      'mkdir -p $R/bin $R/etc $R/proc $R/sys $R/dev $R/tmp $R/root $R/home/user /tmp/out',
      'cp /bin/busybox $R/bin/busybox',
      // Relative links: /proc/self/exe-based `busybox --install` would point outside the rootfs.
      'for a in $(busybox --list); do [ -e $R/bin/$a ] || ln -s busybox $R/bin/$a; done',
      "printf 'root:x:0:0:root:/root:/bin/sh\\nuser:x:1000:1000:user:/home/user:/bin/sh\\n' > $R/etc/passwd",
      "printf 'root:x:0:\\nuser:x:1000:\\n' > $R/etc/group",
      'echo rootfs-marker > $R/marker',
      'chmod 755 $R; chmod 1777 $R/tmp /tmp/out; chmod 700 $R/root; chown 1000:1000 $R/home/user',
    ].join(' && '),
  );
  if (r.status.exitCode !== 0) throw new Error(`building the rootfs failed: ${r.stderr}`);
}

/** Capability numbers for the names the tests use. */
const CAP: Record<string, number> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7, CAP_NET_BIND_SERVICE: 10,
  CAP_NET_RAW: 13, CAP_SYS_CHROOT: 18,
};
const mask = (names: string[]) => names.reduce((m, n) => m | (1n << BigInt(CAP[n])), 0n).toString(16).padStart(16, '0');

const BASE_MOUNTS = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
];
const ALL_NS = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type }));

function config(over: { args: string[]; [k: string]: unknown }, extra: Record<string, unknown> = {}) {
  const { args, ...proc } = over;
  return {
    ociVersion: '1.0.2',
    process: { user: { uid: 0, gid: 0 }, args, env: BUSYBOX_ENV, cwd: '/', ...proc },
    root: { path: ROOTFS },
    hostname: 'ctr',
    mounts: BASE_MOUNTS,
    linux: { namespaces: ALL_NS },
    ...extra,
  };
}

/** Creates a container; returns its pid and promises of its output. stdin is closed. */
async function create(agent: AgentClient, id: string, cfg: object) {
  const r = await agent.createContainer({ containerId: id, execId: id, ociConfigJson: JSON.stringify(cfg) });
  const stdout = collect(agent.readStdio(id, 'stdout'));
  const stderr = collect(agent.readStdio(id, 'stderr'));
  await agent.closeStdin(id);
  return { pid: r.pid, stdout, stderr };
}

function defineTests(): void {
  t.test('a container: user, groups, cwd, env, hostname, caps, limits, pid 1, rootfs, mounts, barrier', (t) =>
    withSandbox(t, async (sb) => {
      const caps = {
        bounding: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_KILL', 'CAP_SETUID', 'CAP_SETGID'],
        effective: ['CAP_CHOWN', 'CAP_KILL'],
        permitted: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_KILL'],
        inheritable: ['CAP_NET_BIND_SERVICE', 'CAP_KILL'],
        ambient: ['CAP_NET_BIND_SERVICE'],
      };
      const script = [
        'touch /out/started',
        'echo "id=$(id)"',
        'echo "pwd=$(pwd)"',
        'echo "pid=$$"',
        'echo "hostname=$(hostname)"',
        'echo "nofile=$(ulimit -n)"',
        'echo "umask=$(umask)"',
        'echo "foo=$FOO"',
        'echo "home=$HOME"',
        'grep -E "^(Cap|NoNewPrivs)" /proc/self/status',
        'echo "ls=$(ls / | tr "\\n" " ")"',
        'cat /marker',
        'touch /rootfile 2>/dev/null && echo root=rw || echo root=ro',
        'echo hi > /scratch/f && echo "scratch=$(cat /scratch/f) $(grep " /scratch " /proc/mounts | cut -d" " -f3)"',
        'echo "kcore=$(wc -c < /proc/timer_list)"',
        'echo "firmware=$(ls /sys/firmware | wc -l)"',
        'echo "procsys=$(grep " /proc/sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1)"',
        'echo "devnull=$(ls -l /dev/null | cut -c1)"',
        'exit 3',
      ].join('; ');
      const cfg = config(
        {
          args: ['sh', '-c', script],
          env: [...BUSYBOX_ENV, 'FOO=bar'],
          cwd: '/home/user/work',
          user: { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o027 },
          capabilities: caps,
          rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 512 }],
          noNewPrivileges: true,
          oomScoreAdj: 100,
        },
        {
          root: { path: ROOTFS, readonly: true },
          mounts: [
            ...BASE_MOUNTS,
            { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=1777'] },
            { destination: '/out', type: 'bind', source: '/tmp/out', options: ['rbind', 'rw'] },
          ],
          linux: {
            namespaces: ALL_NS,
            maskedPaths: ['/proc/kcore', '/proc/timer_list', '/sys/firmware'],
            readonlyPaths: ['/proc/sys'],
          },
        },
      );
      const c = await create(sb.agent, 'c1', cfg);
      t.ok(c.pid > 0, `init pid in the guest: ${c.pid}`);
      await new Promise((r) => setTimeout(r, 500));
      t.equal((await guest(sb.agent, 'test -e /tmp/out/started && echo yes || echo no')).stdout, 'no\n', 'not running before StartContainer');
      await sb.agent.startContainer('c1');
      const status = await sb.agent.wait('c1');
      const out = await c.stdout;
      const err = await c.stderr;
      t.same(status, { exitCode: 3, signal: 0 }, 'exit code 3');
      t.equal(err, '', 'nothing on stderr');
      t.equal((await guest(sb.agent, 'test -e /tmp/out/started && echo yes || echo no')).stdout, 'yes\n', 'ran after StartContainer');
      const lines = out.split('\n');
      const has = (line: string, what: string) => t.ok(lines.includes(line), `${what}: ${JSON.stringify(line)}`) || t.comment(out);
      has('id=uid=1000(user) gid=1000(user) groups=10,20', 'id (same line as runc)');
      has('pwd=/home/user/work', 'cwd created and entered');
      has('pid=1', 'PID 1 in its pid namespace');
      has('hostname=ctr', 'hostname');
      has('nofile=512', 'RLIMIT_NOFILE soft');
      has('umask=0027', 'umask');
      has('foo=bar', 'env');
      has('home=/home/user', 'HOME from the rootfs /etc/passwd, as runc');
      // After exec as a non-root user (busybox has no file caps), the kernel
      // leaves: inheritable as set, permitted = effective = ambient.
      const amb = caps.ambient;
      has(`CapInh:\t${mask(caps.inheritable)}`, 'CapInh');
      has(`CapPrm:\t${mask(amb)}`, 'CapPrm');
      has(`CapEff:\t${mask(amb)}`, 'CapEff');
      has(`CapBnd:\t${mask(caps.bounding)}`, 'CapBnd');
      has(`CapAmb:\t${mask(amb)}`, 'CapAmb');
      has('NoNewPrivs:\t1', 'no_new_privs');
      const ls = lines.find((l) => l.startsWith('ls='))!.slice(3).trim().split(' ');
      t.ok(ls.includes('marker') && ls.includes('scratch') && ls.includes('out') && !ls.includes('opt'), `ls / is the rootfs: ${ls.join(' ')}`);
      has('rootfs-marker', 'files of the rootfs');
      has('root=ro', 'read-only root');
      has('scratch=hi tmpfs', 'tmpfs mount, writable');
      has('kcore=0', 'masked file reads empty');
      has('firmware=0', 'masked directory is empty');
      has('procsys=ro', 'readonly path');
      has('devnull=c', '/dev/null is a character device');
    }),
  );

  t.test('errors at create, kill, start rules', (t) =>
    withSandbox(t, async (sb) => {
      await t.rejects(
        sb.agent.createContainer({ containerId: 'x', execId: 'x', ociConfigJson: JSON.stringify(config({ args: ['no-such-binary'] })) }),
        { message: 'exec: "no-such-binary": executable file not found in $PATH', code: 5 },
        'missing executable: runc\'s words, NOT_FOUND',
      );
      await t.rejects(
        sb.agent.createContainer({ containerId: 'x', execId: 'x', ociConfigJson: JSON.stringify(config({ args: ['/etc/passwd'] })) }),
        { message: 'exec: "/etc/passwd": permission denied', code: 7 },
        'not executable: permission denied',
      );
      await t.rejects(
        sb.agent.createContainer({
          containerId: 'x', execId: 'x',
          ociConfigJson: JSON.stringify(config({ args: ['true'] }, { linux: { namespaces: [...ALL_NS, { type: 'user' }] } })),
        }),
        { code: 3, message: /user namespaces are not supported/ },
        'user namespace refused',
      );
      await t.rejects(sb.agent.startContainer('nobody'), { code: 5 }, 'start of an unknown container: NOT_FOUND');

      // Runs until killed; SIGKILL goes to the container's init, 137 comes back.
      const c = await create(sb.agent, 'sleeper', config({ args: ['sleep', '1000'] }));
      await sb.agent.startContainer('sleeper');
      await t.rejects(sb.agent.startContainer('sleeper'), { code: 9 }, 'second start: FAILED_PRECONDITION');
      const ps = await guest(sb.agent, `cat /proc/${c.pid}/cmdline | tr '\\0' ' '`);
      t.equal(ps.stdout, 'sleep 1000 ', 'the reported pid is the container process');
      await sb.agent.signal('sleeper', 9);
      t.same(await sb.agent.wait('sleeper'), { exitCode: 137, signal: 9 }, '137 after SIGKILL');

      // Killed at the barrier: never runs, start is refused.
      await create(sb.agent, 'held', config({ args: ['sh', '-c', 'touch /tmp/ran'] }));
      await sb.agent.signal('held', 9);
      t.same(await sb.agent.wait('held'), { exitCode: 137, signal: 9 }, 'killed before start');
      await t.rejects(sb.agent.startContainer('held'), { code: 9 }, 'start after death: FAILED_PRECONDITION');
      t.equal((await guest(sb.agent, `ls ${ROOTFS}/tmp`)).stdout, '', 'it never ran');
    }),
  );

  // Two ways a share reaches the guest: mounted by the agent when the first
  // container asks for it, or by init at boot (guestMount: what the monitor
  // does, so that no create waits for a mount process).
  for (const atBoot of [false, true]) {
    const how = atBoot ? 'mounted by init at boot' : 'mounted by the agent on demand';
    t.test(`root and a bind source through a virtio-fs share, ${how}`, async (t) => {
      // The layout the host's staging dir will have: the rootfs and bind sources under one share.
      const host = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-ctrshare-'));
      t.teardown(() => fs.rmSync(host, { recursive: true, force: true }));
      const root = path.join(host, 'rootfs');
      for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) fs.mkdirSync(path.join(root, d), { recursive: true });
      fs.copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
      fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
      for (const a of execFileSync('/bin/busybox', ['--list']).toString().trim().split('\n')) {
        if (a !== 'busybox') fs.symlinkSync('busybox', path.join(root, 'bin', a));
      }
      fs.mkdirSync(path.join(host, 'data'));
      fs.writeFileSync(path.join(host, 'data/file'), 'from the host\n');
      const share = '/run/clear/share';
      const mountedShares = async (sb: Sandbox) => (await guest(sb.agent, `grep -c '^ctr ${share} virtiofs ' /proc/mounts || true`)).stdout;
      await withSandbox(
        t,
        async (sb) => {
          t.equal(await mountedShares(sb), atBoot ? '1\n' : '0\n', atBoot ? 'mounted before any container' : 'not mounted before a container asks');
          const cfg = config(
            { args: ['sh', '-c', 'cat /data/file; echo written > /data/w; ls /'] },
            { root: { path: `${share}/rootfs` }, mounts: [...BASE_MOUNTS, { destination: '/data', type: 'bind', source: `${share}/data`, options: ['rbind', 'rw'] }] },
          );
          const first = { containerId: 's1', execId: 's1', ociConfigJson: JSON.stringify(cfg), shareTag: 'ctr', shareMount: share };
          await sb.agent.createContainer(first);
          const out = collect(sb.agent.readStdio('s1', 'stdout'));
          await sb.agent.closeStdin('s1');
          await sb.agent.startContainer('s1');
          t.same(await sb.agent.wait('s1'), { exitCode: 0, signal: 0 });
          const text = await out;
          t.match(text, /^from the host\n/, 'bind source read through the share');
          t.match(text, /\bproc\b/, 'rootfs listed');
          t.equal(fs.readFileSync(path.join(host, 'data/w'), 'utf8'), 'written\n', 'write reached the host');
          // A second container on the same share: mounted once, not again.
          await sb.agent.createContainer({ ...first, containerId: 's2', execId: 's2' });
          await sb.agent.closeStdin('s2');
          await sb.agent.startContainer('s2');
          t.same(await sb.agent.wait('s2'), { exitCode: 0, signal: 0 }, 'second container on the same share');
          t.equal(await mountedShares(sb), '1\n', 'the share is mounted once');
        },
        [{ tag: 'ctr', source: host, ...(atBoot ? { guestMount: share } : {}) }],
      );
    });
  }

  // The host's mount points in a share (the monitor's bind mounts: the rootfs
  // and each volume) are virtio-fs submounts, each its own superblock in the
  // guest. Torn down by the exit of the container's last process, one with a
  // request in flight crashed the guest kernel (a release after "Busy inodes
  // after unmount"): the agent holds the container's mount namespace instead.
  t.test('a container that exited still holds its mounts: no virtio-fs submount is torn down under a request', async (t) => {
    const host = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-ctrsubmount-'));
    const data = path.join(host, 'data');
    fs.mkdirSync(path.join(host, 'data-src'));
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(host, 'data-src/file'), 'on a host mount point\n');
    execFileSync('mount', ['--bind', path.join(host, 'data-src'), data]);
    t.teardown(() => {
      execFileSync('umount', ['-l', data]);
      fs.rmSync(host, { recursive: true, force: true });
    });
    const share = '/run/clear/share';
    await withSandbox(
      t,
      async (sb) => {
        await makeRootfs(sb.agent);
        const cfg = config(
          { args: ['sh', '-c', 'cat /data/file'] },
          { mounts: [...BASE_MOUNTS, { destination: '/data', type: 'bind', source: `${share}/data`, options: ['rbind', 'ro'] }] },
        );
        await sb.agent.createContainer({ containerId: 'm1', execId: 'm1', ociConfigJson: JSON.stringify(cfg), shareTag: 'ctr', shareMount: share });
        const out = collect(sb.agent.readStdio('m1', 'stdout'));
        await sb.agent.closeStdin('m1');
        await sb.agent.startContainer('m1');
        t.same(await sb.agent.wait('m1'), { exitCode: 0, signal: 0 });
        t.equal(await out, 'on a host mount point\n', 'read through the submount');
        // The agent ($PPID of this shell) holds a mount namespace other than
        // its own: the container's (setns puts us at its root), with the
        // submount still on /data.
        const held = await guest(
          sb.agent,
          [
            'own=$(readlink /proc/$PPID/ns/mnt)',
            'for f in /proc/$PPID/fd/*; do l=$(readlink $f); case $l in mnt:*) [ "$l" = "$own" ] || nsenter --mount=$f cat /data/file;; esac; done',
          ].join('; '),
        );
        t.equal(held.stdout, 'on a host mount point\n', `the container's /data submount is still mounted after its exit ${held.stderr}`);
        const dmesg = await guest(sb.agent, 'dmesg');
        t.notMatch(dmesg.stdout, /Busy inodes after unmount/, 'no virtio-fs superblock was torn down with inodes in use');
      },
      [{ tag: 'ctr', source: host }],
    );
  });

  t.test('a share the guest cannot be told about: refused before anything starts', async (t) => {
    const dir = dirs.next('badshare');
    await t.rejects(
      Sandbox.boot({ name: 'badshare', runDir: dir, shares: [{ tag: 'ctr', source: os.tmpdir(), guestMount: '/run/my share' }] }),
      /shares\[0\]\.guestMount "\/run\/my share"/,
    );
    assertNoLeftovers(t, dirs, dir);
  });

  // QEMU starts while the share is made ready (sharesReady) and connects to
  // virtiofsd's socket before virtiofsd runs: when the share fails, QEMU,
  // left waiting for its handshake, must go at once, and the error must be
  // the share's, not QEMU's.
  t.test('a share that cannot be made ready fails the boot with its own error, leaving nothing', async (t) => {
    const dir = dirs.next('sharefail');
    let qemuStarted = false;
    const sharesReady = (async () => {
      // Fail once QEMU has made its sockets (it connects to the share's
      // right after), as a bind mount that fails late would.
      const deadline = Date.now() + 60_000;
      while (!(qemuStarted = fs.existsSync(path.join(dir, 'qmp.sock'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      throw new Error('cannot share /nowhere with the VM: mount: special device /nowhere does not exist');
    })();
    await t.rejects(
      Sandbox.boot({ name: 'sharefail', runDir: dir, shares: [{ tag: 'ctr', source: os.tmpdir() }], sharesReady }),
      /cannot share \/nowhere with the VM/,
    );
    t.ok(qemuStarted, 'QEMU had started before the share failed');
    assertNoLeftovers(t, dirs, dir);
  });

  t.test("a virtiofsd that cannot serve its share: the boot fails with virtiofsd's words, leaving nothing", async (t) => {
    const dir = dirs.next('fsdfail');
    const missing = path.join(os.tmpdir(), `clear-no-such-dir-${process.pid}`);
    await t.rejects(
      Sandbox.boot({ name: 'fsdfail', runDir: dir, shares: [{ tag: 'ctr', source: missing }] }),
      new RegExp(`virtiofsd for ${missing} exited \\(exit status \\d+\\): .*${path.basename(missing)}`),
    );
    assertNoLeftovers(t, dirs, dir);
  });

  t.test('a share on a mount point that holds something else is refused', async (t) => {
    const host = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-ctrshare-'));
    t.teardown(() => fs.rmSync(host, { recursive: true, force: true }));
    await withSandbox(
      t,
      async (sb) => {
        // /tmp is init's tmpfs: not the share, so the agent must not take it for mounted.
        const cfg = config({ args: ['true'] }, { root: { path: '/tmp/rootfs' } });
        await t.rejects(
          sb.agent.createContainer({ containerId: 'x', execId: 'x', ociConfigJson: JSON.stringify(cfg), shareTag: 'ctr', shareMount: '/tmp' }),
          /\/tmp is already a mount point/,
        );
      },
      [{ tag: 'ctr', source: host }],
    );
  });
}

t.test('shares for init: clear.mount=TAG:DIR, each field checked', async (t) => {
  t.equal(
    shareMountCmdline([{ tag: 'a', source: '/x', guestMount: '/run/a' }, { tag: 'b.c_d-1', source: '/y' }]),
    'clear.mount=a:/run/a',
    'only shares with a guestMount are named',
  );
  t.equal(shareMountCmdline([]), '');
  t.throws(() => shareMountCmdline([{ tag: 'a b', source: '/x' }]), /shares\[0\]\.tag "a b"/, 'whitespace in a tag');
  t.throws(() => shareMountCmdline([{ tag: 'x'.repeat(37), source: '/x' }]), /shares\[0\]\.tag/, 'a tag longer than virtio-fs allows');
  t.throws(() => shareMountCmdline([{ tag: 'a:b', source: '/x', guestMount: '/a' }]), /shares\[0\]\.tag "a:b"/, 'the separator in a tag');
  t.throws(() => shareMountCmdline([{ tag: 'a', source: '/x' }, { tag: 'b', source: '/y', guestMount: 'run/b' }]), /shares\[1\]\.guestMount "run\/b"/, 'a relative mount point');
  t.throws(() => shareMountCmdline([{ tag: 'a', source: '/x', guestMount: '/run/../etc' }]), /shares\[0\]\.guestMount/, "'..' in a mount point");
});

whenGuestBuilt(t, defineTests);
