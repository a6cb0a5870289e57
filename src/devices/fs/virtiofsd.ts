/**
 * virtio-fs for one VM: a host directory shared into the guest by
 * virtiofsd (QEMU's, /usr/lib/qemu/virtiofsd), which QEMU's
 * vhost-user-fs-device talks to. One virtiofsd per share; it serves exactly
 * one VMM connection and exits when that VMM goes away.
 *
 * The listening socket is ours (listen), handed to virtiofsd as its fd 3
 * (`--fd`): QEMU may be started, and connect, before virtiofsd runs. Its
 * handshake then waits in the socket's backlog until virtiofsd accepts, so
 * QEMU's own start-up (~0.1 s before it connects) overlaps the share's bind
 * mounts and virtiofsd's start instead of following them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { ClearError } from '../../lib/errors';
import { debug } from '../../lib/log';
import { setprivPath, VIRTIOFSD_PATH } from '../../lib/paths';
import { native } from '../../native';
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
  /** Exited and its stderr read to the end. */
  private closed: Promise<void> = Promise.resolve();
  private stderrTail = '';
  private listenFd = -1;

  constructor(private readonly opts: ShareOptions) {
    this.spec = { kind: 'fs-vhost-user', socket: { path: opts.socketPath }, tag: opts.tag };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Makes the socket the VMM connects to, listening. Until start() hands it
   * to virtiofsd, a VMM's connection waits in its backlog; closeListener()
   * resets it (the VMM then fails its handshake and exits).
   */
  listen(): void {
    fs.rmSync(this.opts.socketPath, { force: true });
    const n = native();
    this.listenFd = n.unixListen(this.opts.socketPath, 1);
    // virtiofsd waits in accept(2): the description it inherits must block.
    n.setBlocking(this.listenFd, true);
  }

  /** Closes our end of the listening socket (a VMM waiting in its backlog is reset). */
  closeListener(): void {
    if (this.listenFd < 0) return;
    native().close(this.listenFd);
    this.listenFd = -1;
  }

  /**
   * Starts virtiofsd on the listening socket and resolves once it runs. It
   * reports nothing when ready: the VMM's handshake is what waits for it,
   * and a virtiofsd that fails takes the socket with it (failure() says why).
   */
  async start(): Promise<void> {
    if (this.listenFd < 0) this.listen();
    const args = [
      '--fd=3',
      '-o', `source=${this.opts.source}`,
      // The guest keeps what it read across opens (cache=auto would drop a
      // file's pages at every open: each exec of a container's program read
      // its binary again over FUSE, ~50 ms under TCG). It trusts names and
      // attributes for 1 s only (auto's bound, not always' day): after that
      // a lookup sees what the host changed (docker cp, a volume another
      // container writes), and a changed mtime or size drops the old pages.
      '-o', 'cache=always',
      '-o', 'timeout=1',
      // Root here may lack CAP_SYS_RESOURCE: do not try to raise RLIMIT_NOFILE.
      '--rlimit-nofile=0',
      '-o', 'xattr',
      '-o', 'announce_submounts',
    ];
    // setpriv --pdeathsig: virtiofsd dies with the process holding the VM,
    // even when that one is SIGKILLed and can clean up nothing.
    const child = spawn(setprivPath(), ['--pdeathsig', 'KILL', this.opts.binary ?? VIRTIOFSD_PATH, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', this.listenFd],
    });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
      debug('virtiofsd', d.toString().trim());
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (err) => resolve(err));
    });
    // virtiofsd holds the listener now: when it exits, the socket closes with it.
    this.closeListener();
    if (spawned) throw new ClearError(`cannot run ${VIRTIOFSD_PATH}: ${spawned.message} (install qemu-system-common: 'make deps')`);
  }

  /** Why virtiofsd is gone when it exited on its own (its last words, once read), else null. */
  async failure(): Promise<ClearError | null> {
    const child = this.child;
    if (!child || (child.exitCode === null && child.signalCode === null)) return null;
    await this.closed;
    const how = child.exitCode !== null ? `exit status ${child.exitCode}` : `signal ${child.signalCode}`;
    return new ClearError(`virtiofsd for ${this.opts.source} exited (${how}): ${this.stderrTail.trim() || 'no message'}`);
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
    this.closeListener();
    fs.rmSync(this.opts.socketPath, { force: true });
  }
}
