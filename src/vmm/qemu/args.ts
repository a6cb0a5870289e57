/**
 * The QEMU command line for one clear microVM, built from a MachineConfig.
 * A pure function: no I/O, so it is unit-tested directly.
 *
 * Findings behind the defaults (QEMU 7.2, clear's own PVH vmlinux, TCG, this
 * 2-core machine; see MEASUREMENTS below for the figures):
 *
 *  - `-M microvm`: no PCI, no ACPI, no firmware tables beyond what direct
 *    kernel boot needs. Virtio devices are virtio-mmio transports; with
 *    acpi=off QEMU appends `virtio_mmio.device=512@0xfeb0xxxx:NN` to the
 *    kernel command line for every transport that has a device plugged
 *    (auto-kernel-cmdline, on by default), and the guest kernel
 *    (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES) finds them from there. Verified:
 *    /sys/bus/virtio/devices lists the disk and the guest mounts it as root.
 *  - Guest RAM is a memfd with share=on, named by `memory-backend=`: every
 *    vhost-user backend (our vsock backend, virtiofsd) maps guest memory from
 *    the fds QEMU sends it, which only works for shared file-backed RAM.
 *  - `-nodefaults -no-user-config -display none`: no VGA, no NIC, no default
 *    serial/parallel/monitor, no host config files. `-nographic` is not
 *    needed on top of `-display none` once -nodefaults has removed the
 *    default serial and monitor.
 *  - `-no-reboot`: a guest reboot (our init's `reboot -f`, or a panic with
 *    panic=-1) makes QEMU exit, so a finished guest ends the process.
 */
import type { Accelerator, DeviceSpec, MachineConfig, SocketRef } from '../hypervisor';

/*
 * MEASUREMENTS (2026-11, QEMU 7.2, clear's PVH vmlinux 6.1, TCG -cpu max,
 * 1 vCPU, 256 MiB, a busybox /init on an erofs virtio-blk root; host: 2
 * cores shared with other jobs, so ±300 ms noise). Time from spawning QEMU to
 * the init's marker on the serial console, median of 8 interleaved runs;
 * "guest" is the guest's own uptime at the marker:
 *
 *   acpi=off pit=on pic=on rtc=on x-option-roms=off, modern virtio  1622 ms  guest 1.51 s   <- default
 *   same, x-option-roms=on                                          1574 ms  guest 1.38 s   (noise)
 *   same, legacy virtio-mmio (QEMU's default)                       1566 ms  guest 1.38 s   (noise)
 *   same, rtc=off                                                   2562 ms  guest 1.38 s   (slower, probably
 *        the kernel polling an absent CMOS clock before its own clock starts; and the guest's wall clock is 1970)
 *   pit=off (pic on)   kernel panics: "IO-APIC + timer doesn't work!"
 *   pic=off (pit on)   kernel hangs: "Failed to register legacy timer interrupt", TSC and LAPIC timer
 *                      cannot calibrate (no HPET or PM timer on microvm; no kvmclock under TCG)
 *   acpi=on/auto       QEMU stops appending virtio_mmio.device= and the guest (no ACPI) finds no disk
 *   isa-serial=off     no ttyS0, no console
 *
 * So under TCG the PIT and PIC stay on. Under real KVM (kvmclock, in-kernel
 * irqchip) pit=off,pic=off would probably work, Firecracker-style, but this
 * host's /dev/kvm is PVM and cannot tell; they stay on there too until
 * measured on a KVM host.
 *
 * Kernel command line: `reboot=t` (reboot by triple fault) cuts a guest's
 * own reboot (init's `reboot -f`, or panic=-1) from ~3 s to ~30 ms: without
 * it the kernel first tries ACPI and the keyboard controller, which microvm
 * lacks, and waits between attempts. Tried and found no better than noise:
 * 8250.nr_uarts=1, no_timer_check tsc=reliable, loglevel=0 (over quiet).
 * 2 vCPUs boot ~0.7 s slower than 1 under TCG on this 2-core host.
 * Where the guest's 1.4 s goes (printk.time): ~0.29 s APIC/IO-APIC timer
 * checks before "smpboot: CPU0", ~0.19 s mounting root to init; the rest is
 * spread thinly over initcalls.
 */

/**
 * microvm machine properties. Every one was tried on and off under TCG with
 * the guest kernel; the defaults are the fastest set that boots and finds its
 * devices (MEASUREMENTS above).
 */
