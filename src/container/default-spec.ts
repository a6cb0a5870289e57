/**
 * runc's default config.json (`runc spec`): what `clear-runtime spec` writes,
 * and what the guest agent's start-up snapshot runs a create's flattening
 * with (src/agent/snapshot.ts). No imports: both the CLI and the agent
 * bundle it.
 */

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
