/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
"use strict";

var $protobuf = require("protobufjs/minimal");

// Common aliases
var $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
var $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
var $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

$root.clear = (function() {

    /**
     * Namespace clear.
     * @exports clear
     * @namespace
     */
    var clear = {};

    clear.agent = (function() {

        /**
         * Namespace agent.
         * @memberof clear
         * @namespace
         */
        var agent = {};

        agent.v1 = (function() {

            /**
             * Namespace v1.
             * @memberof clear.agent
             * @namespace
             */
            var v1 = {};

            v1.Agent = (function() {

                /**
                 * Constructs a new Agent service.
                 * @memberof clear.agent.v1
                 * @classdesc Represents an Agent
                 * @extends $protobuf.rpc.Service
                 * @constructor
                 * @param {$protobuf.RPCImpl} rpcImpl RPC implementation
                 * @param {boolean} [requestDelimited=false] Whether requests are length-delimited
                 * @param {boolean} [responseDelimited=false] Whether responses are length-delimited
                 */
                var Agent = function(rpcImpl, requestDelimited, responseDelimited) {
                    $protobuf.rpc.Service.call(this, rpcImpl, requestDelimited, responseDelimited);
                };

                $Object.defineProperty(Agent.prototype = $Object.create($protobuf.rpc.Service.prototype), "constructor", { value: Agent, writable: true, enumerable: false, configurable: true });

                /**
                 * Creates new Agent service using the specified rpc implementation.
                 * @function create
                 * @memberof clear.agent.v1.Agent
                 * @static
                 * @param {$protobuf.RPCImpl} rpcImpl RPC implementation
                 * @param {boolean} [requestDelimited=false] Whether requests are length-delimited
                 * @param {boolean} [responseDelimited=false] Whether responses are length-delimited
                 * @returns {Agent} RPC service. Useful where requests and/or responses are streamed.
                 */
                Agent.create = function(rpcImpl, requestDelimited, responseDelimited) {
                    return new this(rpcImpl, requestDelimited, responseDelimited);
                };

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#version}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef VersionCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.VersionResponse} [response] VersionResponse
                 */

                /**
                 * Calls Version.
                 * @memberof clear.agent.v1.Agent
                 * @typedef Version
                 * @type {{
                 *   (request: clear.agent.v1.IVersionRequest, callback: clear.agent.v1.Agent.VersionCallback): void;
                 *   (request: clear.agent.v1.IVersionRequest): Promise<clear.agent.v1.VersionResponse>;
                 *   readonly name: "Version";
                 *   readonly path: "/clear.agent.v1.Agent/Version";
                 *   readonly requestType: "VersionRequest";
                 *   readonly responseType: "VersionResponse";
                 *   readonly requestStream: undefined;
                 *   readonly responseStream: undefined;
                 * }}
                 */

                /**
                 * Calls Version.
                 * @name clear.agent.v1.Agent#version
                 * @type {clear.agent.v1.Agent.Version}
                 */
                $Object.defineProperties(Agent.prototype.version = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.version, $root.clear.agent.v1.VersionRequest, $root.clear.agent.v1.VersionResponse, request, callback);
                }, {
                    name: { value: "Version" },
                    path: { value: "/clear.agent.v1.Agent/Version" },
                    requestType: { value: "VersionRequest" },
                    responseType: { value: "VersionResponse" },
                    requestStream: { value: $undefined },
                    responseStream: { value: $undefined }
                });

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#ping}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef PingCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.PingResponse} [response] PingResponse
                 */

                /**
                 * Calls Ping.
                 * @memberof clear.agent.v1.Agent
                 * @typedef Ping
                 * @type {{
                 *   (request: clear.agent.v1.IPingRequest, callback: clear.agent.v1.Agent.PingCallback): void;
                 *   (request: clear.agent.v1.IPingRequest): Promise<clear.agent.v1.PingResponse>;
                 *   readonly name: "Ping";
                 *   readonly path: "/clear.agent.v1.Agent/Ping";
                 *   readonly requestType: "PingRequest";
                 *   readonly responseType: "PingResponse";
                 *   readonly requestStream: undefined;
                 *   readonly responseStream: undefined;
                 * }}
                 */

                /**
                 * Calls Ping.
                 * @name clear.agent.v1.Agent#ping
                 * @type {clear.agent.v1.Agent.Ping}
                 */
                $Object.defineProperties(Agent.prototype.ping = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.ping, $root.clear.agent.v1.PingRequest, $root.clear.agent.v1.PingResponse, request, callback);
                }, {
                    name: { value: "Ping" },
                    path: { value: "/clear.agent.v1.Agent/Ping" },
                    requestType: { value: "PingRequest" },
                    responseType: { value: "PingResponse" },
                    requestStream: { value: $undefined },
                    responseStream: { value: $undefined }
                });

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#execProcess}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef ExecProcessCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.ExecProcessResponse} [response] ExecProcessResponse
                 */

                /**
                 * Calls ExecProcess.
                 * @memberof clear.agent.v1.Agent
                 * @typedef ExecProcess
                 * @type {{
                 *   (request: clear.agent.v1.IExecProcessRequest, callback: clear.agent.v1.Agent.ExecProcessCallback): void;
                 *   (request: clear.agent.v1.IExecProcessRequest): Promise<clear.agent.v1.ExecProcessResponse>;
                 *   readonly name: "ExecProcess";
                 *   readonly path: "/clear.agent.v1.Agent/ExecProcess";
                 *   readonly requestType: "ExecProcessRequest";
                 *   readonly responseType: "ExecProcessResponse";
                 *   readonly requestStream: undefined;
                 *   readonly responseStream: undefined;
                 * }}
                 */

                /**
                 * Calls ExecProcess.
                 * @name clear.agent.v1.Agent#execProcess
                 * @type {clear.agent.v1.Agent.ExecProcess}
                 */
                $Object.defineProperties(Agent.prototype.execProcess = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.execProcess, $root.clear.agent.v1.ExecProcessRequest, $root.clear.agent.v1.ExecProcessResponse, request, callback);
                }, {
                    name: { value: "ExecProcess" },
                    path: { value: "/clear.agent.v1.Agent/ExecProcess" },
                    requestType: { value: "ExecProcessRequest" },
                    responseType: { value: "ExecProcessResponse" },
                    requestStream: { value: $undefined },
                    responseStream: { value: $undefined }
                });

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#writeStdin}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef WriteStdinCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.WriteStdinResponse} [response] WriteStdinResponse
                 */

                /**
                 * Calls WriteStdin.
                 * @memberof clear.agent.v1.Agent
                 * @typedef WriteStdin
                 * @type {{
                 *   (request: clear.agent.v1.IStdinChunk, callback: clear.agent.v1.Agent.WriteStdinCallback): void;
                 *   (request: clear.agent.v1.IStdinChunk): Promise<clear.agent.v1.WriteStdinResponse>;
                 *   readonly name: "WriteStdin";
                 *   readonly path: "/clear.agent.v1.Agent/WriteStdin";
                 *   readonly requestType: "StdinChunk";
                 *   readonly responseType: "WriteStdinResponse";
                 *   readonly requestStream: true;
                 *   readonly responseStream: undefined;
                 * }}
                 */

                /**
                 * Calls WriteStdin.
                 * @name clear.agent.v1.Agent#writeStdin
                 * @type {clear.agent.v1.Agent.WriteStdin}
                 */
                $Object.defineProperties(Agent.prototype.writeStdin = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.writeStdin, $root.clear.agent.v1.StdinChunk, $root.clear.agent.v1.WriteStdinResponse, request, callback);
                }, {
                    name: { value: "WriteStdin" },
                    path: { value: "/clear.agent.v1.Agent/WriteStdin" },
                    requestType: { value: "StdinChunk" },
                    responseType: { value: "WriteStdinResponse" },
                    requestStream: { value: true },
                    responseStream: { value: $undefined }
                });

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#readStdio}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef ReadStdioCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.StdioChunk} [response] StdioChunk
                 */

                /**
                 * Calls ReadStdio.
                 * @memberof clear.agent.v1.Agent
                 * @typedef ReadStdio
                 * @type {{
                 *   (request: clear.agent.v1.IReadStdioRequest, callback: clear.agent.v1.Agent.ReadStdioCallback): void;
                 *   (request: clear.agent.v1.IReadStdioRequest): Promise<clear.agent.v1.StdioChunk>;
                 *   readonly name: "ReadStdio";
                 *   readonly path: "/clear.agent.v1.Agent/ReadStdio";
                 *   readonly requestType: "ReadStdioRequest";
                 *   readonly responseType: "StdioChunk";
                 *   readonly requestStream: undefined;
                 *   readonly responseStream: true;
                 * }}
                 */

                /**
                 * Calls ReadStdio.
                 * @name clear.agent.v1.Agent#readStdio
                 * @type {clear.agent.v1.Agent.ReadStdio}
                 */
                $Object.defineProperties(Agent.prototype.readStdio = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.readStdio, $root.clear.agent.v1.ReadStdioRequest, $root.clear.agent.v1.StdioChunk, request, callback);
                }, {
                    name: { value: "ReadStdio" },
                    path: { value: "/clear.agent.v1.Agent/ReadStdio" },
                    requestType: { value: "ReadStdioRequest" },
                    responseType: { value: "StdioChunk" },
                    requestStream: { value: $undefined },
                    responseStream: { value: true }
                });

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#waitProcess}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef WaitProcessCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.ExitStatus} [response] ExitStatus
                 */

                /**
                 * Calls WaitProcess.
                 * @memberof clear.agent.v1.Agent
                 * @typedef WaitProcess
                 * @type {{
                 *   (request: clear.agent.v1.IWaitProcessRequest, callback: clear.agent.v1.Agent.WaitProcessCallback): void;
                 *   (request: clear.agent.v1.IWaitProcessRequest): Promise<clear.agent.v1.ExitStatus>;
                 *   readonly name: "WaitProcess";
                 *   readonly path: "/clear.agent.v1.Agent/WaitProcess";
                 *   readonly requestType: "WaitProcessRequest";
                 *   readonly responseType: "ExitStatus";
                 *   readonly requestStream: undefined;
                 *   readonly responseStream: undefined;
                 * }}
                 */

                /**
                 * Calls WaitProcess.
                 * @name clear.agent.v1.Agent#waitProcess
                 * @type {clear.agent.v1.Agent.WaitProcess}
                 */
                $Object.defineProperties(Agent.prototype.waitProcess = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.waitProcess, $root.clear.agent.v1.WaitProcessRequest, $root.clear.agent.v1.ExitStatus, request, callback);
                }, {
                    name: { value: "WaitProcess" },
                    path: { value: "/clear.agent.v1.Agent/WaitProcess" },
                    requestType: { value: "WaitProcessRequest" },
                    responseType: { value: "ExitStatus" },
                    requestStream: { value: $undefined },
                    responseStream: { value: $undefined }
                });

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#signalProcess}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef SignalProcessCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.SignalProcessResponse} [response] SignalProcessResponse
                 */

                /**
                 * Calls SignalProcess.
                 * @memberof clear.agent.v1.Agent
                 * @typedef SignalProcess
                 * @type {{
                 *   (request: clear.agent.v1.ISignalProcessRequest, callback: clear.agent.v1.Agent.SignalProcessCallback): void;
                 *   (request: clear.agent.v1.ISignalProcessRequest): Promise<clear.agent.v1.SignalProcessResponse>;
                 *   readonly name: "SignalProcess";
                 *   readonly path: "/clear.agent.v1.Agent/SignalProcess";
                 *   readonly requestType: "SignalProcessRequest";
                 *   readonly responseType: "SignalProcessResponse";
                 *   readonly requestStream: undefined;
                 *   readonly responseStream: undefined;
                 * }}
                 */

                /**
                 * Calls SignalProcess.
                 * @name clear.agent.v1.Agent#signalProcess
                 * @type {clear.agent.v1.Agent.SignalProcess}
                 */
                $Object.defineProperties(Agent.prototype.signalProcess = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.signalProcess, $root.clear.agent.v1.SignalProcessRequest, $root.clear.agent.v1.SignalProcessResponse, request, callback);
                }, {
                    name: { value: "SignalProcess" },
                    path: { value: "/clear.agent.v1.Agent/SignalProcess" },
                    requestType: { value: "SignalProcessRequest" },
                    responseType: { value: "SignalProcessResponse" },
                    requestStream: { value: $undefined },
                    responseStream: { value: $undefined }
                });

                /**
                 * Callback as used by {@link clear.agent.v1.Agent#shutdown}.
                 * @memberof clear.agent.v1.Agent
                 * @typedef ShutdownCallback
                 * @type {function}
                 * @param {Error|null} error Error, if any
                 * @param {clear.agent.v1.ShutdownResponse} [response] ShutdownResponse
                 */

                /**
                 * Calls Shutdown.
                 * @memberof clear.agent.v1.Agent
                 * @typedef Shutdown
                 * @type {{
                 *   (request: clear.agent.v1.IShutdownRequest, callback: clear.agent.v1.Agent.ShutdownCallback): void;
                 *   (request: clear.agent.v1.IShutdownRequest): Promise<clear.agent.v1.ShutdownResponse>;
                 *   readonly name: "Shutdown";
                 *   readonly path: "/clear.agent.v1.Agent/Shutdown";
                 *   readonly requestType: "ShutdownRequest";
                 *   readonly responseType: "ShutdownResponse";
                 *   readonly requestStream: undefined;
                 *   readonly responseStream: undefined;
                 * }}
                 */

                /**
                 * Calls Shutdown.
                 * @name clear.agent.v1.Agent#shutdown
                 * @type {clear.agent.v1.Agent.Shutdown}
                 */
                $Object.defineProperties(Agent.prototype.shutdown = function(request, callback) {
                    return $protobuf.rpc.Service.prototype.rpcCall.call(this, Agent.prototype.shutdown, $root.clear.agent.v1.ShutdownRequest, $root.clear.agent.v1.ShutdownResponse, request, callback);
                }, {
                    name: { value: "Shutdown" },
                    path: { value: "/clear.agent.v1.Agent/Shutdown" },
                    requestType: { value: "ShutdownRequest" },
                    responseType: { value: "ShutdownResponse" },
                    requestStream: { value: $undefined },
                    responseStream: { value: $undefined }
                });

                return Agent;
            })();

            v1.VersionRequest = (function() {

                /**
                 * Properties of a VersionRequest.
                 * @typedef {Object} clear.agent.v1.VersionRequest.$Properties
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a VersionRequest.
                 * @memberof clear.agent.v1
                 * @interface IVersionRequest
                 * @augments clear.agent.v1.VersionRequest.$Properties
                 * @deprecated Use clear.agent.v1.VersionRequest.$Properties instead.
                 */

                /**
                 * Shape of a VersionRequest.
                 * @typedef {clear.agent.v1.VersionRequest.$Properties} clear.agent.v1.VersionRequest.$Shape
                 */

                /**
                 * Constructs a new VersionRequest.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a VersionRequest.
                 * @constructor
                 * @param {clear.agent.v1.VersionRequest.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var VersionRequest = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Creates a new VersionRequest instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.VersionRequest
                 * @static
                 * @param {clear.agent.v1.VersionRequest.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.VersionRequest} VersionRequest instance
                 * @type {{
                 *   (properties: clear.agent.v1.VersionRequest.$Shape): clear.agent.v1.VersionRequest & clear.agent.v1.VersionRequest.$Shape;
                 *   (properties?: clear.agent.v1.VersionRequest.$Properties): clear.agent.v1.VersionRequest;
                 * }}
                 */
                VersionRequest.create = function(properties) {
                    return new VersionRequest(properties);
                };

                /**
                 * Encodes the specified VersionRequest message. Does not implicitly {@link clear.agent.v1.VersionRequest.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.VersionRequest
                 * @static
                 * @param {clear.agent.v1.VersionRequest.$Properties} message VersionRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                VersionRequest.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a VersionRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.VersionRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.VersionRequest & clear.agent.v1.VersionRequest.$Shape} VersionRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                VersionRequest.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.VersionRequest();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        reader.skipType(tag & 7, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for VersionRequest
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.VersionRequest
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                VersionRequest.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.VersionRequest";
                };

                return VersionRequest;
            })();

            v1.VersionResponse = (function() {

                /**
                 * Properties of a VersionResponse.
                 * @typedef {Object} clear.agent.v1.VersionResponse.$Properties
                 * @property {string|null} [protocol] VersionResponse protocol
                 * @property {string|null} [agentVersion] VersionResponse agentVersion
                 * @property {string|null} [kernelRelease] VersionResponse kernelRelease
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a VersionResponse.
                 * @memberof clear.agent.v1
                 * @interface IVersionResponse
                 * @augments clear.agent.v1.VersionResponse.$Properties
                 * @deprecated Use clear.agent.v1.VersionResponse.$Properties instead.
                 */

                /**
                 * Shape of a VersionResponse.
                 * @typedef {clear.agent.v1.VersionResponse.$Properties} clear.agent.v1.VersionResponse.$Shape
                 */

                /**
                 * Constructs a new VersionResponse.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a VersionResponse.
                 * @constructor
                 * @param {clear.agent.v1.VersionResponse.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var VersionResponse = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * VersionResponse protocol.
                 * @member {string} protocol
                 * @memberof clear.agent.v1.VersionResponse
                 * @instance
                 */
                VersionResponse.prototype.protocol = "";

                /**
                 * VersionResponse agentVersion.
                 * @member {string} agentVersion
                 * @memberof clear.agent.v1.VersionResponse
                 * @instance
                 */
                VersionResponse.prototype.agentVersion = "";

                /**
                 * VersionResponse kernelRelease.
                 * @member {string} kernelRelease
                 * @memberof clear.agent.v1.VersionResponse
                 * @instance
                 */
                VersionResponse.prototype.kernelRelease = "";

                /**
                 * Creates a new VersionResponse instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.VersionResponse
                 * @static
                 * @param {clear.agent.v1.VersionResponse.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.VersionResponse} VersionResponse instance
                 * @type {{
                 *   (properties: clear.agent.v1.VersionResponse.$Shape): clear.agent.v1.VersionResponse & clear.agent.v1.VersionResponse.$Shape;
                 *   (properties?: clear.agent.v1.VersionResponse.$Properties): clear.agent.v1.VersionResponse;
                 * }}
                 */
                VersionResponse.create = function(properties) {
                    return new VersionResponse(properties);
                };

                /**
                 * Encodes the specified VersionResponse message. Does not implicitly {@link clear.agent.v1.VersionResponse.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.VersionResponse
                 * @static
                 * @param {clear.agent.v1.VersionResponse.$Properties} message VersionResponse message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                VersionResponse.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.protocol != null && $Object.hasOwnProperty.call(message, "protocol") && message.protocol !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.protocol);
                    if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                        writer.uint32(/* id 2, wireType 2 =*/18).string(message.agentVersion);
                    if (message.kernelRelease != null && $Object.hasOwnProperty.call(message, "kernelRelease") && message.kernelRelease !== "")
                        writer.uint32(/* id 3, wireType 2 =*/26).string(message.kernelRelease);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a VersionResponse message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.VersionResponse
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.VersionResponse & clear.agent.v1.VersionResponse.$Shape} VersionResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                VersionResponse.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.VersionResponse();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.protocol = value;
                                else
                                    delete message.protocol;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.agentVersion = value;
                                else
                                    delete message.agentVersion;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.kernelRelease = value;
                                else
                                    delete message.kernelRelease;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for VersionResponse
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.VersionResponse
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                VersionResponse.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.VersionResponse";
                };

                return VersionResponse;
            })();

            v1.PingRequest = (function() {

                /**
                 * Properties of a PingRequest.
                 * @typedef {Object} clear.agent.v1.PingRequest.$Properties
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a PingRequest.
                 * @memberof clear.agent.v1
                 * @interface IPingRequest
                 * @augments clear.agent.v1.PingRequest.$Properties
                 * @deprecated Use clear.agent.v1.PingRequest.$Properties instead.
                 */

                /**
                 * Shape of a PingRequest.
                 * @typedef {clear.agent.v1.PingRequest.$Properties} clear.agent.v1.PingRequest.$Shape
                 */

                /**
                 * Constructs a new PingRequest.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a PingRequest.
                 * @constructor
                 * @param {clear.agent.v1.PingRequest.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var PingRequest = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Creates a new PingRequest instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.PingRequest
                 * @static
                 * @param {clear.agent.v1.PingRequest.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.PingRequest} PingRequest instance
                 * @type {{
                 *   (properties: clear.agent.v1.PingRequest.$Shape): clear.agent.v1.PingRequest & clear.agent.v1.PingRequest.$Shape;
                 *   (properties?: clear.agent.v1.PingRequest.$Properties): clear.agent.v1.PingRequest;
                 * }}
                 */
                PingRequest.create = function(properties) {
                    return new PingRequest(properties);
                };

                /**
                 * Encodes the specified PingRequest message. Does not implicitly {@link clear.agent.v1.PingRequest.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.PingRequest
                 * @static
                 * @param {clear.agent.v1.PingRequest.$Properties} message PingRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                PingRequest.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a PingRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.PingRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.PingRequest & clear.agent.v1.PingRequest.$Shape} PingRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                PingRequest.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.PingRequest();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        reader.skipType(tag & 7, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for PingRequest
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.PingRequest
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                PingRequest.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.PingRequest";
                };

                return PingRequest;
            })();

            v1.PingResponse = (function() {

                /**
                 * Properties of a PingResponse.
                 * @typedef {Object} clear.agent.v1.PingResponse.$Properties
                 * @property {number|Long|null} [uptimeMs] PingResponse uptimeMs
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a PingResponse.
                 * @memberof clear.agent.v1
                 * @interface IPingResponse
                 * @augments clear.agent.v1.PingResponse.$Properties
                 * @deprecated Use clear.agent.v1.PingResponse.$Properties instead.
                 */

                /**
                 * Shape of a PingResponse.
                 * @typedef {clear.agent.v1.PingResponse.$Properties} clear.agent.v1.PingResponse.$Shape
                 */

                /**
                 * Constructs a new PingResponse.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a PingResponse.
                 * @constructor
                 * @param {clear.agent.v1.PingResponse.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var PingResponse = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * PingResponse uptimeMs.
                 * @member {number|Long} uptimeMs
                 * @memberof clear.agent.v1.PingResponse
                 * @instance
                 */
                PingResponse.prototype.uptimeMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * Creates a new PingResponse instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.PingResponse
                 * @static
                 * @param {clear.agent.v1.PingResponse.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.PingResponse} PingResponse instance
                 * @type {{
                 *   (properties: clear.agent.v1.PingResponse.$Shape): clear.agent.v1.PingResponse & clear.agent.v1.PingResponse.$Shape;
                 *   (properties?: clear.agent.v1.PingResponse.$Properties): clear.agent.v1.PingResponse;
                 * }}
                 */
                PingResponse.create = function(properties) {
                    return new PingResponse(properties);
                };

                /**
                 * Encodes the specified PingResponse message. Does not implicitly {@link clear.agent.v1.PingResponse.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.PingResponse
                 * @static
                 * @param {clear.agent.v1.PingResponse.$Properties} message PingResponse message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                PingResponse.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.uptimeMs != null && $Object.hasOwnProperty.call(message, "uptimeMs") && (typeof message.uptimeMs === "object" ? message.uptimeMs.low || message.uptimeMs.high : message.uptimeMs !== 0))
                        writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.uptimeMs);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a PingResponse message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.PingResponse
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.PingResponse & clear.agent.v1.PingResponse.$Shape} PingResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                PingResponse.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.PingResponse();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.uptimeMs = value;
                                else
                                    delete message.uptimeMs;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for PingResponse
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.PingResponse
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                PingResponse.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.PingResponse";
                };

                return PingResponse;
            })();

            v1.Process = (function() {

                /**
                 * Properties of a Process.
                 * @typedef {Object} clear.agent.v1.Process.$Properties
                 * @property {Array.<string>|null} [args] Process args
                 * @property {Array.<string>|null} [env] Process env
                 * @property {string|null} [cwd] Process cwd
                 * @property {number|null} [uid] Process uid
                 * @property {number|null} [gid] Process gid
                 * @property {Array.<number>|null} [additionalGids] Process additionalGids
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Process.
                 * @memberof clear.agent.v1
                 * @interface IProcess
                 * @augments clear.agent.v1.Process.$Properties
                 * @deprecated Use clear.agent.v1.Process.$Properties instead.
                 */

                /**
                 * Shape of a Process.
                 * @typedef {clear.agent.v1.Process.$Properties} clear.agent.v1.Process.$Shape
                 */

                /**
                 * Constructs a new Process.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a Process.
                 * @constructor
                 * @param {clear.agent.v1.Process.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var Process = function (properties) {
                    this.args = [];
                    this.env = [];
                    this.additionalGids = [];
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Process args.
                 * @member {Array.<string>} args
                 * @memberof clear.agent.v1.Process
                 * @instance
                 */
                Process.prototype.args = $util.emptyArray;

                /**
                 * Process env.
                 * @member {Array.<string>} env
                 * @memberof clear.agent.v1.Process
                 * @instance
                 */
                Process.prototype.env = $util.emptyArray;

                /**
                 * Process cwd.
                 * @member {string} cwd
                 * @memberof clear.agent.v1.Process
                 * @instance
                 */
                Process.prototype.cwd = "";

                /**
                 * Process uid.
                 * @member {number} uid
                 * @memberof clear.agent.v1.Process
                 * @instance
                 */
                Process.prototype.uid = 0;

                /**
                 * Process gid.
                 * @member {number} gid
                 * @memberof clear.agent.v1.Process
                 * @instance
                 */
                Process.prototype.gid = 0;

                /**
                 * Process additionalGids.
                 * @member {Array.<number>} additionalGids
                 * @memberof clear.agent.v1.Process
                 * @instance
                 */
                Process.prototype.additionalGids = $util.emptyArray;

                /**
                 * Creates a new Process instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.Process
                 * @static
                 * @param {clear.agent.v1.Process.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.Process} Process instance
                 * @type {{
                 *   (properties: clear.agent.v1.Process.$Shape): clear.agent.v1.Process & clear.agent.v1.Process.$Shape;
                 *   (properties?: clear.agent.v1.Process.$Properties): clear.agent.v1.Process;
                 * }}
                 */
                Process.create = function(properties) {
                    return new Process(properties);
                };

                /**
                 * Encodes the specified Process message. Does not implicitly {@link clear.agent.v1.Process.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.Process
                 * @static
                 * @param {clear.agent.v1.Process.$Properties} message Process message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Process.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.args != null && message.args.length)
                        for (var i = 0; i < message.args.length; ++i)
                            writer.uint32(/* id 1, wireType 2 =*/10).string(message.args[i]);
                    if (message.env != null && message.env.length)
                        for (var i = 0; i < message.env.length; ++i)
                            writer.uint32(/* id 2, wireType 2 =*/18).string(message.env[i]);
                    if (message.cwd != null && $Object.hasOwnProperty.call(message, "cwd") && message.cwd !== "")
                        writer.uint32(/* id 3, wireType 2 =*/26).string(message.cwd);
                    if (message.uid != null && $Object.hasOwnProperty.call(message, "uid") && message.uid !== 0)
                        writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.uid);
                    if (message.gid != null && $Object.hasOwnProperty.call(message, "gid") && message.gid !== 0)
                        writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.gid);
                    if (message.additionalGids != null && message.additionalGids.length)
                        writer.uint32(/* id 6, wireType 2 =*/50).uint32s(message.additionalGids);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Process message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.Process
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.Process & clear.agent.v1.Process.$Shape} Process
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Process.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.Process();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if (!(message.args && message.args.length))
                                    message.args = [];
                                message.args.push(reader.stringVerify());
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                if (!(message.env && message.env.length))
                                    message.env = [];
                                message.env.push(reader.stringVerify());
                                continue;
                            }
                        case 3: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.cwd = value;
                                else
                                    delete message.cwd;
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.uid = value;
                                else
                                    delete message.uid;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.gid = value;
                                else
                                    delete message.gid;
                                continue;
                            }
                        case 6: {
                                if (wireType === 2) {
                                    if (!(message.additionalGids && message.additionalGids.length))
                                        message.additionalGids = [];
                                    reader.uint32s(message.additionalGids);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.additionalGids && message.additionalGids.length))
                                    message.additionalGids = [];
                                message.additionalGids.push(reader.uint32());
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for Process
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.Process
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                Process.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.Process";
                };

                return Process;
            })();

            v1.ExecProcessRequest = (function() {

                /**
                 * Properties of an ExecProcessRequest.
                 * @typedef {Object} clear.agent.v1.ExecProcessRequest.$Properties
                 * @property {string|null} [execId] ExecProcessRequest execId
                 * @property {clear.agent.v1.Process.$Properties|null} [process] ExecProcessRequest process
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of an ExecProcessRequest.
                 * @memberof clear.agent.v1
                 * @interface IExecProcessRequest
                 * @augments clear.agent.v1.ExecProcessRequest.$Properties
                 * @deprecated Use clear.agent.v1.ExecProcessRequest.$Properties instead.
                 */

                /**
                 * Shape of an ExecProcessRequest.
                 * @typedef {clear.agent.v1.ExecProcessRequest.$Properties} clear.agent.v1.ExecProcessRequest.$Shape
                 */

                /**
                 * Constructs a new ExecProcessRequest.
                 * @memberof clear.agent.v1
                 * @classdesc Represents an ExecProcessRequest.
                 * @constructor
                 * @param {clear.agent.v1.ExecProcessRequest.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var ExecProcessRequest = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * ExecProcessRequest execId.
                 * @member {string} execId
                 * @memberof clear.agent.v1.ExecProcessRequest
                 * @instance
                 */
                ExecProcessRequest.prototype.execId = "";

                /**
                 * ExecProcessRequest process.
                 * @member {clear.agent.v1.Process.$Properties|null|undefined} process
                 * @memberof clear.agent.v1.ExecProcessRequest
                 * @instance
                 */
                ExecProcessRequest.prototype.process = null;

                /**
                 * Creates a new ExecProcessRequest instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.ExecProcessRequest
                 * @static
                 * @param {clear.agent.v1.ExecProcessRequest.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.ExecProcessRequest} ExecProcessRequest instance
                 * @type {{
                 *   (properties: clear.agent.v1.ExecProcessRequest.$Shape): clear.agent.v1.ExecProcessRequest & clear.agent.v1.ExecProcessRequest.$Shape;
                 *   (properties?: clear.agent.v1.ExecProcessRequest.$Properties): clear.agent.v1.ExecProcessRequest;
                 * }}
                 */
                ExecProcessRequest.create = function(properties) {
                    return new ExecProcessRequest(properties);
                };

                /**
                 * Encodes the specified ExecProcessRequest message. Does not implicitly {@link clear.agent.v1.ExecProcessRequest.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.ExecProcessRequest
                 * @static
                 * @param {clear.agent.v1.ExecProcessRequest.$Properties} message ExecProcessRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ExecProcessRequest.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.execId != null && $Object.hasOwnProperty.call(message, "execId") && message.execId !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.execId);
                    if (message.process != null && $Object.hasOwnProperty.call(message, "process"))
                        $root.clear.agent.v1.Process.encode(message.process, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes an ExecProcessRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.ExecProcessRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ExecProcessRequest & clear.agent.v1.ExecProcessRequest.$Shape} ExecProcessRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ExecProcessRequest.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.ExecProcessRequest();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.execId = value;
                                else
                                    delete message.execId;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                message.process = $root.clear.agent.v1.Process.decode(reader, reader.size(), $undefined, _depth + 1, message.process);
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for ExecProcessRequest
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.ExecProcessRequest
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                ExecProcessRequest.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.ExecProcessRequest";
                };

                return ExecProcessRequest;
            })();

            v1.ExecProcessResponse = (function() {

                /**
                 * Properties of an ExecProcessResponse.
                 * @typedef {Object} clear.agent.v1.ExecProcessResponse.$Properties
                 * @property {number|null} [pid] ExecProcessResponse pid
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of an ExecProcessResponse.
                 * @memberof clear.agent.v1
                 * @interface IExecProcessResponse
                 * @augments clear.agent.v1.ExecProcessResponse.$Properties
                 * @deprecated Use clear.agent.v1.ExecProcessResponse.$Properties instead.
                 */

                /**
                 * Shape of an ExecProcessResponse.
                 * @typedef {clear.agent.v1.ExecProcessResponse.$Properties} clear.agent.v1.ExecProcessResponse.$Shape
                 */

                /**
                 * Constructs a new ExecProcessResponse.
                 * @memberof clear.agent.v1
                 * @classdesc Represents an ExecProcessResponse.
                 * @constructor
                 * @param {clear.agent.v1.ExecProcessResponse.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var ExecProcessResponse = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * ExecProcessResponse pid.
                 * @member {number} pid
                 * @memberof clear.agent.v1.ExecProcessResponse
                 * @instance
                 */
                ExecProcessResponse.prototype.pid = 0;

                /**
                 * Creates a new ExecProcessResponse instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.ExecProcessResponse
                 * @static
                 * @param {clear.agent.v1.ExecProcessResponse.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.ExecProcessResponse} ExecProcessResponse instance
                 * @type {{
                 *   (properties: clear.agent.v1.ExecProcessResponse.$Shape): clear.agent.v1.ExecProcessResponse & clear.agent.v1.ExecProcessResponse.$Shape;
                 *   (properties?: clear.agent.v1.ExecProcessResponse.$Properties): clear.agent.v1.ExecProcessResponse;
                 * }}
                 */
                ExecProcessResponse.create = function(properties) {
                    return new ExecProcessResponse(properties);
                };

                /**
                 * Encodes the specified ExecProcessResponse message. Does not implicitly {@link clear.agent.v1.ExecProcessResponse.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.ExecProcessResponse
                 * @static
                 * @param {clear.agent.v1.ExecProcessResponse.$Properties} message ExecProcessResponse message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ExecProcessResponse.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.pid != null && $Object.hasOwnProperty.call(message, "pid") && message.pid !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.pid);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes an ExecProcessResponse message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.ExecProcessResponse
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ExecProcessResponse & clear.agent.v1.ExecProcessResponse.$Shape} ExecProcessResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ExecProcessResponse.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.ExecProcessResponse();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.pid = value;
                                else
                                    delete message.pid;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for ExecProcessResponse
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.ExecProcessResponse
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                ExecProcessResponse.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.ExecProcessResponse";
                };

                return ExecProcessResponse;
            })();

            v1.StdinChunk = (function() {

                /**
                 * Properties of a StdinChunk.
                 * @typedef {Object} clear.agent.v1.StdinChunk.$Properties
                 * @property {string|null} [execId] StdinChunk execId
                 * @property {Uint8Array|null} [data] StdinChunk data
                 * @property {boolean|null} [close] StdinChunk close
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a StdinChunk.
                 * @memberof clear.agent.v1
                 * @interface IStdinChunk
                 * @augments clear.agent.v1.StdinChunk.$Properties
                 * @deprecated Use clear.agent.v1.StdinChunk.$Properties instead.
                 */

                /**
                 * Shape of a StdinChunk.
                 * @typedef {clear.agent.v1.StdinChunk.$Properties} clear.agent.v1.StdinChunk.$Shape
                 */

                /**
                 * Constructs a new StdinChunk.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a StdinChunk.
                 * @constructor
                 * @param {clear.agent.v1.StdinChunk.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var StdinChunk = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * StdinChunk execId.
                 * @member {string} execId
                 * @memberof clear.agent.v1.StdinChunk
                 * @instance
                 */
                StdinChunk.prototype.execId = "";

                /**
                 * StdinChunk data.
                 * @member {Uint8Array} data
                 * @memberof clear.agent.v1.StdinChunk
                 * @instance
                 */
                StdinChunk.prototype.data = $util.newBuffer([]);

                /**
                 * StdinChunk close.
                 * @member {boolean} close
                 * @memberof clear.agent.v1.StdinChunk
                 * @instance
                 */
                StdinChunk.prototype.close = false;

                /**
                 * Creates a new StdinChunk instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.StdinChunk
                 * @static
                 * @param {clear.agent.v1.StdinChunk.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.StdinChunk} StdinChunk instance
                 * @type {{
                 *   (properties: clear.agent.v1.StdinChunk.$Shape): clear.agent.v1.StdinChunk & clear.agent.v1.StdinChunk.$Shape;
                 *   (properties?: clear.agent.v1.StdinChunk.$Properties): clear.agent.v1.StdinChunk;
                 * }}
                 */
                StdinChunk.create = function(properties) {
                    return new StdinChunk(properties);
                };

                /**
                 * Encodes the specified StdinChunk message. Does not implicitly {@link clear.agent.v1.StdinChunk.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.StdinChunk
                 * @static
                 * @param {clear.agent.v1.StdinChunk.$Properties} message StdinChunk message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                StdinChunk.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.execId != null && $Object.hasOwnProperty.call(message, "execId") && message.execId !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.execId);
                    if (message.data != null && $Object.hasOwnProperty.call(message, "data") && message.data.length)
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.data);
                    if (message.close != null && $Object.hasOwnProperty.call(message, "close") && message.close !== false)
                        writer.uint32(/* id 3, wireType 0 =*/24).bool(message.close);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a StdinChunk message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.StdinChunk
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.StdinChunk & clear.agent.v1.StdinChunk.$Shape} StdinChunk
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                StdinChunk.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.StdinChunk();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.execId = value;
                                else
                                    delete message.execId;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.bytes()).length)
                                    message.data = value;
                                else
                                    delete message.data;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.bool())
                                    message.close = value;
                                else
                                    delete message.close;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for StdinChunk
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.StdinChunk
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                StdinChunk.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.StdinChunk";
                };

                return StdinChunk;
            })();

            v1.WriteStdinResponse = (function() {

                /**
                 * Properties of a WriteStdinResponse.
                 * @typedef {Object} clear.agent.v1.WriteStdinResponse.$Properties
                 * @property {number|Long|null} [bytesWritten] WriteStdinResponse bytesWritten
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a WriteStdinResponse.
                 * @memberof clear.agent.v1
                 * @interface IWriteStdinResponse
                 * @augments clear.agent.v1.WriteStdinResponse.$Properties
                 * @deprecated Use clear.agent.v1.WriteStdinResponse.$Properties instead.
                 */

                /**
                 * Shape of a WriteStdinResponse.
                 * @typedef {clear.agent.v1.WriteStdinResponse.$Properties} clear.agent.v1.WriteStdinResponse.$Shape
                 */

                /**
                 * Constructs a new WriteStdinResponse.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a WriteStdinResponse.
                 * @constructor
                 * @param {clear.agent.v1.WriteStdinResponse.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var WriteStdinResponse = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * WriteStdinResponse bytesWritten.
                 * @member {number|Long} bytesWritten
                 * @memberof clear.agent.v1.WriteStdinResponse
                 * @instance
                 */
                WriteStdinResponse.prototype.bytesWritten = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * Creates a new WriteStdinResponse instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.WriteStdinResponse
                 * @static
                 * @param {clear.agent.v1.WriteStdinResponse.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.WriteStdinResponse} WriteStdinResponse instance
                 * @type {{
                 *   (properties: clear.agent.v1.WriteStdinResponse.$Shape): clear.agent.v1.WriteStdinResponse & clear.agent.v1.WriteStdinResponse.$Shape;
                 *   (properties?: clear.agent.v1.WriteStdinResponse.$Properties): clear.agent.v1.WriteStdinResponse;
                 * }}
                 */
                WriteStdinResponse.create = function(properties) {
                    return new WriteStdinResponse(properties);
                };

                /**
                 * Encodes the specified WriteStdinResponse message. Does not implicitly {@link clear.agent.v1.WriteStdinResponse.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.WriteStdinResponse
                 * @static
                 * @param {clear.agent.v1.WriteStdinResponse.$Properties} message WriteStdinResponse message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                WriteStdinResponse.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.bytesWritten != null && $Object.hasOwnProperty.call(message, "bytesWritten") && (typeof message.bytesWritten === "object" ? message.bytesWritten.low || message.bytesWritten.high : message.bytesWritten !== 0))
                        writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.bytesWritten);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a WriteStdinResponse message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.WriteStdinResponse
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.WriteStdinResponse & clear.agent.v1.WriteStdinResponse.$Shape} WriteStdinResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                WriteStdinResponse.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.WriteStdinResponse();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.bytesWritten = value;
                                else
                                    delete message.bytesWritten;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for WriteStdinResponse
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.WriteStdinResponse
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                WriteStdinResponse.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.WriteStdinResponse";
                };

                return WriteStdinResponse;
            })();

            /**
             * StdioStream enum.
             * @name clear.agent.v1.StdioStream
             * @enum {number}
             * @property {number} STDIO_STREAM_UNSPECIFIED=0 STDIO_STREAM_UNSPECIFIED value
             * @property {number} STDIO_STREAM_STDOUT=1 STDIO_STREAM_STDOUT value
             * @property {number} STDIO_STREAM_STDERR=2 STDIO_STREAM_STDERR value
             */
            v1.StdioStream = (function() {
                var valuesById = $Object.create(null), values = $Object.create(valuesById);
                values[valuesById[0] = "STDIO_STREAM_UNSPECIFIED"] = 0;
                values[valuesById[1] = "STDIO_STREAM_STDOUT"] = 1;
                values[valuesById[2] = "STDIO_STREAM_STDERR"] = 2;
                return values;
            })();

            v1.ReadStdioRequest = (function() {

                /**
                 * Properties of a ReadStdioRequest.
                 * @typedef {Object} clear.agent.v1.ReadStdioRequest.$Properties
                 * @property {string|null} [execId] ReadStdioRequest execId
                 * @property {clear.agent.v1.StdioStream|null} [stream] ReadStdioRequest stream
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a ReadStdioRequest.
                 * @memberof clear.agent.v1
                 * @interface IReadStdioRequest
                 * @augments clear.agent.v1.ReadStdioRequest.$Properties
                 * @deprecated Use clear.agent.v1.ReadStdioRequest.$Properties instead.
                 */

                /**
                 * Shape of a ReadStdioRequest.
                 * @typedef {clear.agent.v1.ReadStdioRequest.$Properties} clear.agent.v1.ReadStdioRequest.$Shape
                 */

                /**
                 * Constructs a new ReadStdioRequest.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a ReadStdioRequest.
                 * @constructor
                 * @param {clear.agent.v1.ReadStdioRequest.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var ReadStdioRequest = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * ReadStdioRequest execId.
                 * @member {string} execId
                 * @memberof clear.agent.v1.ReadStdioRequest
                 * @instance
                 */
                ReadStdioRequest.prototype.execId = "";

                /**
                 * ReadStdioRequest stream.
                 * @member {clear.agent.v1.StdioStream} stream
                 * @memberof clear.agent.v1.ReadStdioRequest
                 * @instance
                 */
                ReadStdioRequest.prototype.stream = 0;

                /**
                 * Creates a new ReadStdioRequest instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.ReadStdioRequest
                 * @static
                 * @param {clear.agent.v1.ReadStdioRequest.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.ReadStdioRequest} ReadStdioRequest instance
                 * @type {{
                 *   (properties: clear.agent.v1.ReadStdioRequest.$Shape): clear.agent.v1.ReadStdioRequest & clear.agent.v1.ReadStdioRequest.$Shape;
                 *   (properties?: clear.agent.v1.ReadStdioRequest.$Properties): clear.agent.v1.ReadStdioRequest;
                 * }}
                 */
                ReadStdioRequest.create = function(properties) {
                    return new ReadStdioRequest(properties);
                };

                /**
                 * Encodes the specified ReadStdioRequest message. Does not implicitly {@link clear.agent.v1.ReadStdioRequest.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.ReadStdioRequest
                 * @static
                 * @param {clear.agent.v1.ReadStdioRequest.$Properties} message ReadStdioRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ReadStdioRequest.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.execId != null && $Object.hasOwnProperty.call(message, "execId") && message.execId !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.execId);
                    if (message.stream != null && $Object.hasOwnProperty.call(message, "stream") && message.stream !== 0)
                        writer.uint32(/* id 2, wireType 0 =*/16).int32(message.stream);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a ReadStdioRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.ReadStdioRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ReadStdioRequest & clear.agent.v1.ReadStdioRequest.$Shape} ReadStdioRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ReadStdioRequest.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.ReadStdioRequest();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.execId = value;
                                else
                                    delete message.execId;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.int32())
                                    message.stream = value;
                                else
                                    delete message.stream;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for ReadStdioRequest
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.ReadStdioRequest
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                ReadStdioRequest.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.ReadStdioRequest";
                };

                return ReadStdioRequest;
            })();

            v1.StdioChunk = (function() {

                /**
                 * Properties of a StdioChunk.
                 * @typedef {Object} clear.agent.v1.StdioChunk.$Properties
                 * @property {Uint8Array|null} [data] StdioChunk data
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a StdioChunk.
                 * @memberof clear.agent.v1
                 * @interface IStdioChunk
                 * @augments clear.agent.v1.StdioChunk.$Properties
                 * @deprecated Use clear.agent.v1.StdioChunk.$Properties instead.
                 */

                /**
                 * Shape of a StdioChunk.
                 * @typedef {clear.agent.v1.StdioChunk.$Properties} clear.agent.v1.StdioChunk.$Shape
                 */

                /**
                 * Constructs a new StdioChunk.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a StdioChunk.
                 * @constructor
                 * @param {clear.agent.v1.StdioChunk.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var StdioChunk = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * StdioChunk data.
                 * @member {Uint8Array} data
                 * @memberof clear.agent.v1.StdioChunk
                 * @instance
                 */
                StdioChunk.prototype.data = $util.newBuffer([]);

                /**
                 * Creates a new StdioChunk instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.StdioChunk
                 * @static
                 * @param {clear.agent.v1.StdioChunk.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.StdioChunk} StdioChunk instance
                 * @type {{
                 *   (properties: clear.agent.v1.StdioChunk.$Shape): clear.agent.v1.StdioChunk & clear.agent.v1.StdioChunk.$Shape;
                 *   (properties?: clear.agent.v1.StdioChunk.$Properties): clear.agent.v1.StdioChunk;
                 * }}
                 */
                StdioChunk.create = function(properties) {
                    return new StdioChunk(properties);
                };

                /**
                 * Encodes the specified StdioChunk message. Does not implicitly {@link clear.agent.v1.StdioChunk.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.StdioChunk
                 * @static
                 * @param {clear.agent.v1.StdioChunk.$Properties} message StdioChunk message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                StdioChunk.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.data != null && $Object.hasOwnProperty.call(message, "data") && message.data.length)
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.data);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a StdioChunk message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.StdioChunk
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.StdioChunk & clear.agent.v1.StdioChunk.$Shape} StdioChunk
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                StdioChunk.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.StdioChunk();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.bytes()).length)
                                    message.data = value;
                                else
                                    delete message.data;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for StdioChunk
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.StdioChunk
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                StdioChunk.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.StdioChunk";
                };

                return StdioChunk;
            })();

            v1.WaitProcessRequest = (function() {

                /**
                 * Properties of a WaitProcessRequest.
                 * @typedef {Object} clear.agent.v1.WaitProcessRequest.$Properties
                 * @property {string|null} [execId] WaitProcessRequest execId
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a WaitProcessRequest.
                 * @memberof clear.agent.v1
                 * @interface IWaitProcessRequest
                 * @augments clear.agent.v1.WaitProcessRequest.$Properties
                 * @deprecated Use clear.agent.v1.WaitProcessRequest.$Properties instead.
                 */

                /**
                 * Shape of a WaitProcessRequest.
                 * @typedef {clear.agent.v1.WaitProcessRequest.$Properties} clear.agent.v1.WaitProcessRequest.$Shape
                 */

                /**
                 * Constructs a new WaitProcessRequest.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a WaitProcessRequest.
                 * @constructor
                 * @param {clear.agent.v1.WaitProcessRequest.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var WaitProcessRequest = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * WaitProcessRequest execId.
                 * @member {string} execId
                 * @memberof clear.agent.v1.WaitProcessRequest
                 * @instance
                 */
                WaitProcessRequest.prototype.execId = "";

                /**
                 * Creates a new WaitProcessRequest instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.WaitProcessRequest
                 * @static
                 * @param {clear.agent.v1.WaitProcessRequest.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.WaitProcessRequest} WaitProcessRequest instance
                 * @type {{
                 *   (properties: clear.agent.v1.WaitProcessRequest.$Shape): clear.agent.v1.WaitProcessRequest & clear.agent.v1.WaitProcessRequest.$Shape;
                 *   (properties?: clear.agent.v1.WaitProcessRequest.$Properties): clear.agent.v1.WaitProcessRequest;
                 * }}
                 */
                WaitProcessRequest.create = function(properties) {
                    return new WaitProcessRequest(properties);
                };

                /**
                 * Encodes the specified WaitProcessRequest message. Does not implicitly {@link clear.agent.v1.WaitProcessRequest.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.WaitProcessRequest
                 * @static
                 * @param {clear.agent.v1.WaitProcessRequest.$Properties} message WaitProcessRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                WaitProcessRequest.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.execId != null && $Object.hasOwnProperty.call(message, "execId") && message.execId !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.execId);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a WaitProcessRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.WaitProcessRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.WaitProcessRequest & clear.agent.v1.WaitProcessRequest.$Shape} WaitProcessRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                WaitProcessRequest.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.WaitProcessRequest();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.execId = value;
                                else
                                    delete message.execId;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for WaitProcessRequest
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.WaitProcessRequest
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                WaitProcessRequest.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.WaitProcessRequest";
                };

                return WaitProcessRequest;
            })();

            v1.ExitStatus = (function() {

                /**
                 * Properties of an ExitStatus.
                 * @typedef {Object} clear.agent.v1.ExitStatus.$Properties
                 * @property {number|null} [exitCode] ExitStatus exitCode
                 * @property {number|null} [signal] ExitStatus signal
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of an ExitStatus.
                 * @memberof clear.agent.v1
                 * @interface IExitStatus
                 * @augments clear.agent.v1.ExitStatus.$Properties
                 * @deprecated Use clear.agent.v1.ExitStatus.$Properties instead.
                 */

                /**
                 * Shape of an ExitStatus.
                 * @typedef {clear.agent.v1.ExitStatus.$Properties} clear.agent.v1.ExitStatus.$Shape
                 */

                /**
                 * Constructs a new ExitStatus.
                 * @memberof clear.agent.v1
                 * @classdesc Represents an ExitStatus.
                 * @constructor
                 * @param {clear.agent.v1.ExitStatus.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var ExitStatus = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * ExitStatus exitCode.
                 * @member {number} exitCode
                 * @memberof clear.agent.v1.ExitStatus
                 * @instance
                 */
                ExitStatus.prototype.exitCode = 0;

                /**
                 * ExitStatus signal.
                 * @member {number} signal
                 * @memberof clear.agent.v1.ExitStatus
                 * @instance
                 */
                ExitStatus.prototype.signal = 0;

                /**
                 * Creates a new ExitStatus instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.ExitStatus
                 * @static
                 * @param {clear.agent.v1.ExitStatus.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.ExitStatus} ExitStatus instance
                 * @type {{
                 *   (properties: clear.agent.v1.ExitStatus.$Shape): clear.agent.v1.ExitStatus & clear.agent.v1.ExitStatus.$Shape;
                 *   (properties?: clear.agent.v1.ExitStatus.$Properties): clear.agent.v1.ExitStatus;
                 * }}
                 */
                ExitStatus.create = function(properties) {
                    return new ExitStatus(properties);
                };

                /**
                 * Encodes the specified ExitStatus message. Does not implicitly {@link clear.agent.v1.ExitStatus.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.ExitStatus
                 * @static
                 * @param {clear.agent.v1.ExitStatus.$Properties} message ExitStatus message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ExitStatus.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.exitCode != null && $Object.hasOwnProperty.call(message, "exitCode") && message.exitCode !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).int32(message.exitCode);
                    if (message.signal != null && $Object.hasOwnProperty.call(message, "signal") && message.signal !== 0)
                        writer.uint32(/* id 2, wireType 0 =*/16).int32(message.signal);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes an ExitStatus message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.ExitStatus
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ExitStatus & clear.agent.v1.ExitStatus.$Shape} ExitStatus
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ExitStatus.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.ExitStatus();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.int32())
                                    message.exitCode = value;
                                else
                                    delete message.exitCode;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.int32())
                                    message.signal = value;
                                else
                                    delete message.signal;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for ExitStatus
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.ExitStatus
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                ExitStatus.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.ExitStatus";
                };

                return ExitStatus;
            })();

            v1.SignalProcessRequest = (function() {

                /**
                 * Properties of a SignalProcessRequest.
                 * @typedef {Object} clear.agent.v1.SignalProcessRequest.$Properties
                 * @property {string|null} [execId] SignalProcessRequest execId
                 * @property {number|null} [signal] SignalProcessRequest signal
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a SignalProcessRequest.
                 * @memberof clear.agent.v1
                 * @interface ISignalProcessRequest
                 * @augments clear.agent.v1.SignalProcessRequest.$Properties
                 * @deprecated Use clear.agent.v1.SignalProcessRequest.$Properties instead.
                 */

                /**
                 * Shape of a SignalProcessRequest.
                 * @typedef {clear.agent.v1.SignalProcessRequest.$Properties} clear.agent.v1.SignalProcessRequest.$Shape
                 */

                /**
                 * Constructs a new SignalProcessRequest.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a SignalProcessRequest.
                 * @constructor
                 * @param {clear.agent.v1.SignalProcessRequest.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var SignalProcessRequest = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * SignalProcessRequest execId.
                 * @member {string} execId
                 * @memberof clear.agent.v1.SignalProcessRequest
                 * @instance
                 */
                SignalProcessRequest.prototype.execId = "";

                /**
                 * SignalProcessRequest signal.
                 * @member {number} signal
                 * @memberof clear.agent.v1.SignalProcessRequest
                 * @instance
                 */
                SignalProcessRequest.prototype.signal = 0;

                /**
                 * Creates a new SignalProcessRequest instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.SignalProcessRequest
                 * @static
                 * @param {clear.agent.v1.SignalProcessRequest.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.SignalProcessRequest} SignalProcessRequest instance
                 * @type {{
                 *   (properties: clear.agent.v1.SignalProcessRequest.$Shape): clear.agent.v1.SignalProcessRequest & clear.agent.v1.SignalProcessRequest.$Shape;
                 *   (properties?: clear.agent.v1.SignalProcessRequest.$Properties): clear.agent.v1.SignalProcessRequest;
                 * }}
                 */
                SignalProcessRequest.create = function(properties) {
                    return new SignalProcessRequest(properties);
                };

                /**
                 * Encodes the specified SignalProcessRequest message. Does not implicitly {@link clear.agent.v1.SignalProcessRequest.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.SignalProcessRequest
                 * @static
                 * @param {clear.agent.v1.SignalProcessRequest.$Properties} message SignalProcessRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                SignalProcessRequest.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.execId != null && $Object.hasOwnProperty.call(message, "execId") && message.execId !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.execId);
                    if (message.signal != null && $Object.hasOwnProperty.call(message, "signal") && message.signal !== 0)
                        writer.uint32(/* id 2, wireType 0 =*/16).int32(message.signal);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a SignalProcessRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.SignalProcessRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.SignalProcessRequest & clear.agent.v1.SignalProcessRequest.$Shape} SignalProcessRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                SignalProcessRequest.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.SignalProcessRequest();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        var wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.execId = value;
                                else
                                    delete message.execId;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.int32())
                                    message.signal = value;
                                else
                                    delete message.signal;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for SignalProcessRequest
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.SignalProcessRequest
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                SignalProcessRequest.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.SignalProcessRequest";
                };

                return SignalProcessRequest;
            })();

            v1.SignalProcessResponse = (function() {

                /**
                 * Properties of a SignalProcessResponse.
                 * @typedef {Object} clear.agent.v1.SignalProcessResponse.$Properties
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a SignalProcessResponse.
                 * @memberof clear.agent.v1
                 * @interface ISignalProcessResponse
                 * @augments clear.agent.v1.SignalProcessResponse.$Properties
                 * @deprecated Use clear.agent.v1.SignalProcessResponse.$Properties instead.
                 */

                /**
                 * Shape of a SignalProcessResponse.
                 * @typedef {clear.agent.v1.SignalProcessResponse.$Properties} clear.agent.v1.SignalProcessResponse.$Shape
                 */

                /**
                 * Constructs a new SignalProcessResponse.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a SignalProcessResponse.
                 * @constructor
                 * @param {clear.agent.v1.SignalProcessResponse.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var SignalProcessResponse = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Creates a new SignalProcessResponse instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.SignalProcessResponse
                 * @static
                 * @param {clear.agent.v1.SignalProcessResponse.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.SignalProcessResponse} SignalProcessResponse instance
                 * @type {{
                 *   (properties: clear.agent.v1.SignalProcessResponse.$Shape): clear.agent.v1.SignalProcessResponse & clear.agent.v1.SignalProcessResponse.$Shape;
                 *   (properties?: clear.agent.v1.SignalProcessResponse.$Properties): clear.agent.v1.SignalProcessResponse;
                 * }}
                 */
                SignalProcessResponse.create = function(properties) {
                    return new SignalProcessResponse(properties);
                };

                /**
                 * Encodes the specified SignalProcessResponse message. Does not implicitly {@link clear.agent.v1.SignalProcessResponse.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.SignalProcessResponse
                 * @static
                 * @param {clear.agent.v1.SignalProcessResponse.$Properties} message SignalProcessResponse message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                SignalProcessResponse.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a SignalProcessResponse message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.SignalProcessResponse
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.SignalProcessResponse & clear.agent.v1.SignalProcessResponse.$Shape} SignalProcessResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                SignalProcessResponse.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.SignalProcessResponse();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        reader.skipType(tag & 7, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for SignalProcessResponse
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.SignalProcessResponse
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                SignalProcessResponse.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.SignalProcessResponse";
                };

                return SignalProcessResponse;
            })();

            v1.ShutdownRequest = (function() {

                /**
                 * Properties of a ShutdownRequest.
                 * @typedef {Object} clear.agent.v1.ShutdownRequest.$Properties
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a ShutdownRequest.
                 * @memberof clear.agent.v1
                 * @interface IShutdownRequest
                 * @augments clear.agent.v1.ShutdownRequest.$Properties
                 * @deprecated Use clear.agent.v1.ShutdownRequest.$Properties instead.
                 */

                /**
                 * Shape of a ShutdownRequest.
                 * @typedef {clear.agent.v1.ShutdownRequest.$Properties} clear.agent.v1.ShutdownRequest.$Shape
                 */

                /**
                 * Constructs a new ShutdownRequest.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a ShutdownRequest.
                 * @constructor
                 * @param {clear.agent.v1.ShutdownRequest.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var ShutdownRequest = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Creates a new ShutdownRequest instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.ShutdownRequest
                 * @static
                 * @param {clear.agent.v1.ShutdownRequest.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.ShutdownRequest} ShutdownRequest instance
                 * @type {{
                 *   (properties: clear.agent.v1.ShutdownRequest.$Shape): clear.agent.v1.ShutdownRequest & clear.agent.v1.ShutdownRequest.$Shape;
                 *   (properties?: clear.agent.v1.ShutdownRequest.$Properties): clear.agent.v1.ShutdownRequest;
                 * }}
                 */
                ShutdownRequest.create = function(properties) {
                    return new ShutdownRequest(properties);
                };

                /**
                 * Encodes the specified ShutdownRequest message. Does not implicitly {@link clear.agent.v1.ShutdownRequest.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.ShutdownRequest
                 * @static
                 * @param {clear.agent.v1.ShutdownRequest.$Properties} message ShutdownRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ShutdownRequest.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a ShutdownRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.ShutdownRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ShutdownRequest & clear.agent.v1.ShutdownRequest.$Shape} ShutdownRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ShutdownRequest.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.ShutdownRequest();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        reader.skipType(tag & 7, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for ShutdownRequest
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.ShutdownRequest
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                ShutdownRequest.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.ShutdownRequest";
                };

                return ShutdownRequest;
            })();

            v1.ShutdownResponse = (function() {

                /**
                 * Properties of a ShutdownResponse.
                 * @typedef {Object} clear.agent.v1.ShutdownResponse.$Properties
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a ShutdownResponse.
                 * @memberof clear.agent.v1
                 * @interface IShutdownResponse
                 * @augments clear.agent.v1.ShutdownResponse.$Properties
                 * @deprecated Use clear.agent.v1.ShutdownResponse.$Properties instead.
                 */

                /**
                 * Shape of a ShutdownResponse.
                 * @typedef {clear.agent.v1.ShutdownResponse.$Properties} clear.agent.v1.ShutdownResponse.$Shape
                 */

                /**
                 * Constructs a new ShutdownResponse.
                 * @memberof clear.agent.v1
                 * @classdesc Represents a ShutdownResponse.
                 * @constructor
                 * @param {clear.agent.v1.ShutdownResponse.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                var ShutdownResponse = function (properties) {
                    if (properties)
                        for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Creates a new ShutdownResponse instance using the specified properties.
                 * @function create
                 * @memberof clear.agent.v1.ShutdownResponse
                 * @static
                 * @param {clear.agent.v1.ShutdownResponse.$Properties=} [properties] Properties to set
                 * @returns {clear.agent.v1.ShutdownResponse} ShutdownResponse instance
                 * @type {{
                 *   (properties: clear.agent.v1.ShutdownResponse.$Shape): clear.agent.v1.ShutdownResponse & clear.agent.v1.ShutdownResponse.$Shape;
                 *   (properties?: clear.agent.v1.ShutdownResponse.$Properties): clear.agent.v1.ShutdownResponse;
                 * }}
                 */
                ShutdownResponse.create = function(properties) {
                    return new ShutdownResponse(properties);
                };

                /**
                 * Encodes the specified ShutdownResponse message. Does not implicitly {@link clear.agent.v1.ShutdownResponse.verify|verify} messages.
                 * @function encode
                 * @memberof clear.agent.v1.ShutdownResponse
                 * @static
                 * @param {clear.agent.v1.ShutdownResponse.$Properties} message ShutdownResponse message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ShutdownResponse.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (var i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a ShutdownResponse message from the specified reader or buffer.
                 * @function decode
                 * @memberof clear.agent.v1.ShutdownResponse
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {clear.agent.v1.ShutdownResponse & clear.agent.v1.ShutdownResponse.$Shape} ShutdownResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ShutdownResponse.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    var end, message;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.clear.agent.v1.ShutdownResponse();
                    while (reader.pos < end) {
                        var start = reader.pos;
                        var tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        reader.skipType(tag & 7, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for ShutdownResponse
                 * @function getTypeUrl
                 * @memberof clear.agent.v1.ShutdownResponse
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                ShutdownResponse.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/clear.agent.v1.ShutdownResponse";
                };

                return ShutdownResponse;
            })();

            return v1;
        })();

        return agent;
    })();

    return clear;
})();

module.exports = $root;
