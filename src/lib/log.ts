/**
 * A small debug logger. Silent unless CLEAR_DEBUG is set; then every line goes
 * to stderr (never stdout: callers such as go-runc parse the CLI's stdout).
 *
 *   CLEAR_DEBUG=1         every scope
 *   CLEAR_DEBUG=qemu,qmp  only these scopes (comma-separated; "*" = all)
 *   CLEAR_DEBUG_FILE=PATH append the lines to PATH instead: a monitor's
 *                         stderr is the container's and closes with it, and
 *                         under a shim nobody reads it
 */
import { appendFileSync, writeSync } from 'node:fs';
import { format } from 'node:util';

export type LogFn = (msg: string, ...args: unknown[]) => void;

function enabledFor(scope: string): boolean {
  const v = process.env.CLEAR_DEBUG;
  if (!v || v === '0') return false;
  if (v === '1' || v === '*' || v === 'true') return true;
  return v.split(',').map((s) => s.trim()).includes(scope);
}

/** Write one debug line for `scope` when CLEAR_DEBUG enables it. */
export function debug(scope: string, msg: string, ...args: unknown[]): void {
  if (!enabledFor(scope)) return;
  const line = format(msg, ...args);
  // Straight to fd 2, errors ignored: a monitor closes its stdio when the
  // container's output ends, and a debug line must never be what crashes it
  // (process.stderr would raise an unhandled 'error' on a closed fd).
  const text = `${new Date().toISOString()} clear[${process.pid}] ${scope}: ${line}\n`;
  try {
    const file = process.env.CLEAR_DEBUG_FILE;
    if (file) appendFileSync(file, text);
    else writeSync(2, text);
  } catch {
    /* stderr closed: the line is lost, the process goes on */
  }
}

/** A debug function bound to one scope: `const log = logger('qemu'); log('pid %d', pid)`. */
export function logger(scope: string): LogFn {
  return (msg, ...args) => debug(scope, msg, ...args);
}
