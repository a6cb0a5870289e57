/**
 * The QEMU driver: the argv builder (unit), the QMP client (against a fake
 * QMP server), accelerator detection (against a fake host tree), and real
 * boots of the guest kernel under the detected accelerator, with a tiny
 * busybox root on an erofs disk (the guest kernel has no initramfs support).
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { guestArtifacts } from '../src/lib/paths';
import { detectAccelerator, hostTscKHz, TIMEOUT_SCALE } from '../src/vmm/accel';
import type { Accelerator, DeviceSpec, MachineConfig } from '../src/vmm/hypervisor';
import { BASE_CMDLINE, buildQemuArgs, DEFAULT_MICROVM_OPTIONS, layoutMemory, TCG_CPU, TIMER_CMDLINE, timerCmdline } from '../src/vmm/qemu/args';
import { rootImage as rootImageDevice } from '../src/devices/root-image';
import { QemuHypervisor } from '../src/vmm/qemu/driver';
import { QmpClient, QmpError } from '../src/vmm/qemu/qmp';

const TCG: Accelerator = { kind: 'tcg', reason: 'test', timeoutScale: 10 };
const KVM: Accelerator = { kind: 'kvm', reason: 'test', timeoutScale: 1 };

function cfg(over: Partial<MachineConfig> = {}): MachineConfig {
  return {
    name: 'vm1',
    kernel: '/k/vmlinux',
    cmdline: 'root=/dev/vda',
    memoryMiB: 256,
    vcpus: 2,
    accel: TCG,
    runDir: '/run/clear/vm1',
    devices: [],
    consoleLog: '/run/clear/vm1/console.log',
    ...over,
  };
}

/** The value following `flag` each time it occurs. */
function values(args: string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => a === flag && out.push(args[i + 1]));
  return out;
}

// ---------------------------------------------------------------- argv builder

t.test('args: machine, memory, accelerator, boot', async (t) => {
  const { binary, args, fds, qmpSocket } = buildQemuArgs(cfg());
  t.equal(binary, 'qemu-system-x86_64');
  t.same(fds, []);
  t.equal(qmpSocket, '/run/clear/vm1/qmp.sock');
  const m = values(args, '-M');
  t.equal(m.length, 1);
  t.match(m[0], /^microvm,/);
  for (const o of ['x-option-roms=off', 'pit=on', 'pic=on', 'isa-serial=on', 'rtc=on', 'acpi=off', 'memory-backend=mem']) {
    t.ok(m[0].split(',').includes(o), `-M has ${o}`);
  }
  t.same(values(args, '-object'), ['memory-backend-memfd,id=mem,size=256M,share=on'], 'guest RAM is a shared memfd');
  t.same(values(args, '-m'), ['256M']);
  t.same(values(args, '-smp'), ['2']);
  t.same(values(args, '-accel'), ['tcg,tb-size=32,split-wx=on'], 'the translation cache in a memfd, which an idle VM gives back');
  t.equal(buildQemuArgs(cfg({ vcpus: 1 }), {}).sharedCodeCache, true, 'ours, one vCPU: code-cache.ts may trim it');
  t.equal(buildQemuArgs(cfg(), {}).sharedCodeCache, false, 'two vCPUs: a region each, not trimmed');
  t.equal(buildQemuArgs(cfg({ vcpus: 1 }), { extraArgs: ['-smp', '1,maxcpus=4'] }).sharedCodeCache, false, "a bundle's own -smp: not trimmed");
  t.same(values(args, '-cpu'), ['max,erms=off,fsrm=off'], 'TCG: no byte-at-a-time rep movsb/stosb in the guest');
  for (const f of ['-nodefaults', '-no-user-config', '-no-reboot']) t.ok(args.includes(f), f);
  t.same(values(args, '-display'), ['none']);
  t.same(values(args, '-global'), ['virtio-mmio.force-legacy=off'], 'modern virtio-mmio (virtiofsd refuses legacy)');
  t.same(values(args, '-kernel'), ['/k/vmlinux']);
  t.same(values(args, '-append'), [`${BASE_CMDLINE} no_timer_check lapic_timer_period=10000000 root=/dev/vda`], "TCG: the APIC timer's rate (1 GHz, 100 Hz kernel), nothing to calibrate");
  t.match(BASE_CMDLINE, /console=ttyS0/);
  t.match(BASE_CMDLINE, /panic=-1/);
  t.match(BASE_CMDLINE, /oops=panic/, 'a guest kernel oops ends the VM instead of wedging it');
  t.match(BASE_CMDLINE, /reboot=t/, 'a guest reboot ends QEMU at once');
  t.match(BASE_CMDLINE, /noreplace-smp/, 'a one-vCPU guest does not rewrite its LOCK prefixes at boot');
  t.same(values(args, '-serial'), ['chardev:console']);
  t.ok(values(args, '-chardev').includes('file,id=console,path=/run/clear/vm1/console.log'));
  t.ok(values(args, '-chardev').includes('socket,id=qmp,path=/run/clear/vm1/qmp.sock,server=on,wait=off'));
  t.ok(values(args, '-chardev').includes('socket,id=qmpctl,path=/run/clear/vm1/qmp-ctl.sock,server=on,wait=off'));
  t.same(values(args, '-mon'), ['chardev=qmp,mode=control', 'chardev=qmpctl,mode=control']);
});

