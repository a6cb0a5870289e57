/**
 * What every e2e test file shares: engines started once per file, each
 * scenario run with runc (the reference) and then clear, and a last check
 * that the run left nothing behind.
 */
import fs from 'node:fs';
import type { Test } from 'tap';
import { CLEAR_BIN, Engines, type EngineOptions, type Result } from './engines';

export type Runtime = 'runc' | 'clear';
export const RUNTIMES: Runtime[] = ['runc', 'clear'];

/** The binaries a file needs; a missing one fails the file with what to do. */
export function missingTools(tools: string[]): string[] {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin']);
  const missing = tools.filter((t) => !(t.startsWith('/') ? fs.existsSync(t) : dirs.some((d) => fs.existsSync(`${d}/${t}`))));
  if (!fs.existsSync(CLEAR_BIN.replace(/bin\/clear-runtime$/, 'dist/cli/main.js'))) missing.push('dist (make build)');
  return missing;
}

/**
 * Starts the engines for the file `t` (nothing when a tool is missing: the
 * file then fails once, saying so), and registers the teardown that stops
 * them and checks that nothing is left.
 */
export async function startEngines(t: Test, tools: string[], opts: EngineOptions): Promise<Engines | undefined> {
  const missing = missingTools(tools);
  if (missing.length) {
    t.fail(`missing: ${missing.join(', ')} (run 'make e2e-deps')`);
    return undefined;
  }
  const e = new Engines(opts);
  t.teardown(() => e.stop());
  await e.start(opts);
  return e;
}

/** The run's last test: stop everything, then nothing of it may remain. */
export function checkTeardown(t: Test, get: () => Engines | undefined): void {
  t.test('teardown leaves no daemon, container, VM, mount or bridge', async (t) => {
    const e = get();
    if (!e) return;
    await e.stop();
    t.same(e.leftovers(), [], 'nothing left');
    t.notOk(fs.existsSync(e.dir), 'data dirs removed');
  });
}

/** A compact line about a result, for assertion messages. */
export function show(r: Result): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''} in ${r.ms} ms; stdout ${JSON.stringify(r.stdout.slice(-600))}; stderr ${JSON.stringify(r.stderr.slice(-600))}`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or `ms` passes. */
export async function until<T>(fn: () => Promise<T>, ms: number, step = 250): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await fn();
  while (!v && Date.now() < deadline) {
    await sleep(step);
    v = await fn();
  }
  return v;
}
