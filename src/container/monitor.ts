/**
 * The monitor: the container's process on the host, one per container,
 * alive exactly as long as its VM. Callers treat its pid as the container
 * (they reap it, read its cgroup, join its network namespace), so:
 *
 * - it holds the VM (QEMU, virtiofsd, the vsock backend in-process);
 * - it relays the container process's stdio to the fds `create` was given,
 *   closing them as soon as the process ends (callers wait for EOF);
 * - it exits with the container process's status: the same code, or killed
 *   by the same signal. A VM that dies any other way ends it with status 255.
 *
 * `create` spawns it (see monitor-launch.ts, which also describes the sync
 * protocol) in a mount namespace of its own (the share's bind mounts die
 * with it), runs the prestart hooks with its pid, then lets it boot.
 *
 *   node bin/clear-monitor container '<MonitorParams as JSON>'
 *
 * (bin/clear-monitor loads the monitors' bundle, monitor-main.ts; without
 * it, `node dist/container/monitor.js '<json>'` runs the same main.)
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { ExitStatus, PreservedFd } from '../agent/client';
import { ClearError, messageOf } from '../lib/errors';
import type { MonitorHooks } from './monitor-api';
import { debug } from '../lib/log';
import { DECLINED, idleReclaimDelayMs, watchIdle } from '../sandbox/idle-reclaim';
import { consoleLogOf, kernelFailure, Sandbox } from '../sandbox/sandbox';
import type { MachineExit, ReclaimReport } from '../vmm/hypervisor';
import { qmpControlSocketPath } from '../vmm/qemu/args';
import { joinCgroup } from './cgroups';
import { unwireNetwork, wireNetwork } from './network';
import { vmSizeFor } from './resources';
import { serveMonitorControl } from './monitor-control';
import { GUEST_SHARE_MOUNT, SHARE_TAG, stageShare } from './share';
import { INIT_EXEC_ID, type MonitorRecord, writeMonitorRecord } from './monitor-record';
import { lockContainer, readRecord } from './state';
import { native } from '../native';
import { VM_DIED_EXIT_CODE, closeStdio, exitLike, relayPipes, relayPreserved } from './relay';
import { attachConsole, type ConsoleRelay } from './terminal';

export interface MonitorParams {
  id: string;
  bundle: string;
  /** The container's state directory: the share is staged below it. */
  stateDir: string;
  /** The VM's run directory. */
  runDir: string;
  /** The validated config.json, as the lifecycle snapshot it. */
  specFile: string;
  /** The socket pair end on which to talk with `create`. */
  syncFd: number;
  /** --console-socket (absolute), for process.terminal. */
  consoleSocket?: string;
  /** --systemd-cgroup: linux.cgroupsPath is `slice:prefix:name` (see cgroups.ts). */
  systemdCgroup?: boolean;
  /** runc's --no-pivot and --no-new-keyring, carried to the guest set-up. */
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /**
   * --preserve-fds: our fds at the numbers the process gets (3..), and which
   * way each is relayed (launchMonitor looked at them in the caller's
   * namespaces).
   */
  preservedFds?: PreservedFd[];
}
/** The status a monitor ends with when its VM died rather than the container process. */
export { VM_DIED_EXIT_CODE };

interface SpecLike {
  root: { path: string; readonly?: boolean };
  process: { terminal?: boolean; consoleSize?: { height: number; width: number } };
  mounts?: { destination: string; type?: string; source?: string; options?: string[] }[];
  linux?: { namespaces?: { type: string; path?: string }[]; cgroupsPath?: string; resources?: { memory?: { limit?: number }; cpu?: { quota?: number; period?: number; cpus?: string } } };
  vm?: { hypervisor?: { path: string; parameters?: string[] }; kernel?: { path?: string; parameters?: string[] }; image?: { path?: string } };
}

class Monitor {
  private sandbox: Sandbox | null = null;
  private record: MonitorRecord;
  private console: ConsoleRelay | null = null;
  private control: { close(): void } | null = null;
  private idleWatch: { stop(): void } | null = null;

  constructor(private readonly params: MonitorParams) {
    this.record = { pid: process.pid, status: 'creating', hostPids: [], runDir: params.runDir };
  }