export interface MicrovmOptions {
  /** Option ROMs (linuxboot_dma.bin): not needed for a PVH ELF kernel. */
  optionRoms: boolean;
  /** i8254 PIT. */
  pit: boolean;
  /** i8259 PIC. */
  pic: boolean;
  /** MC146818 RTC. */
  rtc: boolean;
  /** ACPI tables. The guest kernel has no ACPI; on would also stop the auto virtio_mmio cmdline. */
  acpi: boolean;
  /** The ISA 16550 behind ttyS0: on, the console needs it. */
  isaSerial: boolean;
  /**
   * virtio-mmio transport in legacy (virtio 0.9, MMIO version 1) mode, which
   * is QEMU's default for compatibility. Off (`-global
   * virtio-mmio.force-legacy=off`): virtiofsd (libvhost-user) refuses legacy
   * devices outright ("virtio legacy devices aren't supported by
   * libvhost-user"), and a vhost-user backend must then offer
   * VIRTIO_F_VERSION_1, which ours does.
   */
  virtioLegacy: boolean;
}

export const DEFAULT_MICROVM_OPTIONS: Readonly<MicrovmOptions> = Object.freeze({
  optionRoms: false,
  pit: true,
  pic: true,
  rtc: true,
  acpi: false,
  isaSerial: true,
  virtioLegacy: false,
});

/**
 * TCG's translation cache (`-accel tcg,tb-size=N`, MiB). QEMU 7.2's default
 * reserves up to 1 GiB (an eighth of host RAM) and an idle clear guest had
 * touched ~100 MiB of it by "agent ready": most of an idle VM's host memory
 * after its guest RAM. Measured (one idle VM, host PSS of QEMU, busy 2-core
 * host, boot = QEMU start → agent ready):
 *   default   196 MiB   boot 12–14 s
 *   32        140 MiB   boot 12 s (no slower beyond noise)
 *   16        118–123   boot 15–26 s (retranslation shows)
 *   8         the agent never became reachable within the boot timeout
 * So 32. Not used under KVM (no translation there).
 *
 * split-wx=on: the buffer is a memfd mapped twice (written through one
 * mapping, run from the other) instead of private memory, so that the host
 * can free its dead part while the guest is idle (code-cache.ts).
 */
export const TCG_TB_SIZE_MIB = 32;
const TCG_ACCEL = `tcg,tb-size=${TCG_TB_SIZE_MIB},split-wx=on`;

/**
 * Kernel command line the driver always puts before the caller's. QEMU
 * appends `virtio_mmio.device=...` entries after all of it.
 *
 * oops=panic: a guest kernel that oopsed is not to be trusted with the
 * container any further, and it may well be wedged (an oops in a worker
 * leaves what it held locked: its requests are never answered). With the
 * panic (and panic=-1, -no-reboot) the VM ends at once, and so does the
 * container, with the VM-died status, instead of hanging its callers.
 *
 * noreplace-smp: an SMP kernel on one vCPU rewrites every LOCK prefix of
 * its text at boot (the uniprocessor alternatives), thousands of text_poke
 * calls, each through a temporary address space (a CR3 switch) into a page
 * of code, which TCG must then translate again. A guest that boots with one
 * vCPU keeps the prefixes instead: a locked instruction costs nothing more
 * on one vCPU under TCG, and little under KVM. Measured (TCG, 2026-11-24,
 * 3 boots each, guest uptime): that step ends at 0.09-0.11 s vs 0.16-0.18
 * s, init starts ~50 ms sooner. The floor boots with it too.
 */
export const BASE_CMDLINE = 'console=ttyS0 quiet oops=panic panic=-1 reboot=t noreplace-smp';

/**
 * Kernel words for the guest's timers, by accelerator; they go right after
 * BASE_CMDLINE, so the bench's bare-QEMU floor boots with them too.
 *
 * no_timer_check: the kernel's check that the timer interrupt arrives
 * through the IO-APIC busy-waits for ticks; QEMU's always does. (Clear
 * Containers and Kata boot their guests with it too.)
 *
 * lapic_timer_period=, TCG only (our kernel's patch 0002): the local APIC
 * timer's rate, so the kernel need not calibrate it against the PIT, ~100
 * ms of guest time that TCG stretched to a third of the kernel's boot.
 * QEMU's emulated APIC counts at 1 GHz (a guest that calibrates finds
 * 999.97 MHz); the word is in clocks per jiffy. Before it the guests booted
 * with noapictimer, which skipped the calibration too (init started at
 * 0.66 s of guest uptime vs 1.01 s), but left the PIT as the clock-event
 * device: its 16-bit counter sleeps ~27 ms at most, so an idle guest woke
 * ~39 times a second, ~1.25 % of a host CPU per idle VM. Under KVM the
 * TSC-deadline timer needs neither.
 */
