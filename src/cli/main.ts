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
import { printErr, printOut } from '../lib/print';

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

/** Every subcommand's module, by its file name under src/cli/. */
export interface CommandModules {
  check: typeof import('./check');
  checkpoint: typeof import('./checkpoint');
  create: typeof import('./create');
  delete: typeof import('./delete');
  events: typeof import('./events');
  exec: typeof import('./exec');
  features: typeof import('./features');
  kill: typeof import('./kill');
  list: typeof import('./list');
  pause: typeof import('./pause');
  ps: typeof import('./ps');
  run: typeof import('./run');
  spec: typeof import('./spec');
  start: typeof import('./start');
  state: typeof import('./state');
  update: typeof import('./update');
  version: typeof import('./version');
}

/**
 * Loads one subcommand's module. The default loads the module tree;
 * bin/clear-runtime passes one that loads the subcommand's own bundle
 * (`make cli`), so a call reads and compiles only the code it runs.
 */
export type CommandLoader = <K extends keyof CommandModules>(name: K) => Promise<CommandModules[K]>;

const FROM_MODULE_TREE: { [K in keyof CommandModules]: () => Promise<CommandModules[K]> } = {
  check: () => import('./check'),
  checkpoint: () => import('./checkpoint'),
  create: () => import('./create'),
  delete: () => import('./delete'),
  events: () => import('./events'),
  exec: () => import('./exec'),
  features: () => import('./features'),
  kill: () => import('./kill'),
  list: () => import('./list'),
  pause: () => import('./pause'),
  ps: () => import('./ps'),
  run: () => import('./run'),
  spec: () => import('./spec'),
  start: () => import('./start'),
  state: () => import('./state'),
  update: () => import('./update'),
  version: () => import('./version'),
};

const loadFromModuleTree: CommandLoader = (name) => FROM_MODULE_TREE[name]();

/** Runs the CLI and resolves with the process exit code. */
export async function main(argv: string[], load: CommandLoader = loadFromModuleTree): Promise<number> {
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
    printOut(`Incorrect Usage. ${msg}\n\n${USAGE}`);
    logError(early, msg);
    return 1;
  }
  if (values.version) {
    printOut((await load('version')).versionText());
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
      printOut(USAGE);
      return 0;
    }
    printErr(USAGE);
    return 2;
  }
  const command = argv[split];
  const rest = argv.slice(split + 1);
  switch (command) {
    case 'check':
      return (await load('check')).runCheck(rest, globals);
    case 'create':
      return (await load('create')).runCreate(rest, globals);
    case 'start':
      return (await load('start')).runStart(rest, globals);
    case 'exec':
      return (await load('exec')).runExec(rest, globals);
    case 'state':
      return (await load('state')).runState(rest, globals);
    case 'kill':
      return (await load('kill')).runKill(rest, globals);
    case 'delete':
      return (await load('delete')).runDelete(rest, globals);
    case 'run':
      return (await load('run')).runRun(rest, globals);
    case 'list':
      return (await load('list')).runList(rest, globals);
    case 'ps':
      return (await load('ps')).runPs(rest, globals);
    case 'pause':
      return (await load('pause')).runPause(rest, globals);
    case 'resume':
      return (await load('pause')).runResume(rest, globals);
    case 'update':
      return (await load('update')).runUpdate(rest, globals);
    case 'events':
      return (await load('events')).runEvents(rest, globals);
    case 'spec':
      return (await load('spec')).runSpec(rest, globals);
    case 'features':
      return (await load('features')).runFeatures(rest, globals);
    case 'checkpoint':
    case 'restore':
      return (await load('checkpoint')).runCheckpoint(command, rest, globals);
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
      printErr(`clear-runtime: ${msg}\n`);
      process.exitCode = 1;
    },
  );
}
