/**
 * The lifecycle's interface to the per-container monitor (src/container/monitor.ts,
 * the host process that boots the VM and stands for the container process).
 * The bodies live in monitor-launch.ts; this file is the contract.
 *
 * What the lifecycle expects of the monitor, besides these calls:
 *  - its pid is the container's pid (pid file, `state`); it lives exactly as
 *    long as the container process and exits with its status (128+N, or the
 *    same signal re-raised);
 *  - it writes <stateDir>/monitor.json (monitor-record.ts), at least
 *    {status:'stopped', exit:{exitCode, signal}} once the container process
 *    has ended, before the monitor itself exits (exitCode 128+N for signal N);
 *    it never writes clear.json and never takes the container lock (the
 *    lifecycle may hold the lock while it waits for the monitor to exit);
 *  - its run directory is ContainerRecord.runDir (short: Unix socket paths
 *    are limited to 107 bytes), made by the lifecycle before launchMonitor.
 */
import type { Spec } from './oci-spec';

export interface MonitorLaunch {
  root: string;
  id: string;
  bundle: string;
  stateDir: string;
  /** Where the VM's sockets and console go. */
  runDir: string;
  /** The validated config.json (schema and runc's checks passed). */
  spec: Spec;
  /** Absolute path. */
  consoleSocket?: string;
  preserveFds: number;
  noPivot: boolean;
  noNewKeyring: boolean;
  systemdCgroup: boolean;
  /**
   * Called with the monitor's pid once it runs in the container's
   * namespaces, before the VM boots: the createRuntime/prestart hooks run
   * here (Docker plumbs the network namespace from one). A rejection aborts.
   */
  beforeBoot?: (pid: number) => Promise<void>;
}

/** What a monitor must know before it starts (monitor-launch.ts, spawnMonitor). */
export interface MonitorSpawn {
  bundle: string;
  /** The config as read; only its namespaces are looked at (how the monitor enters them). */
  spec: Pick<Spec, 'linux'>;
  /** Absolute path: with one, the monitor gets none of the caller's stdio. */
  consoleSocket?: string;
  preserveFds: number;
}

/** A monitor started ahead of its parameters, waiting for them. */
export interface SpawnedMonitor {
  readonly pid: number;
  /** Gives it the container's parameters; resolves once it reports the container created. */
  launch(l: MonitorLaunch): Promise<{ pid: number }>;
  /** Kills a monitor never launched (create refused the container) and waits until it is gone. */
  abort(): Promise<void>;
}

export {
  destroyContainer,
  launchMonitor,
  spawnMonitor,
  pauseContainer,
  resumeContainer,
  signalContainer,
  startContainer,
  statsContainer,
  updateContainer,
  type ResourcesUpdate,
} from './monitor-launch';

/** What the process that loads a monitor passes to its main(). */
export interface MonitorHooks {
  /**
   * Called once the monitor has told its caller it is up (the container
   * created, the exec'd process running): the path every monitor takes is
   * compiled by then, so the bundle's loader saves its code cache here.
   */
  created?: () => void;
}