  /** Boots the VM and creates the container, its process held at the barrier. */
  async create(spec: SpecLike): Promise<void> {
    const { stateDir, bundle, id } = this.params;
    const reclaimDelayMs = idleReclaimDelayMs();
    const rootfs = path.resolve(bundle, spec.root.path);
    // The hooks have run: the namespace has its interfaces now. Its `ip`
    // runs while the share's bind mounts are made, and those while QEMU
    // starts up (the sandbox starts virtiofsd once they are done).
    const wiring = wireNetwork(spec, stateDir);
    const shareDir = path.join(stateDir, 'share');
    const staging = stageShare(shareDir, rootfs, spec.mounts ?? []);
    staging.catch(() => {});
    let network: Awaited<typeof wiring>;
    try {
      network = await wiring;
    } catch (err) {
      // The share's error first, as it would have come first alone.
      throw await staging.then(() => err, (stagingErr: unknown) => stagingErr);
    }
    const size = vmSizeFor(spec.linux?.resources);
    this.sandbox = await Sandbox.boot({
      name: id,
      runDir: this.params.runDir,
      memoryMiB: size.memoryMiB,
      vcpus: size.vcpus,
      kernel: spec.vm?.kernel?.path,
      // The spec's extra kernel parameters go after clear's own (the kernel
      // takes the last of a repeated one); e.g. clear.debug=1 for timings.
      cmdline: spec.vm?.kernel?.parameters?.join(' '),
      image: spec.vm?.image?.path,
      // Another QEMU, and arguments of the bundle's own after clear's. The
      // monitor runs in the bundle: a relative path is the bundle's, as
      // create checked it (the spec asks for an absolute one).
      hypervisor: spec.vm?.hypervisor && { ...spec.vm.hypervisor, path: path.resolve(spec.vm.hypervisor.path) },
      // Mounted by the guest's init at boot, before the agent asks for it.
      shares: [{ tag: SHARE_TAG, source: shareDir, guestMount: GUEST_SHARE_MOUNT }],
      sharesReady: staging,
      devices: network.devices,
    });
    const staged = await staging;
    this.record = {
      ...this.record,
      hostPids: this.sandbox.hostPids,
      agentSocket: this.sandbox.agentSocket,
      qmpSocket: qmpControlSocketPath(this.sandbox.runDir),
      vm: { memoryMiB: size.memoryMiB, vcpus: size.vcpus, accel: this.sandbox.accel.kind },
    };
    if (network.config.interfaces.length > 0) await this.sandbox.agent.configureNetwork(network.config);
    const guestSpec = { ...spec, root: { ...spec.root, path: staged.guestRoot }, mounts: staged.guestMounts };
    await this.sandbox.agent.createContainer({
      containerId: id,
      execId: INIT_EXEC_ID,
      ociConfigJson: JSON.stringify(guestSpec),
      shareTag: SHARE_TAG,
      shareMount: GUEST_SHARE_MOUNT,
      bundle,
      noPivot: this.params.noPivot,
      noNewKeyring: this.params.noNewKeyring,
      preservedFds: this.params.preservedFds,
    });
    if (spec.process.terminal) {
      // The caller has the terminal before create returns, as with runc.
      const size = spec.process.consoleSize;
      // The terminal's hang-up reaches the container as SIGHUP (the relay
      // sees it); the kernel's SIGHUP to us, its session leader, is ignored.
      process.removeAllListeners('SIGHUP');
      process.on('SIGHUP', () => debug('monitor', 'SIGHUP ignored (terminal)'));
      this.console = await attachConsole(this.params.consoleSocket ?? '', this.sandbox.agent, INIT_EXEC_ID,
        size ? { rows: size.height, cols: size.width } : null);
    }
    const controlSocket = path.join(this.params.runDir, 'control.sock');
    this.control = serveMonitorControl(controlSocket, this.sandbox.agent, id);
    this.save({ status: 'created', controlSocket });
    this.idleWatch = watchIdle({ machine: this.sandbox.machine, delayMs: reclaimDelayMs, guard: (fn) => this.unlessBusy(fn) });
  }

