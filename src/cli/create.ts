/**
 * `clear-runtime create [options] <container-id>` — runc's flags:
 * --bundle/-b, --pid-file, --console-socket, --no-pivot, --no-new-keyring,
 * --preserve-fds. Errors are prefixed "clear-runtime create failed: " like runc's.
 */
import { type CommandHelp, PROG, checkArgs, intFlag, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

export const CREATE_OPTIONS_HELP = `   --bundle value, -b value  path to the root of the bundle directory, defaults to the current directory
   --console-socket value    path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal
   --pid-file value          specify the file to write the process id to
   --no-pivot                do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk
   --no-new-keyring          do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key
   --preserve-fds value      Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)`;

export const CREATE_DESCRIPTION = `Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.

DESCRIPTION:
   The create command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem.`;

const HELP: CommandHelp = {
  name: 'create',
  summary: 'create a container',
  usage: 'create [command options] <container-id>',
  description: CREATE_DESCRIPTION,
  options: CREATE_OPTIONS_HELP,
};

export const CREATE_FLAGS = {
  bundle: { type: 'string', short: 'b' },
  'console-socket': { type: 'string' },
  'pid-file': { type: 'string' },
  'no-pivot': { type: 'boolean' },
  'no-new-keyring': { type: 'boolean' },
  'preserve-fds': { type: 'string' },
} as const;

/** create's options as the lifecycle takes them (shared with `run`). */
export interface ParsedCreate {
  values: Record<string, string | boolean | undefined>;
  options: {
    id: string;
    bundle?: string;
    pidFile?: string;
    consoleSocket?: string;
    preserveFds: number;
    noPivot: boolean;
    noNewKeyring: boolean;
  };
}

/**
 * Parses create's flags (plus any `flags` adds); resolves with the parsed
 * options, or with the exit code when it printed help or a usage error.
 */
export async function parseCreateLike(
  help: CommandHelp,
  flags: typeof CREATE_FLAGS,
  argv: string[],
  g: GlobalOptions,
): Promise<ParsedCreate | number> {
  let parsed: ParsedCreate | null = null;
  const usage = await runCommand(g, async () => {
    const { values, positionals } = parseCommand(help, argv, flags);
    if (values.help) return printHelp(help);
    checkArgs(help, positionals, 1);
    const v = values as ParsedCreate['values'];
    parsed = {
      values: v,
      options: {
        id: positionals[0],
        bundle: v.bundle as string | undefined,
        pidFile: v['pid-file'] as string | undefined,
        consoleSocket: v['console-socket'] as string | undefined,
        preserveFds: intFlag(help, 'preserve-fds', v['preserve-fds'] as string | undefined, 0),
        noPivot: v['no-pivot'] === true,
        noNewKeyring: v['no-new-keyring'] === true,
      },
    };
    return -1;
  });
  return usage === -1 && parsed ? parsed : usage;
}

export async function runCreate(argv: string[], g: GlobalOptions): Promise<number> {
  const parsed = await parseCreateLike(HELP, CREATE_FLAGS, argv, g);
  if (typeof parsed === 'number') return parsed;
  return runCommand(
    g,
    async () => {
      const { create } = await import('../container/lifecycle');
      await create({ root: g.root, systemdCgroup: g.systemdCgroup }, parsed.options);
      return 0;
    },
    `${PROG} create failed: `,
  );
}
