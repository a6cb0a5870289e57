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

export async function runCreate(argv: string[], g: GlobalOptions): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  let preserveFds = 0;
  const usage = await runCommand(g, async () => {
    parsed = parseCommand(HELP, argv, CREATE_FLAGS);
    if (parsed.values.help) return printHelp(HELP);
    checkArgs(HELP, parsed.positionals, 1);
    preserveFds = intFlag(HELP, 'preserve-fds', parsed.values['preserve-fds'], 0);
    return -1;
  });
  if (usage !== -1) return usage;
  const v = parsed!.values;
  return runCommand(
    g,
    async () => {
      const { create } = await import('../container/lifecycle');
      await create(
        { root: g.root, systemdCgroup: g.systemdCgroup },
        {
          id: parsed!.positionals[0],
          bundle: v.bundle as string | undefined,
          pidFile: v['pid-file'] as string | undefined,
          consoleSocket: v['console-socket'] as string | undefined,
          preserveFds,
          noPivot: v['no-pivot'] === true,
          noNewKeyring: v['no-new-keyring'] === true,
        },
      );
      return 0;
    },
    `${PROG} create failed: `,
  );
}
