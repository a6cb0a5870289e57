/**
 * The host's own gRPC client (src/agent/grpc-client.ts) against grpc-js's
 * server, the reference implementation of the protocol: the call shapes the
 * agent client uses (unary, server streaming with backpressure, client
 * streaming), statuses and their words, deadlines, cancellation, and the
 * connection failures the monitor's readiness wait relies on.
 */
import t, { type Test } from 'tap';
import * as grpc from '@grpc/grpc-js';
import * as net from 'net';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { GrpcChannel, type ClientCall } from '../src/agent/grpc-client';
import { GrpcStatus, percentDecode, percentEncode, type Status } from '../src/agent/grpc-wire';
import { echoService, type Msg } from './lib/json-service';

const service = echoService;

const encode = (m: Msg) => Buffer.from(JSON.stringify(m));
const decode = (b: Buffer) => JSON.parse(b.toString()) as Msg;

/** The call's messages and its status. */
function outcome(call: ClientCall): Promise<{ messages: Msg[]; status: Status }> {
  const messages: Msg[] = [];
  call.on('message', (b: Buffer) => messages.push(decode(b)));
  return new Promise((resolve) => call.once('status', (status: Status) => resolve({ messages, status })));
}

function unary(channel: GrpcChannel, method: string, request: Msg, options = {}) {
  const call = channel.call(`/test.Echo/${method}`, options);
  const done = outcome(call);
  call.write(encode(request));
  call.end();
  return done;
}

async function grpcServer(t: Test, socket: string) {
  const cancelled: string[] = [];
  const server = new grpc.Server();
  server.addService(service, {
    Echo: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => cb(null, { text: call.request.text, n: (call.request.n ?? 0) + 1 }),
    Fail: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => cb({ code: call.request.n ?? GrpcStatus.NOT_FOUND, details: call.request.text }),
    Count: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      const n = call.request.n ?? 0;
      let i = 0;
      const more = () => {
        while (i < n) if (!call.write({ n: i++, text: 'x'.repeat(1000) })) return void call.once('drain', more);
        call.end();
      };
      more();
    },
    Sum: (call: grpc.ServerReadableStream<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      let sum = 0;
      let count = 0;
      call.on('data', (m: Msg) => {
        sum += m.n ?? 0;
        count++;
      });
      call.on('end', () => cb(null, { n: sum, text: String(count) }));
    },
    Hang: (call: grpc.ServerUnaryCall<Msg, Msg>) => call.on('cancelled', () => cancelled.push(call.request.text ?? '')),
  } as grpc.UntypedServiceImplementation);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  t.teardown(() => server.forceShutdown());
  return { server, cancelled };
}

function tempSocket(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-grpc-client-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'grpc.sock');
}

t.test('percentDecode undoes percentEncode, multi-byte characters included', async (t) => {
  for (const s of ['plain', ' stderr: boom ', '50% done\nnext', 'ünïcode: 100%\r\n', '']) t.equal(percentDecode(percentEncode(s)), s, JSON.stringify(s));
  t.equal(percentDecode('%zz%4'), '%zz%4', 'not a %XX sequence: as it came');
});

