/**
 * `clear-runtime features`: what clear implements, in the shape of
 * `runc features` (runc 1.1.5's features.Features: json.MarshalIndent with
 * four spaces, a final newline), stating clear's own support honestly:
 *  - hooks: all six; prestart, createRuntime, poststart and poststop run on
 *    the host, createContainer and startContainer in the guest (in the
 *    container's namespaces, their paths resolved in the container's rootfs);
 *  - mountOptions: those the guest agent turns into mount flags
 *    (src/agent/container.ts); no recursive attributes (rro, rnosuid, ...),
 *    no nosymfollow, acl or tmpcopyup;
 *  - namespaces: no user namespace (the VM is the isolation boundary); a
 *    network namespace is the VM's network;
 *  - no seccomp, AppArmor or SELinux inside the guest;
 *  - no checkpoint (annotation org.opencontainers.runc.checkpoint.enabled).
 */
import { OCI_SPEC_VERSION, versionText } from './check';
import { type CommandHelp, checkArgs, parseCommand, printHelp, runCommand } from './global';
import type { GlobalOptions } from './main';

const HELP: CommandHelp = {
  name: 'features',
  summary: 'show the enabled features',
  usage: 'features [arguments...]',
  description: `Show the enabled features.
   The result is parsable as a JSON.
   See https://pkg.go.dev/github.com/opencontainers/runc/types/features for the type definition.
   The types are experimental and subject to change.`,
};

const MOUNT_OPTIONS = [
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud',
  'mand', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime',
  'nostrictatime', 'nosuid', 'private', 'rbind', 'relatime', 'remount', 'ro', 'rprivate', 'rshared', 'rslave',
  'runbindable', 'rw', 'shared', 'silent', 'slave', 'strictatime', 'suid', 'sync', 'unbindable',
];

/** The capabilities the guest kernel knows (the agent sets them by name). */
const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export function features(): Record<string, unknown> {
  const v = versionText();
  const version = /^clear-runtime version (.*)$/m.exec(v)?.[1] ?? 'unknown';
  const commit = /^commit: (.*)$/m.exec(v)?.[1] ?? 'unknown';
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'uts'],
      capabilities: CAPABILITIES,
      // The host-side cgroup of the monitor (cgroups.ts): v1, v2 and --systemd-cgroup paths.
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    // Sorted, like the Go map runc prints.
    annotations: {
      'io.github.seccomp.enabled': 'false',
      'org.opencontainers.runc.checkpoint.enabled': 'false',
      'run.clear.commit': commit,
      'run.clear.isolation': 'microvm',
      'run.clear.version': version,
    },
  };
}

export async function runFeatures(argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    const { values, positionals } = parseCommand(HELP, argv, {});
    if (values.help) return printHelp(HELP);
    checkArgs(HELP, positionals, 0);
    process.stdout.write(`${JSON.stringify(features(), null, 4)}\n`);
    return 0;
  });
}
