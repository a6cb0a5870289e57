/**
 * The host side of the agent protocol: a typed, promise-based client for
 * clear.agent.v1.Agent over the Unix socket that the vsock device exposes for
 * the guest's port 1024 (or any Unix socket an agent listens on).
 */
import net from 'node:net';
import { debug } from '../lib/log';
import { Readable } from 'stream';
import { GrpcChannel, type CallOptions, type ClientCall } from './grpc-client';
import { GrpcStatus, type Status } from './grpc-wire';
import {
  FdDirection,
  StdioStream,
  agentService,
  toNumber,
  type ExitStatus as ExitStatusMessage,
  type NetInterface,
  type NetRoute,
  type StdinChunk,
} from './protocol';

export interface AgentVersion {
  protocol: string;
  agentVersion: string;
  kernelRelease: string;
}

export interface PingResult {
  /** Guest uptime in milliseconds. */
  uptimeMs: number;
}

export interface ProcessSpec {
  /** argv; args[0] is looked up in PATH (from env) when it has no slash. */
  args: string[];
  /** KEY=VALUE, the whole environment (nothing is inherited). */
  env?: string[];
  /** Default "/". */
  cwd?: string;
  uid?: number;
  gid?: number;
  additionalGids?: number[];
  /**
   * Run on a pty in the guest (its controlling terminal). Output then comes
   * only on 'stdout' ('stderr' ends at once), input goes through the line
   * discipline, closeStdin sends ^D, and resizeTerminal works.
   */
  terminal?: boolean;
  /** Initial window size with terminal. */
  consoleSize?: WindowSize;
}

export interface WindowSize {
  rows: number;
  cols: number;
}

export interface ExecResult {
  /** The pid in the guest. */
  pid: number;
}

export interface ExitStatus {
  /** The exit code; 128+signal when a signal killed the process. */
  exitCode: number;
  /** The signal that killed it, or 0. */
  signal: number;
}

export type StdioName = 'stdout' | 'stderr';

/**
 * A caller's fd passed through to a container process (runc's
 * --preserve-fds): the process gets a socket at `fd` whose bytes the host
 * relays with writeFd (in, both) and readFd (out, both).
 */
export interface PreservedFd {
  fd: number;
  /** in: host → process; out: process → host. */
  direction: 'in' | 'out' | 'both';
}

function preservedMessages(fds: PreservedFd[] | undefined): { fd: number; direction: FdDirection }[] {
  const dir = { in: FdDirection.FD_DIRECTION_IN, out: FdDirection.FD_DIRECTION_OUT, both: FdDirection.FD_DIRECTION_BOTH };
  return (fds ?? []).map((f) => ({ fd: f.fd, direction: dir[f.direction] }));
}

export type StdinSource =
  | Readable
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | Uint8Array
  | string;

export interface AgentClientOptions {
  /** How far ahead of its reader an output stream may run (default STREAM_RECEIVE_WINDOW). */
  streamReceiveWindow?: number;
  /** How long a connection may wait for the agent's first words (GrpcChannel's default: 20 s). */
  connectTimeoutMs?: number;
}

/**
 * A failed call. `message` is the agent's own text (e.g. `exec: "nope":
 * executable file not found in $PATH`); `code` the gRPC status code.
 */
export class AgentCallError extends Error {
  constructor(
    readonly code: GrpcStatus,
    message: string,
    /** The RPC that failed, e.g. "ExecProcess". */
    readonly rpc: string,
  ) {
    super(message);
    this.name = 'AgentCallError';
  }
  /** The status code's name: NOT_FOUND, UNAVAILABLE, ... */
  get codeName(): string {
    return GrpcStatus[this.code] ?? String(this.code);
  }
}

function callError(status: Status, rpc: string): AgentCallError {
  return new AgentCallError(status.code, status.details || GrpcStatus[status.code] || `status ${status.code}`, rpc);
}

/** How often, and how long each time, a call that found no connection waits for one. */
const RECONNECT_ATTEMPTS = 3;
const RECONNECT_WAIT_MS = 20_000;

