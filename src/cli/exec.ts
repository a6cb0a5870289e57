/**
 * `clear-runtime exec [options] <container-id> <command> [args...]` or
 * `exec -p process.json <container-id>`: runs a new process in a running
 * container (see container/exec.ts). Flags as runc's; flag parsing stops at
 * the command (its own flags are its arguments). Failures exit 255 with
 * "exec failed: ..." as runc's.
 */
import fs from 'node:fs';
import { ClearError } from '../lib/errors';
import { type CommandHelp, checkArgs, intFlag, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'exec',
  summary: 'execute new process inside the container',
  usage: 'exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>',
  description: `Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.

EXAMPLE:
For example, if the container is configured to run the linux ps command the
following will output a list of processes running in the container:

       # clear-runtime exec <container-id> ps`,
  options: `   --console-socket value             path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal
   --cwd value                        current working directory in the container
   --env value, -e value              set environment variables
   --tty, -t                          allocate a pseudo-TTY
   --user value, -u value             UID (format: <uid>[:<gid>])
   --additional-gids value, -g value  additional gids
   --process value, -p value          path to the process.json
   --detach, -d                       detach from the container's process
   --pid-file value                   specify the file to write the process id to
   --process-label value              set the asm process label for the process commonly used with selinux (accepted, no effect)
   --apparmor value                   set the apparmor profile for the process (accepted, no effect)
   --no-new-privs                     set the no new privileges value for the process
   --cap value, -c value              add a capability to the bounding set for the process
   --preserve-fds value               Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)
   --cgroup value                     run the process in an (existing) sub-cgroup(s) (accepted, no effect)
   --ignore-paused                    allow exec in a paused container`,
};

const FLAGS = {
  'console-socket': { type: 'string' },
  cwd: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  tty: { type: 'boolean', short: 't' },
  user: { type: 'string', short: 'u' },
  'additional-gids': { type: 'string', short: 'g', multiple: true },
  process: { type: 'string', short: 'p' },
  detach: { type: 'boolean', short: 'd' },
  'pid-file': { type: 'string' },
  'process-label': { type: 'string' },
  apparmor: { type: 'string' },
  'no-new-privs': { type: 'boolean' },
  cap: { type: 'string', short: 'c', multiple: true },
  'preserve-fds': { type: 'string' },
  cgroup: { type: 'string', multiple: true },
  'ignore-paused': { type: 'boolean' },
} as const;

/** Flags end at the container id: what follows is the command and its own arguments. */
function splitAtId(argv: string[]): [string[], string[]] {
  const takesValue = (a: string): boolean => {
    const name = a.replace(/^--?/, '');
    if (name.includes('=')) return false;
    const def = Object.entries(FLAGS).find(([long, d]) => long === name || ('short' in d && d.short === name));
    return def !== undefined && def[1].type === 'string';
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [argv.slice(0, i), argv.slice(i + 1)];
    if (!a.startsWith('-') || a === '-') return [argv.slice(0, i + 1), argv.slice(i + 1)];
    if (takesValue(a)) i++;
  }
  return [argv, []];
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

function uintOf(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new ClearError(`parsing ${what} ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** runc's getProcess: process.json as given, or the container's process with the flags applied. */
async function buildProcess(g: GlobalOptions, id: string, v: Record<string, unknown>, command: string[]): Promise<Record<string, unknown>> {
  const file = v.process as string | undefined;
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ClearError(`open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ClearError(`parsing ${file}: ${(err as Error).message}`);
    }
  }
  const { containerProcess } = await import('../container/exec');
  const p = { ...containerProcess(g.root, id, v['ignore-paused'] === true) } as Record<string, any>;
  if (!command.length) throw new ClearError('process args cannot be empty');
  p.args = command;
  if (v.cwd) p.cwd = v.cwd;
  p.env = [...((p.env as string[] | undefined) ?? []), ...list(v.env)];
  p.terminal = v.tty === true;
  delete p.consoleSize;
  if (v.user) {
    const [uid, gid] = String(v.user).split(':');
    p.user = { ...(p.user ?? {}), uid: uintOf(uid, 'uid') };
    if (gid !== undefined) p.user.gid = uintOf(gid, 'gid');
  }
  const gids = list(v['additional-gids']);
  if (gids.length) {
    p.user = { ...(p.user ?? {}) };
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...gids.map((x) => uintOf(x, 'additional gid'))];
  }
  const caps = list(v.cap);
  if (caps.length) {
    const c = { ...(p.capabilities ?? {}) };
    for (const set of ['bounding', 'effective', 'permitted', 'ambient']) c[set] = [...(c[set] ?? []), ...caps];
    p.capabilities = c;
  }
  if (v['no-new-privs'] === true) p.noNewPrivileges = true;
  return p;
}

export async function runExec(argv: string[], g: GlobalOptions): Promise<number> {
  let parsed: { v: Record<string, unknown>; id: string; command: string[] } | null = null;
  const usage = await runCommand(g, async () => {
    const [flags, command] = splitAtId(argv);
    const { values, positionals } = parseCommand(HELP, flags, FLAGS);
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1, 'min');
    parsed = { v: values, id: positionals[0], command: [...positionals.slice(1), ...command] };
    return -1;
  });
  if (usage !== -1 || !parsed) return usage;
  const { v, id, command } = parsed as { v: Record<string, unknown>; id: string; command: string[] };
  let ran = false;
  const code = await runCommand(
    g,
    async () => {
      const preserveFds = intFlag(HELP, 'preserve-fds', v['preserve-fds'] as string | undefined, 0);
      const { exec } = await import('../container/exec');
      const { validateId } = await import('../container/ids');
      validateId(id);
      const processSpec = await buildProcess(g, id, v, command);
      const status = await exec(
        { root: g.root },
        {
          id,
          process: processSpec,
          pidFile: v['pid-file'] as string | undefined,
          consoleSocket: v['console-socket'] as string | undefined,
          detach: v.detach === true,
          preserveFds,
          ignorePaused: v['ignore-paused'] === true,
        },
      );
      ran = true;
      return status;
    },
    'exec failed: ',
  );
  // runc exits 255 when exec itself fails.
  return ran ? code : 255;
}