t.test('args: kvm uses -cpu host; console null; overrides', async (t) => {
  const { args } = buildQemuArgs(cfg({ accel: KVM, consoleLog: null }), {
    binary: '/opt/qemu',
    microvm: { rtc: false },
    extraCmdline: 'foo=1',
  });
  t.same(values(args, '-accel'), ['kvm']);
  t.same(values(args, '-cpu'), ['host']);
  t.same(values(args, '-serial'), ['null']);
  t.notOk(values(args, '-chardev').some((c) => c.startsWith('file,')));
  t.ok(values(args, '-M')[0].includes('rtc=off'));
  t.same(values(args, '-append'), [`${BASE_CMDLINE} no_timer_check foo=1 root=/dev/vda`], 'KVM keeps its APIC timer');
  t.notMatch(TIMER_CMDLINE.kvm, /noapictimer|lapic_timer_period/, 'KVM: the TSC-deadline timer');
  t.equal(buildQemuArgs(cfg(), { binary: '/opt/qemu' }).binary, '/opt/qemu');
});

t.test('args: each device kind', async (t) => {
  const devices: DeviceSpec[] = [
    { kind: 'block', id: 'root', path: '/img/clear.img', readOnly: true },
    { kind: 'block', id: 'data', path: '/img/rw,odd.img', readOnly: false },
    { kind: 'vsock-vhost-user', socket: { path: '/run/clear/vm1/vsock.sock' } },
    { kind: 'fs-vhost-user', socket: { fd: 17 }, tag: 'rootfs' },
    { kind: 'fs-vhost-user', socket: { path: '/run/clear/vm1/fs1.sock' }, tag: 'vol1' },
  ];
  const { args, fds } = buildQemuArgs(cfg({ devices }));
  const drives = values(args, '-drive');
  t.same(drives, [
    'id=root,file=/img/clear.img,format=raw,if=none,readonly=on',
    'id=data,file=/img/rw,,odd.img,format=raw,if=none,readonly=off',
  ], 'commas in paths are doubled');
  const devs = values(args, '-device');
  t.same(devs, [
    'virtio-blk-device,drive=root',
    'virtio-blk-device,drive=data',
    'vhost-user-vsock-device,chardev=vsock0',
    'vhost-user-fs-device,chardev=fs0,tag=rootfs',
    'vhost-user-fs-device,chardev=fs1,tag=vol1',
  ]);
  const chardevs = values(args, '-chardev');
  t.ok(chardevs.includes('socket,id=vsock0,path=/run/clear/vm1/vsock.sock'));
  t.ok(chardevs.includes('socket,id=fs0,fd=3'), 'an fd ref becomes fd=3 in the child');
  t.ok(chardevs.includes('socket,id=fs1,path=/run/clear/vm1/fs1.sock'));
  t.same(fds, [{ parentFd: 17, childFd: 3 }]);

  const k = buildQemuArgs(cfg({ devices: [{ kind: 'vsock-kernel', guestCid: 42 }] }));
  t.same(values(k.args, '-device'), ['vhost-vsock-device,guest-cid=42']);

  const two = buildQemuArgs(
    cfg({
      devices: [
        { kind: 'vsock-vhost-user', socket: { fd: 9 } },
        { kind: 'fs-vhost-user', socket: { fd: 12 }, tag: 'x' },
      ],
    }),
  );
  t.same(two.fds, [
    { parentFd: 9, childFd: 3 },
    { parentFd: 12, childFd: 4 },
  ]);
  t.ok(values(two.args, '-chardev').includes('socket,id=vsock0,fd=3'));
});

t.test('args: extra arguments (vm.hypervisor.parameters) come after all of clear\'s own', async (t) => {
  const extra = ['-msg', 'timestamp=on', '-cpu', 'max'];
  const { args } = buildQemuArgs(cfg({ devices: [{ kind: 'net-tap', ifname: 'tap0', mac: '02:00:00:00:00:01' }] }), { extraArgs: extra });
  t.same(args.slice(-extra.length), extra, 'last, in order');
  t.same(values(args, '-cpu'), [TCG_CPU, 'max'], 'a repeated option: QEMU keeps the last, the bundle\'s');
  t.same(buildQemuArgs(cfg(), {}).args, buildQemuArgs(cfg(), { extraArgs: [] }).args, 'none: nothing added');
  // QEMU uses the first -accel that works: the bundle's must be the only one.
  const tb = buildQemuArgs(cfg(), { extraArgs: ['-accel', 'tcg,tb-size=128'] }).args;
  t.same(values(tb, '-accel'), ['tcg,tb-size=128'], 'an -accel of the bundle\'s replaces ours');
  t.equal(buildQemuArgs(cfg({ vcpus: 1 }), { extraArgs: ['-accel', 'tcg,tb-size=128'] }).sharedCodeCache, false, 'and its translation cache is not ours to trim');
  t.same(values(tb, '-cpu'), [TCG_CPU], 'the CPU model still follows the detected accelerator');
  t.same(values(buildQemuArgs(cfg({ accel: KVM }), { extraArgs: ['-accel', 'kvm,kernel-irqchip=split'] }).args, '-accel'), ['kvm,kernel-irqchip=split'], 'under KVM too');
  t.equal(buildQemuArgs(cfg({ accel: KVM, vcpus: 1 }), {}).sharedCodeCache, false, 'KVM translates nothing');
});

