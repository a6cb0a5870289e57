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

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** runc's default spec (specconv.Example), or its rootless form (specconv.ToRootless). */
export function defaultSpec(rootless = false, uid = process.geteuid?.() ?? 0, gid = process.getegid?.() ?? 0): Record<string, unknown> {
  const sys = rootless
    ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
    : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
  const ns = (types: string[]) => types.map((type) => ({ type }));
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, ambient: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(rootless ? [] : ['gid=5'])],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      sys,
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      ...(rootless
        ? {
            uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
            gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
          }
        : { resources: { devices: [{ allow: false, access: 'rwm' }] } }),
      namespaces: rootless ? ns(['pid', 'ipc', 'uts', 'mount', 'user']) : ns(['pid', 'network', 'ipc', 'uts', 'mount']),
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

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
