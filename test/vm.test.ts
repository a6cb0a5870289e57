/**
 * The foundation end to end: a real microVM (QEMU microvm, our kernel and
 * image) whose agent answers over virtio-vsock through our vhost-user
 * backend. Every test checks that nothing is left behind: no QEMU process,
 * no socket or run directory, no mapping of guest memory in this process.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import type { AgentClient } from '../src/agent/client';
import { bootSlotCount } from '../src/sandbox/boot-gate';
import { Sandbox, agentNodeFlags, kernelFailure } from '../src/sandbox/sandbox';
import { assertNoLeftovers, BUSYBOX_ENV, memfdTraces, runInGuest, type Test, VmDirs, whenGuestBuilt } from './lib/vm';


const dirs = new VmDirs('vmtest');
let counter = 0;

/** Boots a sandbox for one test and checks, whatever happens, that it leaves nothing. */
async function withSandbox(t: Test, fn: (sb: Sandbox) => Promise<void>, cmdline?: string): Promise<void> {
  const dir = dirs.next();
  const sb = await Sandbox.boot({ name: `test-${counter++}`, runDir: dir, cmdline });
  // Also when an assertion throws or the test times out.
  t.teardown(() => sb.shutdown());
  try {
    await fn(sb);
  } finally {
    await sb.shutdown();
  }
  assertNoLeftovers(t, dirs, dir);
}


const run = runInGuest;

