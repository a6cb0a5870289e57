/**
 * The agent's own gRPC server (src/agent/grpc-server.ts) at the wire level:
 * grpc-js as the client for what a well-behaved caller does, and a raw
 * HTTP/2 client for what grpc-js would never send (two messages on a unary
 * call, compressed or oversized messages, unknown methods).
 */
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'http2';
import * as net from 'net';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  GrpcServer,
  MAX_MESSAGE_BYTES,
  MessageReader,
  percentEncode,
  type Method,
  type ServerCall,
  type ServerReadableCall,
  type ServerWritableCall,
  type Callback,
} from '../src/agent/grpc-server';
import { echoService, type Msg } from './lib/json-service';

const service = echoService;

function frame(body: Buffer, compressed = 0): Buffer {
  const h = Buffer.alloc(5);
  h[0] = compressed;
  h.writeUInt32BE(body.length, 1);
  return Buffer.concat([h, body]);
}

t.test('MessageReader splits frames across and within chunks', async (t) => {
  const r = new MessageReader();
  const a = frame(Buffer.from('hello'));
  const b = frame(Buffer.from(''));
  const c = frame(Buffer.from('world!'));
  const all = Buffer.concat([a, b, c]);
  const got: string[] = [];
  for (let i = 0; i < all.length; i += 3) got.push(...r.push(all.subarray(i, i + 3)).map(String));
  t.same(got, ['hello', '', 'world!']);
  t.equal(r.pending, 0);
  t.same(new MessageReader().push(Buffer.concat([a, c.subarray(0, 7)])).map(String), ['hello'], 'a partial frame waits');
  t.throws(() => new MessageReader().push(frame(Buffer.from('x'), 1)), { code: 13, details: /compressed/ });
  const big = Buffer.alloc(5);
  big.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 1);
  t.throws(() => new MessageReader().push(big), { code: 8, details: /limit/ }, 'over the limit: refused from its header');
});

t.test('percentEncode: printable ASCII stays, the rest and % become %XX', async (t) => {
  t.equal(percentEncode('no such process "x"'), 'no such process "x"');
  t.equal(percentEncode('50% done\nnext'), '50%25 done%0Anext');
  t.equal(percentEncode('é'), '%C3%A9');
  t.equal(decodeURIComponent(percentEncode('ünïcode: 100%\r\n')), 'ünïcode: 100%\r\n', 'grpc-js decodes it back');
  t.equal(percentEncode(' stderr: boom '), '%20stderr: boom%20', 'a space at either end (HTTP/2 drops such a field)');
});

