/**
 * The container's resource limits, mapped onto the VM that holds it.
 *
 * Memory: the guest gets the container's limit plus a fixed headroom for
 * what the guest itself needs next to the container (kernel, page cache of
 * the shared image, the agent). Without a limit it gets DEFAULT_MEMORY_MIB.
 * CPU: a quota of Q per period P gives ceil(Q/P) vCPUs; a cpuset gives one
 * vCPU per listed CPU; the smaller wins. Never more vCPUs than host CPUs.
 */
import os from 'node:os';

/** Guest memory next to the container's own: measured ~63 MiB in use at agent-ready (docs/guest.md). */
export const MEMORY_HEADROOM_MIB = 96;
export const DEFAULT_MEMORY_MIB = 256;
const MIB = 1024 * 1024;

export interface LinuxResourcesLike {
  memory?: { limit?: number };
  cpu?: { quota?: number; period?: number; cpus?: string };
}

export interface VmSize {
  memoryMiB: number;
  vcpus: number;
}

export function vmSizeFor(resources: LinuxResourcesLike | undefined, hostCpus = os.cpus().length): VmSize {
  const limit = resources?.memory?.limit;
  const memoryMiB = limit && limit > 0 ? Math.ceil(limit / MIB) + MEMORY_HEADROOM_MIB : DEFAULT_MEMORY_MIB;
  let vcpus = 1;
  const candidates: number[] = [];
  const { quota, period, cpus } = resources?.cpu ?? {};
  if (quota && quota > 0 && period && period > 0) candidates.push(Math.ceil(quota / period));
  if (cpus) candidates.push(countCpus(cpus));
  if (candidates.length > 0) vcpus = Math.min(...candidates);
  return { memoryMiB, vcpus: Math.max(1, Math.min(vcpus, hostCpus)) };
}

/** How many CPUs a cpuset list such as "0-3,6" names. */
export function countCpus(list: string): number {
  let n = 0;
  for (const part of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}
