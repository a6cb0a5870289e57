/**
 * What the guest sees of the host's files: the container's root and every
 * bind-mount source, gathered under one staging directory that one virtiofsd
 * shares into the VM. Each is bind-mounted there; the monitor does this in a
 * mount namespace of its own, so the mounts vanish with it and never leak
 * onto the host. The container's config is rewritten to the guest paths.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ClearError } from '../lib/errors';

/** Where the agent mounts the share in the guest. */
export const GUEST_SHARE_MOUNT = '/run/clear/share';
export const SHARE_TAG = 'clear-share';

/** The OCI mount fields this module reads. */
export interface MountLike {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export function isBindMount(m: MountLike): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

export interface StagedShare {
  /** The host directory to share. */
  dir: string;
  /** root.path as the guest sees it. */
  guestRoot: string;
  /** The spec's mounts with bind sources rewritten to guest paths. */
  guestMounts: MountLike[];
}

/**
 * Bind-mounts `rootfs` and the sources of the bind mounts into `dir`, and
 * returns the guest's view. Must run in a private mount namespace.
 */
export function stageShare(dir: string, rootfs: string, mounts: MountLike[]): StagedShare {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rootTarget = path.join(dir, 'rootfs');
  fs.mkdirSync(rootTarget, { recursive: true });
  // rbind: whatever is mounted below the root (Docker's volumes are not,
  // but a caller's may be) comes along.
  bindMount(rootfs, rootTarget, true);
  const guestMounts = mounts.map((m, i) => {
    if (!isBindMount(m) || !m.source) return m;
    const source = m.source;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(source);
    } catch (err) {
      throw new ClearError(`mount source ${source} (for ${m.destination}) does not exist`, { cause: err });
    }
    const name = `m${i}`;
    const target = path.join(dir, name);
    if (stat.isDirectory()) fs.mkdirSync(target);
    else fs.writeFileSync(target, '');
    bindMount(source, target, (m.options ?? []).includes('rbind'));
    return { ...m, source: `${GUEST_SHARE_MOUNT}/${name}` };
  });
  return { dir, guestRoot: `${GUEST_SHARE_MOUNT}/rootfs`, guestMounts };
}

function bindMount(source: string, target: string, recursive: boolean): void {
  try {
    execFileSync('mount', [recursive ? '--rbind' : '--bind', source, target], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new ClearError(`cannot share ${source} with the VM: ${stderr || (err as Error).message}`);
  }
}
