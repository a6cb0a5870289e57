/**
 * virtio-fs for one VM: a host directory shared into the guest by
 * virtiofsd (QEMU's, /usr/lib/qemu/virtiofsd), which QEMU's
 * vhost-user-fs-device talks to. One virtiofsd per share; it serves exactly
 * one VMM connection and exits when that VMM goes away.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { ClearError } from '../../lib/errors';
import { debug } from '../../lib/log';
import { VIRTIOFSD_PATH } from '../../lib/paths';
import type { DeviceSpec } from '../../vmm/hypervisor';

export interface ShareOptions {
  /** The host directory the guest sees. */
  source: string;
  /** The mount tag the guest uses: `mount -t virtiofs TAG DIR`. */
  tag: string;
  /** Where virtiofsd listens for the VMM (a path in the VM's run directory). */
  socketPath: string;
  /** The virtiofsd binary; default Debian's. */
  binary?: string;
}

export class VirtioFsShare {
  readonly spec: DeviceSpec;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stderrTail = '';

  constructor(private readonly opts: ShareOptions) {
    this.spec = { kind: 'fs-vhost-user', socket: { path: opts.socketPath }, tag: opts.tag };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts virtiofsd and resolves once it listens for the VMM. */
  async start(timeoutMs: number): Promise<void> {
    fs.rmSync(this.opts.socketPath, { force: true });
    const args = [
      `--socket-path=${this.opts.socketPath}`,
      '-o', `source=${this.opts.source}`,
      // Container roots change under the guest's feet only through the
      // guest itself: let the guest cache what it reads.
      '-o', 'cache=auto',
      // Root here may lack CAP_SYS_RESOURCE: do not try to raise RLIMIT_NOFILE.
      '--rlimit-nofile=0',
      '-o', 'xattr',
      '-o', 'announce_submounts',
    ];
    // setpriv --pdeathsig: virtiofsd dies with the process holding the VM,
    // even when that one is SIGKILLed and can clean up nothing.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', this.opts.binary ?? VIRTIOFSD_PATH, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
      debug('virtiofsd', d.toString().trim());
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) => reject(new ClearError(`cannot run ${VIRTIOFSD_PATH}: ${err.message} (install qemu-system-common: 'make deps')`))),
    );
    try {
      await Promise.race([this.waitForSocket(timeoutMs), spawnError]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async waitForSocket(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!fs.existsSync(this.opts.socketPath)) {
      if (this.child?.exitCode !== null || this.child?.signalCode) {
        throw new ClearError(`virtiofsd for ${this.opts.source} exited: ${this.stderrTail.trim() || 'no message'}`);
      }
      if (Date.now() > deadline) throw new ClearError(`virtiofsd for ${this.opts.source} did not listen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops virtiofsd (it normally exits with its VMM) and removes its socket. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.opts.socketPath, { force: true });
  }
}
