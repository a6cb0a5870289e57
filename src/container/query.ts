/**
 * The lifecycle's read-only queries, runc's `state` and `list`: they read the
 * state store without the container lock (every write is an atomic rename)
 * and compute the status live. They live apart from lifecycle.ts so that the
 * CLI's `state` and `list` bundles carry only this and the store, not the
 * hooks, config checks, network and monitor code: a CLI call's time is
 * mostly node starting and loading what it is given.
 */
import { ClearError } from '../lib/errors';
import { validateId } from './ids';
import type { CliState } from './oci-spec';
import { type ContainerRecord, listIds, liveStatus, readRecord } from './state';

/** Where a query looks. */
export interface QueryContext {
  /** The state root (--root). */
  root: string;
}

/** runc's error for an id with no container of ours. */
export function notExist(): ClearError {
  return new ClearError('container does not exist');
}

/** The OCI state of a record, its status computed live (a dead monitor means stopped). */
export function cliState(ctx: QueryContext, rec: ContainerRecord): CliState {
  const status = liveStatus(ctx.root, rec);
  return {
    ociVersion: rec.ociVersion,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    ...(rec.annotations && Object.keys(rec.annotations).length ? { annotations: rec.annotations } : {}),
    owner: rec.owner,
  };
}

/** runc state: the OCI state of container `id`, its status computed live. */
export function state(ctx: QueryContext, id: string): CliState {
  validateId(id);
  const rec = readRecord(ctx.root, id);
  if (!rec) throw notExist();
  return cliState(ctx, rec);
}

/** The state of every container of ours under the root (runc's are skipped). */
export function list(ctx: QueryContext): CliState[] {
  const out: CliState[] = [];
  for (const id of listIds(ctx.root)) {
    try {
      const rec = readRecord(ctx.root, id);
      if (rec) out.push(cliState(ctx, rec));
    } catch {
      /* removed meanwhile, or unreadable: skip like runc list */
    }
  }
  return out;
}

/** runc state's output: json.MarshalIndent with two spaces, Go's HTML-safe escaping, no final newline. */
export function formatState(s: CliState): string {
  return JSON.stringify(s, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
