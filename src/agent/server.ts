/**
 * The agent service: clear.agent.v1.Agent implemented over the process table.
 * Connections come from whoever accepts them (AF_VSOCK in the guest, a Unix
 * socket in tests) and are handed to the gRPC server (grpc-server.ts).
 */
import { readFileSync } from 'fs';
import * as os from 'os';
import type { Duplex, Writable } from 'stream';
import {
  AGENT_VERSION,
  FdDirection,
  PROTOCOL,
  StdioStream,
  agentService,
  toNumber,
  type ConfigureNetworkRequest,
  type ConfigureNetworkResponse,
  type CreateContainerRequest,
  type CreateContainerResponse,
  type ExecProcessRequest,
  type ExecProcessResponse,
  type ExitStatus,
  type PingRequest,
  type PingResponse,
  type SetGuestTimeRequest,
  type SetGuestTimeResponse,
  type ReadStdioRequest,
  type ResizeTerminalRequest,
  type ResizeTerminalResponse,
  type ShutdownRequest,
  type ShutdownResponse,
  type SignalProcessRequest,
  type SignalProcessResponse,
  type StartContainerRequest,
  type StartContainerResponse,
  type StatsContainerRequest,
  type StatsContainerResponse,
  type StdinChunk,
  type StdioChunk,
  type UpdateContainerRequest,
  type UpdateContainerResponse,
  type VersionRequest,
  type VersionResponse,
  type WaitProcessRequest,
  type WriteStdinResponse,
} from './protocol';
import {
  GrpcServer,
  type ClientStreamingHandler,
  type ServerStreamingHandler,
  type Status,
  type UnaryHandler,
} from './grpc-server';
import { traceHandlers } from './trace';
import { ContainerManager, type ContainerManagerOptions } from './container';
import { configureNetwork, type NetworkOptions } from './network';
import { AgentError, Code, ProcessTable, type OutputName, type PreservedEnd, type PreservedFdSpec, type Proc } from './processes';

export interface AgentServerOptions {
  /** Called after Shutdown has been answered. */
  onShutdown?: () => void;
  /** The exec helper and share mounting (tests on a host replace them). */
  containers?: ContainerManagerOptions;
  /** How ConfigureNetwork runs `ip` (tests on a host replace it). */
  network?: NetworkOptions;
  /**
   * Sets the machine's wall clock (SetGuestTime). Only the guest agent
   * owns its machine's clock; absent, SetGuestTime is refused, so an agent
   * run on a host (tests) never sets the host's.
   */
  setClock?: ((sec: number, nsec: number) => void) | null;
}

function uptimeMs(): number {
  try {
    return Math.round(parseFloat(readFileSync('/proc/uptime', 'latin1')) * 1000);
  } catch {
    return Math.round(os.uptime() * 1000);
  }
}

