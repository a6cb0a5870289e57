/**
 * The vsock stream multiplexer against a scripted guest: connection set-up,
 * credit-based flow control, shutdown and reset, with real Unix sockets on
 * the host side. The whole device path through QEMU is in test/vm.test.ts.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { VsockMux } from '../src/devices/vsock/mux';
import { HOST_CID, Op, type OutPacket, type PacketHeader, SHUTDOWN_RCV, SHUTDOWN_SEND, TYPE_STREAM } from '../src/devices/vsock/packet';

const GUEST_CID = 3;

/** Plays the guest: collects what the mux sends, and answers as a guest kernel would. */
class FakeGuest {
  readonly sent: OutPacket[] = [];
  bufAlloc = 64 * 1024;
  fwdCnt = 0;
  constructor(readonly mux: VsockMux) {
    mux.onWake = () => {};
  }
  /** Pulls every packet the mux has for the guest, `room` payload bytes each. */
  drain(room = 4096): OutPacket[] {
    const out: OutPacket[] = [];
    for (let p = this.mux.nextPacket(room); p; p = this.mux.nextPacket(room)) out.push(p);
    this.sent.push(...out);
    return out;
  }
  send(op: Op, hostPort: number, guestPort: number, extra: Partial<PacketHeader> = {}, payload: Buffer | null = null) {
    this.mux.receive(
      {
        srcCid: GUEST_CID,
        dstCid: HOST_CID,
        srcPort: guestPort,
        dstPort: hostPort,
        len: payload?.length ?? 0,
        type: TYPE_STREAM,
        op,
        flags: 0,
        bufAlloc: this.bufAlloc,
        fwdCnt: this.fwdCnt,
        ...extra,
      },
      payload,
    );
  }
}

function tick(ms = 20) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A connected host socket pair: `client` is what a host program holds, `server` goes to the mux. */
async function socketPair(t: Tap.Test): Promise<{ client: net.Socket; server: net.Socket }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-mux-'));
  const sock = path.join(dir, 's');
  const srv = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => srv.listen(sock, r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const client = net.connect({ path: sock, allowHalfOpen: true });
  const server = await accepted;
  t.teardown(() => {
    client.destroy();
    server.destroy();
    srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { client, server };
}

declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0];
}

t.test('host connect: REQUEST, then data both ways once the guest answers', async (t) => {
  const mux = new VsockMux({ guestCid: GUEST_CID, hostSocketFor: () => null });
  const guest = new FakeGuest(mux);
  const { client, server } = await socketPair(t);
  mux.connectToGuest(1024, server);
  const [req] = guest.drain();
  t.equal(req.header.op, Op.Request);
  t.equal(req.header.dstPort, 1024);
  t.equal(req.header.dstCid, GUEST_CID);
  const hostPort = req.header.srcPort;

  client.write('before-response');
  await tick();
  t.same(guest.drain(), [], 'nothing flows before the guest accepts');

  guest.send(Op.Response, hostPort, 1024);
  await tick();
  const data = guest.drain();
  t.equal(data.length, 1);
  t.equal(data[0].header.op, Op.Rw);
  t.equal(data[0].payload?.toString(), 'before-response');

  const got = new Promise<string>((r) => client.once('data', (d) => r(d.toString())));
  guest.send(Op.Rw, hostPort, 1024, {}, Buffer.from('from-guest'));
  t.equal(await got, 'from-guest');
  t.equal(mux.streamCount, 1);
});

t.test('host data is held to the credit the guest advertised', async (t) => {
  const mux = new VsockMux({ guestCid: GUEST_CID, hostSocketFor: () => null });
  const guest = new FakeGuest(mux);
  guest.bufAlloc = 10000;
  const { client, server } = await socketPair(t);
  mux.connectToGuest(1024, server);
  const hostPort = guest.drain()[0].header.srcPort;
  guest.send(Op.Response, hostPort, 1024);
  client.write(Buffer.alloc(30000, 1));
  await tick(50);
  const first = guest.drain(4096);
  const sentBytes = first.reduce((n, p) => n + (p.payload?.length ?? 0), 0);
  t.equal(sentBytes, 10000, 'exactly the credit, no more');
  t.ok(first.every((p) => (p.payload?.length ?? 0) <= 4096), 'each packet fits the buffer offered');
  guest.fwdCnt = 10000; // the guest consumed everything
  guest.send(Op.CreditUpdate, hostPort, 1024);
  const more = guest.drain(4096).reduce((n, p) => n + (p.payload?.length ?? 0), 0);
  t.equal(more, 10000, 'another credit-worth after the update');
});