const QEMU_APIC_BUS_HZ = 1_000_000_000;
/** The guest kernel's CONFIG_HZ (guest/kernel/clear.config: CONFIG_HZ_100). */
const GUEST_KERNEL_HZ = 100;
export const TIMER_CMDLINE: Record<Accelerator['kind'], string> = {
  kvm: 'no_timer_check',
  tcg: `no_timer_check lapic_timer_period=${QEMU_APIC_BUS_HZ / GUEST_KERNEL_HZ}`,
};

/**
 * TIMER_CMDLINE's words, and under TCG, where the host knows its TSC's rate
 * (Accelerator.guestTscKHz), two more: a TCG guest's TSC is the host's.
 *
 * tsc_early_khz=N: the guest kernel otherwise measures its TSC against the
 * PIT in a few quick reads, which a TCG vCPU that the host preempts in
 * between fails; with no HPET or ACPI PM timer to fall back on it then
 * marks the TSC unstable and keeps time with jiffies: 10 ms timers and
 * clock resolution for the container's whole life, after a ~0.2 s
 * delay-loop calibration. Seen (TCG, 2026-11-25, this host at load ~1,
 * `run`s alternated with and without the word): in 11 of 30 boots without
 * it, in none of 24 with it; `run` → first output no different.
 *
 * tsc=reliable: the host's flags say its TSC runs at one rate, always
 * (hostTscKHz). Without the word the kernel checks its TSC against a
 * watchdog clock every 0.5 s, here jiffies: ~2.7 more wake-ups a second in
 * an idle guest, whose QEMU used 0.28–0.37 % of a host CPU against
 * 0.05–0.07 % with it (2 idle VMs each, 60 s; `run` → first output 2448
 * ms median both, 8 alternated rounds). And a check against jiffies, which
 * a busy host delays, could only ever mark a good TSC unstable. (Kata
 * boots its guests with it too.)
 */
export function timerCmdline(accel: Accelerator): string {
  const tsc = accel.kind === 'tcg' && accel.guestTscKHz ? ` tsc_early_khz=${accel.guestTscKHz} tsc=reliable` : '';
  return TIMER_CMDLINE[accel.kind] + tsc;
}

/**
 * The CPU model under TCG: QEMU's `max` without ERMS. With ERMS the guest
 * kernel's copy_to_user/clear_user, memcpy, memset and clear_page take
 * their `rep movsb`/`rep stosb` forms, and TCG runs a string instruction
 * one element at a time: a byte per step instead of a quadword (`rep
 * movsq`, what the kernel picks with REP_GOOD alone). Measured (TCG,
 * 2026-11-24, in a container): 200 MiB from /dev/zero 0.32 → 0.08 s, through
 * a pipe 1.48 → 0.55 s; make bench's stdout of dd 18 → 31 MiB/s, sequential
 * read 141 → 162 MiB/s. glibc's memcpy leaves `rep movsb` too. FSRM (fast
 * short `rep movsb`) goes with it: QEMU 7.2's `max` has none, newer ones'
 * do, and QEMU 10.0's with ERMS off and FSRM on left the 6.1 guest kernel
 * in a page-fault loop early in its boot (2026-11-25). Under KVM the host's
 * own CPU is passed through (`-cpu host`).
 */
export const TCG_CPU = 'max,erms=off,fsrm=off';

/**
 * microvm's guest-physical map in QEMU 7.2: RAM from 0 to 3 GiB, the rest of
 * it from 4 GiB on (device MMIO, virtio-mmio included, lives in between).
 * Measured: `-m 4G` gives the guest e820 RAM [1 MiB, 3 GiB) and [4 GiB, 5 GiB).
 */
const LOWMEM_TOP_MIB = 3072;
const HIGHMEM_BASE_MIB = 4096;
/** Linux maps device memory in 2 MiB subsections: a pmem region starts and ends on one. */
const PMEM_ALIGN_MIB = 2;

/** Where guest RAM and the pmem regions go. */
export interface MemoryLayout {
  /** The RAM node's size: memoryMiB, plus padding the guest is told to leave alone. */
  ramNodeMiB: number;
  /** The pmem region (at most one), with its guest-physical address. */
  pmem: { id: string; path: string; sizeMiB: number; addressMiB: number } | null;
  /** `memmap=` words: the pmem range as persistent memory (`!`), padding as reserved (`$`). */
  cmdline: string[];
}

