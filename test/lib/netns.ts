/**
 * Network namespaces, veths and bridges for tests and the network bench:
 * made by name with iproute2, every one removed again by `cleanup()`.
 * Only namespaces made here are ever touched; nothing in the host's own
 * network namespace is created (veths are made inside a test namespace and
 * moved from there).
 */
import { spawnSync } from 'node:child_process';

export function run(cmd: string, args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: input ?? '', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs `ip ARGS`; throws with ip's words on failure. */
export function ip(...args: string[]): string {
  const r = run('ip', args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

export class TestNet {
  private readonly namespaces: string[] = [];

  /** `prefix` keeps names unique to one run: keep it short (interface names are 15 bytes at most). */
  constructor(readonly prefix: string) {}

  /** A new named namespace (/var/run/netns/NAME) with lo up; returns its name. */
  netns(suffix: string): string {
    const name = `${this.prefix}-${suffix}`;
    ip('netns', 'add', name);
    this.namespaces.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** /var/run/netns/NAME. */
  static path(ns: string): string {
    return `/var/run/netns/${ns}`;
  }

  /**
   * A veth pair made in namespace `a` (end `aIf`), its other end `bIf` moved
   * into namespace `b`; both up. Addresses: `ip addr add` arguments per end.
   */
  veth(a: string, aIf: string, b: string, bIf: string, opts: { aAddrs?: string[]; bAddrs?: string[]; mtu?: number } = {}): void {
    ip('-n', a, 'link', 'add', aIf, ...(opts.mtu ? ['mtu', String(opts.mtu)] : []), 'type', 'veth', 'peer', 'name', bIf,
      ...(opts.mtu ? ['mtu', String(opts.mtu)] : []), 'netns', b);
    for (const addr of opts.aAddrs ?? []) ip('-n', a, 'addr', 'add', addr, 'dev', aIf, ...(addr.includes(':') ? ['nodad'] : []));
    for (const addr of opts.bAddrs ?? []) ip('-n', b, 'addr', 'add', addr, 'dev', bIf, ...(addr.includes(':') ? ['nodad'] : []));
    ip('-n', a, 'link', 'set', aIf, 'up');
    ip('-n', b, 'link', 'set', bIf, 'up');
  }

  /** A bridge `br` in namespace `ns`, up, with `addrs`. */
  bridge(ns: string, br: string, addrs: string[] = []): void {
    ip('-n', ns, 'link', 'add', br, 'type', 'bridge');
    for (const addr of addrs) ip('-n', ns, 'addr', 'add', addr, 'dev', br, ...(addr.includes(':') ? ['nodad'] : []));
    ip('-n', ns, 'link', 'set', br, 'up');
  }

  /** Deletes every namespace made here (their veths, bridges and taps go with them). */
  cleanup(): string[] {
    const failed: string[] = [];
    for (const ns of this.namespaces.splice(0)) {
      const r = run('ip', ['netns', 'del', ns]);
      if (r.code !== 0) failed.push(`${ns}: ${r.stderr.trim()}`);
    }
    return failed;
  }
}
