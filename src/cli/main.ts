/**
 * clear-runtime's entry point: global flags, then one subcommand.
 * Flag parsing only; each subcommand lives in its own file.
 *
 * Global flags follow runc's so callers (containerd, podman, docker) can
 * pass them unchanged: --root, --log, --log-format, --debug,
 * --systemd-cgroup; plus --version / -v.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ClearError, messageOf } from '../lib/errors';
import { defaultStateRoot } from '../lib/paths';
import { logError } from './global';

export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
}

const GLOBAL_OPTIONS = {
  root: { type: 'string' },
  log: { type: 'string' },
  'log-format': { type: 'string' },
  debug: { type: 'boolean' },
  'systemd-cgroup': { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `usage: clear-runtime [global options] <command> [command options]

commands:
  create [options] ID   create a container from a bundle (held before its process runs)
  start ID              start the process of a created container
  exec [options] ID CMD run a new process in a running container (-p process.json too)
  state ID              print the OCI state of a container
  kill [-a] ID [SIG]    send a signal to the container's process (default SIGTERM)
  delete [-f] ID        delete a container
  run [options] ID      create and start a container, and wait for it (-d: don't wait)
  list [-f json] [-q]   list the containers under the root
  ps [-f json] ID       the container's host process (its monitor)
  pause ID              freeze the container's VM
  resume ID             thaw a paused container's VM
  update [options] ID   change the container's resource limits (cgroup in its guest)
  events [--stats] ID   the container's resource usage and OOM events, as JSON
  spec [-b DIR]         write a default config.json (--rootless too)
  features              print what clear supports, as JSON
  checkpoint, restore   not supported (a VM's memory is not CRIU's)
  check [--boot]        say whether this host can run clear's microVMs, and what is missing

global options:
  --root DIR       state directory (default ${defaultStateRoot()})
  --log FILE       log file
  --log-format F   text or json
  --debug          debug logging
  --systemd-cgroup use systemd for cgroups
  --version, -v    print the version
`;

/** Runs the CLI and resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // Global flags are those before the first positional (the subcommand).
  const { tokens } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const cmdToken = tokens.find((t) => t.kind === 'positional');
  const split = cmdToken ? cmdToken.index : argv.length;
  // Until the flags are known, errors go to stderr as runc's text lines.
  const early = { logFormat: 'text' as const };
  let values;
  try {
    ({ values } = parseArgs({ args: argv.slice(0, split), options: GLOBAL_OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    const m = messageOf(err);
    const unknown = /Unknown option '-{1,2}([^']*)'/.exec(m);
    const needs = /Option '(?:-\w, )?--([^ ']+)[^']*' argument missing/.exec(m);
    const msg = unknown ? `flag provided but not defined: -${unknown[1]}` : needs ? `flag needs an argument: -${needs[1]}` : m;
    process.stdout.write(`Incorrect Usage. ${msg}\n\n${USAGE}`);
    logError(early, msg);
    return 1;
  }
  if (values.version) {
    process.stdout.write((await import('./version')).versionText());
    return 0;
  }
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    logError({ ...early, log: values.log }, `invalid log-format: ${logFormat}`);
    return 1;
  }
  const globals: GlobalOptions = {
    root: path.resolve(values.root ?? defaultStateRoot()),
    log: values.log ? path.resolve(values.log) : undefined,
    logFormat,
    debug: values.debug ?? false,
    systemdCgroup: values['systemd-cgroup'] ?? false,
  };
  if (globals.debug && !process.env.CLEAR_DEBUG) process.env.CLEAR_DEBUG = '1';
  if (!cmdToken) {
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    process.stderr.write(USAGE);
    return 2;
  }
  const command = argv[split];
  const rest = argv.slice(split + 1);
  switch (command) {
    case 'check':
      return (await import('./check')).runCheck(rest, globals);
    case 'create':
      return (await import('./create')).runCreate(rest, globals);
    case 'start':
      return (await import('./start')).runStart(rest, globals);
    case 'exec':
      return (await import('./exec')).runExec(rest, globals);
    case 'state':
      return (await import('./state')).runState(rest, globals);
    case 'kill':
      return (await import('./kill')).runKill(rest, globals);
    case 'delete':
      return (await import('./delete')).runDelete(rest, globals);
    case 'run':
      return (await import('./run')).runRun(rest, globals);
    case 'list':
      return (await import('./list')).runList(rest, globals);
    case 'ps':
      return (await import('./ps')).runPs(rest, globals);
    case 'pause':
      return (await import('./pause')).runPause(rest, globals);
    case 'resume':
      return (await import('./pause')).runResume(rest, globals);
    case 'update':
      return (await import('./update')).runUpdate(rest, globals);
    case 'events':
      return (await import('./events')).runEvents(rest, globals);
    case 'spec':
      return (await import('./spec')).runSpec(rest, globals);
    case 'features':
      return (await import('./features')).runFeatures(rest, globals);
    case 'checkpoint':
    case 'restore':
      return (await import('./checkpoint')).runCheckpoint(command, rest, globals);
    default:
      logError(globals, `unknown command "${command}"`);
      return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const msg = err instanceof ClearError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`clear-runtime: ${msg}\n`);
      process.exitCode = 1;
    },
  );
}
