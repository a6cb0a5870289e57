/**
 * A sandbox is one microVM with its agent answering: the hypervisor, the
 * guest image, the vsock device and the agent client put together. It is
 * what every container runs in. It knows nothing of OCI; the lifecycle core
 * uses it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentClient } from '../agent/client';
import { VirtioFsShare } from '../devices/fs/virtiofsd';
import { rootImage, type RootImageMode } from '../devices/root-image';
import { createVsockDevice, type VsockDevice, type VsockMode } from '../devices/vsock';
import { ClearError, messageOf } from '../lib/errors';
import { debug } from '../lib/log';
import { BOOT_GATE_DIR, guestArtifacts } from '../lib/paths';
import { detectAccelerator } from '../vmm/accel';
import type { AccelKind, Accelerator, DeviceSpec, Machine, MachineExit } from '../vmm/hypervisor';
import { QemuHypervisor } from '../vmm/qemu/driver';
import { acquireBootSlot, bootSlotCount } from './boot-gate';
import { watchConsoleFor } from './console-watch';

/**
 * The guest image is mounted as root, read-only (devices/root-image.ts says
 * how). random.trust_cpu: seed the RNG from RDRAND at once; otherwise Node
 * blocks in getrandom() for seconds waiting for entropy in a fresh VM.
 */
const INIT_CMDLINE = 'init=/sbin/init random.trust_cpu=on';
/**
 * The agent's node flags per accelerator (guest/image/init reads
 * clear.nodeflags; a later one on the command line, from the bundle's
 * vm.kernel.parameters, replaces it). Under TCG, V8's compilers cost more
 * than they save: each function the optimiser (TurboFan) or the baseline
 * compiler (Sparkplug) compiles is new machine code that QEMU translates
 * again, on the guest's one vCPU, while the interpreter's code is translated
 * once (docs/performance.md): without the optimiser the agent relays stdout
 * ~1.6x as fast; without Sparkplug as well, `run` -> first output is ~0.9 s
 * shorter again. Regular expressions likewise: V8 compiles one to machine
 * code on its second run by default; with --regexp-tier-up-ticks=100 only
 * those run 100 times are (the relay's hot ones still are), not the dozens a
 * create runs a few times each: `run` -> first output ~0.1-0.25 s shorter
 * (2026-11-24, 20 alternated rounds), stdout throughput unchanged (making
 * every regexp interpreted, --regexp-interpret-all, cost 15 % of it). Under
 * KVM new code is free, so V8 keeps its defaults.
 */
export const ACCEL_NODE_CMDLINE: Record<AccelKind, string> = {
  kvm: '',
  tcg: 'clear.nodeflags=--no-opt,--no-sparkplug,--regexp-tier-up-ticks=100',
};

/** The node flags init gives the agent under `kind` (what its start-up snapshot must be made with). */
export function agentNodeFlags(kind: AccelKind): string[] {
  const value = ACCEL_NODE_CMDLINE[kind].replace(/^clear\.nodeflags=/, '');
  return value ? value.split(',') : [];
}
/**
 * Boot-to-agent budget under KVM; multiplied by the accelerator's
 * timeoutScale. It must hold when many VMs boot at once on few cores (a
 * pod's worth of creates, `make bench`'s 10 parallel ones: on 2 cores under
 * TCG each boot then takes far longer than alone), and stay under the 2
 * minutes kubelet gives a CRI call: 8 s (80 s under TCG).
 */
const BOOT_TIMEOUT_MS = 8000;
/**
 * How long one connection to the agent may wait for its first words, under
 * KVM (scaled): a hang-breaker for a guest that accepted and went mute, far
 * above any live guest's answer.
 */
const AGENT_CONNECT_TIMEOUT_MS = 20_000;
/**
 * How long one readiness Ping may wait, under KVM (scaled), before the
 * client drops its connection and starts over: a hang-breaker for a guest
 * that accepted and went mute. Unscaled, a TCG guest still setting up its
 * first connection when the 2 s ran out lost it, and set up a second one
 * cold (two "connection accepted" in one boot's trace on a slow host).
 */
const READY_ATTEMPT_MS = 2000;
/** How long a guest gets to power itself off before QEMU is told to quit. */
const SHUTDOWN_GRACE_MS = 1000;

