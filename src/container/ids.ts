/**
 * Container ids, by runc's rules (libcontainer validateID): non-empty,
 * only ASCII letters, digits, '_', '+', ',', '-', '.' (runc's regex
 * `^[\w+-\.]+$` has the range '+'..'.', which lets ',' in too), and not
 * '.' or '..'. Same error texts as runc.
 */
import { ClearError } from '../lib/errors';

const ID_RE = /^[A-Za-z0-9_+,\-.]+$/;

/** The reason `id` is not a valid container id, or undefined when it is. */
export function idError(id: string): string | undefined {
  if (id === '') return 'container id cannot be empty';
  if (!ID_RE.test(id) || id === '.' || id === '..') return 'invalid container ID format';
  return undefined;
}

export function isValidId(id: string): boolean {
  return idError(id) === undefined;
}

/** Throws runc's error for an invalid id. */
export function validateId(id: string): void {
  const e = idError(id);
  if (e) throw new ClearError(e);
}
