/** `clear-runtime state <container-id>`: the OCI state as runc prints it (indented JSON, no final newline). */
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';
import { printOut } from '../lib/print';

const HELP: CommandHelp = {
  name: 'state',
  summary: 'output the state of a container',
  usage: 'state <container-id>',
  description: `Where "<container-id>" is your name for the instance of the container.

DESCRIPTION:
   The state command outputs current state information for the
instance of a container.`,
};

export async function runState(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, {});
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1);
    const { state, formatState } = await import('../container/query');
    printOut(formatState(state({ root: g.root }, positionals[0])));
    return 0;
  });
}
