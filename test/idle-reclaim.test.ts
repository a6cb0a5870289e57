/**
 * Idle reclaim: an idle container's VM gives back TCG's translation cache
 * (src/sandbox/idle-reclaim.ts, src/vmm/qemu/code-cache.ts).
 *  - when: the policy from CPU samples, the variable, `info jit`'s figures;
 *  - a real VM under TCG: an idle container's QEMU drops from ~32 MiB of
 *    translated code to a few, the container goes on working (exec), a
 *    paused container is neither thawed nor trimmed, and is trimmed again
 *    once resumed and idle; under KVM there is no cache to give back.
 * Afterwards no container, QEMU or state is left.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { translationCacheKiB } from '../src/bench/util';
import { spawn } from 'node:child_process';
import { DECLINED, IdlePolicy, idleReclaimDelayMs, processCpuMs, watchIdle } from '../src/sandbox/idle-reclaim';
import type { Machine, ReclaimReport } from '../src/vmm/hypervisor';
import { detectAccelerator } from '../src/vmm/accel';
import { QmpClient } from '../src/vmm/qemu/qmp';
import { parseInfoJit } from '../src/vmm/qemu/code-cache';
import { CliHarness, until } from './lib/cli';
import { whenGuestBuilt } from './lib/vm';

t.test('the policy: reclaim once after the delay idle, again only after work, later when work came soon after', async (t) => {
  const p = new IdlePolicy(10_000);
  // Samples every 5 s of the VMM's CPU time (ms): 2 % of a CPU is 100 ms in 5 s.
  let now = 0;
  let cpu = 0;
  const sample = (usedMs: number) => {
    now += 5000;
    cpu += usedMs;
    return p.observe(now, cpu);
  };
  t.equal(p.observe(0, 0), false, 'the first sample only sets the baseline');
  t.equal(sample(2000), false, 'busy (booting)');
  t.equal(sample(5), false, 'idle 5 s');
  t.equal(sample(5), true, 'idle 10 s: reclaim');
  p.reclaimed(now, cpu);
  t.equal(sample(5), false, 'still idle: not again');
  t.equal(sample(5), false, 'nor later');
  t.equal(sample(500), false, 'busy, 15 s after the reclaim: too early by 3 delays');
  t.equal(p.delayMs, 20_000, 'the delay doubled');
  t.same([sample(0), sample(0), sample(0), sample(0)], [false, false, false, true], 'idle 20 s: reclaimed again');
  p.reclaimed(now, cpu);
  for (let i = 0; i < 20; i++) sample(0);
  t.equal(sample(400), false, 'busy long after the reclaim');
  t.equal(p.delayMs, 20_000, 'the delay stays');
  const capped = new IdlePolicy(300_000);
  capped.reclaimed(0, 0);
  capped.observe(1000, 0);
  capped.observe(2000, 100);
  t.equal(capped.delayMs, 320_000, 'never beyond 320 s');
});

t.test('the watcher: asks again after a declined or partial reclaim, at most 3 partial ones in a row', async (t) => {
  // An idle "VMM": a sleeping process uses no CPU.
  const idle = spawn('sleep', ['60']);
  t.teardown(() => idle.kill());
  const report = (partial: boolean): ReclaimReport => ({ what: 'x', residentBefore: 2, residentAfter: 1, pausedMs: 0, tookMs: 0, partial });
  const run = async (answers: (ReclaimReport | typeof DECLINED)[]) => {
    let calls = 0;
    const machine = { pid: idle.pid!, reclaimIdleMemory: async () => report(true) } as unknown as Machine;
    const watch = watchIdle({
      machine,
      delayMs: 20,
      checkMs: 20,
      guard: async () => answers[Math.min(calls++, answers.length - 1)],
    });
    await new Promise((r) => setTimeout(r, 600));
    watch.stop();
    return calls;
  };
  t.equal(await run([report(false)]), 1, 'a whole reclaim: once, while the VM stays idle');
  t.equal(await run([DECLINED, DECLINED, report(false)]), 3, 'declined twice (paused, or a command held the lock), then done');
  t.equal(await run([report(true)]), 3, 'partial (the step never came): asked 3 times, then left until the VM is busy again');
});

t.test('CLEAR_IDLE_RECLAIM_S: seconds, 0 for never, anything else refused naming it', async (t) => {
  t.equal(idleReclaimDelayMs({}), 10_000, 'default 10 s');
  t.equal(idleReclaimDelayMs({ CLEAR_IDLE_RECLAIM_S: '0' }), 0);
  t.equal(idleReclaimDelayMs({ CLEAR_IDLE_RECLAIM_S: '30' }), 30_000);
  for (const bad of ['-1', '1.5', 'soon']) {
    t.throws(() => idleReclaimDelayMs({ CLEAR_IDLE_RECLAIM_S: bad }), new RegExp(`CLEAR_IDLE_RECLAIM_S=${bad.replace('.', '\\.')}: must be the seconds`));
  }
});

t.test("info jit's write position and flush count; a process's CPU time", async (t) => {
  const text = 'Translation buffer state:\ngen code size       32724787/33549312\nTB count            56383\n\nStatistics:\nTB flush count      2\nTB invalidate count 5431\n';
  t.same(parseInfoJit(text), { usedBytes: 32724787, flushes: 2 });
  t.throws(() => parseInfoJit('unknown command'), /unexpected 'info jit' output/);
  t.ok((processCpuMs(process.pid) ?? -1) >= 0, 'this process');
  t.equal(processCpuMs(2 ** 22 + 1), null, 'no such process');
});

const h = new CliHarness('reclaim');
t.teardown(() => h.cleanup());

whenGuestBuilt(t, () => {
  t.test('a bad CLEAR_IDLE_RECLAIM_S: run refuses, naming it, and nothing is left', async (t) => {
    const id = 'badvar';
    h.ids.add(id);
    const saved = { ...process.env };
    t.teardown(() => {
      process.env = saved;
      h.clear(['delete', '--force', id]);
    });
    process.env.CLEAR_IDLE_RECLAIM_S = 'soon';
    const r = h.clear(['run', '-d', '--bundle', h.bundle('bundle', ['sleep', '1000']), id]);
    process.env = { ...saved };
    t.not(r.code, 0, 'run fails');
    t.match(r.stderr, /CLEAR_IDLE_RECLAIM_S=soon: must be the seconds a VM is idle/, 'naming the variable');
    t.same(h.leftovers(), [], 'no container, VM, process or state left');
  });

  t.test('an idle container gives its translation cache back, and goes on working', async (t) => {
    const id = 'idle';
    h.ids.add(id);
    const log = path.join(h.work, 'reclaim.log');
    const saved = { ...process.env };
    Object.assign(process.env, { CLEAR_IDLE_RECLAIM_S: '1', CLEAR_DEBUG: 'reclaim', CLEAR_DEBUG_FILE: log });
    t.teardown(() => {
      process.env = saved;
      h.clear(['delete', '--force', id]);
    });
    const bundle = h.bundle('bundle', ['sleep', '1000']);
    const r = h.clear(['run', '-d', '--bundle', bundle, id]);
    t.equal(r.code, 0, `run -d: ${r.stderr}`);
    process.env = { ...saved };
    const qemuPid: number = JSON.parse(fs.readFileSync(path.join(h.clearRoot, id, 'monitor.json'), 'utf8')).hostPids[0];
    const cacheMiB = () => translationCacheKiB(qemuPid) / 1024;

    if ((await detectAccelerator()).kind === 'kvm') {
      t.equal(cacheMiB(), 0, 'KVM: no translation cache to give back');
      return;
    }
    // Checked every 5 s: 1 s idle after the start is reclaimed by the 3rd check or so.
    t.ok(await until(() => cacheMiB() < 8, 40_000), `QEMU's translation cache down to ${cacheMiB().toFixed(1)} MiB (32 MiB at most)`);
    // The monitor's line comes once the guest runs again, a moment after the pages went.
    const said = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
    await until(() => said().includes('reclaim:'), 5000);
    t.match(said(), /reclaim: translation cache, flushed: [\d.]+ → [\d.]+ MiB resident/, 'the monitor says what it gave back');
    const out = h.clear(['exec', id, 'echo', 'alive']);
    t.same([out.code, out.stdout], [0, 'alive\n'], 'the container works after it');
    t.ok(cacheMiB() > 8, `the exec translated code again: ${cacheMiB().toFixed(1)} MiB`);

    await t.test('a paused container is neither thawed nor trimmed', async (t) => {
      t.equal(h.clear(['pause', id]).code, 0, 'paused');
      const before = cacheMiB();
      // Long enough for several checks: each sees an idle VM, and is declined.
      await new Promise((r) => setTimeout(r, 16_000));
      const qmp = await QmpClient.connect(JSON.parse(fs.readFileSync(path.join(h.clearRoot, id, 'monitor.json'), 'utf8')).qmpSocket);
      try {
        t.equal((await qmp.execute<{ status: string }>('query-status')).status, 'paused', 'QEMU still paused');
      } finally {
        qmp.close();
      }
      t.equal(cacheMiB(), before, 'its translation cache untouched');
      t.equal(h.clear(['resume', id]).code, 0, 'resumed');
      t.ok(await until(() => cacheMiB() < 8, 40_000), `once resumed and idle, trimmed again: ${cacheMiB().toFixed(1)} MiB`);
      const again = h.clear(['exec', id, 'echo', 'alive']);
      t.same([again.code, again.stdout], [0, 'alive\n'], 'and it still works');
    });
    t.equal(h.clear(['delete', '--force', id]).code, 0, 'deleted');
    t.same(h.leftovers(), [], 'nothing of the container left');
  });
});
