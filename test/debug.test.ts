/**
 * Looking inside when something is slow or wrong:
 *  - config.json's vm.kernel.parameters reach the guest's command line, after
 *    clear's own (the OCI spec's field; `clear.debug=1` is the useful one);
 *  - with clear.debug=1 the guest's console carries init's and the agent's
 *    timings: node's own start-up, when the agent listens, each RPC and how
 *    long it took, the steps of a create;
 *  - CLEAR_DEBUG=1 on the host writes each RPC's duration to stderr, and a
 *    debug line is never what breaks a run (a monitor's stderr is closed
 *    once the container's output has ended: `run` used to exit 255 then).
 */
import fs from 'node:fs';
import t from 'tap';
import { guestArtifacts } from '../src/lib/paths';
import { Sandbox } from '../src/sandbox/sandbox';
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
    try {
      await sb.agent.version();
      console = fs.readFileSync(`${dir}/console.log`, 'utf8');
    } finally {
      await sb.shutdown();
    }
    t.match(console, /clear-init: [\d.]+ init started/, 'init\'s timings');
    t.match(console, /clear-agent: [\d.]+ (node bootstrap done|started from the snapshot) \([\d.]+ s after exec\)/, 'node\'s own start-up');
    t.match(console, /clear-agent: [\d.]+ listening/, 'when the agent listens');
    t.match(console, /clear-agent: [\d.]+ connection accepted/, 'when the host\'s connection came');
    t.match(console, /clear-agent: [\d.]+ Version answered after \d+ ms/, 'each RPC with its duration');
    assertNoLeftovers(t, dirs, dir);
  });
});