t.test('args: no network, no graphics, no default devices', async (t) => {
  const { args } = buildQemuArgs(
    cfg({
      devices: [
        { kind: 'block', id: 'root', path: '/i', readOnly: true },
        { kind: 'vsock-vhost-user', socket: { path: '/s' } },
      ],
    }),
  );
  for (const f of ['-netdev', '-net', '-nic', '-vga', '-usb', '-monitor', '-parallel', '-sdl', '-vnc', '-spice', '-nographic']) {
    t.notOk(args.includes(f), `no ${f}`);
  }
  t.notOk(args.some((a) => /virtio-net|e1000|rtl8139|VGA|virtio-gpu|usb/.test(a)), 'no NIC, GPU or USB device');
  t.ok(args.includes('-nodefaults'));
  t.equal(DEFAULT_MICROVM_OPTIONS.acpi, false);
});

t.test('args: invalid configs are refused', async (t) => {
  t.throws(() => buildQemuArgs(cfg({ memoryMiB: 0 })), /memory/);
  t.throws(() => buildQemuArgs(cfg({ vcpus: 0 })), /vcpus/);
  t.throws(() => buildQemuArgs(cfg({ kernel: '' })), /kernel/);
  t.throws(
    () => buildQemuArgs(cfg({ devices: [{ kind: 'block', id: 'a,b', path: '/i', readOnly: true }] })),
    /block device id/,
  );
  t.throws(
    () =>
      buildQemuArgs(
        cfg({
          devices: [
            { kind: 'block', id: 'a', path: '/i', readOnly: true },
            { kind: 'block', id: 'a', path: '/j', readOnly: true },
          ],
        }),
      ),
    /duplicate/,
  );
  t.throws(() => buildQemuArgs(cfg({ devices: [{ kind: 'vsock-kernel', guestCid: 2 }] })), /CID/);
  t.throws(
    () =>
      buildQemuArgs(
        cfg({
          devices: [
            { kind: 'vsock-kernel', guestCid: 3 },
            { kind: 'vsock-vhost-user', socket: { path: '/s' } },
          ],
        }),
      ),
    /more than one vsock/,
  );
});

t.test('args: a pmem image is a read-only NUMA node right after RAM, marked by memmap=', async (t) => {
  const MiB = 1024 * 1024;
  const pmem = (sizeMiB: number): DeviceSpec => ({ kind: 'pmem', id: 'root', path: '/img/clear,1.img', sizeBytes: sizeMiB * MiB });
  const { args } = buildQemuArgs(cfg({ devices: [pmem(92)] }));
  t.notOk(values(args, '-M')[0].includes('memory-backend='), 'RAM is built from NUMA nodes instead');
  t.same(values(args, '-m'), ['348M'], 'the machine RAM is guest RAM plus the image');
  t.same(values(args, '-object'), [
    'memory-backend-memfd,id=mem,size=256M,share=on',
    'memory-backend-file,id=pmem-root,mem-path=/img/clear,,1.img,size=92M,share=off,readonly=on',
  ]);
  t.same(values(args, '-numa'), ['node,nodeid=0,memdev=mem', 'node,nodeid=1,memdev=pmem-root']);
  t.same(values(args, '-append'), [`${BASE_CMDLINE} ${TIMER_CMDLINE.tcg} memmap=92M!256M root=/dev/vda`]);
  t.same(values(args, '-device'), [], 'no device on a bus: it is memory');

  // An odd RAM size: the region still starts on 2 MiB; the padding is reserved.
  t.same(layoutMemory(257, pmem(92) as PmemSpec), {
    ramNodeMiB: 258,
    pmem: { id: 'root', path: '/img/clear,1.img', sizeMiB: 92, addressMiB: 258 },
    cmdline: ['memmap=1M$257M', 'memmap=92M!258M'],
  });
  // RAM that would put the image across microvm's 3-4 GiB hole: RAM is padded to 3 GiB, the image goes to 4 GiB.
  t.same(layoutMemory(3000, pmem(92) as PmemSpec).cmdline, ['memmap=72M$3000M', 'memmap=92M!4096M']);
  t.equal(layoutMemory(3000, pmem(92) as PmemSpec).ramNodeMiB, 3072);
  t.same(layoutMemory(2980, pmem(92) as PmemSpec).cmdline, ['memmap=92M!2980M'], 'ending at 3 GiB exactly fits');
  // RAM above 3 GiB continues at 4 GiB, and so does the image after it.
  t.same(layoutMemory(4096, pmem(92) as PmemSpec).cmdline, ['memmap=92M!5120M']);
  t.same(layoutMemory(256, undefined), { ramNodeMiB: 256, pmem: null, cmdline: [] });

  t.throws(() => buildQemuArgs(cfg({ devices: [{ ...pmem(92), sizeBytes: 92 * MiB + 4096 } as DeviceSpec] })), /multiple of 2 MiB/);
  t.throws(() => buildQemuArgs(cfg({ devices: [pmem(92), { ...pmem(4), id: 'two' } as DeviceSpec] })), /more than one pmem/);
});