/** Largest data payload per StdinChunk (messages stay far below gRPC's 4 MiB limit). */
const STDIN_CHUNK = 64 * 1024;

/**
 * HTTP/2's default 64 KiB window makes the guest wait for a WINDOW_UPDATE
 * round trip every 64 KiB of output: 4 MiB lets it stream (measured under
 * TCG, 64 MiB of dd through `run`: 3.4-3.6 -> 4.1-4.3 MiB/s; the guest's vCPU
 * is then the limit). At most that much waits in this process per stream
 * when the caller stops reading its output.
 */
const STREAM_RECEIVE_WINDOW = 4 * 1024 * 1024;

type M = typeof agentService;

/** A socket path; `unix:` targets (grpc-js's spelling) are taken too. */
function socketPathOf(target: string): string {
  return target.replace(/^unix:(\/\/)?/, '');
}

export class AgentClient {
  private readonly channel: GrpcChannel;
  private closed = false;

  private constructor(
    /** The Unix socket the agent listens on (through the vsock bridge in a VM). */
    readonly socketPath: string,
    opts: AgentClientOptions,
  ) {
    this.channel = new GrpcChannel(socketPath, {
      streamReceiveWindow: opts.streamReceiveWindow ?? STREAM_RECEIVE_WINDOW,
      connectTimeoutMs: opts.connectTimeoutMs,
    });
  }

  /** A client for the agent behind a Unix socket path; connects lazily. */
  static connect(socketPath: string, opts: AgentClientOptions = {}): AgentClient {
    return new AgentClient(socketPathOf(socketPath), opts);
  }

