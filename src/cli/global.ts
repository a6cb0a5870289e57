/**
 * What every lifecycle subcommand shares: runc's error reporting (stderr and
 * the --log file), runc's usage errors, and a flag parser with Go-flag
 * wording on top of node:util parseArgs.
 *
 * runc's error reporting (runc 1.1.5 fatalWithCode), kept exactly:
 *  - without --log: one logrus line on stderr, text
 *      time="2026-11-22T21:53:48Z" level=error msg="container does not exist"
 *    or json
 *      {"level":"error","msg":"container does not exist","time":"2026-11-22T21:53:48Z"}
 *  - with --log: that line is appended to the log file instead, and the bare
 *    message goes to stderr.
 *  - exit status 1.
 * containerd's shim reports the last error line of log.json; podman shows stderr.
 */
import * as fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ClearError, messageOf } from '../lib/errors';
import type { GlobalOptions } from './main';
import { printErr, printOut } from '../lib/print';

/** The program name in messages (runc: "runc"). */
export const PROG = 'clear-runtime';

export type Level = 'error' | 'warning' | 'info' | 'debug';

/** RFC 3339 in local time, seconds precision, like logrus's default ("Z" in UTC). */
export function logTime(d = new Date()): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  if (off === 0) return `${local}Z`;
  const a = Math.abs(off);
  return `${local}${off > 0 ? '+' : '-'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** Go's strconv.Quote, close enough: JSON escapes with Go's \x forms for other controls. */
export function goQuote(s: string): string {
  return (
    '"' +
    s.replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
      switch (c) {
        case '\\':
          return '\\\\';
        case '"':
          return '\\"';
        case '\n':
          return '\\n';
        case '\r':
          return '\\r';
        case '\t':
          return '\\t';
        case '\x07':
          return '\\a';
        case '\b':
          return '\\b';
        case '\f':
          return '\\f';
        case '\v':
          return '\\v';
        default:
          return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
      }
    }) +
    '"'
  );
}

/** encoding/json's string encoding (HTML-safe, like logrus's JSONFormatter). */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One logrus line (with its newline). */
export function formatLogLine(format: 'text' | 'json', level: Level, msg: string, time = logTime()): string {
  if (format === 'json') return `{"level":"${level}","msg":${goJsonString(msg)},"time":"${time}"}\n`;
  const value = msg !== '' && /^[A-Za-z0-9\-._/@^+]+$/.test(msg) ? msg : goQuote(msg);
  return `time="${time}" level=${level} msg=${value}\n`;
}

function appendLog(file: string, line: string): boolean {
  try {
    fs.appendFileSync(file, line, { mode: 0o644 });
    return true;
  } catch {
    return false;
  }
}

/** Reports an error the way runc does (log file and/or stderr). */
export function logError(g: Pick<GlobalOptions, 'log' | 'logFormat'>, msg: string): void {
  const line = formatLogLine(g.logFormat, 'error', msg);
  if (g.log && appendLog(g.log, line)) {
    printErr(`${msg}\n`);
  } else {
    printErr(line);
  }
}

/** A warning (or a non-fatal error, like a failed poststop hook): logged only, never fatal. */
export function logWarning(g: Pick<GlobalOptions, 'log' | 'logFormat'>, msg: string, level: Level = 'warning'): void {
  const line = formatLogLine(g.logFormat, level, msg);
  if (g.log && appendLog(g.log, line)) return;
  printErr(line);
}

/** Debug lines with --debug (to the log when there is one, else stderr). */
export function logDebug(g: GlobalOptions, msg: string): void {
  if (!g.debug) return;
  const line = formatLogLine(g.logFormat, 'debug', msg);
  if (g.log && appendLog(g.log, line)) return;
  printErr(line);
}

// ------------------------------------------------------------------ usage

/** A usage error: "Incorrect Usage" and the command's help on stdout, then the error. */
export class UsageError extends ClearError {
  constructor(
    message: string,
    readonly help: string,
    /** Printed after "Incorrect Usage" (flag errors), or not (argument counts). */
    readonly inline: boolean,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommandHelp {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  options?: string;
}

export function helpText(h: CommandHelp): string {
  let s = `NAME:\n   ${PROG} ${h.name} - ${h.summary}\n\nUSAGE:\n   ${PROG} ${h.usage}\n`;
  if (h.description) s += `\n${h.description.trimEnd()}\n`;
  if (h.options) s += `\nOPTIONS:\n${h.options.trimEnd()}\n   \n`;
  return s;
}

/** Checks the number of positional arguments, with runc's messages. */
export function checkArgs(
  help: CommandHelp,
  args: string[],
  n: number,
  kind: 'exact' | 'min' | 'max' | 'range' = 'exact',
  max = n,
): void {
  const h = helpText(help);
  if (kind === 'exact' && args.length !== n) {
    throw new UsageError(`${PROG}: "${help.name}" requires exactly ${n} argument(s)`, h, false);
  }
  if ((kind === 'min' || kind === 'range') && args.length < n) {
    throw new UsageError(`${PROG}: "${help.name}" requires a minimum of ${n} argument(s)`, h, false);
  }
  if (kind === 'max' && args.length > n) {
    throw new UsageError(`${PROG}: "${help.name}" requires a maximum of ${n} argument(s)`, h, false);
  }
  if (kind === 'range' && args.length > max) {
    throw new UsageError(`${PROG}: "${help.name}" requires a maximum of ${max} argument(s)`, h, false);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with Go flag semantics and wording: "--flag value", "--flag=value",
 * "-flag" alike; booleans also as "--flag=true|false"; unknown flags give
 * "flag provided but not defined: -x"; a missing value "flag needs an argument: -x".
 * `--help`/`-h` is answered by the caller (values.help).
 */
export function parseCommand<O extends Options>(
  help: CommandHelp,
  argv: string[],
  options: O,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  // Go accepts a single dash for long flags, and "--bool=false".
  const args: string[] = [];
  const falsified = new Set<string>();
  let rest = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (rest || a === '--' || !a.startsWith('-') || a === '-') {
      if (a === '--') rest = true;
      args.push(a);
      continue;
    }
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const long = name.length > 1 || !Object.values(all).some((o) => o.short === name);
    const def = long ? all[name] : undefined;
    if (long && !def) throw new UsageError(`flag provided but not defined: -${name}`, helpText(help), true);
    if (def && def.type === 'boolean' && value !== undefined) {
      if (!/^(1|0|t|f|true|false|TRUE|FALSE|True|False)$/.test(value)) {
        throw new UsageError(`invalid boolean value ${goQuote(value)} for -${name}: parse error`, helpText(help), true);
      }
      if (/^(0|f|false|FALSE|False)$/.test(value)) falsified.add(name);
      args.push(`--${name}`);
      continue;
    }
    // Go takes the next argument as a flag's value even when it starts with
    // a dash (`--pids-limit -1`).
    const valued = long ? def : Object.entries(all).find(([, o]) => o.short === name)?.[1];
    if (valued && valued.type === 'string' && value === undefined && i + 1 < argv.length && argv[i + 1].startsWith('-')) {
      const lname = long ? name : Object.entries(all).find(([, o]) => o.short === name)![0];
      args.push(`--${lname}=${argv[++i]}`);
      continue;
    }
    args.push(long ? `--${name}${value !== undefined ? `=${value}` : ''}` : a);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: all, strict: true, allowPositionals: true });
  } catch (err) {
    const m = messageOf(err);
    const unknown = /Unknown option '-{1,2}([^']*)'/.exec(m);
    if (unknown) throw new UsageError(`flag provided but not defined: -${unknown[1]}`, helpText(help), true);
    const needs = /Option '(?:-\w, )?--([^ ']+)[^']*' argument missing/.exec(m);
    if (needs) throw new UsageError(`flag needs an argument: -${needs[1]}`, helpText(help), true);
    throw new UsageError(m, helpText(help), true);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  for (const f of falsified) values[f] = false;
  return { values, positionals: parsed.positionals };
}

/** An integer flag value, with Go's error for anything else. */
export function intFlag(help: CommandHelp, name: string, raw: string | boolean | undefined, dflt: number): number {
  if (raw === undefined || typeof raw === 'boolean') return dflt;
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    throw new UsageError(`invalid value ${goQuote(raw)} for flag -${name}: parse error`, helpText(help), true);
  }
  return Number(raw);
}

/**
 * Runs one subcommand body: its errors are reported like runc's (prefixed
 * with `prefix`, e.g. "clear-runtime create failed: ") and give exit status 1.
 */
export async function runCommand(g: GlobalOptions, body: () => Promise<number>, prefix = ''): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      printOut(`Incorrect Usage${err.inline ? `: ${err.message}` : '.'}\n\n${err.help}`);
      logError(g, err.message);
      return 1;
    }
    const msg = err instanceof ClearError ? err.message : err instanceof Error ? err.message : String(err);
    if (g.debug && err instanceof Error && !(err instanceof ClearError) && err.stack) logDebug(g, err.stack);
    logError(g, `${prefix}${msg}`);
    return 1;
  }
}

/** Prints a command's help for --help (stdout, exit 0). */
export function printHelp(help: CommandHelp): number {
  printOut(helpText(help));
  return 0;
}
