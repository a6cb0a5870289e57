/**
 * The agent's own HTTP/2 server (src/agent/http2.ts, its server side) and its HPACK
 * (src/agent/hpack.ts): the RFC's own examples, then node's http2 client,
 * what grpc-js uses, against the server on a Unix socket.
 */
import t, { type Test } from 'tap';
import * as http2 from 'http2';
import * as net from 'net';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import { HpackDecoder, encodeHeaders, huffmanDecode } from '../src/agent/hpack';
import { Http2Connection, type Http2Stream } from '../src/agent/http2';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('HPACK: the RFC 7541 C.4 requests, Huffman-coded, one table across them', async (t) => {
  const d = new HpackDecoder();
  t.same(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff')), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ]);
  t.same(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf')), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ], 'the first request\'s :authority from the dynamic table');
  t.same(d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf')), [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ]);
});

t.test('HPACK: table size updates evict, and bad blocks are refused', async (t) => {
  const d = new HpackDecoder();
  // Literal with incremental indexing, new name: "a: b" (34 octets in the table).
  const add = (name: string, value: string) => Buffer.concat([Buffer.from([0x40, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
  t.same(d.decode(Buffer.concat([add('a', '1'), add('b', '2')])), [['a', '1'], ['b', '2']]);
  t.same(d.decode(hex('be bf')), [['b', '2'], ['a', '1']], 'newest first: 62 is b, 63 is a');
  // A size update to 40 octets keeps one entry (34), the newest.
  t.same(d.decode(Buffer.from([0x20 | 31, 40 - 31, 0xbe])), [['b', '2']]);
  t.throws(() => d.decode(hex('bf')), /index 63 is past the tables/, 'the evicted entry is gone');
  t.throws(() => d.decode(Buffer.from([0x3f, 0xe2, 0x1f])), /4097 over the advertised 4096/, 'a size over SETTINGS_HEADER_TABLE_SIZE');
  t.throws(() => d.decode(hex('80')), /index 0/);
  t.throws(() => d.decode(hex('0f 10 05 61')), /past the header block/, 'a string cut short');
  t.throws(() => huffmanDecode(Buffer.from([0x00])), /padding/, 'padding must be ones');
  t.throws(() => huffmanDecode(hex('ffff ffff')), /EOS/, 'EOS is not a symbol');
  const fields: Array<[string, string]> = [
    [':status', '200'],
    ['content-type', 'application/grpc'],
    ['grpc-status', '0'],
    ['grpc-message', 'x'.repeat(300)],
  ];
  t.same(new HpackDecoder().decode(encodeHeaders(fields)), fields, 'what the server sends decodes back');
});

/** A server on a Unix socket whose streams go to `handle`; a client session to it. */
async function serve(t: Test, handle: (s: Http2Stream) => void, settings: http2.Settings = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-h2-'));
  const sock = path.join(dir, 's.sock');
  const conns = new Set<Http2Connection>();
  const listener = net.createServer((c) => {
    c.on('error', () => {});
    conns.add(new Http2Connection(c, handle));
  });
  await new Promise<void>((r) => listener.listen(sock, r));
  const client = http2.connect('http://agent', { createConnection: () => net.connect(sock), settings });
  client.on('error', () => {});
  t.teardown(() => {
    client.destroy();
    for (const c of conns) c.destroy();
    listener.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { client, sock };
}

/** A request and its whole answer. */
function request(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer) {
  return new Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = client.request({ ':method': 'POST', ...headers });
    const chunks: Buffer[] = [];
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.on('trailers', (h) => (trailers = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ headers: head, trailers, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end(body);
  });
}

t.test('node\'s http2 client against the server', async (t) => {
  await t.test('headers arrive as sent, over many requests of one dynamic table', async (t) => {
    const seen: Array<Map<string, string>> = [];
    const { client } = await serve(t, (s) => {
      seen.push(new Map(s.headers));
      s.on('end', () => s.respond([[':status', '200'], ['x-echo', s.headers.get('x-value') ?? '']], true));
    });
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('').trim();
    for (let i = 0; i < 40; i++) {
      // Values that change and repeat: the client indexes them, and the
      // table (4096 octets) has to evict as it fills.
      const value = `${printable}-${i % 7}-${'v'.repeat(i * 20)}`;
      const res = await request(client, { ':path': `/svc/M${i % 3}`, 'x-value': value, [`x-n${i % 5}`]: String(i) });
      t.equal(res.headers['x-echo'], value, `request ${i} echoed`);
      t.equal(seen[i].get(':path'), `/svc/M${i % 3}`);
      t.equal(seen[i].get(`x-n${i % 5}`), String(i));
    }
  });

  await t.test('a large body out and in: every byte in order, through small windows', async (t) => {
    const size = 3 * 1024 * 1024 + 7;
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i++) out[i] = (i * 31) & 0xff;
    // The client's initial stream window of 1000 bytes: hundreds of WINDOW_UPDATEs.
    const { client } = await serve(
      t,
      (s) => {
        const hash = createHash('sha256');
        let got = 0;
        s.on('data', (c: Buffer) => {
          hash.update(c);
          got += c.length;
        });
        s.on('end', () => {
          s.respond([[':status', '200']]);
          let off = 0;
          const more = () => {
            while (off < size) {
              const ok = s.write(out.subarray(off, off + 50_000));
              off += 50_000;
              if (!ok) return void s.once('drain', more);
            }
            s.end([['x-received', `${got} ${hash.digest('hex')}`]]);
          };
          more();
        });
      },
      { initialWindowSize: 1000 },
    );
    const res = await request(client, { ':path': '/big' }, out);
    t.equal(res.trailers['x-received'], `${size} ${createHash('sha256').update(out).digest('hex')}`, 'the server got the request body whole');
    t.equal(res.body.length, size);
    t.ok(res.body.equals(out), 'the client got the response body whole');
  });

  await t.test('a paused stream does not hold up the others; resumed, it gets everything', async (t) => {
    let slow: Http2Stream | null = null;
    let slowBytes = 0;
    const { client } = await serve(t, (s) => {
      if (s.headers.get(':path') === '/slow') {
        slow = s;
        s.pause();
        s.on('data', (c: Buffer) => (slowBytes += c.length));
        s.on('end', () => s.respond([[':status', '200'], ['x-got', String(slowBytes)]], true));
        return;
      }
      s.on('end', () => s.respond([[':status', '204']], true));
    });
    const body = Buffer.alloc(4 * 1024 * 1024, 1); // more than the stream's window
    const slowReq = request(client, { ':path': '/slow' }, body);
    await new Promise((r) => setTimeout(r, 200));
    t.equal(slowBytes, 0, 'nothing delivered while paused');
    const quick = await request(client, { ':path': '/quick' }, Buffer.alloc(100_000));
    t.equal(quick.headers[':status'], 204, 'another stream went through meanwhile');
    slow!.resume();
    t.equal((await slowReq).headers['x-got'], String(body.length));
  });

  await t.test('trailers over the frame size go out in CONTINUATION frames', async (t) => {
    const long = 'm'.repeat(40_000);
    const { client } = await serve(t, (s) => s.on('end', () => {
      s.respond([[':status', '200']]);
      s.write(Buffer.from('x'));
      s.end([['grpc-message', long]]);
    }));
    const res = await request(client, { ':path': '/t' });
    t.equal(res.trailers['grpc-message'], long);
  });

  await t.test('a reset from the client closes the stream as aborted; PING is answered', async (t) => {
    let closed: (aborted: boolean) => void;
    const closedP = new Promise<boolean>((r) => (closed = r));
    const { client } = await serve(t, (s) => s.on('close', () => closed(s.aborted)));
    const req = client.request({ ':method': 'POST', ':path': '/hang' });
    req.on('error', () => {});
    await new Promise((r) => setTimeout(r, 100));
    req.close(http2.constants.NGHTTP2_CANCEL);
    t.equal(await closedP, true);
    const pinged = await new Promise<boolean>((r) => client.ping((err) => r(!err)));
    t.ok(pinged, 'PING answered with its ACK');
  });

  await t.test('not HTTP/2: the connection ends with GOAWAY, the server goes on', async (t) => {
    const { client, sock } = await serve(t, (s) => s.on('end', () => s.respond([[':status', '200']], true)));
    const reply = await new Promise<Buffer>((resolve) => {
      const c = net.connect(sock, () => c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      const got: Buffer[] = [];
      c.on('data', (d) => got.push(d));
      c.on('close', () => resolve(Buffer.concat(got)));
      c.on('error', () => {});
    });
    // SETTINGS (type 4) first, then WINDOW_UPDATE (8), then GOAWAY (7).
    const types: number[] = [];
    for (let off = 0; off + 9 <= reply.length; off += 9 + reply.readUIntBE(off, 3)) types.push(reply[off + 3]);
    t.same(types, [4, 8, 7], 'the server preface, then GOAWAY');
    t.equal(reply.readUInt32BE(9 + 6 + 9 + 4 + 9 + 4), 1, 'PROTOCOL_ERROR');
    t.equal((await request(client, { ':path': '/ok' })).headers[':status'], 200, 'a good client still served');
  });

  await t.test('a header block HPACK cannot decode: GOAWAY with COMPRESSION_ERROR', async (t) => {
    const { sock } = await serve(t, () => t.fail('no stream may open'));
    const frames = await new Promise<Array<{ type: number; payload: Buffer }>>((resolve) => {
      const c = net.connect(sock, () => {
        // The preface, empty SETTINGS, then HEADERS on stream 1 (END_HEADERS) holding index 0.
        c.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), hex('000000 04 00 00000000'), hex('000001 01 04 00000001 80')]));
      });
      const got: Buffer[] = [];
      c.on('data', (d) => got.push(d));
      c.on('close', () => {
        const all = Buffer.concat(got);
        const out: Array<{ type: number; payload: Buffer }> = [];
        for (let off = 0; off + 9 <= all.length; off += 9 + all.readUIntBE(off, 3)) out.push({ type: all[off + 3], payload: all.subarray(off + 9, off + 9 + all.readUIntBE(off, 3)) });
        resolve(out);
      });
      c.on('error', () => {});
    });
    const goaway = frames.find((f) => f.type === 7);
    t.ok(goaway, 'GOAWAY sent');
    t.equal(goaway?.payload.readUInt32BE(4), 9, 'COMPRESSION_ERROR');
    t.match(goaway?.payload.subarray(8).toString(), /index 0/, 'with the reason');
  });
});
