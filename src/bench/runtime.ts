/**
 * Driving an OCI runtime's CLI from a benchmark: the same calls for clear,
 * runc, crun and runsc (make bench and make bench-lifecycle share them).
 * Every container id handed out is remembered per runtime, so a benchmark
 * can check afterwards that nothing of its own outlived the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { exec, execDetached, failure, now, pidGone, type Recorder, sleep } from './util';

export interface Runtime {
  name: string;
  bin: string;
  /** Global flags before --root (runsc's platform). */
  pre?: string[];
  root: string;
  /** Why it cannot run at all (not installed), or undefined. */
  missing?: string;
}

/** How long one CLI call may take (ten TCG boots at once on two cores take minutes). */
export const RUNTIME_TIMEOUT_MS = 600_000;

export const argv = (rt: Runtime, ...sub: string[]): string[] => [...(rt.pre ?? []), '--root', rt.root, ...sub];

let seq = 0;
const usedIds = new Map<string, string[]>();

export function newId(rt: Runtime, what: string): string {
  const id = `b${process.pid}-${what}-${rt.name}-${++seq}`;
  usedIds.set(rt.name, [...(usedIds.get(rt.name) ?? []), id]);
  return id;
}

/** Every id newId gave out for this runtime. */
export function idsUsed(runtime: string): string[] {
  return usedIds.get(runtime) ?? [];
}

/** Deletes a container whatever its state; errors ignored (it may not exist). */
export async function forceDelete(rt: Runtime, id: string): Promise<void> {
  await exec(rt.bin, argv(rt, 'delete', '--force', id), 120_000).catch(() => {});
}

export async function stateOf(rt: Runtime, id: string): Promise<{ status: string; pid?: number }> {
  const o = await exec(rt.bin, argv(rt, 'state', id));
  if (o.code !== 0) throw failure(`${rt.name} state`, o);
  return JSON.parse(o.stdout) as { status: string; pid?: number };
}

/** `create` with a pid file; resolves with the container's pid. */
export async function create(rt: Runtime, bundle: string, id: string, tmp: string): Promise<number> {
  const pidFile = path.join(tmp, `${id}.pid`);
  const o = await execDetached(rt.bin, argv(rt, 'create', '--bundle', bundle, '--pid-file', pidFile, id), path.join(tmp, `${id}.err`), RUNTIME_TIMEOUT_MS);
  if (o.code !== 0) throw failure(`${rt.name} create`, o);
  return Number(fs.readFileSync(pidFile, 'utf8').trim());
}

export async function start(rt: Runtime, id: string): Promise<void> {
  const s = await exec(rt.bin, argv(rt, 'start', id), RUNTIME_TIMEOUT_MS);
  if (s.code !== 0) throw failure(`${rt.name} start`, s);
}

/** create → start → stopped (state polled every 20 ms, or the pid gone) → delete, of a short process; ms. */
export async function createStartDelete(rt: Runtime, bundle: string, tmp: string): Promise<number> {
  const id = newId(rt, 'csd');
  try {
    const started = now();
    const pid = await create(rt, bundle, id, tmp);
    await start(rt, id);
    const deadline = Date.now() + RUNTIME_TIMEOUT_MS;
    for (;;) {
      if (pid > 0 && pidGone(pid)) break;
      if ((await stateOf(rt, id)).status === 'stopped') break;
      if (Date.now() > deadline) throw new Error(`${rt.name}: container did not stop`);
      await sleep(20);
    }
    const d = await exec(rt.bin, argv(rt, 'delete', id));
    if (d.code !== 0) throw failure(`${rt.name} delete`, d);
    return now() - started;
  } finally {
    await forceDelete(rt, id);
  }
}

/**
 * One created container per runtime, for the CLI-latency rounds (`state`
 * needs one; `exec` a started one). A runtime that cannot create (or start)
 * gets the error recorded under `measure` and no entry; returns runtime
 * name → container id.
 */
export async function createOneEach(
  runtimes: Runtime[],
  bundle: string,
  tmp: string,
  rec: Recorder,
  measure: string,
  opts: { started?: boolean } = {},
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const rt of runtimes) {
    const id = newId(rt, 'cli');
    try {
      await create(rt, bundle, id, tmp);
      if (opts.started) await start(rt, id);
      ids.set(rt.name, id);
    } catch (err) {
      rec.fail(rt.name, measure, err);
      await forceDelete(rt, id);
    }
  }
  return ids;
}