  /**
   * One unary call. A call that never left because the connection to the
   * guest failed ("No connection established": a starved guest can be slow
   * to accept a new vsock stream) is sent again once the channel is ready,
   * up to RECONNECT_ATTEMPTS times within RECONNECT_WAIT_MS each; it cannot
   * have run, so this is safe for every RPC.
   */
  private async unary<K extends keyof M>(
    name: K,
    request: Parameters<M[K]['requestSerialize']>[0],
    options: CallOptions = {},
  ): Promise<ReturnType<M[K]['responseDeserialize']>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.unaryOnce(name, request, options);
      } catch (err) {
        const neverSent = err instanceof AgentCallError && err.code === GrpcStatus.UNAVAILABLE && /No connection established/.test(err.message);
        if (!neverSent || attempt >= RECONNECT_ATTEMPTS || this.closed || options.waitForReady) throw err;
        // Nobody listens on the socket (the VM and its vsock backend are gone): no use waiting.
        if (!(await this.socketListens())) throw err;
        const deadline = Math.min(Date.now() + RECONNECT_WAIT_MS, options.deadline ?? Infinity);
        await this.channel.waitForReady(deadline).catch(() => {
          throw err;
        });
      }
    }
  }

  /** Whether something accepts connections on the agent's Unix socket. */
  private socketListens(): Promise<boolean> {
    return new Promise((resolve) => {
      const probe = net.connect(this.socketPath);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
  }

  private unaryOnce<K extends keyof M>(
    name: K,
    request: Parameters<M[K]['requestSerialize']>[0],
    options: CallOptions,
  ): Promise<ReturnType<M[K]['responseDeserialize']>> {
    const m = agentService[name];
    const sent = Date.now();
    return new Promise((resolve, reject) => {
      const call = this.channel.call(m.path, options);
      let response: Buffer | null = null;
      call.on('message', (data: Buffer) => {
        response ??= data;
      });
      call.once('status', (status: Status) => {
        debug('rpc', `${String(name)}: ${status.code ? `failed (${status.code})` : 'ok'} in ${Date.now() - sent} ms`);
        if (status.code !== GrpcStatus.OK) return reject(callError(status, name));
        if (response === null) return reject(callError({ code: GrpcStatus.INTERNAL, details: 'the agent sent no response message' }, name));
        try {
          resolve(m.responseDeserialize(response) as ReturnType<M[K]['responseDeserialize']>);
        } catch (err) {
          reject(callError({ code: GrpcStatus.INTERNAL, details: `cannot decode the response: ${(err as Error).message}` }, name));
        }
      });
      call.write(m.requestSerialize(request as never));
      call.end();
    });
  }

  async version(): Promise<AgentVersion> {
    const r = await this.unary('Version', {});
    return { protocol: r.protocol, agentVersion: r.agentVersion, kernelRelease: r.kernelRelease };
  }

  /**
   * One ping. `timeoutMs` bounds the call; with `waitForReady` the call waits
   * for the connection instead of failing at once while it is down.
   */
  async ping(timeoutMs?: number, waitForReady = false): Promise<PingResult> {
    const opts: CallOptions = { waitForReady };
    if (timeoutMs !== undefined) opts.deadline = Date.now() + timeoutMs;
    const r = await this.unary('Ping', {}, opts);
    return { uptimeMs: toNumber(r.uptimeMs) };
  }

  /**
   * Pings until the agent answers or `deadline` (a Date.now() timestamp)
   * passes. The vsock bridge may accept the Unix connection before the guest
   * listens and then drop it: every failure is retried with a short backoff;
   * an attempt that hangs gets a fresh connection. Rejects with the last error.
   */
  async waitReady(deadline: number, opts: { attemptMs?: number } = {}): Promise<PingResult> {
    const attemptMs = opts.attemptMs ?? 2000;
    let backoff = 10;
    let last: unknown = new AgentCallError(GrpcStatus.DEADLINE_EXCEEDED, 'agent not ready before the deadline', 'Ping');
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        return await this.ping(Math.min(left, attemptMs), true);
      } catch (err) {
        last = err;
        if (err instanceof AgentCallError && err.code === GrpcStatus.DEADLINE_EXCEEDED && !this.closed) {
          // Possibly a connection that will never speak HTTP/2: start over.
          this.channel.reset();
        }
      }
      const pause = Math.min(backoff, deadline - Date.now());
      if (pause > 0) await this.channel.backoff(pause);
      backoff = Math.min(backoff * 2, 100);
    }
    throw last;
  }

  /**
   * The agent says it listens (its ready line on the VM's console): a
   * waitReady() between two attempts tries again now, not at its next tick
   * (up to 100 ms later). Only a hint: readiness is still a Ping answered.
   */
  retryNow(): void {
    this.channel.retryNow();
  }

  /** Starts a process; its output waits in the guest's pipes until read. */
  async exec(execId: string, process: ProcessSpec): Promise<ExecResult> {
    const r = await this.unary('ExecProcess', {
      execId,
      process: {
        args: process.args,
        env: process.env ?? [],
        cwd: process.cwd ?? '',
        uid: process.uid ?? 0,
        gid: process.gid ?? 0,
        additionalGids: process.additionalGids ?? [],
        terminal: process.terminal ?? false,
        consoleSize: process.consoleSize ?? null,
      },
      containerId: '',
      ociProcessJson: '',
      preservedFds: [],
    });
    return { pid: r.pid };
  }

  /**
   * Starts a process inside container `containerId` (runc exec): it joins the
   * container's namespaces. `ociProcess` is an OCI runtime-spec process object.
   */
  async execInContainer(containerId: string, execId: string, ociProcess: object, preservedFds?: PreservedFd[]): Promise<ExecResult> {
    const r = await this.unary('ExecProcess', {
      execId,
      process: null,
      containerId,
      ociProcessJson: JSON.stringify(ociProcess),
      preservedFds: preservedMessages(preservedFds),
    });
    return { pid: r.pid };
  }

  /**
   * Streams `source` into the process's stdin and closes stdin when the
   * source ends. Honours backpressure both ways. Resolves with the bytes the
   * agent wrote; if the process stops reading (EPIPE) it resolves early and
   * stops consuming the source.
   */
  writeStdin(execId: string, source: StdinSource): Promise<number> {
    return this.writeInput(execId, 0, source);
  }

  /** As writeStdin, into the process's preserved fd `fd` (in or both); its end closes that fd's input. */
  writeFd(execId: string, fd: number, source: StdinSource): Promise<number> {
    return this.writeInput(execId, fd, source);
  }

  private writeInput(execId: string, fd: number, source: StdinSource): Promise<number> {
    const m = agentService.WriteStdin;
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      let wake: (() => void) | null = null;
      const call = this.channel.call(m.path);
      let response: Buffer | null = null;
      call.on('message', (data: Buffer) => {
        response ??= data;
      });
      call.once('status', (status: Status) => {
        settled = true;
        wake?.();
        if (status.code !== GrpcStatus.OK) return reject(callError(status, 'WriteStdin'));
        try {
          resolve(response ? toNumber(m.responseDeserialize(response).bytesWritten) : 0);
        } catch (err) {
          reject(callError({ code: GrpcStatus.INTERNAL, details: `cannot decode the response: ${(err as Error).message}` }, 'WriteStdin'));
        }
      });
      let first = true;
      const send = async (data: Uint8Array | undefined, close: boolean): Promise<boolean> => {
        if (settled) return false;
        const msg: StdinChunk = { execId: first ? execId : '', data: data ?? Buffer.alloc(0), close, fd };
        first = false;
        if (!call.write(m.requestSerialize(msg))) await drained(call, (w) => (wake = w));
        wake = null;
        return !settled;
      };
      (async () => {
        for await (const piece of iterateSource(source)) {
          const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
          for (let off = 0; off < buf.length; off += STDIN_CHUNK) {
            if (!(await send(buf.subarray(off, off + STDIN_CHUNK), false))) return;
          }
        }
        // Name the process even when the source was empty, so stdin closes.
        if (first) await send(undefined, true);
        if (!settled) call.end();
      })().catch((err) => {
        if (settled) return;
        settled = true;
        call.cancel();
        reject(err);
      });
    });
  }

  /** Closes the process's stdin. */
  async closeStdin(execId: string): Promise<void> {
    await this.writeStdin(execId, []);
  }

  /**
   * One of the process's output streams, as a Readable of Buffers that ends
   * at EOF. Backpressure reaches the process: while this stream is not read,
   * the guest stops reading the pipe and the process blocks once it is full.
   * Destroying the Readable cancels the call; unread output stays in the
   * guest for another reader.
   */
  readStdio(execId: string, stream: StdioName): Readable {
    return this.readOutput(execId, stream, 0);
  }

  /** As readStdio, what the process writes to its preserved fd `fd` (out or both), until it closes it. */
  readFd(execId: string, fd: number): Readable {
    return this.readOutput(execId, 'stdout', fd);
  }

  private readOutput(execId: string, stream: StdioName, fd: number): Readable {
    const m = agentService.ReadStdio;
    const call = this.channel.call(m.path);
    let finished = false;
    const out = new Readable({
      read() {
        call.resume();
      },
      destroy(err, cb) {
        if (!finished) {
          finished = true;
          call.cancel();
        }
        cb(err);
      },
    });
    call.on('message', (data: Buffer) => {
      const d = m.responseDeserialize(data).data;
      if (!d || d.length === 0) return;
      const buf = Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      if (!out.push(buf)) call.pause();
    });
    call.once('status', (status: Status) => {
      if (finished) return;
      finished = true;
      if (status.code === GrpcStatus.OK) out.push(null);
      else out.destroy(callError(status, 'ReadStdio'));
    });
    call.write(
      m.requestSerialize({
        execId,
        stream: fd ? StdioStream.STDIO_STREAM_UNSPECIFIED : stream === 'stdout' ? StdioStream.STDIO_STREAM_STDOUT : StdioStream.STDIO_STREAM_STDERR,
        fd,
      }),
    );
    call.end();
    return out;
  }

  /** Resolves once the process has ended (at once if it has). */
  async wait(execId: string): Promise<ExitStatus> {
    const r: ExitStatusMessage = await this.unary('WaitProcess', { execId });
    return { exitCode: r.exitCode, signal: r.signal };
  }

  /** Sends a signal number; a process that already ended is not an error. */
  async signal(execId: string, signo: number): Promise<void> {
    await this.unary('SignalProcess', { execId, signal: signo });
  }

  /**
   * Creates a container from its OCI config (root.path and bind sources
   * already rewritten to guest paths under shareMount). Its process waits at
   * a barrier until startContainer; its stdio, exit and signals are reached
   * by execId. Rejects with runc's words (`exec: "x": executable file not
   * found in $PATH`, `chdir to cwd ...`). An empty shareTag means the paths
   * already exist in the guest (tests).
   */
  async createContainer(req: {
    containerId: string;
    execId: string;
    /** config.json (guest paths) as JSON text. */
    ociConfigJson: string;
    shareTag?: string;
    shareMount?: string;
    /** Host bundle path, for the guest hooks' state JSON. */
    bundle?: string;
    noPivot?: boolean;
    noNewKeyring?: boolean;
    /** The caller's fds passed through (runc's --preserve-fds). */
    preservedFds?: PreservedFd[];
  }): Promise<ExecResult> {
    const r = await this.unary('CreateContainer', {
      containerId: req.containerId,
      execId: req.execId,
      ociConfigJson: req.ociConfigJson,
      shareTag: req.shareTag ?? '',
      shareMount: req.shareMount ?? '',
      bundle: req.bundle ?? '',
      noPivot: req.noPivot ?? false,
      noNewKeyring: req.noNewKeyring ?? false,
      preservedFds: preservedMessages(req.preservedFds),
    });
    return { pid: r.pid };
  }

  /**
   * Releases the container's process: its startContainer hooks run, then it
   * execs the configured program. Rejects when a hook failed.
   */
  async startContainer(containerId: string): Promise<void> {
    await this.unary('StartContainer', { containerId });
  }

  /**
   * Sets the window size of the process's terminal (the guest process gets
   * SIGWINCH). Fails with FAILED_PRECONDITION when it has no terminal.
   */
  /**
   * Sets the guest's wall clock to this host's, read just before the call
   * goes out (the guest ends behind by the call's transit). Not retried on
   * a new connection: the time would be stale by then.
   */
  async setGuestTime(): Promise<void> {
    const ms = Date.now();
    await this.unaryOnce('SetGuestTime', { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 }, {});
  }

  async resizeTerminal(execId: string, size: WindowSize): Promise<void> {
    await this.unary('ResizeTerminal', { execId, rows: size.rows, cols: size.cols });
  }

  /**
   * New limits for the container's cgroup in the guest: an OCI
   * LinuxResources object, runc update's meaning (absent or 0: unchanged).
   */
  async updateContainer(containerId: string, resources: object): Promise<void> {
    await this.unary('UpdateContainer', { containerId, resourcesJson: JSON.stringify(resources) });
  }

  /** The container's cgroup v2 files in the guest (file name → content), and the guest's CPU count. */
  async statsContainer(containerId: string): Promise<{ files: Record<string, string>; cpus: number }> {
    const r = await this.unary('StatsContainer', { containerId });
    return { files: { ...(r.files ?? {}) }, cpus: r.cpus ?? 0 };
  }

  /** Asks the agent to power the VM off (in the guest) or to stop (on a host). */
  async shutdown(timeoutMs?: number): Promise<void> {
    await this.unary('Shutdown', {}, timeoutMs ? { deadline: Date.now() + timeoutMs } : {});
  }

  /**
   * Networking (issue 5): gives the guest's network devices (found by MAC)
   * their names, MTU and addresses, brings them and `lo` up, adds the routes.
   */
  async configureNetwork(req: { interfaces: NetInterface[]; routes: NetRoute[] }): Promise<void> {
    await this.unary('ConfigureNetwork', { interfaces: req.interfaces, routes: req.routes });
  }

  /** Closes the connection; calls in flight fail with CANCELLED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
  }
}

/** Resolves when `call` may take more (or has ended); `onWait` gets the wake-up, for a status that ends the wait. */
function drained(call: ClientCall, onWait: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const wake = () => {
      call.off('drain', wake);
      resolve();
    };
    onWait(wake);
    call.on('drain', wake);
  });
}

async function* iterateSource(source: StdinSource): AsyncGenerator<Uint8Array | string> {
  if (typeof source === 'string' || source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source as AsyncIterable<Uint8Array | string>;
}