/** A host directory shared into the guest over virtio-fs. */
export interface SandboxShare {
  /** The virtio-fs tag the guest mounts it by. */
  tag: string;
  /** The host directory. */
  source: string;
  /**
   * Where the guest's init mounts it at boot. Without it the share waits
   * for the agent to mount it (CreateContainer's share_tag), which costs the
   * agent a `mount` process: ~0.3-0.7 s of a TCG boot's critical path.
   */
  guestMount?: string;
}

/** virtio-fs tags are at most 36 bytes; init splits `clear.mount=TAG:DIR` on the first colon. */
const SHARE_TAG_RE = /^[A-Za-z0-9._-]{1,36}$/;
/** One word of the kernel command line that busybox sh can quote-free use as a path. */
const GUEST_MOUNT_RE = /^\/[A-Za-z0-9._/-]*$/;

/**
 * `clear.mount=TAG:DIR` for each share with a guestMount: guest/image/init
 * mounts them before it starts the agent. Throws naming the bad field.
 */
export function shareMountCmdline(shares: SandboxShare[]): string {
  return shares
    .map((s, i) => {
      if (!SHARE_TAG_RE.test(s.tag)) {
        throw new ClearError(`shares[${i}].tag ${JSON.stringify(s.tag)}: 1-36 characters of A-Z a-z 0-9 . _ -`);
      }
      if (s.guestMount === undefined) return '';
      if (!GUEST_MOUNT_RE.test(s.guestMount) || s.guestMount.split('/').includes('..')) {
        throw new ClearError(`shares[${i}].guestMount ${JSON.stringify(s.guestMount)}: an absolute guest path of A-Z a-z 0-9 . _ - /, without '..'`);
      }
      return `clear.mount=${s.tag}:${s.guestMount}`;
    })
    .filter(Boolean)
    .join(' ');
}

export interface SandboxOptions {
  /** Names the VM in logs and in QEMU's process title. */
  name: string;
  /** A directory of this VM's own (sockets, console log); created if missing, removed at the end. */
  runDir: string;
  memoryMiB?: number;
  vcpus?: number;
  kernel?: string;
  image?: string;
  accel?: Accelerator;
  vsock?: VsockMode;
  /** Extra kernel command line (e.g. clear.debug=1). */
  cmdline?: string;
  /** Host directories shared into the guest over virtio-fs, each mounted there by its tag. */
  shares?: SandboxShare[];
  /**
   * Resolves once the shares' sources are in place (a container's bind
   * mounts): their virtiofsd start then, while QEMU starts up. A rejection
   * fails the boot with its error, leaving nothing.
   */
  sharesReady?: Promise<unknown>;
  /** More devices, attached after the root disk, vsock and shares (e.g. virtio-net on taps). */
  devices?: DeviceSpec[];
  /** The boot gate's directory (boot-gate.ts); default BOOT_GATE_DIR. */
  bootGateDir?: string;
  /** How the image reaches the guest; default: DAX unless CLEAR_IMAGE_DAX=0. */
  imageMode?: RootImageMode;
  /** Another QEMU binary, and arguments appended after clear's own. */
  hypervisor?: { path?: string; parameters?: string[] };
}

export class Sandbox {
  private stopped: Promise<MachineExit> | null = null;

  private constructor(
    readonly name: string,
    readonly runDir: string,
    readonly machine: Machine,
    readonly agent: AgentClient,
    readonly agentSocket: string,
    readonly accel: Accelerator,
    /** Milliseconds from starting QEMU to the agent's first answer. */
    readonly bootMs: number,
    /** The boot gate's part: the slot held from `startedAt` to `readyAt` (epoch ms), after waiting `waitedMs`. */
    readonly gate: { slot: number | null; waitedMs: number; startedAt: number; readyAt: number },
    private readonly vsock: VsockDevice,
    private readonly shares: VirtioFsShare[],
  ) {}

  /** Pids of every host process this VM needs (QEMU, virtiofsd); the holder is the caller. */
  get hostPids(): number[] {
    return [this.machine.pid, ...this.shares.flatMap((s) => (s.pid ? [s.pid] : []))];
  }

