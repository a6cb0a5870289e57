/**
 * The entry of the monitors' bundle (`make monitor` → dist/monitor/
 * clear-monitor.js, loaded by bin/clear-monitor with a V8 code cache like
 * the CLI's): the container's monitor and the exec monitor are one file, so
 * each monitor reads and compiles one script instead of ~40 modules (the
 * tree took ~65 ms of the monitor's way to QEMU's start on this host).
 */
import type { MonitorHooks } from './monitor-api';

export type MonitorKind = 'container' | 'exec';

/** Runs the monitor `kind` with its JSON parameters (the launcher's argv). */
export function runMonitor(kind: string | undefined, paramsJson: string | undefined, hooks: MonitorHooks = {}): void {
  // Required here, not imported: each kind evaluates only its own modules
  // (the container's monitor loads the agent client after QEMU has started).
  if (kind === 'container') (require('./monitor') as typeof import('./monitor')).runMain(paramsJson, hooks);
  else if (kind === 'exec') (require('./exec-monitor') as typeof import('./exec-monitor')).runMain(paramsJson, hooks);
  else {
    process.stderr.write(`clear-monitor: unknown monitor kind ${JSON.stringify(kind)} (container or exec)\n`);
    process.exit(2);
  }
}