t.test('against grpc-js\'s server', async (t) => {
  const socket = tempSocket(t);
  const { cancelled } = await grpcServer(t, socket);
  const channel = new GrpcChannel(socket);
  t.teardown(() => channel.close());

  await t.test('unary: the answer, status OK', async (t) => {
    const { messages, status } = await unary(channel, 'Echo', { text: 'hi', n: 41 });
    t.same(messages, [{ text: 'hi', n: 42 }]);
    t.same(status, { code: GrpcStatus.OK, details: 'OK' }, 'grpc-js says OK in grpc-message');
  });

  await t.test('concurrent calls share one connection and keep their answers apart', async (t) => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => unary(channel, 'Echo', { n: i })));
    t.same(answers.map((a) => a.messages[0].n), Array.from({ length: 20 }, (_, i) => i + 1));
  });

  await t.test('a failing call: its code and its words, whatever characters they hold', async (t) => {
    const words = ' stderr: boom, 100% ünïcode\n';
    const { messages, status } = await unary(channel, 'Fail', { text: words, n: GrpcStatus.FAILED_PRECONDITION });
    t.same(messages, []);
    t.equal(status.code, GrpcStatus.FAILED_PRECONDITION);
    t.equal(status.details, words);
  });

  await t.test('an unknown method: UNIMPLEMENTED', async (t) => {
    const call = channel.call('/test.Echo/Nope');
    const done = outcome(call);
    call.write(encode({}));
    call.end();
    t.equal((await done).status.code, GrpcStatus.UNIMPLEMENTED);
  });

  await t.test('server streaming: every message in order, held back while paused', async (t) => {
    const call = channel.call('/test.Echo/Count');
    const seen: number[] = [];
    call.on('message', (b: Buffer) => {
      seen.push(decode(b).n!);
      if (seen.length === 100) {
        call.pause();
        setTimeout(() => {
          t.equal(seen.length, 100, 'nothing delivered while paused');
          call.resume();
        }, 200);
      }
    });
    const status = new Promise<Status>((resolve) => call.once('status', resolve));
    call.write(encode({ n: 5000 }));
    call.end();
    t.equal((await status).code, GrpcStatus.OK);
    t.same(seen, Array.from({ length: 5000 }, (_, i) => i), '5000 messages of 1 KB, none lost after the pause');
  });

  await t.test('client streaming: many messages, then one answer', async (t) => {
    const call = channel.call('/test.Echo/Sum');
    const done = outcome(call);
    let expected = 0;
    for (let i = 0; i < 2000; i++) {
      expected += i;
      if (!call.write(encode({ n: i, text: 'y'.repeat(500) }))) await new Promise((r) => call.once('drain', r));
    }
    call.end();
    const { messages, status } = await done;
    t.equal(status.code, GrpcStatus.OK);
    t.same(messages, [{ n: expected, text: '2000' }]);
  });

  await t.test('a deadline ends the call DEADLINE_EXCEEDED; cancel reaches the server', async (t) => {
    const started = Date.now();
    const { status } = await unary(channel, 'Hang', { text: 'by deadline' }, { deadline: Date.now() + 300 });
    t.equal(status.code, GrpcStatus.DEADLINE_EXCEEDED);
    t.ok(Date.now() - started >= 250, 'not before the deadline');
    const call = channel.call('/test.Echo/Hang');
    const done = outcome(call);
    call.write(encode({ text: 'by cancel' }));
    call.end();
    setTimeout(() => call.cancel(), 100);
    t.equal((await done).status.code, GrpcStatus.CANCELLED);
    for (let i = 0; i < 50 && cancelled.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    t.same(cancelled.sort(), ['by cancel', 'by deadline'], 'the server saw both calls cancelled');
  });

  await t.test('close: calls in flight end CANCELLED', async (t) => {
    const own = new GrpcChannel(socket);
    const call = own.call('/test.Echo/Hang');
    const done = outcome(call);
    call.write(encode({ text: 'closed' }));
    call.end();
    await unary(own, 'Echo', {}); // the connection is up and the Hang call out
    own.close();
    t.equal((await done).status.code, GrpcStatus.CANCELLED);
  });
});