type PmemSpec = Extract<DeviceSpec, { kind: 'pmem' }>;

// ---------------------------------------------------------------- QMP client

function tmpdir(t: Tap, prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}
interface Tap {
  teardown(fn: () => unknown): void;
}

/** A fake QEMU monitor: greets, answers qmp_capabilities, then `handler` decides. */
function fakeQmp(
  t: Tap,
  sockPath: string,
  handler: (msg: { execute: string; id?: unknown; arguments?: unknown }, send: (o: object) => void) => void,
  greet = true,
): Promise<net.Server> {
  const server = net.createServer((c) => {
    const send = (o: object) => c.write(JSON.stringify(o) + '\r\n');
    if (greet) send({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: [] } });
    let buf = '';
    c.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.execute === 'qmp_capabilities') send({ return: {}, id: msg.id });
        else handler(msg, send);
      }
    });
    c.on('error', () => {});
  });
  t.teardown(() => server.close());
  return new Promise((r) => server.listen(sockPath, () => r(server)));
}

t.test('qmp: commands, ids, errors, events', async (t) => {
  const dir = tmpdir(t, 'clear-qmp-');
  const sock = path.join(dir, 'qmp.sock');
  await fakeQmp(t, sock, (msg, send) => {
    if (msg.execute === 'query-status') {
      // Answer out of order with an event in between: ids must match.
      setTimeout(() => send({ return: { status: 'running', running: true }, id: msg.id }), 20);
      send({ event: 'STOP', data: {}, timestamp: { seconds: 1, microseconds: 2 } });
    } else if (msg.execute === 'echo') {
      send({ return: msg.arguments, id: msg.id });
    } else if (msg.execute === 'silent') {
      /* never answers */
    } else {
      send({ error: { class: 'CommandNotFound', desc: `The command ${msg.execute} has not been found` }, id: msg.id });
    }
  });
  const qmp = await QmpClient.connect(sock, { timeoutMs: 2000 });
  t.teardown(() => qmp.close());
  t.match(qmp.greeting, { QMP: { version: { qemu: { major: 7 } } } });
  const events: string[] = [];
  qmp.on('event', (e) => events.push(e.event));
  const stopped = new Promise((r) => qmp.once('STOP', r));
  const [status, echo] = await Promise.all([
    qmp.execute('query-status'),
    qmp.execute('echo', { a: 1 }),
  ]);
  t.same(status, { status: 'running', running: true });
  t.same(echo, { a: 1 });
  await stopped;
  t.same(events, ['STOP']);
  await t.rejects(qmp.execute('nope'), QmpError);
  await t.rejects(qmp.execute('nope'), /CommandNotFound/);
  await t.rejects(qmp.execute('silent', undefined, { timeoutMs: 100 }), new RegExp(`${sock}.*silent`));
});

t.test('qmp: errors name the socket', async (t) => {
  const dir = tmpdir(t, 'clear-qmp-');
  const missing = path.join(dir, 'none.sock');
  await t.rejects(QmpClient.connect(missing, { timeoutMs: 200 }), new RegExp(missing));
  const t0 = Date.now();
  await t.rejects(QmpClient.connect(missing, { timeoutMs: 300, retry: true }), new RegExp(`${missing}.*not ready`));
  t.ok(Date.now() - t0 >= 250, 'retried until the timeout');
  const mute = path.join(dir, 'mute.sock');
  await fakeQmp(t, mute, () => {}, false);
  await t.rejects(QmpClient.connect(mute, { timeoutMs: 200 }), new RegExp(`${mute}.*no greeting`));
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('QEMU exited')), 50);
  await t.rejects(QmpClient.connect(missing, { timeoutMs: 5000, retry: true, signal: ac.signal }), /QEMU exited/);
  // Connection closes while a command waits.
  const closer = path.join(dir, 'closer.sock');
  const srv = net.createServer((c) => {
    c.write(JSON.stringify({ QMP: {} }) + '\n');
    c.on('data', (d) => {
      const m = JSON.parse(d.toString());
      if (m.execute === 'qmp_capabilities') c.write(JSON.stringify({ return: {}, id: m.id }) + '\n');
      else c.destroy();
    });
  });
  t.teardown(() => srv.close());
  await new Promise<void>((r) => srv.listen(closer, r));
  const q = await QmpClient.connect(closer, { timeoutMs: 1000 });
  const closed = new Promise((r) => q.once('close', r));
  await t.rejects(q.execute('quit'), new RegExp(`${closer}.*closed`));
  await closed;
  t.ok(q.isClosed);
  await t.rejects(q.execute('x'), /closed/);
});

// ---------------------------------------------------------------- accelerator

function fakeHost(t: Tap, files: Record<string, string>): string {
  const root = tmpdir(t, 'clear-host-');
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), content);
  }
  return root;
}

