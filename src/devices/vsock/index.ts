/**
 * virtio-vsock for one VM, whichever way this host provides it. Either way
 * the host side of a guest port is a Unix socket (exposeGuestPort), so the
 * rest of clear — and @grpc/grpc-js with a plain `unix:` target — never
 * needs AF_VSOCK on the host.
 *
 * - vhost-user (any host): QEMU's vhost-user-vsock-device served by our own
 *   backend in this process (./backend.ts).
 * - kernel (hosts with /dev/vhost-vsock): QEMU's vhost-vsock-device; host
 *   connections go through AF_VSOCK to the guest's CID.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ClearError, messageOf } from '../../lib/errors';
import { debug } from '../../lib/log';
import { native } from '../../native';
import type { DeviceSpec } from '../../vmm/hypervisor';
import { VhostUserVsockBackend } from './backend';
import { VsockMux } from './mux';

export type VsockMode = 'vhost-user' | 'kernel';

export interface VsockDevice {
  readonly mode: VsockMode;
  /** What the VMM needs to attach the device. */
  readonly spec: DeviceSpec;
  /** Called once the VMM runs: the device is expected to be wired up. */
  attach(timeoutMs: number): Promise<void>;
  /** Makes guest `port` reachable at the Unix socket `socketPath`. */
  exposeGuestPort(port: number, socketPath: string): Promise<void>;
  /** Stops serving; removes every socket file it made. Safe to call twice. */
  close(): Promise<void>;
}

export function vsockMode(): VsockMode {
  return fs.existsSync('/dev/vhost-vsock') ? 'kernel' : 'vhost-user';
}

/** Creates the vsock device for a VM whose private files live in runDir. */
export function createVsockDevice(runDir: string, mode: VsockMode = vsockMode()): VsockDevice {
  return mode === 'kernel' ? new KernelVsock() : new VhostUserVsock(path.join(runDir, 'vsock.sock'));
}

/** Unix listeners exposing guest ports, shared by both modes. */
class PortListeners {
  private readonly servers: { server: net.Server; path: string }[] = [];

  async listen(socketPath: string, onConnection: (socket: net.Socket) => void): Promise<void> {
    // A socket file left by a VM that died uncleanly would make listen fail.
    fs.rmSync(socketPath, { force: true });
    // allowHalfOpen: a client that ends its writing still reads the answer.
    const server = net.createServer({ allowHalfOpen: true }, onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new ClearError(`cannot listen on ${socketPath}: ${messageOf(err)}`, { cause: err })),
      );
      server.listen(socketPath, () => resolve());
    });
    this.servers.push({ server, path: socketPath });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(({ server, path: p }) => new Promise<void>((resolve) => server.close(() => resolve())).finally(() => fs.rmSync(p, { force: true }))),
    );
    this.servers.length = 0;
  }
}

const GUEST_CID = 3;

class VhostUserVsock implements VsockDevice {
  readonly mode = 'vhost-user' as const;
  readonly spec: DeviceSpec;
  private readonly mux = new VsockMux({ guestCid: GUEST_CID, hostSocketFor: () => null });
  private readonly ports = new PortListeners();
  private listenFd: number;
  private backend: VhostUserVsockBackend | null = null;

  constructor(private readonly socketPath: string) {
    fs.rmSync(socketPath, { force: true });
    this.listenFd = native().unixListen(socketPath, 1);
    this.spec = { kind: 'vsock-vhost-user', socket: { path: socketPath } };
  }

  /** QEMU connects to our socket when it starts; take that one connection. */
  async attach(timeoutMs: number): Promise<void> {
    const sys = native();
    const fd = await new Promise<number>((resolve, reject) => {
      const watcher = sys.watch(this.listenFd, () => {
        const accepted = sys.accept(this.listenFd);
        if (accepted < 0) return;
        clearTimeout(timer);
        watcher.close();
        resolve(accepted);
      });
      const timer = setTimeout(() => {
        watcher.close();
        reject(new ClearError(`the VMM did not connect to the vsock backend at ${this.socketPath} within ${timeoutMs} ms`));
      }, timeoutMs);
      watcher.start(1);
    });
    // One VMM, one connection: the listening socket has done its job.
    this.closeListener();
    this.backend = new VhostUserVsockBackend(fd, { guestCid: GUEST_CID, mux: this.mux });
    this.backend.start();
  }

  exposeGuestPort(port: number, socketPath: string): Promise<void> {
    return this.ports.listen(socketPath, (socket) => this.mux.connectToGuest(port, socket));
  }

  async close(): Promise<void> {
    this.closeListener();
    this.backend?.close();
    this.mux.resetAll();
    await this.ports.close();
  }

  private closeListener(): void {
    if (this.listenFd < 0) return;
    native().close(this.listenFd);
    this.listenFd = -1;
    fs.rmSync(this.socketPath, { force: true });
  }
}

class KernelVsock implements VsockDevice {
  readonly mode = 'kernel' as const;
  readonly spec: DeviceSpec;
  private readonly ports = new PortListeners();
  private readonly guestCid: number;

  constructor() {
    // CIDs are host-wide with kernel vhost-vsock; 0-2 are reserved.
    this.guestCid = 3 + Math.floor(Math.random() * 0x7ffffff0);
    this.spec = { kind: 'vsock-kernel', guestCid: this.guestCid };
  }

  async attach(): Promise<void> {}

  exposeGuestPort(port: number, socketPath: string): Promise<void> {
    return this.ports.listen(socketPath, (socket) => {
      socket.pause();
      // Imported here: only this mode needs AF_VSOCK on the host.
      import('../../native/fd-stream')
        .then(({ FdStream }) => FdStream.connectVsock(this.guestCid, port))
        .then((stream) => {
          socket.pipe(stream).pipe(socket);
          socket.resume();
          stream.on('error', () => socket.destroy());
          socket.on('error', () => stream.destroy());
        })
        .catch((err) => {
          debug('vsock', `connect to guest ${this.guestCid}:${port}: ${messageOf(err)}`);
          socket.destroy();
        });
    });
  }

  async close(): Promise<void> {
    await this.ports.close();
  }
}
