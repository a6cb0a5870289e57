/**
 * gRPC's wire format over HTTP/2 (gRPC's PROTOCOL-HTTP2), shared by the
 * agent's server (grpc-server.ts) and the host's client (grpc-client.ts):
 * status codes, a call's request headers, message framing, and the
 * grpc-message encoding.
 */
import type { HeaderField } from './hpack';

/** gRPC status codes (grpc/doc/statuscodes.md); a numeric enum, so GrpcStatus[code] names one. */
export enum GrpcStatus {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** A gRPC status: code (0 = OK) and the words the caller reads. */
export interface Status {
  code: number;
  details?: string;
}

/** One method of a service: its path and how its messages are (de)serialized. */
export interface MethodDefinition<Req, Res> {
  /** /package.Service/Method */
  path: string;
  originalName?: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(message: Req): Buffer;
  requestDeserialize(data: Buffer): Req;
  responseSerialize(message: Res): Buffer;
  responseDeserialize(data: Buffer): Res;
}

/** gRPC's default limit on a received message (grpc-js's too). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The request headers of a gRPC call to `path` ("/package.Service/Method"), as a client sends them. */
export function requestHeaders(path: string): HeaderField[] {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
}

/** A message as it goes on the wire: uncompressed flag, length, bytes. */
export function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

/**
 * grpc-message: bytes outside printable ASCII, and '%', as %XX
 * (PROTOCOL-HTTP2); and a space at either end too: HTTP/2 forbids leading
 * and trailing whitespace in a field value (RFC 9113 8.2.1), and node's
 * client drops such a field without a word, so the caller would read an
 * empty message (seen: a hook's "stderr: boom " lost its whole text).
 */
export function percentEncode(s: string): string {
  if (/^(?! )[\x20-\x24\x26-\x7e]*$(?<! )/.test(s)) return s;
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  bytes.forEach((b, i) => {
    const edge = b === 0x20 && (i === 0 || i === bytes.length - 1);
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 && !edge ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  });
  return out;
}

/** A grpc-message as sent: each run of %XX back to its bytes, read as UTF-8. */
export function percentDecode(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/**
 * Splits a byte stream into gRPC messages. Throws a Status on a compressed
 * message (nothing here negotiates compression) or one over the limit.
 */
export class MessageReader {
  private buffered: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): Buffer[] {
    this.buffered.push(chunk);
    this.size += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.size < 5) break;
      const head = this.peek(5);
      if (head[0] !== 0) throw { code: GrpcStatus.INTERNAL, details: 'compressed messages are not supported' } satisfies Status;
      const length = head.readUInt32BE(1);
      if (length > MAX_MESSAGE_BYTES) {
        throw { code: GrpcStatus.RESOURCE_EXHAUSTED, details: `message of ${length} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit` } satisfies Status;
      }
      if (this.size < 5 + length) break;
      out.push(this.take(5 + length).subarray(5));
    }
    return out;
  }

  /** Bytes of an unfinished message. */
  get pending(): number {
    return this.size;
  }

  private peek(n: number): Buffer {
    if (this.buffered[0].length < n) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length ? [rest] : [];
    this.size = rest.length;
    return out;
  }
}