t.test("accel: a TCG guest is told the host TSC's rate only where the host states it exactly", async (t) => {
  const cpuinfo = (flags: string) => `processor\t: 0\ncpu MHz\t\t: 2096.029\nflags\t\t: fpu ${flags}\n`;
  const vmHost = fakeHost(t, { 'proc/cpuinfo': cpuinfo('tsc constant_tsc tsc_known_freq nonstop_tsc hypervisor') });
  t.equal(hostTscKHz(vmHost), 2096029);
  const a = await detectAccelerator({ env: {}, hostRoot: vmHost });
  t.match(a, { kind: 'tcg', guestTscKHz: 2096029 });
  t.equal(timerCmdline(a), `${TIMER_CMDLINE.tcg} tsc_early_khz=2096029 tsc=reliable`, 'its rate, and no watchdog over a TSC that runs at one rate');
  t.match(values(buildQemuArgs(cfg({ accel: a })).args, '-append')[0], / lapic_timer_period=10000000 tsc_early_khz=2096029 tsc=reliable /);
  t.equal(timerCmdline({ ...KVM, guestTscKHz: 2096029 }), TIMER_CMDLINE.kvm, 'a KVM guest gets the rate from its hypervisor');

  // "cpu MHz" is then the current clock, not the TSC's: say nothing.
  const meters = fakeHost(t, { 'proc/cpuinfo': cpuinfo('tsc constant_tsc tsc_known_freq nonstop_tsc aperfmperf') });
  t.equal(hostTscKHz(meters), undefined, 'APERF/MPERF');
  const cpufreq = fakeHost(t, {
    'proc/cpuinfo': cpuinfo('tsc constant_tsc tsc_known_freq nonstop_tsc'),
    'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor': 'schedutil\n',
  });
  t.equal(hostTscKHz(cpufreq), undefined, 'a cpufreq driver');
  // The rate was measured by the host kernel, or the TSC's rate changes.
  t.equal(hostTscKHz(fakeHost(t, { 'proc/cpuinfo': cpuinfo('tsc constant_tsc nonstop_tsc') })), undefined, 'not known');
  t.equal(hostTscKHz(fakeHost(t, { 'proc/cpuinfo': cpuinfo('tsc tsc_known_freq') })), undefined, 'not constant');
  t.equal(hostTscKHz(fakeHost(t, {})), undefined, 'no /proc/cpuinfo');
  const notStated = await detectAccelerator({ env: {}, hostRoot: meters });
  t.notOk('guestTscKHz' in notStated);
  t.equal(timerCmdline(notStated), TIMER_CMDLINE.tcg);
});

t.test('accel: forced, no kvm, PVM, no vmx, cache', async (t) => {
  t.same(TIMEOUT_SCALE, { kvm: 1, tcg: 10 });
  const forced = await detectAccelerator({ env: { CLEAR_ACCEL: 'kvm' } });
  t.same(forced, { kind: 'kvm', reason: 'forced by CLEAR_ACCEL=kvm', timeoutScale: 1 });
  t.match(await detectAccelerator({ env: { CLEAR_ACCEL: 'tcg' } }), { kind: 'tcg', timeoutScale: 10, reason: /forced by CLEAR_ACCEL/ });
  await t.rejects(detectAccelerator({ env: { CLEAR_ACCEL: 'hvf' } }), /CLEAR_ACCEL/);

  const none = fakeHost(t, { 'proc/cpuinfo': 'flags\t: fpu vmx\n' });
  t.match(await detectAccelerator({ env: {}, hostRoot: none }), { kind: 'tcg', reason: /no \/dev\/kvm/ });

  const pvm = fakeHost(t, { 'dev/kvm': '', 'sys/module/kvm_pvm/parameters': '', 'proc/cpuinfo': 'flags\t: fpu\n' });
  t.match(await detectAccelerator({ env: {}, hostRoot: pvm }), {
    kind: 'tcg',
    timeoutScale: 10,
    reason: /PVM-backed \(kvm_pvm\): standard guest kernels cannot run/,
  });

  const novmx = fakeHost(t, { 'dev/kvm': '', 'proc/cpuinfo': 'processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n' });
  t.match(await detectAccelerator({ env: {}, hostRoot: novmx }), { kind: 'tcg', reason: /vmx\/svm/ });

  const vmx = fakeHost(t, {
    'dev/kvm': '',
    'proc/cpuinfo': 'flags\t\t: fpu vmx sse2\n',
    'proc/sys/kernel/random/boot_id': 'boot-1\n',
  });
  const cacheFile = path.join(vmx, 'cache', 'accel.json');
  t.match(await detectAccelerator({ env: {}, hostRoot: vmx, kernel: path.join(vmx, 'nokernel'), cacheFile }), {
    kind: 'tcg',
    reason: /not probed: guest kernel .* missing/,
  });
  t.notOk(fs.existsSync(cacheFile), 'an unprobed answer is not cached');
  // A cached probe for this boot is reused; another boot's is not.
  const kernel = path.join(vmx, 'vmlinux');
  fs.writeFileSync(kernel, '');
  fs.mkdirSync(path.dirname(cacheFile));
  fs.writeFileSync(cacheFile, JSON.stringify({ bootId: 'boot-1', kernel, kind: 'kvm', reason: 'KVM: booted' }));
  t.match(await detectAccelerator({ env: {}, hostRoot: vmx, kernel, cacheFile }), {
    kind: 'kvm',
    timeoutScale: 1,
    reason: /probed earlier this boot/,
  });
  fs.writeFileSync(cacheFile, JSON.stringify({ bootId: 'boot-0', kernel, kind: 'kvm', reason: 'KVM: booted' }));
  // Stale cache: the probe runs; an empty "kernel" cannot boot, so TCG, and the result is cached.
  const probed = await detectAccelerator({ env: {}, hostRoot: vmx, kernel, cacheFile, probeTimeoutMs: 5000 });
  t.match(probed, { kind: 'tcg', reason: /does not boot/ });
  t.match(JSON.parse(fs.readFileSync(cacheFile, 'utf8')), { bootId: 'boot-1', kind: 'tcg' });
});

