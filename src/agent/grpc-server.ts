/**
 * The guest agent's gRPC server, on the agent's own HTTP/2 (http2-server.ts).
 *
 * Why not grpc-js's Server: under TCG every line of JavaScript the agent
 * loads is translated cold in every VM, and grpc-js (with the proto-loader,
 * lodash and ordered-map it pulls in) was ~70 % of the agent bundle and over
 * half of its load time, for a server that needs a tenth of it: one service,
 * plain-text HTTP/2 on connections accepted elsewhere, no compression, no
 * channelz, no keepalive policy. The host keeps grpc-js as the client, so
 * every test that talks to the agent checks this server against it.
 *
 * What it speaks (gRPC over HTTP/2, the wire format in gRPC's PROTOCOL-HTTP2):
 * a POST to /<service>/<method>; each message framed as a 1-byte compressed
 * flag, a 4-byte big-endian length and the bytes; the status in trailers
 * (`grpc-status`, percent-encoded `grpc-message`), or in the headers alone
 * (trailers-only) when a call fails before its first message.
 *
 * The call objects offer the part of grpc-js's surface the agent uses:
 * `request`, `cancelled` and a 'cancelled' event on every call; a callback
 * for unary and client-streaming calls; an object-mode Readable for a
 * client stream; write/end/'drain' for a server stream, which `emit('error',
 * status)` ends with that status as grpc-js's does.
 */
import { EventEmitter } from 'events';
import { Readable, type Duplex } from 'stream';
import { Http2Connection, type Http2Stream } from './http2';
import type { HeaderField } from './hpack';
import { GrpcStatus, MessageReader, frame, percentEncode, type Status } from './grpc-wire';

export { MAX_MESSAGE_BYTES, MessageReader, percentEncode, type Status } from './grpc-wire';

export type Callback<Res> = (err: Partial<Status> | null, res?: Res) => void;

/** One method as protocol.ts defines it (a grpc-js MethodDefinition fits). */
export interface Method<Req, Res> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize(data: Buffer): Req;
  responseSerialize(message: Res): Buffer;
}

/** A unary or server-streaming call. */
export class ServerCall<Req> extends EventEmitter {
  cancelled = false;
  constructor(readonly request: Req) {
    super();
  }
}

/** The server end of a server-streaming call. */
export class ServerWritableCall<Req, Res> extends ServerCall<Req> {
  constructor(request: Req, private readonly reply: Reply<Res>) {
    super(request);
    reply.stream.on('drain', () => this.emit('drain'));
    // grpc-js's convention: emitting 'error' on the call ends it with that status.
    this.on('error', (status: Partial<Status>) => reply.finish(status));
  }

  /** Sends one message; false when the stream's buffer is full ('drain' follows). */
  write(message: Res): boolean {
    return this.reply.send(message);
  }

  /** Ends the call with status OK. */
  end(): void {
    this.reply.finish({ code: 0 });
  }
}

/** The server end of a client-streaming call: the decoded messages, in order. */
export class ServerReadableCall<Req> extends Readable {
  cancelled = false;
  constructor(private readonly source: Http2Stream) {
    super({ objectMode: true, highWaterMark: 16 });
  }

  override _read(): void {
    this.source.resume();
  }
}

export type UnaryHandler<Req, Res> = (call: ServerCall<Req>, cb: Callback<Res>) => void;
export type ClientStreamingHandler<Req, Res> = (call: ServerReadableCall<Req>, cb: Callback<Res>) => void;
export type ServerStreamingHandler<Req, Res> = (call: ServerWritableCall<Req, Res>) => void;

/**
 * The response side of one HTTP/2 stream: headers once, framed messages,
 * then the status exactly once.
 */
class Reply<Res> {
  private headersSent = false;
  finished = false;

  /** Without `serialize`, a reply that can only refuse (an unknown method). */
  constructor(readonly stream: Http2Stream, private readonly serialize?: (message: Res) => Buffer) {}

  send(message: Res): boolean {
    if (this.finished || this.stream.closed) return false;
    if (!this.headersSent) {
      this.headersSent = true;
      this.stream.respond(RESPONSE_HEADERS);
    }
    return this.stream.write(frame(this.serialize!(message)));
  }

  finish(status: Partial<Status>): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.closed) return;
    const trailers: HeaderField[] = [
      ['grpc-status', String(status.code ?? 2)],
      ['grpc-message', percentEncode(status.details ?? '')],
    ];
    if (!this.headersSent) {
      // Trailers-only: the status rides on the only HEADERS frame.
      this.headersSent = true;
      this.stream.respond([...RESPONSE_HEADERS, ...trailers], true);
      return;
    }
    this.stream.end(trailers);
  }
}

const RESPONSE_HEADERS: HeaderField[] = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
];

type AnyHandler = (call: never, cb: Callback<unknown>) => void;

