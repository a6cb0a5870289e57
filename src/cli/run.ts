/**
 * `clear-runtime run [options] <container-id>`: create + start; without
 * --detach it waits for the container and exits with its status (the
 * container is deleted afterwards unless --keep).
 */
import { CREATE_DESCRIPTION, CREATE_FLAGS, parseCreateLike } from './create';
import { type CommandHelp, PROG, logWarning, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'run',
  summary: 'create and run a container',
  usage: 'run [command options] <container-id>',
  description: CREATE_DESCRIPTION.replace('The create command', 'The run command'),
  options: `   --bundle value, -b value  path to the root of the bundle directory, defaults to the current directory
   --console-socket value    path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal
   --detach, -d              detach from the container's process
   --keep                    do not delete the container after it exits
   --pid-file value          specify the file to write the process id to
   --no-subreaper            disable the use of the subreaper used to reap reparented processes (accepted, no effect)
   --no-pivot                do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk
   --no-new-keyring          do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key
   --preserve-fds value      Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)`,
};

const RUN_FLAGS = {
  ...CREATE_FLAGS,
  detach: { type: 'boolean', short: 'd' },
  keep: { type: 'boolean' },
  'no-subreaper': { type: 'boolean' },
} as const;

export async function runRun(argv: string[], g: GlobalOptions): Promise<number> {
  const parsed = await parseCreateLike(HELP, RUN_FLAGS as unknown as typeof CREATE_FLAGS, argv, g);
  if (typeof parsed === 'number') return parsed;
  return runCommand(
    g,
    async () => {
      const { run } = await import('../container/lifecycle');
      return run(
        { root: g.root, systemdCgroup: g.systemdCgroup, warn: (msg) => logWarning(g, msg, 'error') },
        { ...parsed.options, detach: parsed.values.detach === true, keep: parsed.values.keep === true },
      );
    },
    `${PROG} run failed: `,
  );
}
