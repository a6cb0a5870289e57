/**
 * A toy gRPC service with JSON messages, for the wire-level tests of the
 * agent's gRPC server and the host's client: they stay independent of
 * protobuf, and the definitions fit grpc-js as well.
 */
import type * as grpc from '@grpc/grpc-js';

export type Msg = { text?: string; n?: number };

/** One method of /test.Echo, JSON both ways. */
export function jsonMethod(name: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Msg, Msg> {
  return {
    path: `/test.Echo/${name}`,
    originalName: name,
    requestStream,
    responseStream,
    requestSerialize: (m: Msg) => Buffer.from(JSON.stringify(m)),
    requestDeserialize: (b: Buffer) => JSON.parse(b.toString()) as Msg,
    responseSerialize: (m: Msg) => Buffer.from(JSON.stringify(m)),
    responseDeserialize: (b: Buffer) => JSON.parse(b.toString()) as Msg,
  };
}

/** Echo (unary), Fail (unary, fails), Count (server streaming), Sum (client streaming), Hang (unary, never answers). */
export const echoService = {
  Echo: jsonMethod('Echo', false, false),
  Fail: jsonMethod('Fail', false, false),
  Count: jsonMethod('Count', false, true),
  Sum: jsonMethod('Sum', true, false),
  Hang: jsonMethod('Hang', false, false),
};