/** A thrown value as the status the caller reads. */
function toStatus(err: unknown): Status {
  if (err instanceof AgentError) return { code: err.code, details: err.message };
  return { code: Code.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/** PreservedFd messages as the process table takes them. */
function preservedFds(list: Array<{ fd?: number | null; direction?: FdDirection | null }> | null | undefined): PreservedFdSpec[] {
  return (list ?? []).map((f) => {
    const direction = f.direction === FdDirection.FD_DIRECTION_IN ? 'in'
      : f.direction === FdDirection.FD_DIRECTION_OUT ? 'out'
        : f.direction === FdDirection.FD_DIRECTION_BOTH ? 'both' : null;
    if (!direction) throw new AgentError(Code.INVALID_ARGUMENT, `preserved fd ${f.fd}: no direction`);
    return { fd: f.fd ?? 0, direction };
  });
}

/**
 * Writes one chunk; resolves true when the pipe can take more, false when it
 * is closed or broken (EPIPE: the child stopped reading).
 */
function writeChunk(w: Writable, data: Uint8Array): Promise<boolean> {
  if (w.destroyed || w.writableEnded) return Promise.resolve(false);
  if (w.write(data)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      w.off('drain', onDrain);
      w.off('close', onClose);
      w.off('error', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    w.on('drain', onDrain);
    w.on('close', onClose);
    w.on('error', onClose);
  });
}

export class AgentServer {
  readonly server: GrpcServer;
  readonly processes = new ProcessTable();
  readonly containers: ContainerManager;
  private closed = false;

  constructor(private readonly opts: AgentServerOptions = {}) {
    this.containers = new ContainerManager(this.processes, opts.containers);
    this.server = new GrpcServer(agentService, traceHandlers(this.implementation()));
  }

  /** Serves gRPC on a connection accepted elsewhere. */
  handleConnection(conn: Duplex): void {
    if (this.closed) {
      conn.destroy();
      return;
    }
    this.server.inject(conn);
  }

  /** Stops serving: closes every connection and kills the processes left. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    this.processes.killAll();
  }

  private setGuestTime(sec: number, nsec: number): void {
    const set = this.opts.setClock;
    if (!set) {
      throw new AgentError(Code.FAILED_PRECONDITION, "this agent does not own its machine's clock (only the guest agent started by clear's init sets it)");
    }
    if (!(sec > 0) || nsec > 999_999_999) throw new AgentError(Code.INVALID_ARGUMENT, `${sec} s ${nsec} ns is not a time since the epoch`);
    try {
      set(sec, nsec);
    } catch (err) {
      throw new AgentError(Code.INTERNAL, `setting the clock: ${(err as Error).message}`);
    }
  }

  private implementation(): Record<string, unknown> {
    const table = this.processes;
    const impl: {
      Version: UnaryHandler<VersionRequest, VersionResponse>;
      Ping: UnaryHandler<PingRequest, PingResponse>;
      SetGuestTime: UnaryHandler<SetGuestTimeRequest, SetGuestTimeResponse>;
      ExecProcess: UnaryHandler<ExecProcessRequest, ExecProcessResponse>;
      WriteStdin: ClientStreamingHandler<StdinChunk, WriteStdinResponse>;
      ReadStdio: ServerStreamingHandler<ReadStdioRequest, StdioChunk>;
      WaitProcess: UnaryHandler<WaitProcessRequest, ExitStatus>;
      SignalProcess: UnaryHandler<SignalProcessRequest, SignalProcessResponse>;
      ResizeTerminal: UnaryHandler<ResizeTerminalRequest, ResizeTerminalResponse>;
      CreateContainer: UnaryHandler<CreateContainerRequest, CreateContainerResponse>;
      StartContainer: UnaryHandler<StartContainerRequest, StartContainerResponse>;
      Shutdown: UnaryHandler<ShutdownRequest, ShutdownResponse>;
      UpdateContainer: UnaryHandler<UpdateContainerRequest, UpdateContainerResponse>;
      StatsContainer: UnaryHandler<StatsContainerRequest, StatsContainerResponse>;
      ConfigureNetwork: UnaryHandler<ConfigureNetworkRequest, ConfigureNetworkResponse>;
    } = {
      Version: (_call, cb) => {
        cb(null, { protocol: PROTOCOL, agentVersion: AGENT_VERSION, kernelRelease: os.release() });
      },

      Ping: (_call, cb) => {
        cb(null, { uptimeMs: uptimeMs() });
      },

      SetGuestTime: (call, cb) => {
        try {
          this.setGuestTime(toNumber(call.request.sec), call.request.nsec ?? 0);
          cb(null, {});
        } catch (err) {
          cb(toStatus(err));
        }
      },

      ExecProcess: (call, cb) => {
        const { execId, process: p, containerId, ociProcessJson } = call.request;
        if (containerId) {
          Promise.resolve()
            .then(() => this.containers.exec(containerId, execId, ociProcessJson ?? '', preservedFds(call.request.preservedFds)))
            .then((res) => cb(null, res), (err) => cb(toStatus(err)));
          return;
        }
        if (call.request.preservedFds?.length) {
          cb(toStatus(new AgentError(Code.INVALID_ARGUMENT, 'preserved fds need container_id')));
          return;
        }
        table
          .exec(execId, {
            args: p?.args ?? [],
            env: p?.env ?? [],
            cwd: p?.cwd ?? '',
            uid: p?.uid ?? 0,
            gid: p?.gid ?? 0,
            additionalGids: p?.additionalGids ?? [],
            terminal: p?.terminal ?? false,
            consoleSize: p?.consoleSize ? { rows: p.consoleSize.rows ?? 0, cols: p.consoleSize.cols ?? 0 } : null,
          })
          .then((proc) => cb(null, { pid: proc.pid }), (err) => cb(toStatus(err)));
      },

      WriteStdin: (call, cb) => {
        let proc: Proc | undefined;
        // With fd: a preserved fd's input instead of stdin.
        let pfd: PreservedEnd | undefined;
        let written = 0;
        let finished = false;
        const finish = (err: unknown) => {
          if (finished) return;
          finished = true;
          call.off('data', onData);
          call.off('end', onEnd);
          if (pfd) pfd.writing = false;
          else if (proc) proc.writing = false;
          if (err) cb(toStatus(err));
          else cb(null, { bytesWritten: written });
        };
        const handle = async (chunk: StdinChunk): Promise<boolean> => {
          if (!proc) {
            if (!chunk.execId) throw new AgentError(Code.INVALID_ARGUMENT, 'the first StdinChunk must carry exec_id');
            const p = table.get(chunk.execId);
            if (chunk.fd) {
              const end = p.preserved(chunk.fd, 'input');
              if (end.writing) {
                throw new AgentError(Code.FAILED_PRECONDITION, `fd ${chunk.fd} of ${JSON.stringify(chunk.execId)} already has a writer`);
              }
              end.writing = true;
              pfd = end;
            } else {
              if (p.writing) {
                throw new AgentError(Code.FAILED_PRECONDITION, `stdin of ${JSON.stringify(chunk.execId)} already has a writer`);
              }
              p.writing = true;
            }
            proc = p;
          }
          const stdin = pfd ? pfd.input! : proc.stdin;
          if (chunk.data && chunk.data.length) {
            // Closed or broken (the child is gone): the call ends quietly.
            if (!(await writeChunk(stdin, chunk.data))) return false;
            written += chunk.data.length;
            if (!pfd) proc.lastInput = chunk.data[chunk.data.length - 1];
          }
          if (chunk.close) {
            closeInput();
            return false;
          }
          return true;
        };
        // The chunk being written; 'end' may come before it is done (a paused
        // stream still emits 'end' once its last chunk has been taken).
        let busy: Promise<unknown> = Promise.resolve();
        const onData = (chunk: StdinChunk) => {
          call.pause();
          busy = handle(chunk).then(
            (more) => (more ? call.resume() : finish(null)),
            (err) => finish(err),
          );
        };
        // A preserved fd's input ends as a pipe's does: the process reads EOF.
        const closeInput = () => (pfd ? pfd.input!.end() : proc?.closeStdin());
        const onEnd = () => {
          void busy.then(() => {
            if (finished) return;
            closeInput();
            finish(null);
          });
        };
        call.on('data', onData);
        call.on('end', onEnd);
        // The writer went away without ending its stream: stdin stays open
        // for a new writer.
        call.on('cancelled', () => finish(new AgentError(Code.CANCELLED, 'cancelled')));
        call.on('error', (err) => finish(err));
      },

      ReadStdio: (call) => {
        const { execId, stream: which, fd } = call.request;
        const fail = (err: unknown) => call.emit('error', toStatus(err));
        const name: OutputName | null =
          which === StdioStream.STDIO_STREAM_STDOUT ? 'stdout' : which === StdioStream.STDIO_STREAM_STDERR ? 'stderr' : null;
        if (!name && !fd) return fail(new AgentError(Code.INVALID_ARGUMENT, 'stream must be STDOUT or STDERR'));
        let proc: Proc;
        let out: NonNullable<PreservedEnd['output']>;
        try {
          proc = table.get(execId);
          out = fd ? proc.preserved(fd, 'output').output! : proc.out[name!];
        } catch (err) {
          return fail(err);
        }
        const what = fd ? `fd ${fd}` : name;
        if (out.reading) {
          return fail(new AgentError(Code.FAILED_PRECONDITION, `${what} of ${JSON.stringify(execId)} already has a reader`));
        }
        if (out.done) {
          call.end();
          return;
        }
        const src = out.stream;
        out.reading = true;
        let attached = true;
        let blocked = false; // waiting for the call to drain
        const detach = () => {
          if (!attached) return false;
          attached = false;
          out.reading = false;
          src.off('readable', pump);
          src.off('end', onEnd);
          src.off('close', onEnd);
          call.off('drain', onDrain);
          return true;
        };
        // Moves what the pipe has into the call until either runs dry or
        // the call's buffer is full (then 'drain' resumes it).
        function pump(): void {
          if (!attached || blocked) return;
          let chunk: Buffer | null;
          while (attached && (chunk = src.read() as Buffer | null) !== null) {
            if (!call.write({ data: chunk })) {
              blocked = true;
              return;
            }
          }
        }
        function onDrain(): void {
          blocked = false;
          pump();
        }
        function onEnd(): void {
          if (!detach()) return;
          call.end();
          proc.markDone(out);
        }
        src.on('readable', pump);
        src.once('end', onEnd);
        // Destroyed without EOF (the entry was replaced, or a read error).
        src.once('close', onEnd);
        call.on('drain', onDrain);
        // The reader went away: unread data stays in the pipe for the next one.
        call.once('cancelled', detach);
        if (src.readableEnded || src.destroyed) onEnd();
        else pump();
      },

      WaitProcess: (call, cb) => {
        const { execId } = call.request;
        let proc: Proc;
        try {
          proc = table.get(execId);
        } catch (err) {
          const ended = table.ended(execId);
          if (ended) cb(null, ended);
          else cb(toStatus(err));
          return;
        }
        proc.wait().then((exit) => {
          if (call.cancelled) return;
          cb(null, exit);
          proc.markWaited();
        });
      },

      SignalProcess: (call, cb) => {
        try {
          table.signal(call.request.execId, call.request.signal);
          cb(null, {});
        } catch (err) {
          cb(toStatus(err));
        }
      },

      ResizeTerminal: (call, cb) => {
        const { execId, rows, cols } = call.request;
        try {
          table.get(execId).resize({ rows, cols });
          cb(null, {});
        } catch (err) {
          cb(toStatus(err));
        }
      },

      CreateContainer: (call, cb) => {
        const r = call.request;
        Promise.resolve()
          .then(() => this.containers.create({
            containerId: r.containerId,
            execId: r.execId,
            ociConfigJson: r.ociConfigJson,
            shareTag: r.shareTag,
            shareMount: r.shareMount,
            bundle: r.bundle,
            noPivot: r.noPivot,
            noNewKeyring: r.noNewKeyring,
            preservedFds: preservedFds(r.preservedFds),
          }))
          .then((res) => cb(null, res), (err) => cb(toStatus(err)));
      },

      StartContainer: (call, cb) => {
        this.containers.start(call.request.containerId).then(() => cb(null, {}), (err) => cb(toStatus(err)));
      },

      Shutdown: (_call, cb) => {
        cb(null, {});
        const onShutdown = this.opts.onShutdown;
        if (onShutdown) setImmediate(onShutdown);
      },

      // --- Container resources (update, events).
      UpdateContainer: (call, cb) => {
        try {
          this.containers.update(call.request.containerId, call.request.resourcesJson ?? '');
          cb(null, {});
        } catch (err) {
          cb(toStatus(err));
        }
      },

      StatsContainer: (call, cb) => {
        try {
          cb(null, this.containers.stats(call.request.containerId));
        } catch (err) {
          cb(toStatus(err));
        }
      },

      // --- Networking.
      ConfigureNetwork: (call, cb) => {
        configureNetwork(call.request, this.opts.network).then(() => cb(null, {}), (err) => cb(toStatus(err)));
      },
    };
    return impl;
  }
}
