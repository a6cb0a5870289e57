/**
 * `clear-runtime pause <container-id>` / `resume <container-id>`: freeze and
 * thaw the container's whole VM (QMP `stop` / `cont`, see monitor-launch.ts).
 * runc's errors: "container not running" (pause), "container not paused"
 * (resume), "container does not exist".
 */
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const PAUSE: CommandHelp = {
  name: 'pause',
  summary: 'pause suspends all processes inside the container',
  usage: 'pause <container-id>',
  description: `Where "<container-id>" is the name for the instance of the container to be
paused. 

DESCRIPTION:
   The pause command suspends all processes in the instance of the container.

Use clear-runtime list to identify instances of containers and their current status.`,
};

const RESUME: CommandHelp = {
  name: 'resume',
  summary: 'resumes all processes that have been previously paused',
  usage: 'resume <container-id>',
  description: `Where "<container-id>" is the name for the instance of the container to be
resumed.

DESCRIPTION:
   The resume command resumes all processes in the instance of the container.

Use clear-runtime list to identify instances of containers and their current status.`,
};

async function pauseOrResume(which: 'pause' | 'resume', argv: string[], g: GlobalOptions): Promise<number> {
  const help = which === 'pause' ? PAUSE : RESUME;
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(help, argv, {});
    if (values.help) return printHelp(help);
    checkArgs(help, positionals, 1);
    const lifecycle = await import('../container/lifecycle');
    await lifecycle[which]({ root: g.root, systemdCgroup: g.systemdCgroup }, positionals[0]);
    return 0;
  });
}

export function runPause(argv: string[], g: GlobalOptions): Promise<number> {
  return pauseOrResume('pause', argv, g);
}

export function runResume(argv: string[], g: GlobalOptions): Promise<number> {
  return pauseOrResume('resume', argv, g);
}
