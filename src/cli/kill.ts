/** `clear-runtime kill [--all|-a] <container-id> [signal]` (default SIGTERM; numbers or names). */
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'kill',
  summary: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  usage: 'kill [command options] <container-id> [signal]',
  description: `Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.

EXAMPLE:
For example, if the container id is "ubuntu01" the following will send a "KILL"
signal to the init process of the "ubuntu01" container:

       # clear-runtime kill ubuntu01 KILL`,
  options: '   --all, -a  send the specified signal to all processes inside the container',
};

export async function runKill(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, { all: { type: 'boolean', short: 'a' } });
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1, 'range', 2);
    const { kill } = await import('../container/lifecycle');
    await kill({ root: g.root, systemdCgroup: g.systemdCgroup }, positionals[0], positionals[1] ?? 'SIGTERM', values.all === true);
    return 0;
  });
}
