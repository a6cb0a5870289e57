/**
 * The binding of spec/agent.proto (package clear.agent.v1) to gRPC: one
 * service definition shared by the guest agent (server) and the host client
 * (its shape is grpc-js's, so the tests drive grpc-js with it too).
 *
 * Messages are encoded by the static classes `make proto` generates with
 * pbjs, so nothing parses a .proto at run time (agent start-up under TCG
 * pays for every millisecond of module loading). This module loads only the
 * generated code and protobufjs/minimal.
 */
import { clear } from './generated/agent';
import type { MethodDefinition } from './grpc-wire';

export import pb = clear.agent.v1;

/** The protocol this binding speaks; VersionResponse.protocol. */
export const PROTOCOL = 'clear.agent.v1';
/** The agent's build; keep equal to package.json "version" (a test checks). */
export const AGENT_VERSION = '0.1.0';
/** The vsock port the guest agent listens on. */
export const AGENT_VSOCK_PORT = 1024;
/**
 * What the agent writes to stderr (the VM's console) once it listens,
 * followed by its address. The host watches the console for it to try its
 * first call at once rather than at its next poll.
 */
export const AGENT_READY_LINE = 'clear-agent: ready on ';

// Message types as they arrive (decoded: every scalar field present, with its
// default) and as they may be sent (plain objects with those fields).
export type VersionRequest = pb.VersionRequest;
export type VersionResponse = pb.VersionResponse;
export type PingRequest = pb.PingRequest;
export type PingResponse = pb.PingResponse;
export type SetGuestTimeRequest = pb.SetGuestTimeRequest;
export type SetGuestTimeResponse = pb.SetGuestTimeResponse;
export type Process = pb.Process;
export type ExecProcessRequest = pb.ExecProcessRequest;
export type ExecProcessResponse = pb.ExecProcessResponse;
export type StdinChunk = pb.StdinChunk;
export type WriteStdinResponse = pb.WriteStdinResponse;
export type ReadStdioRequest = pb.ReadStdioRequest;
export type StdioChunk = pb.StdioChunk;
export type WaitProcessRequest = pb.WaitProcessRequest;
export type ExitStatus = pb.ExitStatus;
export type SignalProcessRequest = pb.SignalProcessRequest;
export type SignalProcessResponse = pb.SignalProcessResponse;
export type CreateContainerRequest = pb.CreateContainerRequest;
export type CreateContainerResponse = pb.CreateContainerResponse;
export type StartContainerRequest = pb.StartContainerRequest;
export type StartContainerResponse = pb.StartContainerResponse;
export type ResizeTerminalRequest = pb.ResizeTerminalRequest;
export type ResizeTerminalResponse = pb.ResizeTerminalResponse;
export type ShutdownRequest = pb.ShutdownRequest;
export type ShutdownResponse = pb.ShutdownResponse;
export type UpdateContainerRequest = pb.UpdateContainerRequest;
export type UpdateContainerResponse = pb.UpdateContainerResponse;
export type StatsContainerRequest = pb.StatsContainerRequest;
export type StatsContainerResponse = pb.StatsContainerResponse;
// Networking (issue 5).
export type NetInterface = pb.INetInterface;
export type NetRoute = pb.INetRoute;
export type ConfigureNetworkRequest = pb.ConfigureNetworkRequest;
export type ConfigureNetworkResponse = pb.ConfigureNetworkResponse;
export const StdioStream = pb.StdioStream;
export type StdioStream = pb.StdioStream;
export const FdDirection = pb.FdDirection;
export type FdDirection = pb.FdDirection;
export type PreservedFd = pb.PreservedFd;

/** What a generated message class offers that the binding needs. */
interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(data: Uint8Array): T;
}

function toBuffer(u: Uint8Array): Buffer {
  // protobufjs's BufferWriter already returns a Buffer under Node.
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function method<Req, Res>(
  name: string,
  req: Codec<Req>,
  res: Codec<Res>,
  requestStream: boolean,
  responseStream: boolean,
): MethodDefinition<Req, Res> {
  return {
    path: `/clear.agent.v1.Agent/${name}`,
    originalName: name[0].toLowerCase() + name.slice(1),
    requestStream,
    responseStream,
    requestSerialize: (m: Req) => toBuffer(req.encode(m).finish()),
    requestDeserialize: (b: Buffer) => req.decode(b),
    responseSerialize: (m: Res) => toBuffer(res.encode(m).finish()),
    responseDeserialize: (b: Buffer) => res.decode(b),
  };
}

export const agentService = {
  Version: method<VersionRequest, VersionResponse>('Version', pb.VersionRequest, pb.VersionResponse, false, false),
  Ping: method<PingRequest, PingResponse>('Ping', pb.PingRequest, pb.PingResponse, false, false),
  SetGuestTime: method<SetGuestTimeRequest, SetGuestTimeResponse>('SetGuestTime', pb.SetGuestTimeRequest, pb.SetGuestTimeResponse, false, false),
  ExecProcess: method<ExecProcessRequest, ExecProcessResponse>(
    'ExecProcess', pb.ExecProcessRequest, pb.ExecProcessResponse, false, false),
  WriteStdin: method<StdinChunk, WriteStdinResponse>('WriteStdin', pb.StdinChunk, pb.WriteStdinResponse, true, false),
  ReadStdio: method<ReadStdioRequest, StdioChunk>('ReadStdio', pb.ReadStdioRequest, pb.StdioChunk, false, true),
  WaitProcess: method<WaitProcessRequest, ExitStatus>('WaitProcess', pb.WaitProcessRequest, pb.ExitStatus, false, false),
  SignalProcess: method<SignalProcessRequest, SignalProcessResponse>(
    'SignalProcess', pb.SignalProcessRequest, pb.SignalProcessResponse, false, false),
  CreateContainer: method<CreateContainerRequest, CreateContainerResponse>(
    'CreateContainer', pb.CreateContainerRequest, pb.CreateContainerResponse, false, false),
  StartContainer: method<StartContainerRequest, StartContainerResponse>(
    'StartContainer', pb.StartContainerRequest, pb.StartContainerResponse, false, false),
  ResizeTerminal: method<ResizeTerminalRequest, ResizeTerminalResponse>(
    'ResizeTerminal', pb.ResizeTerminalRequest, pb.ResizeTerminalResponse, false, false),
  Shutdown: method<ShutdownRequest, ShutdownResponse>('Shutdown', pb.ShutdownRequest, pb.ShutdownResponse, false, false),
  // Container resources (update, events).
  UpdateContainer: method<UpdateContainerRequest, UpdateContainerResponse>(
    'UpdateContainer', pb.UpdateContainerRequest, pb.UpdateContainerResponse, false, false),
  StatsContainer: method<StatsContainerRequest, StatsContainerResponse>(
    'StatsContainer', pb.StatsContainerRequest, pb.StatsContainerResponse, false, false),
  // Networking (issue 5).
  ConfigureNetwork: method<ConfigureNetworkRequest, ConfigureNetworkResponse>(
    'ConfigureNetwork', pb.ConfigureNetworkRequest, pb.ConfigureNetworkResponse, false, false),
} satisfies Record<string, MethodDefinition<any, any>>; // any: each method has its own message types

export type AgentService = typeof agentService;

/** uint64 fields decode as Long when the `long` package is present. */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}
