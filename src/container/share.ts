/**
 * What the guest sees of the host's files: the container's root and every
 * bind-mount source, gathered under one staging directory that one virtiofsd
 * shares into the VM. Each is bind-mounted there; the monitor does this in a
 * mount namespace of its own, so the mounts vanish with it and never leak
 * onto the host. The container's config is rewritten to the guest paths.
 */
import { execFile } from 'node:child_process';
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
 * returns the guest's view. Must run in a private mount namespace. The
 * `mount` processes run while the caller goes on (the VM's QEMU starting).
 */
export async function stageShare(dir: string, rootfs: string, mounts: MountLike[]): Promise<StagedShare> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rootTarget = path.join(dir, 'rootfs');
  fs.mkdirSync(rootTarget, { recursive: true });
  // rbind: whatever is mounted below the root (Docker's volumes are not,
  // but a caller's may be) comes along. Every target is its own entry of
  // `dir`, so the mounts (Docker's /etc/hosts, resolv.conf and hostname
  // besides the root) are made at once.
  const [, ...guestMounts] = await Promise.all([
    bindMount(rootfs, rootTarget, true),
    ...mounts.map((m, i) => stageMount(dir, m, i)),
  ]);
  return { dir, guestRoot: `${GUEST_SHARE_MOUNT}/rootfs`, guestMounts };
}

/** One of the spec's mounts as the guest sees it; a bind mount's source is bind-mounted into `dir` first. */
async function stageMount(dir: string, m: MountLike, i: number): Promise<MountLike> {
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
  await bindMount(source, target, (m.options ?? []).includes('rbind'));
  return { ...m, source: `${GUEST_SHARE_MOUNT}/${name}` };
}

function bindMount(source: string, target: string, recursive: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mount', [recursive ? '--rbind' : '--bind', source, target], (err, _stdout, stderr) => {
      if (!err) return resolve();
      reject(new ClearError(`cannot share ${source} with the VM: ${stderr.trim() || err.message}`, { cause: err }));
    });
  });
}
