/**
 * The hypervisor interface: what the rest of clear may ask of a VMM.
 * It speaks of machines, memory, devices and accelerators — never of OCI,
 * and never of one VMM's command line (that lives behind it, in ./qemu/).
 */

/** How guest code runs: hardware virtualisation, or QEMU's software emulation. */
export type AccelKind = 'kvm' | 'tcg';

export interface Accelerator {
  kind: AccelKind;
  /** One line saying why this accelerator was chosen, for `check` and logs. */
  reason: string;
  /**
   * Multiplier for every boot and agent timeout: 1 under KVM, larger under
   * TCG, where a guest runs about ten times slower.
   */
  timeoutScale: number;
  /**
   * Under TCG the guest reads the host's own TSC (QEMU's rdtsc is the
   * host's), so where the host knows its TSC's rate in kHz the guest is told
   * it instead of measuring it (which fails on a busy host: see the QEMU
   * driver's timer words). Absent where the host's rate is not known, and
   * under KVM, whose guest gets it from the hypervisor.
   */
  guestTscKHz?: number;
}

/**
 * A device the machine needs, described abstractly. Device modules
 * (src/devices/*) produce these; the driver turns them into its own flags.
 */
export type DeviceSpec =
  /** virtio-vsock served by a vhost-user backend listening on (or connected through) `socket`. */
  | { kind: 'vsock-vhost-user'; socket: SocketRef }
  /** virtio-vsock served by the host kernel (/dev/vhost-vsock). */
  | { kind: 'vsock-kernel'; guestCid: number }
  /** virtio-fs served by a vhost-user backend (virtiofsd), mounted in the guest by `tag`. */
  | { kind: 'fs-vhost-user'; socket: SocketRef; tag: string }
  /** A read-only or writable block device backed by a host file. */
  | { kind: 'block'; path: string; readOnly: boolean; id: string }
  /**
   * A host file mapped read-only into guest-physical memory as persistent
   * memory: the guest sees /dev/pmemN (in order) and can mount it with DAX,
   * reading the host's page cache of the file directly. At most one;
   * `sizeBytes` is the file's size, a multiple of 2 MiB.
   */
  | { kind: 'pmem'; path: string; sizeBytes: number; id: string }
  /**
   * virtio-net on an existing tap device of the VMM's network namespace,
   * opened by name; the guest sees `mac`. No vhost-net: the data path runs
   * in the VMM (under TCG there is nothing faster to hand it to).
   */
  | { kind: 'net-tap'; ifname: string; mac: string };

/**
 * A Unix socket a vhost-user device uses: a path the VMM connects to, or a
 * connected fd (one end of a socketpair) the VMM inherits.
 */
export type SocketRef = { path: string } | { fd: number };

export interface MachineConfig {
  /** Names the VM in logs and process titles. */
  name: string;
  kernel: string;
  /** Kernel command line beyond what the driver adds itself. */
  cmdline: string;
  memoryMiB: number;
  vcpus: number;
  accel: Accelerator;
  /** A directory private to this VM: control sockets and logs go here. */
  runDir: string;
  devices: DeviceSpec[];
  /** Where the guest's serial console goes (a file path); null discards it. */
  consoleLog: string | null;
}

export type MachineStatus = 'running' | 'paused' | 'shutdown';

/** How a machine ended: a clean guest shutdown, or the VMM killed or failed. */
export interface MachineExit {
  /** The VMM process's exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines the VMM printed on stderr, for error messages. */
  stderrTail: string;
}

/** What Machine.reclaimIdleMemory gave back. */
export interface ReclaimReport {
  /** What was given back, in a few words (for logs). */
  what: string;
  /** Host memory that part held before and after (bytes, resident). */
  residentBefore: number;
  residentAfter: number;
  /** How long the guest stood still (ms). */
  pausedMs: number;
  /** How long it all took (ms). */
  tookMs: number;
  /** Only part of it could be given back this time: worth asking again soon. */
  partial: boolean;
}

export interface Machine {
  readonly pid: number;
  /** Resolves when the VMM process has exited, however it ended. */
  readonly exited: Promise<MachineExit>;
  status(): Promise<MachineStatus>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Gives back host memory the VMM holds only to run faster and rebuilds on
   * demand (under TCG: code it translated), for a guest that has gone idle.
   * The guest stands still for a moment and is left running; one that is
   * not running is not touched. Null where there is nothing to give back
   * (KVM; a VMM set up otherwise by the caller's own arguments).
   */
  reclaimIdleMemory(): Promise<ReclaimReport | null>;
  /** Ask the VMM to quit at once (the guest gets no say), and wait for it. */
  quit(): Promise<MachineExit>;
  /** Last resort: SIGKILL the VMM process, and wait for it. */
  kill(): Promise<MachineExit>;
}

export interface Hypervisor {
  readonly name: string;
  /** Start a machine; resolves once the VMM runs and its control channel answers. */
  start(config: MachineConfig): Promise<Machine>;
}
