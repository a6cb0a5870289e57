/**
 * `clear-runtime delete [--force|-f] <container-id>`. With --force an unknown
 * id exits 0 (callers' cleanup relies on it); a failing poststop hook is
 * logged at error level but does not fail the delete (runc).
 */
import { type CommandHelp, checkArgs, logWarning, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'delete',
  summary: 'delete any resources held by the container often used with detached container',
  usage: 'delete [command options] <container-id>',
  description: `Where "<container-id>" is the name for the instance of the container.

EXAMPLE:
For example, if the container id is "ubuntu01" and clear-runtime list currently shows the
status of "ubuntu01" as "stopped" the following will delete resources held for
"ubuntu01" removing "ubuntu01" from the clear-runtime list of containers:

       # clear-runtime delete ubuntu01`,
  options: '   --force, -f  Forcibly deletes the container if it is still running (uses SIGKILL)',
};

export async function runDelete(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, { force: { type: 'boolean', short: 'f' } });
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 1);
    const { remove } = await import('../container/lifecycle');
    await remove(
      { root: g.root, systemdCgroup: g.systemdCgroup, warn: (msg) => logWarning(g, msg, 'error') },
      positionals[0],
      values.force === true,
    );
    return 0;
  });
}