/** Serves one service's methods on HTTP/2 connections handed to it. */
export class GrpcServer {
  private readonly connections = new Set<Http2Connection>();
  private readonly routes = new Map<string, { method: Method<unknown, unknown>; handler: AnyHandler }>();

  constructor(service: Record<string, Method<unknown, unknown>>, handlers: Record<string, unknown>) {
    for (const [name, method] of Object.entries(service)) {
      const handler = handlers[name];
      if (typeof handler !== 'function') throw new Error(`no handler for ${method.path}`);
      this.routes.set(method.path, { method, handler: handler as AnyHandler });
    }
  }

  /** Serves HTTP/2 on a connection accepted elsewhere (vsock, a Unix socket). */
  inject(conn: Duplex): void {
    const connection = new Http2Connection(conn, (stream) => this.dispatch(stream));
    this.connections.add(connection);
    conn.once('close', () => this.connections.delete(connection));
  }

  /** Ends every connection now; calls in flight read as cancelled. */
  close(): void {
    for (const c of this.connections) c.destroy();
    this.connections.clear();
  }

  private dispatch(stream: Http2Stream): void {
    const path = stream.headers.get(':path') ?? '';
    const route = this.routes.get(path);
    if (!route) {
      new Reply(stream).finish({ code: GrpcStatus.UNIMPLEMENTED, details: `unknown method ${path}` });
      stream.resume();
      return;
    }
    const { method, handler } = route;
    const reply = new Reply(stream, (m: unknown) => method.responseSerialize(m));
    const reader = new MessageReader();
    const fail = (status: Status) => {
      reply.finish(status);
      stream.resume(); // drop what else comes
    };

    if (method.requestStream) {
      this.clientStream(stream, method, reply, reader, handler);
      return;
    }

    // Unary and server-streaming: exactly one request message, then end.
    const messages: Buffer[] = [];
    let failed = false;
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        messages.push(...reader.push(chunk));
      } catch (status) {
        failed = true;
        fail(status as Status);
      }
    });
    onHalfClose(stream, () => {
      if (failed) return;
      if (messages.length !== 1 || reader.pending) {
        return fail({ code: GrpcStatus.UNIMPLEMENTED, details: `${method.path} takes exactly one request message, got ${messages.length}` });
      }
      let request: unknown;
      try {
        request = method.requestDeserialize(messages[0]);
      } catch (err) {
        return fail({ code: GrpcStatus.INTERNAL, details: `cannot decode the request: ${(err as Error).message}` });
      }
      const call = method.responseStream ? new ServerWritableCall(request, reply) : new ServerCall(request);
      onCancel(stream, reply, call);
      if (method.responseStream) (handler as (c: unknown) => void)(call);
      else (handler as (c: unknown, cb: Callback<unknown>) => void)(call, unaryCallback(reply));
    });
  }

  private clientStream(
    stream: Http2Stream,
    method: Method<unknown, unknown>,
    reply: Reply<unknown>,
    reader: MessageReader,
    handler: AnyHandler,
  ): void {
    const call = new ServerReadableCall<unknown>(stream);
    stream.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch (status) {
        call.destroy(Object.assign(new Error((status as Status).details), status as Status));
        reply.finish(status as Status);
        return;
      }
      for (const m of messages) {
        let decoded: unknown;
        try {
          decoded = method.requestDeserialize(m);
        } catch (err) {
          const status = { code: GrpcStatus.INTERNAL, details: `cannot decode a request message: ${(err as Error).message}` };
          call.destroy(Object.assign(new Error(status.details), status));
          reply.finish(status);
          return;
        }
        if (!call.push(decoded)) stream.pause();
      }
    });
    onHalfClose(stream, () => call.push(null));
    onCancel(stream, reply, call);
    (handler as (c: unknown, cb: Callback<unknown>) => void)(call, unaryCallback(reply));
  }
}

/** The callback of a unary or client-streaming call: one answer or one error. */
function unaryCallback(reply: Reply<unknown>): Callback<unknown> {
  return (err, res) => {
    if (err) return reply.finish({ code: err.code ?? 2, details: err.details });
    reply.send(res);
    reply.finish({ code: 0 });
  };
}

/**
 * The caller ended its side of the stream (END_STREAM). A caller that
 * cancels with node's http2 (grpc-js does) sends END_STREAM and then
 * RST_STREAM: when both arrive together, waiting one turn lets the reset
 * win, so a cancelled WriteStdin does not close the process's input.
 */
function onHalfClose(stream: Http2Stream, then: () => void): void {
  stream.once('end', () =>
    setImmediate(() => {
      if (!stream.aborted) then();
    }),
  );
}

/** The peer reset the stream or went away before the status was sent. */
function onCancel(stream: Http2Stream, reply: Reply<unknown>, call: EventEmitter & { cancelled: boolean }): void {
  stream.once('close', () => {
    if (reply.finished || call.cancelled) return;
    call.cancelled = true;
    reply.finished = true;
    call.emit('cancelled');
  });
}