/**
 * How guest memory is laid out around a pmem device. QEMU concatenates the
 * memory of NUMA nodes into the machine's RAM, and microvm maps that RAM
 * below 3 GiB and then from 4 GiB: so the pmem file, made the second node,
 * lands right after guest RAM, aligned, and never across the hole (RAM is
 * padded up to 3 GiB when it would straddle it). The guest learns of the
 * range only from `memmap=SIZE!ADDR` (the e820 table calls it RAM; the
 * kernel option turns it into legacy pmem), and of the padding from
 * `memmap=SIZE$ADDR`, so it uses exactly memoryMiB of RAM.
 */
export function layoutMemory(memoryMiB: number, pmem: Extract<DeviceSpec, { kind: 'pmem' }> | undefined): MemoryLayout {
  if (!pmem) return { ramNodeMiB: memoryMiB, pmem: null, cmdline: [] };
  const sizeMiB = pmem.sizeBytes / MIB;
  let offset = Math.ceil(memoryMiB / PMEM_ALIGN_MIB) * PMEM_ALIGN_MIB;
  if (offset < LOWMEM_TOP_MIB && offset + sizeMiB > LOWMEM_TOP_MIB) offset = LOWMEM_TOP_MIB;
  const address = (o: number) => (o < LOWMEM_TOP_MIB ? o : HIGHMEM_BASE_MIB + (o - LOWMEM_TOP_MIB));
  const cmdline: string[] = [];
  if (offset > memoryMiB) cmdline.push(`memmap=${offset - memoryMiB}M$${address(memoryMiB)}M`);
  cmdline.push(`memmap=${sizeMiB}M!${address(offset)}M`);
  return { ramNodeMiB: offset, pmem: { id: pmem.id, path: pmem.path, sizeMiB, addressMiB: address(offset) }, cmdline };
}

const MIB = 1024 * 1024;

export interface QemuArgsOptions {
  /** The binary to run (argv[0]); default qemu-system-x86_64. */
  binary?: string;
  /** Override microvm properties (for measurements and odd hosts). */
  microvm?: Partial<MicrovmOptions>;
  /** Extra kernel command line placed between BASE_CMDLINE and config.cmdline. */
  extraCmdline?: string;
  /**
   * Arguments appended after all of clear's own (config.json's
   * vm.hypervisor.parameters). Where QEMU keeps the last of a repeated option
   * (-cpu, -m, -smp, a -global) they override clear's. QEMU keeps the first
   * -accel that works instead, so with an -accel among them clear gives
   * none of its own.
   */
  extraArgs?: string[];
}

/** An fd the child must inherit: the parent's `parentFd` appears as `childFd` in QEMU. */
export interface FdPass {
  parentFd: number;
  childFd: number;
}

export interface QemuInvocation {
  binary: string;
  args: string[];
  /** Fds QEMU inherits (from {fd} socket refs), numbered from 3 in order. */
  fds: FdPass[];
  /** Where QMP listens: <runDir>/qmp.sock. */
  qmpSocket: string;
  /** TCG's translation cache is ours, in a memfd (TCG_ACCEL), one region (one vCPU): code-cache.ts can trim it. */
  sharedCodeCache: boolean;
}

/** The QMP socket path for a run directory. */
export function qmpSocketPath(runDir: string): string {
  return `${runDir.replace(/\/+$/, '')}/qmp.sock`;
}

/**
 * A second QMP monitor, <runDir>/qmp-ctl.sock, for short-lived clients
 * (`clear-runtime pause/resume`): a QMP chardev serves one client at a time,
 * and the driver holds the first one for the VM's whole life.
 */
export function qmpControlSocketPath(runDir: string): string {
  return `${runDir.replace(/\/+$/, '')}/qmp-ctl.sock`;
}

/** Escape a value for QEMU's key=value,key=value option syntax (commas double). */
export function qemuOptValue(v: string): string {
  return v.replace(/,/g, ',,');
}

const onOff = (b: boolean) => (b ? 'on' : 'off');