// ---------------------------------------------------------------- real boots

const MARKER = 'CLEAR-INIT-OK';
const kernel = guestArtifacts().kernel;
const haveKernel = fs.existsSync(kernel);
const haveMkfs = (() => {
  try {
    execFileSync('mkfs.erofs', ['--help'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();
const bootSkip = !haveKernel
  ? `guest kernel ${kernel} does not exist yet (run 'make guest')`
  : !haveMkfs
    ? 'mkfs.erofs missing (run make deps)'
    : !fs.existsSync('/bin/busybox')
      ? '/bin/busybox missing (apt-get install busybox-static)'
      : false;
if (bootSkip) console.log(`# skipping boot tests: ${bootSkip}`);

/** Our init: marker, the virtio devices it sees, then what clear.test= asks. */
const INIT = `#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
echo "${MARKER} uptime=$($B cut -d' ' -f1 /proc/uptime)"
echo "virtio-devices: $($B ls /sys/bus/virtio/devices | $B tr '\\n' ' ')"
echo "clocksource: $($B cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "clockevent: $($B cat /sys/devices/system/clockevents/clockevent0/current_device), PIT interrupts (IRQ 0): $($B grep -c '^ *0:' /proc/interrupts)"
echo "cpu-flags: $($B grep -m1 '^flags' /proc/cpuinfo | $B cut -d: -f2) ."
case "$($B cat /proc/cmdline)" in
  *clear.test=fs*) $B mount -t virtiofs share /mnt && echo "FS: $($B cat /mnt/hello)" ;;
esac
case "$($B cat /proc/cmdline)" in
  *clear.test=pmem*)
    echo "ROOT: $($B grep ' / ' /proc/mounts)"
    echo "PMEM: $($B cat /hello)"
    # A guest that writes its image device must not reach the host's file.
    $B dd if=/dev/zero of=/dev/pmem0 bs=4096 count=16 conv=fsync 2>/dev/null && echo "WROTE pmem0" ;;
esac
case "$($B cat /proc/cmdline)" in
  *clear.test=stay*) while :; do $B sleep 3600; done ;;
esac
$B reboot -f
`;

let rootImage = '';
function testImage(): string {
  if (rootImage) return rootImage;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-qemu-img-'));
  const tree = path.join(dir, 'root');
  for (const d of ['bin', 'dev', 'proc', 'sys', 'mnt']) fs.mkdirSync(path.join(tree, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(tree, 'bin/busybox'));
  fs.chmodSync(path.join(tree, 'bin/busybox'), 0o755);
  fs.writeFileSync(path.join(tree, 'init'), INIT, { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'hello'), 'hello from the image\n');
  rootImage = path.join(dir, 'root.erofs');
  // As make image does: files DAX can map (no inline tails), 2 MiB whole.
  execFileSync('mkfs.erofs', ['--quiet', '--all-root', '-E', 'noinline_data', rootImage, tree], { stdio: 'inherit' });
  execFileSync('truncate', ['--size=%2M', rootImage]);
  return rootImage;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** QEMU processes whose command line mentions `needle` (e.g. a run directory). */
function qemuPidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.includes('qemu-system') && cmd.includes(needle)) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

async function waitFor(what: string, ms: number, fn: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('boot', { skip: bootSkip }, async (t) => {
  const image = testImage();
  t.teardown(() => fs.rmSync(path.dirname(image), { recursive: true, force: true }));
  const accel = await detectAccelerator();
  t.comment(`accelerator: ${accel.kind} (${accel.reason})`);
  const hv = new QemuHypervisor();
  const bootMs = 3000 * accel.timeoutScale;

  const machineCfg = (name: string, runDir: string, extra: Partial<MachineConfig> = {}): MachineConfig => ({
    name,
    kernel,
    cmdline: 'root=/dev/vda rootfstype=erofs ro init=/init',
    memoryMiB: 128,
    vcpus: 1,
    accel,
    runDir,
    devices: [{ kind: 'block', id: 'root', path: image, readOnly: true }],
    consoleLog: path.join(runDir, 'console.log'),
    ...extra,
  });

  t.test('runs, pauses, resumes, quits', async (t) => {
    const runDir = tmpdir(t, 'clear-vm-');
    const c = machineCfg('stay', runDir);
    c.cmdline += ' clear.test=stay';
    const m = await hv.start(c);
    t.teardown(() => m.kill());
    t.ok(alive(m.pid));
    t.ok(fs.existsSync(path.join(runDir, 'qmp.sock')));
    await waitFor('the init marker, device list, clocksource and CPU flags in the console log', bootMs, () =>
      /cpu-flags: [^\n]* \./.test(fs.readFileSync(c.consoleLog!, 'utf8')),
    );
    const con = fs.readFileSync(c.consoleLog!, 'utf8');
    t.match(con, MARKER);
    t.match(con, /virtio-devices: virtio0/, 'the guest found the virtio-mmio disk from the kernel command line');
    if (accel.kind === 'tcg' && accel.guestTscKHz) {
      // Told the host's TSC rate, the guest keeps time with its TSC on every
      // boot, never with 10 ms jiffies after a failed calibration.
      // (tsc-early until the kernel registers the TSC for good, ~1 s on.)
      t.match(con, /clocksource: tsc(-early)?\r?\n/, `the guest's clock is its TSC (told ${accel.guestTscKHz} kHz)`);
      t.notMatch(con, /Marking TSC unstable/);
    } else {
      t.comment(`the guest's clocksource not checked: ${accel.kind === 'kvm' ? 'KVM guests keep their own' : 'this host does not state its TSC rate'}`);
    }
    if (accel.kind === 'tcg') {
      // TCG runs a string instruction an element per step: the guest must not pick `rep movsb` for its copies.
      const flags = /cpu-flags: ([^\n]*) \./.exec(con)?.[1] ?? '';
      t.match(flags, / rep_good\b/, 'the guest sees its CPU flags');
      t.notMatch(flags, /\b(erms|fsrm)\b/, 'no ERMS or FSRM in a TCG guest');
      // Told the APIC timer's rate (lapic_timer_period=), the kernel neither
      // calibrates it nor sets up the PIT, whose ~27 ms longest sleep woke an
      // idle guest ~39 times a second.
      t.match(con, /clockevent: lapic, PIT interrupts \(IRQ 0\): 0\r?\n/, "the guest's timer is its local APIC's; no PIT");
    }
    t.equal(await m.status(), 'running');
    await m.pause();
    t.equal(await m.status(), 'paused');
    await m.resume();
    t.equal(await m.status(), 'running');
    const e = await m.quit();
    t.equal(e.signal, null);
    t.equal(e.code, 0);
    t.notOk(alive(m.pid), 'quit: process gone');
    t.equal(await m.status(), 'shutdown');
    await t.rejects(m.pause(), /has exited/);
    t.same(await m.quit(), e, 'quit again returns the same exit');
  });

  t.test('a guest that reboots ends the process; kill is idempotent', async (t) => {
    const runDir = tmpdir(t, 'clear-vm-');
    const c = machineCfg('once', runDir);
    const m = await hv.start(c);
    t.teardown(() => m.kill());
    const e = await m.exited;
    t.equal(e.code, 0);
    t.match(fs.readFileSync(c.consoleLog!, 'utf8'), MARKER);
    t.same(await m.kill(), e);
    t.notOk(alive(m.pid));
  });

  t.test('kill: SIGKILL and the exit says so', async (t) => {
    const runDir = tmpdir(t, 'clear-vm-');
    const c = machineCfg('killme', runDir, { consoleLog: null });
    c.cmdline += ' clear.test=stay';
    const m = await hv.start(c);
    t.teardown(() => m.kill());
    const e = await m.kill();
    t.equal(e.signal, 'SIGKILL');
    t.notOk(alive(m.pid));
  });

  t.test('two VMs share one read-only image', async (t) => {
    const dirs = [tmpdir(t, 'clear-vm-'), tmpdir(t, 'clear-vm-')];
    const cs = dirs.map((d, i) => {
      const c = machineCfg(`share${i}`, d);
      c.cmdline += ' clear.test=stay';
      return c;
    });
    const ms = await Promise.all(cs.map((c) => hv.start(c)));
    t.teardown(() => Promise.all(ms.map((m) => m.kill())));
    for (const c of cs) {
      await waitFor(`marker from ${c.name}`, bootMs, () => fs.readFileSync(c.consoleLog!, 'utf8').includes(MARKER));
    }
    for (const m of ms) t.equal(await m.status(), 'running');
    for (const m of ms) {
      await m.quit();
      t.notOk(alive(m.pid), `qemu pid ${m.pid} is gone`);
    }
  });

  t.test('the image as DAX persistent memory: mounted from /dev/pmem0, guest writes never reach the file', async (t) => {
    const runDir = tmpdir(t, 'clear-vm-');
    const before = fs.readFileSync(image);
    const root = rootImageDevice(image, 'dax');
    t.equal(root.mode, 'dax');
    const c = machineCfg('pmem', runDir, { devices: [root.device], cmdline: `${root.cmdline} init=/init clear.test=pmem` });
    const m = await hv.start(c);
    t.teardown(() => m.kill());
    const e = await Promise.race([m.exited, new Promise<null>((r) => setTimeout(() => r(null), bootMs))]);
    t.ok(e, 'the guest finished');
    const con = fs.readFileSync(c.consoleLog!, 'utf8');
    t.match(con, /ROOT: \/dev\/root \/ erofs ro,[^\n]*dax=always/, 'root is erofs mounted with DAX');
    t.match(con, 'PMEM: hello from the image', 'the guest reads the image through DAX');
    t.match(con, 'WROTE pmem0', 'the guest believed its write');
    t.ok(fs.readFileSync(image).equals(before), 'the host image is unchanged');
    t.notMatch(con, /vhost|mmap/i, 'no vhost complaint about the read-only region');
  });

  t.test('a bad kernel path: rejects naming it, leaves no QEMU', async (t) => {
    const runDir = tmpdir(t, 'clear-vm-');
    const bad = path.join(runDir, 'no-such-vmlinux');
    await t.rejects(hv.start(machineCfg('bad', runDir, { kernel: bad })), new RegExp(`exited during start[^]*${bad}`));
    t.same(qemuPidsWith(runDir), [], 'no qemu process left');
  });

  t.test('a missing QEMU binary: clear error', async (t) => {
    const runDir = tmpdir(t, 'clear-vm-');
    await t.rejects(
      new QemuHypervisor({ binary: path.join(runDir, 'qemu-nope') }).start(machineCfg('nobin', runDir)),
      /qemu-nope not found/,
    );
  });

  t.test('vhost-user over an inherited socket fd; start timeout kills QEMU', async (t) => {
    // QEMU 7.2 takes a connected socket as `-chardev socket,fd=N`: the
    // backend end receives vhost-user GET_FEATURES (request 1) on it. We
    // never answer, so QEMU blocks in device setup, QMP never answers, and
    // start() must time out and kill it.
    const runDir = tmpdir(t, 'clear-vm-');
    const sockPath = path.join(runDir, 'backend.sock');
    let firstMsg: Buffer | null = null;
    const server = net.createServer((c) => {
      c.once('data', (d) => (firstMsg = d));
      c.on('error', () => {});
    });
    t.teardown(() => server.close());
    await new Promise<void>((r) => server.listen(sockPath, r));
    const client = net.createConnection(sockPath);
    await new Promise((r) => client.once('connect', r));
    t.teardown(() => client.destroy());
    const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
    t.ok(fd > 2, `client socket fd ${fd}`);
    const c = machineCfg('fdpass', runDir, {
      accel: { ...accel, timeoutScale: 1 },
      devices: [{ kind: 'vsock-vhost-user', socket: { fd } }],
    });
    await t.rejects(new QemuHypervisor({ startTimeoutMs: 1500 }).start(c), /did not become ready/);
    t.same(qemuPidsWith(runDir), [], 'no qemu process left');
    t.ok(firstMsg, 'the backend heard from QEMU');
    t.equal(firstMsg!.readUInt32LE(0), 1, 'VHOST_USER_GET_FEATURES');
  });

  const virtiofsd = '/usr/lib/qemu/virtiofsd';
  t.test('virtio-fs through virtiofsd (shared memfd RAM)', { skip: !fs.existsSync(virtiofsd) && 'no virtiofsd' }, async (t) => {
    const runDir = tmpdir(t, 'clear-vm-');
    const share = path.join(runDir, 'share');
    fs.mkdirSync(share);
    fs.writeFileSync(path.join(share, 'hello'), 'hello from the host\n');
    const sock = path.join(runDir, 'fs.sock');
    const fsd = spawn(virtiofsd, [`--socket-path=${sock}`, '-o', `source=${share}`, '-o', 'cache=none'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let fsdErr = '';
    fsd.stderr.on('data', (d) => (fsdErr += d));
    const fsdGone = new Promise((r) => fsd.once('close', r));
    t.teardown(async () => {
      if (fsd.exitCode === null && fsd.signalCode === null) fsd.kill('SIGKILL');
      await fsdGone;
    });
    await waitFor('virtiofsd socket', 5000, () => fs.existsSync(sock));
    const c = machineCfg('fs', runDir, {
      devices: [
        { kind: 'block', id: 'root', path: image, readOnly: true },
        { kind: 'fs-vhost-user', socket: { path: sock }, tag: 'share' },
      ],
    });
    c.cmdline += ' clear.test=fs';
    const m = await hv.start(c);
    t.teardown(() => m.kill());
    const e = await Promise.race([
      m.exited,
      new Promise<null>((r) => setTimeout(() => r(null), bootMs)),
    ]);
    t.ok(e, 'the guest finished');
    await m.kill();
    t.notOk(alive(m.pid));
    const con = fs.readFileSync(c.consoleLog!, 'utf8');
    t.match(con, 'FS: hello from the host', `guest read the shared file${fsdErr ? ` (virtiofsd: ${fsdErr})` : ''}`);
  });
});

t.test('args: virtio-net on a tap (virtio-mmio, no vhost), MAC as given; bad names refused', async (t) => {
  const { args } = buildQemuArgs(cfg({ devices: [{ kind: 'net-tap', ifname: 'clear-tap0', mac: '02:42:0a:d1:01:02' }] }));
  const i = args.indexOf('-netdev');
  t.equal(args[i + 1], 'tap,id=net0,ifname=clear-tap0,script=no,downscript=no,vhost=off');
  t.equal(args[args.indexOf('-device', i) + 1], 'virtio-net-device,netdev=net0,mac=02:42:0a:d1:01:02');
  t.throws(() => buildQemuArgs(cfg({ devices: [{ kind: 'net-tap', ifname: 'a,b', mac: '02:42:0a:d1:01:02' }] })), /tap name/);
  t.throws(() => buildQemuArgs(cfg({ devices: [{ kind: 'net-tap', ifname: 'tap0', mac: 'nope' }] })), /MAC/);
});