t.test('served on injected connections', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-grpc-'));
  const sock = path.join(dir, 's.sock');
  const events: string[] = [];
  let hangCall: ServerCall<Msg> | null = null;
  const handlers = {
    Echo: (call: ServerCall<Msg>, cb: Callback<Msg>) => cb(null, { text: call.request.text }),
    Fail: (call: ServerCall<Msg>, cb: Callback<Msg>) => cb({ code: 5, details: `no "${call.request.text}": 100% gone${call.request.n ? ' ' : '\n'}` }),
    Count: (call: ServerWritableCall<Msg, Msg>) => {
      const n = call.request.n ?? 0;
      for (let i = 1; i <= n; i++) call.write({ n: i });
      if (call.request.text === 'fail') call.emit('error', { code: 9, details: 'stopped after the messages' });
      else call.end();
    },
    Sum: (call: ServerReadableCall<Msg>, cb: Callback<Msg>) => {
      let sum = 0;
      call.on('data', (m: Msg) => {
        sum += m.n ?? 0;
        events.push(`sum data ${m.n}`);
      });
      call.on('end', () => {
        events.push('sum end');
        cb(null, { n: sum });
      });
      call.on('cancelled', () => events.push('sum cancelled'));
    },
    Hang: (call: ServerCall<Msg>) => {
      hangCall = call;
      call.on('cancelled', () => events.push('hang cancelled'));
    },
  };
  const server = new GrpcServer(service, handlers);
  const listener = net.createServer((c) => server.inject(c));
  await new Promise<void>((r) => listener.listen(sock, r));
  const Client = grpc.makeGenericClientConstructor(service, 'Echo');
  const client = new Client(`unix:${sock}`, grpc.credentials.createInsecure()) as unknown as Record<
    string,
    (...a: unknown[]) => grpc.ClientUnaryCall & grpc.ClientReadableStream<Msg> & grpc.ClientWritableStream<Msg>
  >;
  t.teardown(() => {
    (client as unknown as grpc.Client).close();
    server.close();
    listener.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const unary = (name: string, req: Msg) =>
    new Promise<Msg>((resolve, reject) => client[name](req, (err: Error | null, res: Msg) => (err ? reject(err) : resolve(res))));

  await t.test('unary: answer, and an error with its code and words intact', async (t) => {
    t.same(await unary('Echo', { text: 'hi' }), { text: 'hi' });
    await t.rejects(unary('Fail', { text: 'x' }), { code: 5, details: 'no "x": 100% gone\n' });
    // What a failing hook's message looks like (its newline made a space).
    await t.rejects(unary('Fail', { text: 'x', n: 1 }), { code: 5, details: 'no "x": 100% gone ' }, 'a trailing space keeps the words');
  });

  await t.test('server streaming: messages in order, then OK or the status emitted', async (t) => {
    const read = (req: Msg) =>
      new Promise<{ got: number[]; err: grpc.ServiceError | null }>((resolve) => {
        const got: number[] = [];
        const s = client.Count(req);
        s.on('data', (m: Msg) => got.push(m.n!));
        s.on('error', (err: grpc.ServiceError) => resolve({ got, err }));
        s.on('end', () => resolve({ got, err: null }));
      });
    t.same(await read({ n: 5 }), { got: [1, 2, 3, 4, 5], err: null });
    t.same(await read({ n: 0 }), { got: [], err: null }, 'no messages: trailers only');
    const failed = await read({ n: 2, text: 'fail' });
    t.same(failed.got, [1, 2]);
    t.equal(failed.err?.code, 9);
    t.equal(failed.err?.details, 'stopped after the messages');
  });

  await t.test('client streaming: every message, then one answer', async (t) => {
    const res = await new Promise<Msg>((resolve, reject) => {
      const s = client.Sum((err: Error | null, r: Msg) => (err ? reject(err) : resolve(r)));
      for (let i = 1; i <= 100; i++) s.write({ n: i });
      s.end();
    });
    t.same(res, { n: 5050 });
  });

  await t.test('a caller that cancels: the handler hears "cancelled"', async (t) => {
    const call = client.Hang({}, () => {});
    while (!hangCall) await new Promise((r) => setTimeout(r, 5));
    call.cancel();
    for (let i = 0; i < 200 && !events.includes('hang cancelled'); i++) await new Promise((r) => setTimeout(r, 5));
    t.ok(events.includes('hang cancelled'));
    t.equal(hangCall!.cancelled, true);
  });

  await t.test('a client stream whose connection drops mid-way is cancelled, never read as its end', async (t) => {
    // A WriteStdin writer that goes away (its monitor killed): the agent
    // must leave the process's stdin open for the next writer.
    const conn = net.connect(sock);
    const session = http2.connect('http://localhost', { createConnection: () => conn });
    session.on('error', () => {});
    t.teardown(() => session.destroy());
    events.length = 0;
    const req = session.request({ ':method': 'POST', ':path': '/test.Echo/Sum', 'content-type': 'application/grpc' });
    req.on('error', () => {});
    req.write(frame(Buffer.from('{"n":1}')));
    for (let i = 0; i < 200 && !events.includes('sum data 1'); i++) await new Promise((r) => setTimeout(r, 5));
    conn.destroy();
    for (let i = 0; i < 200 && !events.includes('sum cancelled'); i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    t.same(events, ['sum data 1', 'sum cancelled']);
  });

  await t.test('what grpc-js never sends is refused with a status, and the server goes on', async (t) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(sock) });
    t.teardown(() => session.close());
    const raw = (p: string, body: Buffer) =>
      new Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': p, 'content-type': 'application/grpc', te: 'trailers' });
        let headers: http2.IncomingHttpHeaders = {};
        let trailers: http2.IncomingHttpHeaders = {};
        req.on('response', (h) => (headers = h));
        req.on('trailers', (h) => (trailers = h));
        req.on('error', reject);
        req.resume();
        req.on('close', () => resolve({ headers, trailers }));
        req.end(body);
      });
    const status = (r: { headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders }) =>
      Number(r.trailers['grpc-status'] ?? r.headers['grpc-status']);
    const unknown = await raw('/test.Echo/Nope', frame(Buffer.from('{}')));
    t.equal(status(unknown), 12, 'unknown method: UNIMPLEMENTED');
    t.match(String(unknown.headers['grpc-message']), /unknown method \/test\.Echo\/Nope/);
    t.equal(status(await raw('/test.Echo/Echo', Buffer.concat([frame(Buffer.from('{}')), frame(Buffer.from('{}'))]))), 12,
      'two messages on a unary call');
    t.equal(status(await raw('/test.Echo/Echo', Buffer.alloc(0))), 12, 'no message');
    t.equal(status(await raw('/test.Echo/Echo', frame(Buffer.from('{"text":'), 0))), 13, 'undecodable: INTERNAL');
    t.equal(status(await raw('/test.Echo/Echo', frame(Buffer.from('{}'), 1))), 13, 'compressed: INTERNAL');
    t.same(await unary('Echo', { text: 'still here' }), { text: 'still here' });
  });
});