t.test('credit updates tell the guest what the host consumed', async (t) => {
  const mux = new VsockMux({ guestCid: GUEST_CID, hostSocketFor: () => null });
  const guest = new FakeGuest(mux);
  const { client, server } = await socketPair(t);
  mux.connectToGuest(1024, server);
  const hostPort = guest.drain()[0].header.srcPort;
  guest.send(Op.Response, hostPort, 1024);
  let received = 0;
  client.on('data', (d) => (received += d.length));
  const chunk = Buffer.alloc(60 * 1024, 7);
  for (let i = 0; i < 6; i++) guest.send(Op.Rw, hostPort, 1024, {}, chunk);
  await tick(100);
  t.equal(received, 6 * chunk.length);
  const updates = guest.drain().filter((p) => p.header.op === Op.CreditUpdate);
  t.ok(updates.length >= 1, 'a CREDIT_UPDATE was sent');
  t.ok(updates[0].header.fwdCnt >= 256 * 1024, 'updates come in batches, not per packet');

  guest.send(Op.CreditRequest, hostPort, 1024);
  const answer = guest.drain();
  t.equal(answer.length, 1);
  t.equal(answer[0].header.op, Op.CreditUpdate, 'CREDIT_REQUEST is answered');
  t.equal(answer[0].header.fwdCnt, 6 * chunk.length, 'it reports every byte handed to the host socket');
});

t.test('half-close in both directions, then RST ends the stream', async (t) => {
  const mux = new VsockMux({ guestCid: GUEST_CID, hostSocketFor: () => null });
  const guest = new FakeGuest(mux);
  const { client, server } = await socketPair(t);
  mux.connectToGuest(1024, server);
  const hostPort = guest.drain()[0].header.srcPort;
  guest.send(Op.Response, hostPort, 1024);

  client.end('last words');
  await tick();
  const out = guest.drain();
  t.same(
    out.map((p) => [p.header.op, p.header.flags]),
    [
      [Op.Rw, 0],
      [Op.Shutdown, SHUTDOWN_SEND],
    ],
    'data first, then SHUTDOWN(SEND)',
  );

  const ended = new Promise<string>((resolve) => {
    let text = '';
    client.on('data', (d) => (text += d));
    client.on('end', () => resolve(text));
  });
  guest.send(Op.Rw, hostPort, 1024, {}, Buffer.from('reply'));
  guest.send(Op.Shutdown, hostPort, 1024, { flags: SHUTDOWN_SEND | SHUTDOWN_RCV });
  t.equal(await ended, 'reply', 'the host still reads the reply after ending its side');
  const rst = guest.drain();
  t.equal(rst.at(-1)?.header.op, Op.Rst, 'the stream is reset once both sides are done');
  t.equal(mux.streamCount, 0);
});

t.test('a guest RST closes the host socket; unknown streams get RST', async (t) => {
  const mux = new VsockMux({ guestCid: GUEST_CID, hostSocketFor: () => null });
  const guest = new FakeGuest(mux);
  const { client, server } = await socketPair(t);
  mux.connectToGuest(1024, server);
  const hostPort = guest.drain()[0].header.srcPort;
  const closed = new Promise((r) => client.once('end', r));
  guest.send(Op.Rst, hostPort, 1024);
  await closed;
  t.equal(mux.streamCount, 0, 'no listener in the guest: the host client is disconnected');

  guest.send(Op.Rw, 5555, 1024, {}, Buffer.from('stray'));
  const [reply] = guest.drain();
  t.equal(reply.header.op, Op.Rst);
  t.equal(reply.header.dstPort, 1024);
  t.equal(reply.header.srcPort, 5555);
});

t.test('guest-initiated connections reach the host socket for that port, or are refused', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-mux-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const base = path.join(dir, 'v.sock');
  const srv = net.createServer();
  t.teardown(() => srv.close());
  await new Promise<void>((r) => srv.listen(`${base}_2000`, r));
  const mux = new VsockMux({
    guestCid: GUEST_CID,
    hostSocketFor: (port) => (fs.existsSync(`${base}_${port}`) ? `${base}_${port}` : null),
  });
  const guest = new FakeGuest(mux);
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  guest.send(Op.Request, 2000, 40000);
  const conn = await accepted;
  t.teardown(() => conn.destroy());
  await tick();
  const [resp] = guest.drain();
  t.equal(resp.header.op, Op.Response);
  const got = new Promise<string>((r) => conn.once('data', (d) => r(d.toString())));
  guest.send(Op.Rw, 2000, 40000, {}, Buffer.from('hello host'));
  t.equal(await got, 'hello host');

  guest.send(Op.Request, 2001, 40001);
  const [refused] = guest.drain();
  t.equal(refused.header.op, Op.Rst, 'no socket for port 2001: refused');
  mux.resetAll();
  t.equal(mux.streamCount, 0);
});