  /** Boots a VM and waits for its agent. On any failure nothing is left running. */
  static async boot(opts: SandboxOptions): Promise<Sandbox> {
    const artifacts = guestArtifacts();
    const kernel = opts.kernel ?? artifacts.kernel;
    const image = opts.image ?? artifacts.image;
    for (const [what, file] of [['guest kernel', kernel], ['guest image', image]] as const) {
      if (!fs.existsSync(file)) throw new ClearError(`${what} ${file} does not exist: run 'make guest'`);
    }
    const root = rootImage(image, opts.imageMode);
    const mounts = shareMountCmdline(opts.shares ?? []);
    const accel = opts.accel ?? (await detectAccelerator());
    fs.mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
    // Undo steps, run in reverse when a later step fails. CLEAR_KEEP_RUNDIR=1
    // keeps a failed VM's run directory (its console log) for debugging.
    const cleanup: (() => Promise<unknown> | void)[] = [
      () => {
        if (!process.env.CLEAR_KEEP_RUNDIR) fs.rmSync(opts.runDir, { recursive: true, force: true });
      },
    ];
    const undo = async () => {
      for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => {});
    };
    try {
      const vsock = createVsockDevice(opts.runDir, opts.vsock);
      cleanup.push(() => vsock.close());
      const timeoutMs = BOOT_TIMEOUT_MS * accel.timeoutScale;
      const shares = (opts.shares ?? []).map(
        (s, i) => new VirtioFsShare({ tag: s.tag, source: s.source, socketPath: path.join(opts.runDir, `fs${i}.sock`) }),
      );
      for (const share of shares) {
        cleanup.push(() => share.stop());
        share.listen();
      }
      // Always kept: under `quiet` the guest says a line or two, unless its
      // kernel dies, and then those last words are what tell why.
      const console = consoleLogOf(opts.runDir);
      // Held from QEMU's start to the agent's first answer (boot-gate.ts);
      // the boot's own timeout starts once the slot is ours.
      const slot = await acquireBootSlot({
        dir: opts.bootGateDir ?? BOOT_GATE_DIR,
        slots: bootSlotCount(accel.kind),
        maxWaitMs: timeoutMs,
      });
      cleanup.push(() => slot.release());
      const started = Date.now();
      // QEMU talks to the vsock backend while it starts up and waits for the
      // answers: the backend must be serving before the VMM is started.
      const attached = vsock.attach(timeoutMs);
      attached.catch(() => {});
      // virtiofsd starts once the shares' sources are ready, while QEMU
      // starts up: QEMU's handshake waits on the listening socket for it.
      const served = startShares(shares, opts.sharesReady);
      const hypervisor = new QemuHypervisor({ binary: opts.hypervisor?.path, extraArgs: opts.hypervisor?.parameters });
      const [booted, shared] = await Promise.allSettled([
        hypervisor.start({
          name: opts.name,
          kernel,
          cmdline: [root.cmdline, INIT_CMDLINE, ACCEL_NODE_CMDLINE[accel.kind], mounts, opts.cmdline ?? ''].filter(Boolean).join(' '),
          memoryMiB: opts.memoryMiB ?? 256,
          vcpus: opts.vcpus ?? 1,
          accel,
          runDir: opts.runDir,
          consoleLog: console,
          devices: [root.device, vsock.spec, ...shares.map((s) => s.spec), ...(opts.devices ?? [])],
        }),
        served,
      ]);
      if (booted.status === 'fulfilled') cleanup.push(() => booted.value.kill());
      // A share that could not be served is why QEMU failed, if it did.
      if (shared.status === 'rejected') throw shared.reason;
      if (booted.status === 'rejected') throw (await Promise.all(shares.map((s) => s.failure()))).find(Boolean) ?? booted.reason;
      const machine = booted.value;
      await attached;
      const { AgentClient, AGENT_VSOCK_PORT, AGENT_READY_LINE } = await loadAgentClient();
      const agentSocket = path.join(opts.runDir, 'agent.sock');
      await vsock.exposeGuestPort(AGENT_VSOCK_PORT, agentSocket);
      const agent = AgentClient.connect(agentSocket, { connectTimeoutMs: AGENT_CONNECT_TIMEOUT_MS * accel.timeoutScale });
      cleanup.push(() => agent.close());
      // The guest's ready line is the moment to ask (the poll alone waits
      // up to 100 ms more, ~50 ms on average; docs/performance.md).
      const readyLine = watchConsoleFor(console, AGENT_READY_LINE, () => {
        debug('sandbox', `${opts.name}: the console says the agent listens`);
        agent.retryNow();
      });
      try {
        await raceExit(machine, agent.waitReady(started + timeoutMs, { attemptMs: READY_ATTEMPT_MS * accel.timeoutScale }), console);
      } finally {
        readyLine.close();
      }
      slot.release();
      const readyAt = Date.now();
      const bootMs = readyAt - started;
      debug('sandbox', `${opts.name}: agent ready after ${bootMs} ms (${accel.kind}; ${slot.waitedMs} ms waiting for a boot slot before)`);
      // The guest kernel set its clock from the RTC's whole seconds: up to a
      // second behind the host's. Not awaited: the call goes out ahead of
      // anything asked of the sandbox next, on the same connection, and one
      // refused (an agent of an older clear) changes nothing else.
      agent.setGuestTime().catch((err: unknown) => debug('sandbox', `${opts.name}: the guest's clock was not set: ${messageOf(err)}`));
      const gate = { slot: slot.index, waitedMs: slot.waitedMs, startedAt: started, readyAt };
      return new Sandbox(opts.name, opts.runDir, machine, agent, agentSocket, accel, bootMs, gate, vsock, shares);
    } catch (err) {
      await undo();
      throw err;
    }
  }

  /**
   * Powers the VM off through its agent, falling back to QEMU's quit and
   * then SIGKILL; removes every file the sandbox made. Safe to call twice.
   */
  shutdown(): Promise<MachineExit> {
    this.stopped ??= this.stop();
    return this.stopped;
  }

  private async stop(): Promise<MachineExit> {
    try {
      await withTimeout(this.agent.shutdown(), SHUTDOWN_GRACE_MS).catch(() => {});
      // Hang up now: the agent waits (up to 200 ms) for its connections to
      // close before it stops and init syncs and powers off.
      this.agent.close();
      const exit = await withTimeout(this.machine.exited, SHUTDOWN_GRACE_MS).catch(() =>
        this.machine.quit().catch(() => this.machine.kill()),
      );
      return exit;
    } finally {
      this.agent.close();
      await this.vsock.close();
      await Promise.all(this.shares.map((s) => s.stop()));
      fs.rmSync(this.runDir, { recursive: true, force: true });
    }
  }
}

