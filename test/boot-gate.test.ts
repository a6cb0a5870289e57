/**
 * The boot gate (src/sandbox/boot-gate.ts): at most N VMs boot at once, a
 * crashed holder frees its slot, and the gate never stops a boot for good.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireBootSlot, bootSlotCount, type BootSlot } from '../src/sandbox/boot-gate';

function gateDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-boot-gate-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'slots');
}

const after = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LONG = 60_000;

t.test('N boots get a slot at once; the next waits for a release and takes that slot', async (t) => {
  const dir = gateDir(t);
  const a = await acquireBootSlot({ dir, slots: 2, maxWaitMs: LONG });
  const b = await acquireBootSlot({ dir, slots: 2, maxWaitMs: LONG });
  t.teardown(() => [a, b].forEach((s) => s.release()));
  t.same([a.index, b.index].sort(), [0, 1], 'two slots, two holders');
  t.equal(fs.statSync(dir).mode & 0o777, 0o700, "the slots' directory is the owner's alone");

  let third: BootSlot | null = null;
  const waiting = acquireBootSlot({ dir, slots: 2, maxWaitMs: LONG }).then((s) => (third = s));
  await after(300);
  t.equal(third, null, 'a third boot waits while both slots are held');
  b.release();
  const c = await waiting;
  t.teardown(() => c.release());
  t.equal(c.index, b.index, 'it gets the slot just released');
  t.ok(c.waitedMs >= 300, `and says how long it waited (${c.waitedMs} ms)`);
});

t.test('released slots leave no files behind; release twice is harmless', async (t) => {
  const dir = gateDir(t);
  const slots = await Promise.all([0, 1, 2].map(() => acquireBootSlot({ dir, slots: 3, maxWaitMs: LONG })));
  t.equal(fs.readdirSync(dir).length, 3, 'one socket per held slot');
  for (const s of slots) s.release();
  slots[0].release();
  await after(50);
  t.same(fs.readdirSync(dir), [], 'none left after release');
});

t.test('a holder that died (SIGKILL: its socket file stays) frees its slot', async (t) => {
  const dir = gateDir(t);
  fs.mkdirSync(dir, { mode: 0o700 });
  // Any process listening on <dir>/0.sock holds slot 0, as a monitor does.
  const holder = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('held'))", path.join(dir, '0.sock')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => holder.kill('SIGKILL'));
  await new Promise((resolve) => holder.stdout.once('data', resolve));

  const refused = await acquireBootSlot({ dir, slots: 1, maxWaitMs: 300 });
  t.equal(refused.index, null, 'while the holder lives, a boot past its wait goes ahead without a slot');
  t.ok(refused.waitedMs >= 300, `after waiting maxWaitMs (${refused.waitedMs} ms)`);

  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  t.ok(fs.existsSync(path.join(dir, '0.sock')), 'the dead holder left its socket file');
  const taken = await acquireBootSlot({ dir, slots: 1, maxWaitMs: LONG });
  t.teardown(() => taken.release());
  t.equal(taken.index, 0, 'the stale slot is taken over');
});

t.test('a gate it cannot use lets the boot go ahead', async (t) => {
  const dir = gateDir(t);
  const file = path.join(path.dirname(dir), 'not-a-dir');
  fs.writeFileSync(file, '');
  const s = await acquireBootSlot({ dir: path.join(file, 'slots'), slots: 2, maxWaitMs: LONG });
  t.equal(s.index, null, 'ungated, not failed');
  const none = await acquireBootSlot({ dir, slots: 0, maxWaitMs: LONG });
  t.equal(none.index, null, '0 slots: no gate');
  t.notOk(fs.existsSync(dir), 'and nothing is made for it');
});

t.test('CLEAR_BOOT_SLOTS, and the default by accelerator', async (t) => {
  t.equal(bootSlotCount('tcg', {}), os.availableParallelism(), 'TCG: one boot per CPU this process may use');
  t.equal(bootSlotCount('kvm', {}), 0, 'KVM: no gate (nothing measured there)');
  t.equal(bootSlotCount('kvm', { CLEAR_BOOT_SLOTS: '3' }), 3);
  t.equal(bootSlotCount('tcg', { CLEAR_BOOT_SLOTS: '0' }), 0, '0 turns the gate off');
  t.throws(() => bootSlotCount('tcg', { CLEAR_BOOT_SLOTS: 'two' }), /CLEAR_BOOT_SLOTS=two: must be the number of VMs/);
  t.throws(() => bootSlotCount('tcg', { CLEAR_BOOT_SLOTS: '-1' }), /CLEAR_BOOT_SLOTS=-1/);
});
