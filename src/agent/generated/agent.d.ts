import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace clear. */
export namespace clear {

    /** Namespace agent. */
    namespace agent {

        /** Namespace v1. */
        namespace v1 {

            /** Represents an Agent */
            class Agent extends $protobuf.rpc.Service {

                /**
                 * Constructs a new Agent service.
                 * @param rpcImpl RPC implementation
                 * @param [requestDelimited=false] Whether requests are length-delimited
                 * @param [responseDelimited=false] Whether responses are length-delimited
                 */
                constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);

                /**
                 * Creates new Agent service using the specified rpc implementation.
                 * @param rpcImpl RPC implementation
                 * @param [requestDelimited=false] Whether requests are length-delimited
                 * @param [responseDelimited=false] Whether responses are length-delimited
                 * @returns RPC service. Useful where requests and/or responses are streamed.
                 */
                static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Agent;

                /** Calls Version. */
                version: clear.agent.v1.Agent.Version;

                /** Calls Ping. */
                ping: clear.agent.v1.Agent.Ping;

                /** Calls ExecProcess. */
                execProcess: clear.agent.v1.Agent.ExecProcess;

                /** Calls WriteStdin. */
                writeStdin: clear.agent.v1.Agent.WriteStdin;

                /** Calls ReadStdio. */
                readStdio: clear.agent.v1.Agent.ReadStdio;

                /** Calls WaitProcess. */
                waitProcess: clear.agent.v1.Agent.WaitProcess;

                /** Calls SignalProcess. */
                signalProcess: clear.agent.v1.Agent.SignalProcess;

                /** Calls Shutdown. */
                shutdown: clear.agent.v1.Agent.Shutdown;
            }

            namespace Agent {

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#version}.
                 * @param error Error, if any
                 * @param [response] VersionResponse
                 */
                type VersionCallback = (error: (Error|null), response?: clear.agent.v1.VersionResponse) => void;