/** Build the full QEMU invocation for `config`. */
export function buildQemuArgs(config: MachineConfig, opts: QemuArgsOptions = {}): QemuInvocation {
  validate(config);
  const m: MicrovmOptions = { ...DEFAULT_MICROVM_OPTIONS, ...opts.microvm };
  const layout = layoutMemory(config.memoryMiB, config.devices.find((d) => d.kind === 'pmem'));
  const qmpSocket = qmpSocketPath(config.runDir);
  const fds: FdPass[] = [];
  const args: string[] = [];

  args.push('-name', `${qemuOptValue(config.name)},process=${qemuOptValue(processName(config.name))}`);
  args.push(
    '-M',
    [
      'microvm',
      `x-option-roms=${onOff(m.optionRoms)}`,
      `pit=${onOff(m.pit)}`,
      `pic=${onOff(m.pic)}`,
      `isa-serial=${onOff(m.isaSerial)}`,
      `rtc=${onOff(m.rtc)}`,
      `acpi=${onOff(m.acpi)}`,
      // With a pmem region the machine's RAM is built from NUMA nodes instead.
      ...(layout.pmem ? [] : ['memory-backend=mem']),
    ].join(','),
  );
  if (!m.virtioLegacy) args.push('-global', 'virtio-mmio.force-legacy=off');
  // QEMU uses the first -accel that works: one among the extra arguments
  // (e.g. tcg,tb-size=128, a faster start for more memory) replaces ours.
  const ownAccel = !(opts.extraArgs ?? []).includes('-accel');
  if (config.accel.kind === 'kvm') args.push(...(ownAccel ? ['-accel', 'kvm'] : []), '-cpu', 'host');
  else args.push(...(ownAccel ? ['-accel', TCG_ACCEL] : []), '-cpu', TCG_CPU);
  args.push('-m', `${layout.ramNodeMiB + (layout.pmem?.sizeMiB ?? 0)}M`, '-smp', String(config.vcpus));
  args.push('-object', `memory-backend-memfd,id=mem,size=${layout.ramNodeMiB}M,share=on`);
  if (layout.pmem) {
    // readonly=on: the guest cannot write the shared file (its writes are
    // dropped), QEMU opens it read-only, and the region counts as ROM, which
    // vhost keeps out of the memory table it sends backends (they need only
    // RAM, and would map it writable). share=off: pages stay the host's page
    // cache of the file, shared by every VM that maps it.
    const id = `pmem-${layout.pmem.id}`;
    args.push('-object', `memory-backend-file,id=${id},mem-path=${qemuOptValue(layout.pmem.path)},size=${layout.pmem.sizeMiB}M,share=off,readonly=on`);
    args.push('-numa', 'node,nodeid=0,memdev=mem', '-numa', `node,nodeid=1,memdev=${id}`);
  }
  args.push('-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot');
  args.push('-kernel', config.kernel);
  const cmdline = [BASE_CMDLINE, timerCmdline(config.accel), ...layout.cmdline, opts.extraCmdline ?? '', config.cmdline].map((s) => s.trim()).filter(Boolean);
  args.push('-append', cmdline.join(' '));

  if (config.consoleLog === null) {
    args.push('-serial', 'null');
  } else {
    args.push('-chardev', `file,id=console,path=${qemuOptValue(config.consoleLog)}`);
    args.push('-serial', 'chardev:console');
  }

  args.push('-chardev', `socket,id=qmp,path=${qemuOptValue(qmpSocket)},server=on,wait=off`);
  args.push('-mon', 'chardev=qmp,mode=control');
  args.push('-chardev', `socket,id=qmpctl,path=${qemuOptValue(qmpControlSocketPath(config.runDir))},server=on,wait=off`);
  args.push('-mon', 'chardev=qmpctl,mode=control');

  const socketChardev = (id: string, ref: SocketRef): string => {
    if ('fd' in ref) {
      const childFd = 3 + fds.length;
      fds.push({ parentFd: ref.fd, childFd });
      return `socket,id=${id},fd=${childFd}`;
    }
    return `socket,id=${id},path=${qemuOptValue(ref.path)}`;
  };

  let vsocks = 0;
  let fsN = 0;
  let netN = 0;
  for (const d of config.devices) {
    switch (d.kind) {
      case 'block': {
        // Many VMs share one read-only image: readonly=on takes only shared
        // OFD locks (read, and "no writers"), which coexist across QEMUs;
        // file.locking stays at its default. A writable disk keeps exclusive
        // locking so two VMs can never write one file.
        const drive = [
          `id=${qemuOptValue(d.id)}`,
          `file=${qemuOptValue(d.path)}`,
          'format=raw',
          'if=none',
          `readonly=${onOff(d.readOnly)}`,
        ];
        args.push('-drive', drive.join(','));
        args.push('-device', `virtio-blk-device,drive=${qemuOptValue(d.id)}`);
        break;
      }
      case 'pmem':
        break; // laid out with guest memory above
      case 'vsock-vhost-user': {
        const id = `vsock${vsocks++}`;
        args.push('-chardev', socketChardev(id, d.socket));
        args.push('-device', `vhost-user-vsock-device,chardev=${id}`);
        break;
      }
      case 'vsock-kernel': {
        vsocks++;
        args.push('-device', `vhost-vsock-device,guest-cid=${d.guestCid}`);
        break;
      }
      case 'fs-vhost-user': {
        const id = `fs${fsN++}`;
        args.push('-chardev', socketChardev(id, d.socket));
        args.push('-device', `vhost-user-fs-device,chardev=${id},tag=${qemuOptValue(d.tag)}`);
        break;
      }
      case 'net-tap': {
        // microvm has no PCI: the virtio-mmio flavour of virtio-net.
        const id = `net${netN++}`;
        args.push('-netdev', `tap,id=${id},ifname=${qemuOptValue(d.ifname)},script=no,downscript=no,vhost=off`);
        args.push('-device', `virtio-net-device,netdev=${id},mac=${d.mac}`);
        break;
      }
      default: {
        const never: never = d;
        throw new Error(`unknown device kind: ${JSON.stringify(never)}`);
      }
    }
  }

  args.push(...(opts.extraArgs ?? []));
  // With more than one possible vCPU QEMU splits the cache into regions and
  // `info jit` no longer marks where the live code ends (code-cache.ts): a
  // bundle's own -smp (e.g. maxcpus=) keeps its cache whole.
  const sharedCodeCache = config.accel.kind === 'tcg' && ownAccel && config.vcpus === 1 && !(opts.extraArgs ?? []).includes('-smp');
  return { binary: opts.binary ?? 'qemu-system-x86_64', args, fds, qmpSocket, sharedCodeCache };
}