  /**
   * Runs an idle reclaim under the container's lock, unless a command holds
   * it now or the container is paused: the reclaim stops and continues the
   * VM, which must neither thaw a paused container nor race `pause`.
   */
  private async unlessBusy(fn: () => Promise<ReclaimReport | null>): Promise<ReclaimReport | null | typeof DECLINED> {
    const root = path.dirname(this.params.stateDir);
    const lock = await lockContainer(root, this.params.id, { timeoutMs: 0 }).catch(() => undefined);
    if (!lock) return DECLINED;
    try {
      return readRecord(root, this.params.id)?.status === 'paused' ? DECLINED : await fn();
    } finally {
      lock.release();
    }
  }

  /** Relays stdio until the container process ends; returns how it ended. */
  async run(): Promise<ExitStatus | null> {
    const sb = this.sandbox!;
    const relays = Promise.all([
      this.console ? this.console.done : relayPipes(sb.agent, INIT_EXEC_ID),
      relayPreserved(sb.agent, INIT_EXEC_ID, this.params.preservedFds ?? []),
    ]);
    // The relays close fds 1 and 2 when their streams end, also when the VM
    // died under them: the last words go through a description of our own.
    const lastWords = reopenForAppend(2);
    let vmExit: MachineExit | null = null;
    const vmGone = sb.machine.exited.then((exit) => {
      vmExit = exit;
      return null;
    });
    const status = await Promise.race([sb.agent.wait(INIT_EXEC_ID).catch(() => null), vmGone]);
    debug('monitor', `container process ended: ${status ? JSON.stringify(status) : 'VM gone'}`);
    if (status) await relays;
    else {
      // The agent's connection drops a moment before QEMU's exit is seen.
      await Promise.race([vmGone, new Promise((r) => setTimeout(r, 2000))]);
      this.reportVmDeath(vmExit, lastWords);
    }
    debug('monitor', 'stdio relayed to its end');
    if (lastWords >= 0) fs.closeSync(lastWords);
    closeStdio();
    return status;
  }

  /**
   * The container ends with the VM-died status: say why on its stderr (the
   * caller's, or the shim's container log), as runc says why a container
   * could not go on, in the guest kernel's words when it panicked.
   */
  private reportVmDeath(exit: MachineExit | null, fd: number): void {
    let failure: string | null = null;
    try {
      failure = kernelFailure(fs.readFileSync(consoleLogOf(this.sandbox!.runDir), 'utf8'));
    } catch {
      // no console: nothing more to say
    }
    const how = !exit ? 'its agent stopped answering' : exit.signal ? `QEMU was killed by ${exit.signal}` : `QEMU exited with code ${exit.code}`;
    const line = `clear: the container's VM ended before its process did (${how})${failure ? `: guest kernel: ${failure}` : ''}\n`;
    debug('monitor', line.trim());
    if (fd < 0) return;
    try {
      fs.writeSync(fd, line);
    } catch {
      // a full pipe or a reader gone: the exit status still tells
    }
  }

  /**
   * Records how the container ended. Written last, once the VM is down: as
   * with runc, "stopped" means the container's pid is about to be gone.
   */
  recordExit(status: ExitStatus | null): void {
    this.save({ status: 'stopped', exit: status ?? { exitCode: VM_DIED_EXIT_CODE, signal: 0 } });
  }

  async shutdown(): Promise<void> {
    this.idleWatch?.stop();
    this.idleWatch = null;
    this.control?.close();
    this.control = null;
    this.console?.close();
    await this.sandbox?.shutdown();
    this.sandbox = null;
    const failed = await unwireNetwork(this.params.stateDir, { inside: true });
    if (failed.length) debug('monitor', `network clean-up: ${failed.join('; ')}`);
  }

  private save(change: Partial<MonitorRecord>): void {
    this.record = { ...this.record, ...change };
    writeMonitorRecord(this.params.stateDir, this.record);
  }
}

/**
 * Our own description of what `fd` is open on, appending and never
 * blocking, or -1 (a socket cannot be reopened: nothing is said there).
 */
function reopenForAppend(fd: number): number {
  try {
    return fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NONBLOCK);
  } catch {
    return -1;
  }
}

