/**
 * `clear-runtime ps [--format table|json] <container-id> [ps options]`.
 *
 * A clear container's processes run in its guest and have no host pids.
 * Callers want host pids (dockerd's `top` runs `ps -ef` on the host and keeps
 * the pids `ps --format json` gave), so the container's one host pid is its
 * monitor's: the host process that stands for the container (the pid in the
 * pid file and in `state`). json: `[monitorPid]`, `null` once stopped (runc:
 * json.Encoder of a nil slice). table: like runc, `ps` (default args `-ef`)
 * filtered to those pids, its header kept.
 */
import { spawnSync } from 'node:child_process';
import { ClearError } from '../lib/errors';
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'ps',
  summary: 'ps displays the processes running inside a container',
  usage: 'ps [command options] <container-id> [ps options]',
  options: '   --format value, -f value  select one of: table or json (default: "table")',
};

/** Go flag parsing stops at the first argument that is not a flag: the rest is for ps. */
function splitAtId(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i;
    if (!a.startsWith('-') || a === '-') return i;
    if (/^--?(f|format)$/.test(a)) i++;
  }
  return argv.length;
}

/** runc's filter of ps output: the header, then the lines whose PID column is one of `pids`. */
export function filterPs(output: string, pids: number[]): string {
  const lines = output.split('\n');
  const pidIndex = lines[0].trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new ClearError("couldn't find PID field in ps output");
  let out = `${lines[0]}\n`;
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const field = line.trim().split(/\s+/)[pidIndex];
    const p = Number(field);
    if (!/^\d+$/.test(field ?? '')) throw new ClearError(`unexpected pid '${field}': invalid syntax`);
    if (pids.includes(p)) out += `${line}\n`;
  }
  return out;
}

export async function runPs(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const i = splitAtId(argv);
    let rest = argv.slice(i);
    if (rest[0] === '--') rest = rest.slice(1);
    const { values, positionals } = parseCommand(HELP, [...argv.slice(0, i), ...rest.slice(0, 1)], {
      format: { type: 'string', short: 'f' },
    });
    const psArgs = rest.slice(1);
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1, 'min');
    const { processes } = await import('../container/lifecycle');
    const pids = processes({ root: g.root }, positionals[0]);
    const format = (values.format as string | undefined) ?? 'table';
    switch (format) {
      case 'json':
        process.stdout.write(`${pids.length ? JSON.stringify(pids) : 'null'}\n`);
        return 0;
      case 'table': {
        const r = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
        if (r.error || r.status !== 0) {
          throw new ClearError(`${r.error ? r.error.message : `exit status ${r.status}`}: ${(r.stdout ?? '') + (r.stderr ?? '')}`);
        }
        process.stdout.write(filterPs(r.stdout, pids));
        return 0;
      }
      default:
        throw new ClearError('invalid format option');
    }
  });
}
