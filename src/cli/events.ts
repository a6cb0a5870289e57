/**
 * `clear-runtime events [--stats] [--interval D] <container-id>`: runc's
 * events from the container's cgroup in its guest (StatsContainer).
 *
 * --stats prints one {"type":"stats","id":..,"data":{..}} line and exits.
 * Without it, a stats line every interval (default 5s; the first after one
 * interval, as runc's ticker does) and an {"type":"oom","id":..} line as soon
 * as the guest cgroup's oom_kill count rises (checked every second at
 * most), until the container stops (exit 0). A failed read is logged and
 * the stream goes on, as with runc.
 */
import { ClearError, messageOf } from '../lib/errors';
import { type CommandHelp, checkArgs, logError, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'events',
  summary: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
  usage: 'events [command options] <container-id>',
  description: `Where "<container-id>" is the name for the instance of the container.

DESCRIPTION:
   The events command displays information about the container. By default the
information is displayed once every 5 seconds.`,
  options: `   --interval value  set the stats collection interval (default: 5s)
   --stats           display the container's stats then exit`,
};

/** Go's time.ParseDuration, in milliseconds. */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new ClearError(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  while (rest) {
    const m = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)?/.exec(rest);
    if (!m || !m[1] || m[1] === '.') throw new ClearError(`time: invalid duration ${JSON.stringify(s)}`);
    if (!m[2]) throw new ClearError(`time: missing unit in duration ${JSON.stringify(s)}`);
    total += Number.parseFloat(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runEvents(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, {
      interval: { type: 'string' },
      stats: { type: 'boolean' },
    });
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1);
    const id = positionals[0];
    let intervalMs = 5000;
    if (typeof values.interval === 'string') {
      try {
        intervalMs = parseDuration(values.interval);
      } catch (err) {
        const { UsageError, helpText } = await import('./global');
        throw new UsageError(`invalid value ${JSON.stringify(values.interval)} for flag -interval: parse error`, helpText(HELP), true);
      }
    }
    if (intervalMs <= 0) throw new ClearError('duration interval must be greater than 0');
    const lifecycle = await import('../container/lifecycle');
    const { runcStats, eventLine, oomKills } = await import('../container/stats');
    const ctx = { root: g.root, systemdCgroup: g.systemdCgroup };
    const first = await lifecycle.stats(ctx, id);
    if (values.stats) {
      await write(eventLine('stats', id, runcStats(first)));
      return 0;
    }
    let ooms = oomKills(first);
    const poll = Math.min(intervalMs, 1000);
    let nextStats = Date.now() + intervalMs;
    for (;;) {
      await sleep(Math.max(0, Math.min(poll, nextStats - Date.now())));
      let s;
      try {
        s = await lifecycle.stats(ctx, id);
      } catch (err) {
        const msg = messageOf(err);
        // Gone or stopped: the stream ends, as runc's does when the cgroup goes.
        if (/not running|does not exist/.test(msg)) return 0;
        logError(g, msg);
        continue;
      }
      const n = oomKills(s);
      if (n > ooms) await write(eventLine('oom', id));
      ooms = n;
      if (Date.now() >= nextStats) {
        await write(eventLine('stats', id, runcStats(s)));
        nextStats += intervalMs;
        if (nextStats < Date.now()) nextStats = Date.now() + intervalMs;
      }
    }
  });
}

function write(line: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(line, (err) => (err ? reject(err) : resolve())));
}