/** What a monitor started ahead of its parameters gets in argv (spawnMonitor). */
interface PendingParams {
  syncFd: number;
  paramsOnSync: true;
}

/** The monitor's side of the sync socket with `create` (see monitor-launch.ts). */
class SyncChannel {
  private readonly socket: net.Socket;
  private readonly lines: readline.Interface;

  constructor(fd: number) {
    this.socket = new net.Socket({ fd, readable: true, writable: true });
    this.lines = readline.createInterface({ input: this.socket });
  }

  send(message: object): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  /** The next line from create, or null when create hung up instead. */
  nextLine(): Promise<string | null> {
    return new Promise((resolve) => {
      const onClose = () => resolve(null);
      this.lines.once('close', onClose);
      this.lines.once('line', (line) => {
        this.lines.off('close', onClose);
        resolve(line);
      });
    });
  }

  /** Resolves true on "boot", false when create hung up instead. */
  async waitForBoot(): Promise<boolean> {
    return (await this.nextLine())?.trim() === 'boot';
  }

  close(): void {
    this.lines.close();
    this.socket.end();
    this.socket.destroy();
  }
}

/**
 * The monitor's life. `hooks.created` runs once the container is created
 * and `create` told so: the bundle's loader saves its code cache then.
 */
export async function main(paramsJson = process.argv[2], hooks: MonitorHooks = {}): Promise<void> {
  const argv = JSON.parse(paramsJson ?? '') as MonitorParams | PendingParams;
  const sync = new SyncChannel(argv.syncFd);
  // Started ahead of its parameters (spawnMonitor): they are the first line.
  let params: MonitorParams;
  if ('paramsOnSync' in argv) {
    const line = await sync.nextLine();
    if (line === null) process.exit(1);
    params = JSON.parse(line) as MonitorParams;
  } else params = argv;
  debug('monitor', 'parameters in hand %d ms after exec', Math.round(process.uptime() * 1000));
  // What `ps` and `docker top` show instead of the JSON argument; the run
  // directory names the VM whose processes (QEMU, virtiofsd) sit beside us.
  process.title = `clear-monitor ${params.id} ${params.runDir}`;
  // The preserved fds and the sync socket are ours alone: QEMU and
  // virtiofsd must not hold them (a caller waits for their EOF).
  native().cloexecFrom(3);
  const monitor = new Monitor(params);
  const spec = JSON.parse(fs.readFileSync(params.specFile, 'utf8')) as SpecLike;
  // Asked to stop (delete --force sends SIGKILL; anything gentler lands here):
  // take the VM down with us.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(sig, () => void monitor.shutdown().finally(() => process.exit(VM_DIED_EXIT_CODE)));
  }
  // The container's cgroup, before anything is spawned: QEMU and virtiofsd
  // inherit it, and callers read it through our pid (see cgroups.ts).
  try {
    joinCgroup(spec, params.id, params.systemdCgroup === true, { stateDir: params.stateDir });
  } catch (err) {
    sync.send({ error: messageOf(err) });
    sync.close();
    process.exit(1);
  }
  sync.send({ started: true });
  if (!(await sync.waitForBoot())) process.exit(1);
  try {
    await monitor.create(spec);
  } catch (err) {
    sync.send({ error: messageOf(err) });
    sync.close();
    await monitor.shutdown().catch(() => {});
    process.exit(1);
  }
  sync.send({ ok: true });
  sync.close();
  hooks.created?.();
  const status = await monitor.run();
  await monitor.shutdown().catch((err) => debug('monitor', `shutdown: ${messageOf(err)}`));
  monitor.recordExit(status);
  exitLike(status);
}

/** main() as a process: what it throws ends the process with the VM-died status. */
export function runMain(paramsJson: string | undefined, hooks: MonitorHooks = {}): void {
  main(paramsJson, hooks).catch((err) => {
    process.stderr.write(`clear monitor: ${err instanceof ClearError ? err.message : messageOf(err)}\n`);
    process.exit(VM_DIED_EXIT_CODE);
  });
}

if (require.main === module) runMain(process.argv[2]);