                /** Calls Version. */
                type Version = {
                  (request: clear.agent.v1.IVersionRequest, callback: clear.agent.v1.Agent.VersionCallback): void;
                  (request: clear.agent.v1.IVersionRequest): Promise<clear.agent.v1.VersionResponse>;
                  readonly name: "Version";
                  readonly path: "/clear.agent.v1.Agent/Version";
                  readonly requestType: "VersionRequest";
                  readonly responseType: "VersionResponse";
                  readonly requestStream: undefined;
                  readonly responseStream: undefined;
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#ping}.
                 * @param error Error, if any
                 * @param [response] PingResponse
                 */
                type PingCallback = (error: (Error|null), response?: clear.agent.v1.PingResponse) => void;

                /** Calls Ping. */
                type Ping = {
                  (request: clear.agent.v1.IPingRequest, callback: clear.agent.v1.Agent.PingCallback): void;
                  (request: clear.agent.v1.IPingRequest): Promise<clear.agent.v1.PingResponse>;
                  readonly name: "Ping";
                  readonly path: "/clear.agent.v1.Agent/Ping";
                  readonly requestType: "PingRequest";
                  readonly responseType: "PingResponse";
                  readonly requestStream: undefined;
                  readonly responseStream: undefined;
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#execProcess}.
                 * @param error Error, if any
                 * @param [response] ExecProcessResponse
                 */
                type ExecProcessCallback = (error: (Error|null), response?: clear.agent.v1.ExecProcessResponse) => void;

                /** Calls ExecProcess. */
                type ExecProcess = {
                  (request: clear.agent.v1.IExecProcessRequest, callback: clear.agent.v1.Agent.ExecProcessCallback): void;
                  (request: clear.agent.v1.IExecProcessRequest): Promise<clear.agent.v1.ExecProcessResponse>;
                  readonly name: "ExecProcess";
                  readonly path: "/clear.agent.v1.Agent/ExecProcess";
                  readonly requestType: "ExecProcessRequest";
                  readonly responseType: "ExecProcessResponse";
                  readonly requestStream: undefined;
                  readonly responseStream: undefined;
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#writeStdin}.
                 * @param error Error, if any
                 * @param [response] WriteStdinResponse
                 */
                type WriteStdinCallback = (error: (Error|null), response?: clear.agent.v1.WriteStdinResponse) => void;

                /** Calls WriteStdin. */
                type WriteStdin = {
                  (request: clear.agent.v1.IStdinChunk, callback: clear.agent.v1.Agent.WriteStdinCallback): void;
                  (request: clear.agent.v1.IStdinChunk): Promise<clear.agent.v1.WriteStdinResponse>;
                  readonly name: "WriteStdin";
                  readonly path: "/clear.agent.v1.Agent/WriteStdin";
                  readonly requestType: "StdinChunk";
                  readonly responseType: "WriteStdinResponse";
                  readonly requestStream: true;
                  readonly responseStream: undefined;
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#readStdio}.
                 * @param error Error, if any
                 * @param [response] StdioChunk
                 */
                type ReadStdioCallback = (error: (Error|null), response?: clear.agent.v1.StdioChunk) => void;

                /** Calls ReadStdio. */
                type ReadStdio = {
                  (request: clear.agent.v1.IReadStdioRequest, callback: clear.agent.v1.Agent.ReadStdioCallback): void;
                  (request: clear.agent.v1.IReadStdioRequest): Promise<clear.agent.v1.StdioChunk>;
                  readonly name: "ReadStdio";
                  readonly path: "/clear.agent.v1.Agent/ReadStdio";
                  readonly requestType: "ReadStdioRequest";
                  readonly responseType: "StdioChunk";
                  readonly requestStream: undefined;
                  readonly responseStream: true;
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#waitProcess}.
                 * @param error Error, if any
                 * @param [response] ExitStatus
                 */
                type WaitProcessCallback = (error: (Error|null), response?: clear.agent.v1.ExitStatus) => void;

                /** Calls WaitProcess. */
                type WaitProcess = {
                  (request: clear.agent.v1.IWaitProcessRequest, callback: clear.agent.v1.Agent.WaitProcessCallback): void;
                  (request: clear.agent.v1.IWaitProcessRequest): Promise<clear.agent.v1.ExitStatus>;
                  readonly name: "WaitProcess";
                  readonly path: "/clear.agent.v1.Agent/WaitProcess";
                  readonly requestType: "WaitProcessRequest";
                  readonly responseType: "ExitStatus";
                  readonly requestStream: undefined;
                  readonly responseStream: undefined;
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#signalProcess}.
                 * @param error Error, if any
                 * @param [response] SignalProcessResponse
                 */
                type SignalProcessCallback = (error: (Error|null), response?: clear.agent.v1.SignalProcessResponse) => void;

                /** Calls SignalProcess. */
                type SignalProcess = {
                  (request: clear.agent.v1.ISignalProcessRequest, callback: clear.agent.v1.Agent.SignalProcessCallback): void;
                  (request: clear.agent.v1.ISignalProcessRequest): Promise<clear.agent.v1.SignalProcessResponse>;
                  readonly name: "SignalProcess";
                  readonly path: "/clear.agent.v1.Agent/SignalProcess";
                  readonly requestType: "SignalProcessRequest";
                  readonly responseType: "SignalProcessResponse";
                  readonly requestStream: undefined;
                  readonly responseStream: undefined;
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#shutdown}.
                 * @param error Error, if any
                 * @param [response] ShutdownResponse
                 */
                type ShutdownCallback = (error: (Error|null), response?: clear.agent.v1.ShutdownResponse) => void;

                /** Calls Shutdown. */
                type Shutdown = {
                  (request: clear.agent.v1.IShutdownRequest, callback: clear.agent.v1.Agent.ShutdownCallback): void;
                  (request: clear.agent.v1.IShutdownRequest): Promise<clear.agent.v1.ShutdownResponse>;
                  readonly name: "Shutdown";
                  readonly path: "/clear.agent.v1.Agent/Shutdown";
                  readonly requestType: "ShutdownRequest";
                  readonly responseType: "ShutdownResponse";
                  readonly requestStream: undefined;
                  readonly responseStream: undefined;
                };
            }

            /**
             * Properties of a VersionRequest.
             * @deprecated Use clear.agent.v1.VersionRequest.$Properties instead.
             */
            interface IVersionRequest extends clear.agent.v1.VersionRequest.$Properties {
            }

            /** Represents a VersionRequest. */
            class VersionRequest {

                /**
                 * Constructs a new VersionRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.VersionRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /**
                 * Creates a new VersionRequest instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns VersionRequest instance
                 */
                static create(properties: clear.agent.v1.VersionRequest.$Shape): clear.agent.v1.VersionRequest & clear.agent.v1.VersionRequest.$Shape;
                static create(properties?: clear.agent.v1.VersionRequest.$Properties): clear.agent.v1.VersionRequest;

                /**
                 * Encodes the specified VersionRequest message. Does not implicitly {@link clear.agent.v1.VersionRequest.verify|verify} messages.
                 * @param message VersionRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.VersionRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a VersionRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.VersionRequest & clear.agent.v1.VersionRequest.$Shape} VersionRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.VersionRequest & clear.agent.v1.VersionRequest.$Shape;

                /**
                 * Gets the type url for VersionRequest
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace VersionRequest {

                /** Properties of a VersionRequest. */
                interface $Properties {

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a VersionRequest. */
                type $Shape = clear.agent.v1.VersionRequest.$Properties;
            }

            /**
             * Properties of a VersionResponse.
             * @deprecated Use clear.agent.v1.VersionResponse.$Properties instead.
             */
            interface IVersionResponse extends clear.agent.v1.VersionResponse.$Properties {
            }

            /** Represents a VersionResponse. */
            class VersionResponse {

                /**
                 * Constructs a new VersionResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.VersionResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** VersionResponse protocol. */
                protocol: string;

                /** VersionResponse agentVersion. */
                agentVersion: string;

                /** VersionResponse kernelRelease. */
                kernelRelease: string;

                /**
                 * Creates a new VersionResponse instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns VersionResponse instance
                 */
                static create(properties: clear.agent.v1.VersionResponse.$Shape): clear.agent.v1.VersionResponse & clear.agent.v1.VersionResponse.$Shape;
                static create(properties?: clear.agent.v1.VersionResponse.$Properties): clear.agent.v1.VersionResponse;

                /**
                 * Encodes the specified VersionResponse message. Does not implicitly {@link clear.agent.v1.VersionResponse.verify|verify} messages.
                 * @param message VersionResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.VersionResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a VersionResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.VersionResponse & clear.agent.v1.VersionResponse.$Shape} VersionResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.VersionResponse & clear.agent.v1.VersionResponse.$Shape;

                /**
                 * Gets the type url for VersionResponse
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace VersionResponse {

                /** Properties of a VersionResponse. */
                interface $Properties {

                    /** VersionResponse protocol */
                    protocol?: (string|null);

                    /** VersionResponse agentVersion */
                    agentVersion?: (string|null);

                    /** VersionResponse kernelRelease */
                    kernelRelease?: (string|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a VersionResponse. */
                type $Shape = clear.agent.v1.VersionResponse.$Properties;
            }

            /**
             * Properties of a PingRequest.
             * @deprecated Use clear.agent.v1.PingRequest.$Properties instead.
             */
            interface IPingRequest extends clear.agent.v1.PingRequest.$Properties {
            }

            /** Represents a PingRequest. */
            class PingRequest {

                /**
                 * Constructs a new PingRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.PingRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /**
                 * Creates a new PingRequest instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns PingRequest instance
                 */
                static create(properties: clear.agent.v1.PingRequest.$Shape): clear.agent.v1.PingRequest & clear.agent.v1.PingRequest.$Shape;
                static create(properties?: clear.agent.v1.PingRequest.$Properties): clear.agent.v1.PingRequest;

                /**
                 * Encodes the specified PingRequest message. Does not implicitly {@link clear.agent.v1.PingRequest.verify|verify} messages.
                 * @param message PingRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.PingRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a PingRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.PingRequest & clear.agent.v1.PingRequest.$Shape} PingRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.PingRequest & clear.agent.v1.PingRequest.$Shape;

                /**
                 * Gets the type url for PingRequest
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace PingRequest {

                /** Properties of a PingRequest. */
                interface $Properties {

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a PingRequest. */
                type $Shape = clear.agent.v1.PingRequest.$Properties;
            }

            /**
             * Properties of a PingResponse.
             * @deprecated Use clear.agent.v1.PingResponse.$Properties instead.
             */
            interface IPingResponse extends clear.agent.v1.PingResponse.$Properties {
            }

            /** Represents a PingResponse. */
            class PingResponse {

                /**
                 * Constructs a new PingResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.PingResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** PingResponse uptimeMs. */
                uptimeMs: (number|Long);

                /**
                 * Creates a new PingResponse instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns PingResponse instance
                 */
                static create(properties: clear.agent.v1.PingResponse.$Shape): clear.agent.v1.PingResponse & clear.agent.v1.PingResponse.$Shape;
                static create(properties?: clear.agent.v1.PingResponse.$Properties): clear.agent.v1.PingResponse;

                /**
                 * Encodes the specified PingResponse message. Does not implicitly {@link clear.agent.v1.PingResponse.verify|verify} messages.
                 * @param message PingResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.PingResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a PingResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.PingResponse & clear.agent.v1.PingResponse.$Shape} PingResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.PingResponse & clear.agent.v1.PingResponse.$Shape;

                /**
                 * Gets the type url for PingResponse
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace PingResponse {

                /** Properties of a PingResponse. */
                interface $Properties {

                    /** PingResponse uptimeMs */
                    uptimeMs?: (number|Long|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a PingResponse. */
                type $Shape = clear.agent.v1.PingResponse.$Properties;
            }

            /**
             * Properties of a Process.
             * @deprecated Use clear.agent.v1.Process.$Properties instead.
             */
            interface IProcess extends clear.agent.v1.Process.$Properties {
            }

            /** Represents a Process. */
            class Process {

                /**
                 * Constructs a new Process.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.Process.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Process args. */
                args: string[];

                /** Process env. */
                env: string[];

                /** Process cwd. */
                cwd: string;

                /** Process uid. */
                uid: number;

                /** Process gid. */
                gid: number;

                /** Process additionalGids. */
                additionalGids: number[];

                /**
                 * Creates a new Process instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns Process instance
                 */
                static create(properties: clear.agent.v1.Process.$Shape): clear.agent.v1.Process & clear.agent.v1.Process.$Shape;
                static create(properties?: clear.agent.v1.Process.$Properties): clear.agent.v1.Process;

                /**
                 * Encodes the specified Process message. Does not implicitly {@link clear.agent.v1.Process.verify|verify} messages.
                 * @param message Process message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.Process.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a Process message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.Process & clear.agent.v1.Process.$Shape} Process
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.Process & clear.agent.v1.Process.$Shape;

                /**
                 * Gets the type url for Process
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace Process {

                /** Properties of a Process. */
                interface $Properties {

                    /** Process args */
                    args?: (string[]|null);

                    /** Process env */
                    env?: (string[]|null);

                    /** Process cwd */
                    cwd?: (string|null);

                    /** Process uid */
                    uid?: (number|null);

                    /** Process gid */
                    gid?: (number|null);

                    /** Process additionalGids */
                    additionalGids?: (number[]|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a Process. */
                type $Shape = clear.agent.v1.Process.$Properties;
            }

            /**
             * Properties of an ExecProcessRequest.
             * @deprecated Use clear.agent.v1.ExecProcessRequest.$Properties instead.
             */
            interface IExecProcessRequest extends clear.agent.v1.ExecProcessRequest.$Properties {
            }

            /** Represents an ExecProcessRequest. */
            class ExecProcessRequest {

                /**
                 * Constructs a new ExecProcessRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.ExecProcessRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** ExecProcessRequest execId. */
                execId: string;

                /** ExecProcessRequest process. */
                process?: (clear.agent.v1.Process.$Properties|null);

                /**
                 * Creates a new ExecProcessRequest instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns ExecProcessRequest instance
                 */
                static create(properties: clear.agent.v1.ExecProcessRequest.$Shape): clear.agent.v1.ExecProcessRequest & clear.agent.v1.ExecProcessRequest.$Shape;
                static create(properties?: clear.agent.v1.ExecProcessRequest.$Properties): clear.agent.v1.ExecProcessRequest;

                /**
                 * Encodes the specified ExecProcessRequest message. Does not implicitly {@link clear.agent.v1.ExecProcessRequest.verify|verify} messages.
                 * @param message ExecProcessRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.ExecProcessRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes an ExecProcessRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ExecProcessRequest & clear.agent.v1.ExecProcessRequest.$Shape} ExecProcessRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.ExecProcessRequest & clear.agent.v1.ExecProcessRequest.$Shape;

                /**
                 * Gets the type url for ExecProcessRequest
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace ExecProcessRequest {

                /** Properties of an ExecProcessRequest. */
                interface $Properties {

                    /** ExecProcessRequest execId */
                    execId?: (string|null);

                    /** ExecProcessRequest process */
                    process?: (clear.agent.v1.Process.$Properties|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of an ExecProcessRequest. */
                type $Shape = clear.agent.v1.ExecProcessRequest.$Properties;
            }

            /**
             * Properties of an ExecProcessResponse.
             * @deprecated Use clear.agent.v1.ExecProcessResponse.$Properties instead.
             */
            interface IExecProcessResponse extends clear.agent.v1.ExecProcessResponse.$Properties {
            }

            /** Represents an ExecProcessResponse. */
            class ExecProcessResponse {

                /**
                 * Constructs a new ExecProcessResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.ExecProcessResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** ExecProcessResponse pid. */
                pid: number;

                /**
                 * Creates a new ExecProcessResponse instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns ExecProcessResponse instance
                 */
                static create(properties: clear.agent.v1.ExecProcessResponse.$Shape): clear.agent.v1.ExecProcessResponse & clear.agent.v1.ExecProcessResponse.$Shape;
                static create(properties?: clear.agent.v1.ExecProcessResponse.$Properties): clear.agent.v1.ExecProcessResponse;

                /**
                 * Encodes the specified ExecProcessResponse message. Does not implicitly {@link clear.agent.v1.ExecProcessResponse.verify|verify} messages.
                 * @param message ExecProcessResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.ExecProcessResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes an ExecProcessResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ExecProcessResponse & clear.agent.v1.ExecProcessResponse.$Shape} ExecProcessResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.ExecProcessResponse & clear.agent.v1.ExecProcessResponse.$Shape;

                /**
                 * Gets the type url for ExecProcessResponse
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace ExecProcessResponse {

                /** Properties of an ExecProcessResponse. */
                interface $Properties {

                    /** ExecProcessResponse pid */
                    pid?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of an ExecProcessResponse. */
                type $Shape = clear.agent.v1.ExecProcessResponse.$Properties;
            }

            /**
             * Properties of a StdinChunk.
             * @deprecated Use clear.agent.v1.StdinChunk.$Properties instead.
             */
            interface IStdinChunk extends clear.agent.v1.StdinChunk.$Properties {
            }

            /** Represents a StdinChunk. */
            class StdinChunk {

                /**
                 * Constructs a new StdinChunk.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.StdinChunk.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** StdinChunk execId. */
                execId: string;

                /** StdinChunk data. */
                data: Uint8Array;

                /** StdinChunk close. */
                close: boolean;

                /**
                 * Creates a new StdinChunk instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns StdinChunk instance
                 */
                static create(properties: clear.agent.v1.StdinChunk.$Shape): clear.agent.v1.StdinChunk & clear.agent.v1.StdinChunk.$Shape;
                static create(properties?: clear.agent.v1.StdinChunk.$Properties): clear.agent.v1.StdinChunk;

                /**
                 * Encodes the specified StdinChunk message. Does not implicitly {@link clear.agent.v1.StdinChunk.verify|verify} messages.
                 * @param message StdinChunk message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.StdinChunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a StdinChunk message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.StdinChunk & clear.agent.v1.StdinChunk.$Shape} StdinChunk
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.StdinChunk & clear.agent.v1.StdinChunk.$Shape;

                /**
                 * Gets the type url for StdinChunk
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace StdinChunk {

                /** Properties of a StdinChunk. */
                interface $Properties {

                    /** StdinChunk execId */
                    execId?: (string|null);

                    /** StdinChunk data */
                    data?: (Uint8Array|null);

                    /** StdinChunk close */
                    close?: (boolean|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a StdinChunk. */
                type $Shape = clear.agent.v1.StdinChunk.$Properties;
            }

            /**
             * Properties of a WriteStdinResponse.
             * @deprecated Use clear.agent.v1.WriteStdinResponse.$Properties instead.
             */
            interface IWriteStdinResponse extends clear.agent.v1.WriteStdinResponse.$Properties {
            }

            /** Represents a WriteStdinResponse. */
            class WriteStdinResponse {

                /**
                 * Constructs a new WriteStdinResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.WriteStdinResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** WriteStdinResponse bytesWritten. */
                bytesWritten: (number|Long);

                /**
                 * Creates a new WriteStdinResponse instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns WriteStdinResponse instance
                 */
                static create(properties: clear.agent.v1.WriteStdinResponse.$Shape): clear.agent.v1.WriteStdinResponse & clear.agent.v1.WriteStdinResponse.$Shape;
                static create(properties?: clear.agent.v1.WriteStdinResponse.$Properties): clear.agent.v1.WriteStdinResponse;

                /**
                 * Encodes the specified WriteStdinResponse message. Does not implicitly {@link clear.agent.v1.WriteStdinResponse.verify|verify} messages.
                 * @param message WriteStdinResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.WriteStdinResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a WriteStdinResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.WriteStdinResponse & clear.agent.v1.WriteStdinResponse.$Shape} WriteStdinResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.WriteStdinResponse & clear.agent.v1.WriteStdinResponse.$Shape;

                /**
                 * Gets the type url for WriteStdinResponse
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace WriteStdinResponse {

                /** Properties of a WriteStdinResponse. */
                interface $Properties {

                    /** WriteStdinResponse bytesWritten */
                    bytesWritten?: (number|Long|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a WriteStdinResponse. */
                type $Shape = clear.agent.v1.WriteStdinResponse.$Properties;
            }

            /** StdioStream enum. */
            enum StdioStream {

                /** STDIO_STREAM_UNSPECIFIED value */
                STDIO_STREAM_UNSPECIFIED = 0,

                /** STDIO_STREAM_STDOUT value */
                STDIO_STREAM_STDOUT = 1,

                /** STDIO_STREAM_STDERR value */
                STDIO_STREAM_STDERR = 2
            }

            /**
             * Properties of a ReadStdioRequest.
             * @deprecated Use clear.agent.v1.ReadStdioRequest.$Properties instead.
             */
            interface IReadStdioRequest extends clear.agent.v1.ReadStdioRequest.$Properties {
            }

            /** Represents a ReadStdioRequest. */
            class ReadStdioRequest {

                /**
                 * Constructs a new ReadStdioRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.ReadStdioRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** ReadStdioRequest execId. */
                execId: string;

                /** ReadStdioRequest stream. */
                stream: clear.agent.v1.StdioStream;

                /**
                 * Creates a new ReadStdioRequest instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns ReadStdioRequest instance
                 */
                static create(properties: clear.agent.v1.ReadStdioRequest.$Shape): clear.agent.v1.ReadStdioRequest & clear.agent.v1.ReadStdioRequest.$Shape;
                static create(properties?: clear.agent.v1.ReadStdioRequest.$Properties): clear.agent.v1.ReadStdioRequest;

                /**
                 * Encodes the specified ReadStdioRequest message. Does not implicitly {@link clear.agent.v1.ReadStdioRequest.verify|verify} messages.
                 * @param message ReadStdioRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.ReadStdioRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a ReadStdioRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ReadStdioRequest & clear.agent.v1.ReadStdioRequest.$Shape} ReadStdioRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.ReadStdioRequest & clear.agent.v1.ReadStdioRequest.$Shape;

                /**
                 * Gets the type url for ReadStdioRequest
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace ReadStdioRequest {

                /** Properties of a ReadStdioRequest. */
                interface $Properties {

                    /** ReadStdioRequest execId */
                    execId?: (string|null);

                    /** ReadStdioRequest stream */
                    stream?: (clear.agent.v1.StdioStream|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a ReadStdioRequest. */
                type $Shape = clear.agent.v1.ReadStdioRequest.$Properties;
            }

            /**
             * Properties of a StdioChunk.
             * @deprecated Use clear.agent.v1.StdioChunk.$Properties instead.
             */
            interface IStdioChunk extends clear.agent.v1.StdioChunk.$Properties {
            }

            /** Represents a StdioChunk. */
            class StdioChunk {

                /**
                 * Constructs a new StdioChunk.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.StdioChunk.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** StdioChunk data. */
                data: Uint8Array;

                /**
                 * Creates a new StdioChunk instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns StdioChunk instance
                 */
                static create(properties: clear.agent.v1.StdioChunk.$Shape): clear.agent.v1.StdioChunk & clear.agent.v1.StdioChunk.$Shape;
                static create(properties?: clear.agent.v1.StdioChunk.$Properties): clear.agent.v1.StdioChunk;

                /**
                 * Encodes the specified StdioChunk message. Does not implicitly {@link clear.agent.v1.StdioChunk.verify|verify} messages.
                 * @param message StdioChunk message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.StdioChunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a StdioChunk message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.StdioChunk & clear.agent.v1.StdioChunk.$Shape} StdioChunk
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.StdioChunk & clear.agent.v1.StdioChunk.$Shape;

                /**
                 * Gets the type url for StdioChunk
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace StdioChunk {

                /** Properties of a StdioChunk. */
                interface $Properties {

                    /** StdioChunk data */
                    data?: (Uint8Array|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a StdioChunk. */
                type $Shape = clear.agent.v1.StdioChunk.$Properties;
            }

            /**
             * Properties of a WaitProcessRequest.
             * @deprecated Use clear.agent.v1.WaitProcessRequest.$Properties instead.
             */
            interface IWaitProcessRequest extends clear.agent.v1.WaitProcessRequest.$Properties {
            }

            /** Represents a WaitProcessRequest. */
            class WaitProcessRequest {

                /**
                 * Constructs a new WaitProcessRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.WaitProcessRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** WaitProcessRequest execId. */
                execId: string;

                /**
                 * Creates a new WaitProcessRequest instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns WaitProcessRequest instance
                 */
                static create(properties: clear.agent.v1.WaitProcessRequest.$Shape): clear.agent.v1.WaitProcessRequest & clear.agent.v1.WaitProcessRequest.$Shape;
                static create(properties?: clear.agent.v1.WaitProcessRequest.$Properties): clear.agent.v1.WaitProcessRequest;

                /**
                 * Encodes the specified WaitProcessRequest message. Does not implicitly {@link clear.agent.v1.WaitProcessRequest.verify|verify} messages.
                 * @param message WaitProcessRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.WaitProcessRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a WaitProcessRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.WaitProcessRequest & clear.agent.v1.WaitProcessRequest.$Shape} WaitProcessRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.WaitProcessRequest & clear.agent.v1.WaitProcessRequest.$Shape;

                /**
                 * Gets the type url for WaitProcessRequest
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace WaitProcessRequest {

                /** Properties of a WaitProcessRequest. */
                interface $Properties {

                    /** WaitProcessRequest execId */
                    execId?: (string|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a WaitProcessRequest. */
                type $Shape = clear.agent.v1.WaitProcessRequest.$Properties;
            }

            /**
             * Properties of an ExitStatus.
             * @deprecated Use clear.agent.v1.ExitStatus.$Properties instead.
             */
            interface IExitStatus extends clear.agent.v1.ExitStatus.$Properties {
            }

            /** Represents an ExitStatus. */
            class ExitStatus {

                /**
                 * Constructs a new ExitStatus.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.ExitStatus.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** ExitStatus exitCode. */
                exitCode: number;

                /** ExitStatus signal. */
                signal: number;

                /**
                 * Creates a new ExitStatus instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns ExitStatus instance
                 */
                static create(properties: clear.agent.v1.ExitStatus.$Shape): clear.agent.v1.ExitStatus & clear.agent.v1.ExitStatus.$Shape;
                static create(properties?: clear.agent.v1.ExitStatus.$Properties): clear.agent.v1.ExitStatus;

                /**
                 * Encodes the specified ExitStatus message. Does not implicitly {@link clear.agent.v1.ExitStatus.verify|verify} messages.
                 * @param message ExitStatus message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.ExitStatus.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes an ExitStatus message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ExitStatus & clear.agent.v1.ExitStatus.$Shape} ExitStatus
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.ExitStatus & clear.agent.v1.ExitStatus.$Shape;

                /**
                 * Gets the type url for ExitStatus
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace ExitStatus {

                /** Properties of an ExitStatus. */
                interface $Properties {

                    /** ExitStatus exitCode */
                    exitCode?: (number|null);

                    /** ExitStatus signal */
                    signal?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of an ExitStatus. */
                type $Shape = clear.agent.v1.ExitStatus.$Properties;
            }

            /**
             * Properties of a SignalProcessRequest.
             * @deprecated Use clear.agent.v1.SignalProcessRequest.$Properties instead.
             */
            interface ISignalProcessRequest extends clear.agent.v1.SignalProcessRequest.$Properties {
            }

            /** Represents a SignalProcessRequest. */
            class SignalProcessRequest {

                /**
                 * Constructs a new SignalProcessRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.SignalProcessRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** SignalProcessRequest execId. */
                execId: string;

                /** SignalProcessRequest signal. */
                signal: number;

                /**
                 * Creates a new SignalProcessRequest instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns SignalProcessRequest instance
                 */
                static create(properties: clear.agent.v1.SignalProcessRequest.$Shape): clear.agent.v1.SignalProcessRequest & clear.agent.v1.SignalProcessRequest.$Shape;
                static create(properties?: clear.agent.v1.SignalProcessRequest.$Properties): clear.agent.v1.SignalProcessRequest;

                /**
                 * Encodes the specified SignalProcessRequest message. Does not implicitly {@link clear.agent.v1.SignalProcessRequest.verify|verify} messages.
                 * @param message SignalProcessRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.SignalProcessRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a SignalProcessRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.SignalProcessRequest & clear.agent.v1.SignalProcessRequest.$Shape} SignalProcessRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.SignalProcessRequest & clear.agent.v1.SignalProcessRequest.$Shape;

                /**
                 * Gets the type url for SignalProcessRequest
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace SignalProcessRequest {

                /** Properties of a SignalProcessRequest. */
                interface $Properties {

                    /** SignalProcessRequest execId */
                    execId?: (string|null);

                    /** SignalProcessRequest signal */
                    signal?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a SignalProcessRequest. */
                type $Shape = clear.agent.v1.SignalProcessRequest.$Properties;
            }

            /**
             * Properties of a SignalProcessResponse.
             * @deprecated Use clear.agent.v1.SignalProcessResponse.$Properties instead.
             */
            interface ISignalProcessResponse extends clear.agent.v1.SignalProcessResponse.$Properties {
            }

            /** Represents a SignalProcessResponse. */
            class SignalProcessResponse {

                /**
                 * Constructs a new SignalProcessResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.SignalProcessResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /**
                 * Creates a new SignalProcessResponse instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns SignalProcessResponse instance
                 */
                static create(properties: clear.agent.v1.SignalProcessResponse.$Shape): clear.agent.v1.SignalProcessResponse & clear.agent.v1.SignalProcessResponse.$Shape;
                static create(properties?: clear.agent.v1.SignalProcessResponse.$Properties): clear.agent.v1.SignalProcessResponse;

                /**
                 * Encodes the specified SignalProcessResponse message. Does not implicitly {@link clear.agent.v1.SignalProcessResponse.verify|verify} messages.
                 * @param message SignalProcessResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.SignalProcessResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a SignalProcessResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.SignalProcessResponse & clear.agent.v1.SignalProcessResponse.$Shape} SignalProcessResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.SignalProcessResponse & clear.agent.v1.SignalProcessResponse.$Shape;

                /**
                 * Gets the type url for SignalProcessResponse
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace SignalProcessResponse {

                /** Properties of a SignalProcessResponse. */
                interface $Properties {

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a SignalProcessResponse. */
                type $Shape = clear.agent.v1.SignalProcessResponse.$Properties;
            }

            /**
             * Properties of a ShutdownRequest.
             * @deprecated Use clear.agent.v1.ShutdownRequest.$Properties instead.
             */
            interface IShutdownRequest extends clear.agent.v1.ShutdownRequest.$Properties {
            }

            /** Represents a ShutdownRequest. */
            class ShutdownRequest {

                /**
                 * Constructs a new ShutdownRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.ShutdownRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /**
                 * Creates a new ShutdownRequest instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns ShutdownRequest instance
                 */
                static create(properties: clear.agent.v1.ShutdownRequest.$Shape): clear.agent.v1.ShutdownRequest & clear.agent.v1.ShutdownRequest.$Shape;
                static create(properties?: clear.agent.v1.ShutdownRequest.$Properties): clear.agent.v1.ShutdownRequest;

                /**
                 * Encodes the specified ShutdownRequest message. Does not implicitly {@link clear.agent.v1.ShutdownRequest.verify|verify} messages.
                 * @param message ShutdownRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.ShutdownRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a ShutdownRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ShutdownRequest & clear.agent.v1.ShutdownRequest.$Shape} ShutdownRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.ShutdownRequest & clear.agent.v1.ShutdownRequest.$Shape;

                /**
                 * Gets the type url for ShutdownRequest
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace ShutdownRequest {

                /** Properties of a ShutdownRequest. */
                interface $Properties {

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a ShutdownRequest. */
                type $Shape = clear.agent.v1.ShutdownRequest.$Properties;
            }

            /**
             * Properties of a ShutdownResponse.
             * @deprecated Use clear.agent.v1.ShutdownResponse.$Properties instead.
             */
            interface IShutdownResponse extends clear.agent.v1.ShutdownResponse.$Properties {
            }

            /** Represents a ShutdownResponse. */
            class ShutdownResponse {

                /**
                 * Constructs a new ShutdownResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: clear.agent.v1.ShutdownResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /**
                 * Creates a new ShutdownResponse instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns ShutdownResponse instance
                 */
                static create(properties: clear.agent.v1.ShutdownResponse.$Shape): clear.agent.v1.ShutdownResponse & clear.agent.v1.ShutdownResponse.$Shape;
                static create(properties?: clear.agent.v1.ShutdownResponse.$Properties): clear.agent.v1.ShutdownResponse;

                /**
                 * Encodes the specified ShutdownResponse message. Does not implicitly {@link clear.agent.v1.ShutdownResponse.verify|verify} messages.
                 * @param message ShutdownResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: clear.agent.v1.ShutdownResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a ShutdownResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ShutdownResponse & clear.agent.v1.ShutdownResponse.$Shape} ShutdownResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): clear.agent.v1.ShutdownResponse & clear.agent.v1.ShutdownResponse.$Shape;

                /**
                 * Gets the type url for ShutdownResponse
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace ShutdownResponse {

                /** Properties of a ShutdownResponse. */
                interface $Properties {

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a ShutdownResponse. */
                type $Shape = clear.agent.v1.ShutdownResponse.$Properties;
            }
        }
    }
}
