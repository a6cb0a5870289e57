/**
 * `clear-runtime list [--format table|json] [--quiet]`: clear's containers
 * under the root (directories with a clear.json; runc's are not ours), in
 * runc's shapes:
 *  - table: text/tabwriter(minwidth 12, tabwidth 1, padding 3, ' '):
 *    ID PID STATUS BUNDLE CREATED OWNER; the header alone when there are none;
 *  - json: one line, an array of runc's list objects, `null` when empty;
 *  - quiet: the ids, one a line.
 * OWNER is the name of the user owning the container's state directory
 * (`#uid` when it has none), as runc's list says.
 */
import * as fs from 'node:fs';
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';
import type { CliState } from '../container/oci-spec';
import { printOut } from '../lib/print';

const HELP: CommandHelp = {
  name: 'list',
  summary: 'lists containers started by clear-runtime with the given root',
  usage: 'list [command options] ',
  description: `Where the given root is specified via the global option "--root"
(default: "/run/clear").

EXAMPLE 1:
To list containers created via the default "--root":
       # clear-runtime list

EXAMPLE 2:
To list containers created using a non-default value for "--root":
       # clear-runtime --root value list`,
  options: `   --format value, -f value  select one of: table or json (default: "table")
   --quiet, -q               display only container IDs`,
};

/** Go's text/tabwriter with runc list's settings, for rows of cells (the last cell of a row is not aligned). */
export function tabwrite(rows: string[][], minwidth = 12, padding = 3): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length + padding, minwidth)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('') + '\n').join('');
}

/** encoding/json's HTML-safe escaping. */
function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let passwd: Map<number, string> | undefined;
function userName(uid: number): string {
  if (!passwd) {
    passwd = new Map();
    try {
      for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 3 && /^\d+$/.test(f[2]) && !passwd.has(Number(f[2]))) passwd.set(Number(f[2]), f[0]);
      }
    } catch {
      /* no passwd: numeric owners */
    }
  }
  return passwd.get(uid) ?? `#${uid}`;
}

/** runc's list object: the state, annotations keys sorted (Go maps), owner by name. */
function listItem(s: CliState, owner: string): CliState {
  const annotations = s.annotations
    ? Object.fromEntries(Object.keys(s.annotations).sort().map((k) => [k, s.annotations![k]]))
    : undefined;
  return {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: s.pid,
    status: s.status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
    owner,
  };
}

export async function runList(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, {
      format: { type: 'string', short: 'f' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 0);
    const { list } = await import('../container/query');
    const { containerDir } = await import('../container/state');
    const items = list({ root: g.root }).map((s) => {
      let owner = '';
      try {
        owner = userName(fs.statSync(containerDir(g.root, s.id)).uid);
      } catch {
        /* removed meanwhile */
      }
      return listItem(s, owner);
    });
    if (values.quiet) {
      printOut(items.map((s) => `${s.id}\n`).join(''));
      return 0;
    }
    const format = (values.format as string | undefined) ?? 'table';
    switch (format) {
      case 'table':
        printOut(
          tabwrite([
            ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
            ...items.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]),
          ]),
        );
        return 0;
      case 'json':
        printOut(`${items.length ? goJson(items) : 'null'}\n`);
        return 0;
      default:
        throw new Error('invalid format option');
    }
  });
}