/** QEMU sets the process name with prctl(PR_SET_NAME): 15 bytes at most. */
function processName(name: string): string {
  return `clear-${name}`.slice(0, 15);
}

function validate(c: MachineConfig): void {
  const bad = (what: string) => {
    throw new Error(`invalid machine config for ${JSON.stringify(c.name)}: ${what}`);
  };
  if (!c.kernel) bad('no kernel');
  if (!c.runDir) bad('no run directory');
  if (!Number.isInteger(c.memoryMiB) || c.memoryMiB < 16) bad(`memory ${c.memoryMiB} MiB (need an integer >= 16)`);
  if (!Number.isInteger(c.vcpus) || c.vcpus < 1 || c.vcpus > 255) bad(`vcpus ${c.vcpus}`);
  const ids = new Set<string>();
  const tags = new Set<string>();
  const kernelVsocks = c.devices.filter((d) => d.kind === 'vsock-kernel' || d.kind === 'vsock-vhost-user').length;
  if (kernelVsocks > 1) bad('more than one vsock device');
  if (c.devices.filter((d) => d.kind === 'pmem').length > 1) bad('more than one pmem device');
  for (const d of c.devices as DeviceSpec[]) {
    if (d.kind === 'block') {
      if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(d.id)) bad(`block device id ${JSON.stringify(d.id)}`);
      if (ids.has(d.id)) bad(`duplicate block device id ${d.id}`);
      ids.add(d.id);
    } else if (d.kind === 'pmem') {
      if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(d.id)) bad(`pmem device id ${JSON.stringify(d.id)}`);
      if (!Number.isInteger(d.sizeBytes) || d.sizeBytes <= 0 || d.sizeBytes % (PMEM_ALIGN_MIB * MIB) !== 0) {
        bad(`pmem ${d.path}: size ${d.sizeBytes} bytes is not a positive multiple of ${PMEM_ALIGN_MIB} MiB`);
      }
    } else if (d.kind === 'fs-vhost-user') {
      if (!d.tag || tags.has(d.tag)) bad(`fs tag ${JSON.stringify(d.tag)}`);
      tags.add(d.tag);
    } else if (d.kind === 'net-tap') {
      if (!/^[^\s/,=]{1,15}$/.test(d.ifname)) bad(`tap name ${JSON.stringify(d.ifname)}`);
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(d.mac)) bad(`MAC ${JSON.stringify(d.mac)}`);
    } else if (d.kind === 'vsock-kernel') {
      if (!Number.isInteger(d.guestCid) || d.guestCid < 3) bad(`guest CID ${d.guestCid}`);
    }
  }
}
