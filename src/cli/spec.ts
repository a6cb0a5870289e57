/**
 * `clear-runtime spec [--bundle|-b DIR] [--rootless]`: writes runc's default
 * config.json (runc 1.1.5's specconv.Example, and ToRootless for
 * --rootless), byte for byte: json.MarshalIndent with tabs, no final
 * newline, mode 0666 less the umask. An existing config.json is refused with
 * runc's error.
 *
 * clear runs the default spec as it is. The rootless one asks for a user
 * namespace, which clear refuses (the VM is the isolation boundary).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClearError } from '../lib/errors';
import { defaultSpec } from '../container/default-spec';
import { sysErrorText } from '../container/state';
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'spec',
  summary: 'create a new specification file',
  usage: 'spec [command options] [arguments...]',
  description: `The spec command creates the new specification file named "config.json" for
the bundle.

The spec generated is just a starter file. Editing of the spec is required to
achieve desired results. For example, the newly generated spec includes an args
parameter that is initially set to call the "sh" command when the container is
started. Calling "sh" may work for an ubuntu container or busybox, but will not
work for containers that do not include the "sh" program.

EXAMPLE:
  To run docker's hello-world container one needs to set the args parameter
in the spec to call hello. This can be done using the sed command or a text
editor. The following commands create a bundle for hello-world, change the
default args parameter in the spec from "sh" to "/hello", then run the hello
command in a new hello-world container named container1:

    mkdir hello
    cd hello
    docker pull hello-world
    docker export $(docker create hello-world) > hello-world.tar
    mkdir rootfs
    tar -C rootfs -xf hello-world.tar
    clear-runtime spec
    sed -i 's;"sh";"/hello";' config.json
    clear-runtime run container1`,
  options: `   --bundle value, -b value  path to the root of the bundle directory
   --rootless                generate a configuration for a rootless container`,
};

export async function runSpec(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, {
      bundle: { type: 'string', short: 'b' },
      rootless: { type: 'boolean' },
    });
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 0);
    const bundle = typeof values.bundle === 'string' && values.bundle !== '' ? values.bundle : '.';
    try {
      if (!fs.statSync(bundle).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    } catch (err) {
      throw new ClearError(sysErrorText(err, 'chdir', bundle));
    }
    const file = path.join(bundle, 'config.json');
    if (fs.existsSync(file)) throw new ClearError('File config.json exists. Remove it first');
    const text = JSON.stringify(defaultSpec(values.rootless === true), null, '\t');
    fs.writeFileSync(file, text, { mode: 0o666 });
    return 0;
  });
}