/**
 * Starts each share's virtiofsd once `ready` (the sources' bind mounts)
 * resolves. On failure the listeners close, so a QEMU waiting for its
 * handshake fails at once rather than at its start timeout.
 */
async function startShares(shares: VirtioFsShare[], ready: Promise<unknown> | undefined): Promise<void> {
  try {
    await ready;
    for (const share of shares) await share.start();
  } catch (err) {
    for (const share of shares) share.closeListener();
    throw err;
  }
}

/**
 * gRPC and the agent's protobuf code, loaded only once QEMU has started and
 * taken its vsock device: ~70 ms of module loading on the host that used to
 * come before QEMU's start now overlaps the guest's boot.
 */
async function loadAgentClient() {
  const [{ AgentClient }, { AGENT_VSOCK_PORT, AGENT_READY_LINE }] = await Promise.all([import('../agent/client'), import('../agent/protocol')]);
  return { AgentClient, AGENT_VSOCK_PORT, AGENT_READY_LINE };
}

/** Where a sandbox keeps its guest's console (serial) output. */
export function consoleLogOf(runDir: string): string {
  return path.join(runDir, 'console.log');
}

/**
 * The guest kernel's last words on its console, when it died of a panic or
 * an oops (with oops=panic, an oops is followed by its panic): the first
 * oops line and the panic line, printk timestamps dropped; null otherwise.
 */
export function kernelFailure(consoleText: string): string | null {
  const lines = consoleText.split('\n').map((l) => l.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim());
  const panic = lines.find((l) => l.startsWith('Kernel panic - not syncing'));
  const oops = lines.find((l) => /^(BUG:|kernel BUG|general protection fault|Oops|stack segment)/.test(l));
  const words = [oops, panic].filter((l): l is string => Boolean(l));
  return words.length ? words.join('; ') : null;
}

/** Waits for `p`, failing early with QEMU's last words if the VM exits first. */
async function raceExit<T>(machine: Machine, p: Promise<T>, consoleLog: string): Promise<T> {
  const exited = machine.exited.then((exit) => {
    const tail = fs.existsSync(consoleLog) ? fs.readFileSync(consoleLog, 'utf8').slice(-800) : '';
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    throw new ClearError(
      `the VM exited before its agent answered (${how})${exit.stderrTail ? `: ${exit.stderrTail.trim()}` : ''}${tail ? `\nguest console:\n${tail}` : ''}`,
    );
  });
  // The VM may well exit long after `p` settled: that is not an error here.
  exited.catch(() => {});
  return Promise.race([p, exited]);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClearError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