t.test('connection failures', async (t) => {
  await t.test('nobody listens: UNAVAILABLE "No connection established", at once', async (t) => {
    const channel = new GrpcChannel(tempSocket(t));
    t.teardown(() => channel.close());
    const { status } = await unary(channel, 'Echo', {}, { deadline: Date.now() + 5000 });
    t.same(status, { code: GrpcStatus.UNAVAILABLE, details: 'No connection established' });
  });

  await t.test('accepted, then dropped before HTTP/2 (a vsock bridge whose guest does not listen yet): never sent', async (t) => {
    const socket = tempSocket(t);
    const bridge = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => bridge.listen(socket, r));
    t.teardown(() => bridge.close());
    const channel = new GrpcChannel(socket);
    t.teardown(() => channel.close());
    const { status } = await unary(channel, 'Echo', {});
    t.same(status, { code: GrpcStatus.UNAVAILABLE, details: 'No connection established' });
  });

  await t.test('waitForReady waits for a server that comes up later', async (t) => {
    const socket = tempSocket(t);
    const channel = new GrpcChannel(socket);
    t.teardown(() => channel.close());
    const answer = unary(channel, 'Echo', { n: 1 }, { deadline: Date.now() + 10_000, waitForReady: true });
    await new Promise((r) => setTimeout(r, 300));
    await grpcServer(t, socket);
    const { messages, status } = await answer;
    t.equal(status.code, GrpcStatus.OK);
    t.same(messages, [{ n: 2 }]);
  });

  await t.test('retryNow() ends a pause between connection attempts at once (the guest said it listens)', async (t) => {
    const channel = new GrpcChannel(tempSocket(t));
    t.teardown(() => channel.close());
    let woken = false;
    const paused = channel.backoff(60_000).then(() => (woken = true));
    await new Promise((r) => setImmediate(r));
    t.notOk(woken, 'pausing');
    channel.retryNow();
    await paused;
    t.ok(woken, 'woken, not a minute later');
  });

  await t.test('a peer that accepts and never speaks: the deadline, then reset() starts over', async (t) => {
    const socket = tempSocket(t);
    const held: net.Socket[] = [];
    const mute = net.createServer((c) => {
      held.push(c);
      c.resume(); // reads what comes, answers nothing
    });
    await new Promise<void>((r) => mute.listen(socket, r));
    const channel = new GrpcChannel(socket);
    t.teardown(() => channel.close());
    const { status } = await unary(channel, 'Echo', {}, { deadline: Date.now() + 300, waitForReady: true });
    t.equal(status.code, GrpcStatus.DEADLINE_EXCEEDED);
    t.equal(held.length, 1, 'one connection attempt, held');
    const dropped = new Promise((r) => held[0].once('close', r));
    channel.reset();
    await dropped; // reset() let go of the mute connection
    for (const c of held) c.destroy();
    await new Promise<void>((r) => mute.close(() => r()));
    fs.rmSync(socket, { force: true });
    await grpcServer(t, socket);
    const again = await unary(channel, 'Echo', { n: 7 }, { deadline: Date.now() + 5000, waitForReady: true });
    t.same(again.messages, [{ n: 8 }], 'answered on a new connection');
  });

  await t.test('a peer that accepts and never speaks: a call without a deadline fails UNAVAILABLE after the connect timeout', async (t) => {
    const socket = tempSocket(t);
    const held: net.Socket[] = [];
    const mute = net.createServer((c) => {
      held.push(c);
      c.resume();
    });
    await new Promise<void>((r) => mute.listen(socket, r));
    t.teardown(() => new Promise<void>((r) => mute.close(() => r())));
    const channel = new GrpcChannel(socket, { connectTimeoutMs: 300 });
    t.teardown(() => channel.close());
    const dropped = new Promise((r) => mute.once('connection', (c: net.Socket) => c.once('close', r)));
    const { status } = await unary(channel, 'Echo', {});
    t.equal(status.code, GrpcStatus.UNAVAILABLE);
    t.equal(status.details, 'No connection established', 'never sent: safe to send again');
    await dropped;
    t.pass('the mute connection was let go');
    for (const c of held) c.destroy();
  });

  await t.test('the server goes away mid-call: UNAVAILABLE, and the next call reconnects', async (t) => {
    const socket = tempSocket(t);
    const { server } = await grpcServer(t, socket);
    const channel = new GrpcChannel(socket);
    t.teardown(() => channel.close());
    const call = channel.call('/test.Echo/Hang');
    const done = outcome(call);
    call.write(encode({ text: 'dropped' }));
    call.end();
    await unary(channel, 'Echo', {});
    server.forceShutdown();
    t.equal((await done).status.code, GrpcStatus.UNAVAILABLE);
    fs.rmSync(socket, { force: true });
    await grpcServer(t, socket);
    const { messages } = await unary(channel, 'Echo', { n: 0 }, { deadline: Date.now() + 5000, waitForReady: true });
    t.same(messages, [{ n: 1 }]);
  });
});

t.test('the agent client loads neither grpc-js nor node:http2 (the monitor\'s memory)', async (t) => {
  // Every container's monitor holds an agent client for the VM's life: its
  // modules are that process's heap (docs/performance.md, "Memory").
  const client = path.join(__dirname, '..', 'dist', 'agent', 'client.js');
  t.ok(fs.existsSync(client), `${client} built (make build)`);
  const probe = `require(${JSON.stringify(client)});
    const grpcJs = Object.keys(require.cache).filter((f) => /node_modules\\/@grpc\\//.test(f));
    const http2 = process.moduleLoadList.filter((m) => /^NativeModule (http2|internal\\/http2\\/|tls)/.test(m));
    process.stdout.write(JSON.stringify({ grpcJs, http2 }));`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout || 'null'), { grpcJs: [], http2: [] });
});
