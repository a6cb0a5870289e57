/**
 * Looking inside when something is slow or wrong:
 *  - config.json's vm.kernel.parameters reach the guest's command line, after
 *    clear's own (the OCI spec's field; `clear.debug=1` is the useful one);
 *    vm.hypervisor's path runs the VM and its parameters follow clear's;
 *  - with clear.debug=1 the guest's console carries init's and the agent's
 *    timings: node's own start-up, when the agent listens, each RPC and how
 *    long it took, the steps of a create;
 *  - CLEAR_DEBUG=1 on the host writes each RPC's duration to stderr, and a
 *    debug line is never what breaks a run (a monitor's stderr is closed
 *    once the container's output has ended: `run` used to exit 255 then).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { guestArtifacts } from '../src/lib/paths';
import { Sandbox } from '../src/sandbox/sandbox';
import { detectAccelerator } from '../src/vmm/accel';
import { CliHarness, clearBin } from './lib/cli';
import { assertNoLeftovers, VmDirs, whenGuestBuilt } from './lib/vm';

whenGuestBuilt(t, () => {
  const h = new CliHarness('debug');
  t.teardown(() => h.cleanup());

  t.test('vm.kernel.parameters reach the guest, after our own', async (t) => {
    const b = h.bundle('params', ['cat', '/proc/cmdline'], (c) => {
      c.vm = { kernel: { path: guestArtifacts().kernel, parameters: ['clear.test=one', 'quiet'] } };
    });
    h.ids.add('params');
    const r = h.clear(['run', '--bundle', b, 'params']);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /root=\/dev\/pmem0 .*clear\.test=one quiet/, 'the guest command line, ours first');
    t.same(h.leftovers(), [], 'nothing left');
  });

  t.test('vm.hypervisor: its path runs the VM, its parameters come after our own', async (t) => {
    // A QEMU of the bundle's own: a wrapper that notes its arguments.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-hv-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const argvFile = path.join(dir, 'argv');
    const wrapper = path.join(dir, 'qemu-wrapper');
    fs.writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$@" > ${argvFile}\nexec qemu-system-x86_64 "$@"\n`, { mode: 0o755 });
    // An -accel of the bundle's replaces clear's (QEMU uses the first that works).
    const accel = (await detectAccelerator()).kind === 'tcg' ? 'tcg,tb-size=64' : 'kvm';
    const parameters = ['-accel', accel, '-msg', 'timestamp=on'];
    const b = h.bundle('hv', ['echo', 'hi'], (c) => {
      c.vm = { hypervisor: { path: wrapper, parameters }, kernel: { path: guestArtifacts().kernel } };
    });
    h.ids.add('hv');
    const r = h.clear(['run', '--bundle', b, 'hv']);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, 'hi\n', 'the container ran in that QEMU');
    const argv = fs.readFileSync(argvFile, 'utf8').trimEnd().split('\n');
    t.same(argv.slice(-parameters.length), parameters, 'the parameters, last');
    t.same(argv.flatMap((a, i) => (a === '-accel' ? [argv[i + 1]] : [])), [accel], 'one -accel: the bundle\'s');
    const machine = argv.findIndex((a) => a.startsWith('microvm'));
    t.ok(machine > 0 && machine < argv.length - 2, 'our own machine before them');
    t.same(h.leftovers(), [], 'nothing left');
  });

  t.test('vm.hypervisor: a path that is not there, or an empty parameter, fails create naming the field and leaves nothing', async (t) => {
    const cases: [string, object, RegExp][] = [
      ['hvmissing', { path: '/nonexistent/qemu' }, /vm\.hypervisor\.path \/nonexistent\/qemu: no such file/],
      ['hvdir', { path: '/tmp' }, /vm\.hypervisor\.path \/tmp: not an executable file/],
      ['hvparam', { path: '/bin/true', parameters: ['-msg', ''] }, /vm\.hypervisor\.parameters\[1\]/],
    ];
    for (const [id, hypervisor, error] of cases) {
      const b = h.bundle(id, ['true'], (c) => {
        c.vm = { hypervisor, kernel: { path: guestArtifacts().kernel } };
      });
      h.ids.add(id);
      const r = h.clear(['create', '--bundle', b, id]);
      t.equal(r.code, 1, `${id}: exit 1`);
      t.match(r.stderr, error, `${id}: names the field`);
      t.same(h.leftovers(), [], `${id}: nothing left`);
    }
  });

  t.test('CLEAR_DEBUG=1: RPC durations on stderr, and the exit status still the container\'s', async (t) => {
    const b = h.bundle('dbg', ['sh', '-c', 'echo out; exit 3']);
    h.ids.add('dbg');
    const r = h.sh('env', ['CLEAR_DEBUG=1', clearBin, '--root', h.clearRoot, 'run', '--bundle', b, 'dbg']);
    t.equal(r.code, 3, 'the container\'s status, not a crash of the monitor');
    t.equal(r.stdout, 'out\n');
    t.match(r.stderr, /rpc: CreateContainer: ok in \d+ ms/);
    t.match(r.stderr, /rpc: Ping: ok in \d+ ms/);
    t.match(r.stderr, /sandbox: dbg: the console says the agent listens/, 'the agent\'s ready line on the console woke the first call');
    t.same(h.leftovers(), [], 'nothing left');
  });

  t.test('clear.debug=1: the agent\'s timings on the guest console', async (t) => {
    const dirs = new VmDirs('debug');
    const dir = dirs.next();
    const sb = await Sandbox.boot({ name: 'debug', runDir: dir, cmdline: 'clear.debug=1' });
    t.teardown(() => sb.shutdown());
    let console = '';
    let fd = -1;
    try {
      await sb.agent.version();
      // Held open: the run directory goes with the VM, the way down is
      // read afterwards through this fd.
      fd = fs.openSync(`${dir}/console.log`, 'r');
    } finally {
      await sb.shutdown();
    }
    try {
      console = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
    t.match(console, /clear-init: [\d.]+ init started/, 'init\'s timings');
    t.match(console, /clear-agent: [\d.]+ (node bootstrap done|started from the snapshot) \([\d.]+ s after exec; \d+ page faults, CPU [\d.]+ s user, [\d.]+ s system\)/, 'node\'s own start-up and its cost');
    t.match(console, /clear-agent: [\d.]+ listening/, 'when the agent listens');
    t.match(console, /clear-agent: [\d.]+ connection accepted/, 'when the host\'s connection came');
    t.match(console, /clear-agent: [\d.]+ Version answered after \d+ ms/, 'each RPC with its duration');
    // The way down: the agent, still alive, asks init to power off, which
    // syncs and reboots without waiting for node's exit.
    t.match(console, /clear-agent: [\d.]+ Shutdown answered[^]*clear-init: [\d.]+ power-off asked by the agent[^]*clear-init: [\d.]+ synced; reboot/, 'Shutdown: init powers off at the agent\'s word');
    t.notMatch(console, /agent exited with status/, 'without waiting for the agent to end');
    assertNoLeftovers(t, dirs, dir);
  });
});
