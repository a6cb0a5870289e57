/** `clear-runtime start <container-id>`: releases a created container's process. */
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'start',
  summary: 'executes the user defined process in a created container',
  usage: 'start <container-id>',
  description: `Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.

DESCRIPTION:
   The start command executes the user defined process in a created container.`,
};

export async function runStart(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, {});
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1);
    const { start } = await import('../container/lifecycle');
    await start({ root: g.root, systemdCgroup: g.systemdCgroup }, positionals[0]);
    return 0;
  });
}