t.test("kernelFailure: the guest kernel's last words from its console", async (t) => {
  // The console of a guest that oopsed in virtio-fs's completion worker
  // (2026-11-24), as oops=panic now ends it, with and without printk times.
  const oops = [
    'clear-agent: ready on vsock:1024',
    '------------[ cut here ]------------',
    'VFS: Busy inodes after unmount of virtiofs (virtiofs)',
    'WARNING: CPU: 0 PID: 46 at fs/super.c:503 0xffffffff810fc73d',
    'general protection fault, probably for non-canonical address 0xdead000000000125: 0000 [#1] SMP',
    'CPU: 0 PID: 14 Comm: kworker/0:1 Tainted: G        W          6.1.192 #1',
    'RIP: 0010:0xffffffff811108cb',
    'Kernel panic - not syncing: Fatal exception',
  ];
  const expected = 'general protection fault, probably for non-canonical address 0xdead000000000125: 0000 [#1] SMP; Kernel panic - not syncing: Fatal exception';
  t.equal(kernelFailure(oops.join('\n')), expected);
  t.equal(kernelFailure(oops.map((l, i) => `[    3.${i}00000] ${l}`).join('\n')), expected, 'printk timestamps dropped');
  t.equal(kernelFailure('Kernel panic - not syncing: NMI: Not continuing\n'), 'Kernel panic - not syncing: NMI: Not continuing');
  t.equal(kernelFailure('clear-agent: ready on vsock:1024\n'), null, 'a guest that said nothing of the kind');
});

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function defineTests(): void {
  t.test('boot, ping and version: the agent answers over vsock', (t) =>
    withSandbox(t, async (sb) => {
      const ping = await sb.agent.ping();
      t.ok(ping.uptimeMs > 0, `guest uptime ${ping.uptimeMs} ms`);
      const v = await sb.agent.version();
      t.equal(v.protocol, 'clear.agent.v1');
      t.match(v.kernelRelease, /^6\.1\./, 'the guest runs our 6.1 kernel');
      const uname = await run(sb.agent, ['uname', '-r']);
      t.equal(uname.stdout.toString().trim(), v.kernelRelease);
      t.ok(sb.bootMs > 0, `boot to agent ready: ${sb.bootMs} ms (${sb.accel.kind})`);
    }),
  );

  t.test('exec: stdout and stderr kept apart, exit codes 0 and 3, 137 after SIGKILL', (t) =>
    withSandbox(t, async (sb) => {
      const ok = await run(sb.agent, ['sh', '-c', 'echo out; echo err >&2']);
      t.equal(ok.stdout.toString(), 'out\n');
      t.equal(ok.stderr.toString(), 'err\n');
      t.same(ok.status, { exitCode: 0, signal: 0 });

      const three = await run(sb.agent, ['sh', '-c', 'exit 3']);
      t.same(three.status, { exitCode: 3, signal: 0 });

      await sb.agent.exec('sleeper', { args: ['sleep', '1000'], env: BUSYBOX_ENV });
      const waited = sb.agent.wait('sleeper');
      await sb.agent.signal('sleeper', 9);
      t.same(await waited, { exitCode: 137, signal: 9 });

      await t.rejects(sb.agent.exec('nope', { args: ['no-such-binary'], env: BUSYBOX_ENV }), /executable file not found/);
    }),
  );

  // The agent's node command line, as the guest's ps would show it.
  const agentCommand = async (sb: Sandbox) =>
    (await run(sb.agent, ['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " <$f; echo; done'])).stdout
      .toString()
      .split('\n')
      .find((l) => l.startsWith('/usr/bin/node '))
      ?.trim();

  t.test('the agent\'s node flags follow the accelerator, and it starts from the snapshot made with them; a kernel parameter replaces them', async (t) => {
    await withSandbox(t, async (sb) => {
      const flags = agentNodeFlags(sb.accel.kind);
      t.same(flags, sb.accel.kind === 'tcg' ? ['--no-opt', '--no-sparkplug', '--regexp-tier-up-ticks=100'] : [], `flags under ${sb.accel.kind}`);
      // The image build made the snapshot on this host, with its accelerator's flags.
      const blobFlags = (await run(sb.agent, ['cat', '/opt/clear/agent.blob.flags'])).stdout.toString().trim();
      t.equal(blobFlags, flags.join(' '), "the image's snapshot was made with the agent's flags");
      t.equal(await agentCommand(sb), ['/usr/bin/node', ...flags, '--snapshot-blob', '/opt/clear/agent.blob'].join(' '), 'the agent started from it');
    });
    await withSandbox(
      t,
      async (sb) => t.equal(await agentCommand(sb), '/usr/bin/node --max-semi-space-size=2 /opt/clear/agent.js', 'the later clear.nodeflags wins: other flags, the bundle'),
      'clear.nodeflags=--max-semi-space-size=2',
    );
  });

  t.test('a snapshot node refuses (status 14): init starts the agent from its bundle', async (t) => {
    // NODE_OPTIONS on the kernel command line reaches init's environment, so
    // the agent's node, and a V8 flag in it changes the flag hash the image's
    // blob was made with: node refuses the blob, as it would on another CPU.
    const dir = dirs.next();
    const sb = await Sandbox.boot({ name: `test-${counter++}`, runDir: dir, cmdline: 'NODE_OPTIONS=--max-old-space-size=200' });
    t.teardown(() => sb.shutdown());
    try {
      const console = fs.readFileSync(path.join(dir, 'console.log'), 'utf8');
      t.match(console, /clear-init: node refused the agent's snapshot; starting the agent from its bundle/, 'init says so');
      const flags = agentNodeFlags(sb.accel.kind);
      t.equal(await agentCommand(sb), ['/usr/bin/node', ...flags, '/opt/clear/agent.js'].join(' '), 'the agent runs from its bundle');
      t.ok((await sb.agent.ping()).uptimeMs >= 0, 'and answers');
    } finally {
      await sb.shutdown();
    }
    assertNoLeftovers(t, dirs, dir);
  });

  t.test('16 MiB of stdout arrives byte-identical', (t) =>
    withSandbox(t, async (sb) => {
      // The guest writes random data to a file and to stdout; its own hash of
      // the file is compared with ours of what came through vsock.
      const script = 'head -c 16777216 /dev/urandom > /tmp/blob && cat /tmp/blob && sha256sum /tmp/blob >&2';
      const r = await run(sb.agent, ['sh', '-c', script]);
      t.same(r.status, { exitCode: 0, signal: 0 });
      t.equal(r.stdout.length, 16 * 1024 * 1024);
      t.equal(sha256(r.stdout), r.stderr.toString().split(' ')[0], 'sha256 equal on both sides');
    }),
  );

  t.test('stdin round trip', (t) =>
    withSandbox(t, async (sb) => {
      const input = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < input.length; i++) input[i] = (i * 7919) & 0xff;
      const r = await run(sb.agent, ['cat'], Readable.from([input.subarray(0, 300000), input.subarray(300000)]));
      t.equal(r.stdout.length, input.length);
      t.equal(sha256(r.stdout), sha256(input), 'what went in came back out');
      t.same(r.status, { exitCode: 0, signal: 0 });
    }),
  );

  t.test('10 sequential boots', async (t) => {
    for (let i = 0; i < 10; i++) {
      const dir = dirs.next();
      const sb = await Sandbox.boot({ name: `seq-${i}`, runDir: dir });
      try {
        const r = await run(sb.agent, ['echo', `boot ${i}`]);
        t.equal(r.stdout.toString(), `boot ${i}\n`);
      } finally {
        await sb.shutdown();
      }
      t.same(dirs.processes(), [], `boot ${i}: no QEMU left`);
      t.notOk(fs.existsSync(dir), `boot ${i}: run directory removed`);
    }
    t.same(memfdTraces(), [], 'no guest memory left mapped');
  });

  t.test('4 parallel boots, each its own VM', async (t) => {
    const parallelDirs = [0, 1, 2, 3].map(() => dirs.next());
    const boots = await Promise.allSettled(parallelDirs.map((dir, i) => Sandbox.boot({ name: `par-${i}`, runDir: dir })));
    const sandboxes = boots.flatMap((b) => (b.status === 'fulfilled' ? [b.value] : []));
    try {
      for (const b of boots) if (b.status === 'rejected') t.fail(`boot failed: ${b.reason}`);
      const pids = new Set(sandboxes.map((sb) => sb.machine.pid));
      t.equal(pids.size, 4, 'four QEMU processes');
      checkBootGate(t, sandboxes);
      const outputs = await Promise.all(sandboxes.map((sb, i) => run(sb.agent, ['sh', '-c', `echo vm ${i}; cat /proc/sys/kernel/random/boot_id`])));
      const bootIds = new Set(outputs.map((o) => o.stdout.toString().split('\n')[1]));
      t.equal(bootIds.size, 4, 'four distinct guest kernels answered');
      outputs.forEach((o, i) => t.match(o.stdout.toString(), `vm ${i}\n`));
    } finally {
      await Promise.all(sandboxes.map((sb) => sb.shutdown()));
    }
    t.same(dirs.processes(), [], 'no QEMU left');
    for (const dir of parallelDirs) t.notOk(fs.existsSync(dir), `${path.basename(dir)} removed`);
    t.same(memfdTraces(), [], 'no guest memory left mapped');
  });

  t.test('a VM that dies is reported, and cleaned up', async (t) => {
    const dir = dirs.next();
    const sb = await Sandbox.boot({ name: 'killed', runDir: dir });
    process.kill(sb.machine.pid, 'SIGKILL');
    const exit = await sb.machine.exited;
    t.equal(exit.signal, 'SIGKILL');
    await t.rejects(sb.agent.ping(2000), 'the agent is gone with its VM');
    await sb.shutdown();
    assertNoLeftovers(t, dirs, dir);
  });
}

whenGuestBuilt(t, defineTests);

/**
 * The boot gate (src/sandbox/boot-gate.ts): with N slots (under TCG the
 * CPUs; under KVM none by default) no more than N of these VMs were ever
 * between QEMU's start and their agent's first answer at once.
 */
function checkBootGate(t: Test, sandboxes: Sandbox[]): void {
  const slots = bootSlotCount(sandboxes[0].accel.kind);
  if (slots === 0) {
    t.ok(sandboxes.every((sb) => sb.gate.slot === null), `${sandboxes[0].accel.kind}: no boot gate, every VM booted at once`);
    return;
  }
  t.ok(sandboxes.every((sb) => sb.gate.slot !== null && sb.gate.slot < slots), `every VM booted holding one of ${slots} slots`);
  const edges = sandboxes.flatMap((sb) => [{ at: sb.gate.startedAt, d: 1 }, { at: sb.gate.readyAt, d: -1 }]);
  // An end and a start at the same millisecond: the end first (the slot was handed on).
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let booting = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (booting += e.d));
  t.ok(most <= slots, `at most ${slots} booting at once (${most})`);
}
