import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import * as http2 from 'node:http2';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { native, addonCandidates, READABLE, type NativeError } from '../src/native/index';
import { FdStream, FdServer, VsockServer } from '../src/native/fd-stream';

const n = native();
const addonPath = addonCandidates().find((p) => fs.existsSync(p))!;

/** Close fds at teardown. Fds closed by the test itself must not be passed (numbers get reused). */
function own(tt: Test, ...fds: number[]): void {
  tt.teardown(() => {
    for (const fd of fds) n.close(fd);
  });
}

function fdFlags(fd: number): number {
  const m = /flags:\s+([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return parseInt(m![1], 8);
}
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

function tmpdir(tt: Test): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-native-'));
  tt.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function runChild(script: string): string {
  return execFileSync(process.execPath, ['--expose-gc', '-e', script], {
    env: { ...process.env, ADDON: addonPath },
    timeout: 20000,
    encoding: 'utf8',
  });
}

t.test('errors are Node-style, EAGAIN is not an error', async (t) => {
  const dir = tmpdir(t);
  const err = t.throws(() => n.unixListen(path.join(dir, 'missing', 'sock'), 1)) as unknown as NativeError;
  t.equal(err.code, 'ENOENT');
  t.equal(err.errno, -2);
  t.equal(err.syscall, 'bind');
  t.match(err.message, /^bind: ENOENT \(No such file or directory\)$/);
  t.equal(n.errnoName(111), 'ECONNREFUSED');
  t.equal(n.errnoName(97), 'EAFNOSUPPORT');
  t.throws(() => n.close(-1), { code: 'EBADF', errno: -9, syscall: 'close' });
  t.throws(() => n.read(-1, Buffer.alloc(1), 0, 1), { code: 'EBADF', syscall: 'read' });
  t.throws(() => n.read(0, Buffer.alloc(4), 2, 3), RangeError);

  const [a, b] = n.socketpair();
  own(t, a, b);
  for (const fd of [a, b]) t.equal(fdFlags(fd) & (O_NONBLOCK | O_CLOEXEC), O_NONBLOCK | O_CLOEXEC);
  t.equal(n.read(a, Buffer.alloc(8), 0, 8), -1, 'read EAGAIN -> -1');
  t.equal(n.recvmsg(a, Buffer.alloc(8)), null, 'recvmsg EAGAIN -> null');
  n.setBlocking(a, true);
  t.equal(fdFlags(a) & O_NONBLOCK, 0);
  n.setBlocking(a, false);
  t.equal(fdFlags(a) & O_NONBLOCK, O_NONBLOCK);
  n.shutdown(b, 1);
  t.equal(n.read(a, Buffer.alloc(8), 0, 8), 0, 'EOF after peer shutdown(SHUT_WR)');
});

t.test('sendmsg/recvmsg pass an fd (SCM_RIGHTS)', async (t) => {
  const [a, b] = n.socketpair();
  const [pr, pw] = n.socketpair(); // the "pipe": write pw, read pr
  own(t, b, pr, pw);
  let aOpen = true;
  t.teardown(() => aOpen && n.close(a));
  t.equal(n.sendmsg(a, Buffer.from('hello'), [pw]), 5);
  const buf = Buffer.alloc(64);
  const r = n.recvmsg(b, buf)!;
  t.ok(r);
  t.equal(r.bytes, 5);
  t.equal(buf.subarray(0, 5).toString(), 'hello');
  t.equal(r.fds.length, 1);
  const got = r.fds[0];
  own(t, got);
  t.not(got, pw);
  t.equal(fdFlags(got) & O_CLOEXEC, O_CLOEXEC, 'received fd is cloexec');
  t.equal(n.write(got, Buffer.from('via passed fd'), 0, 13), 13);
  const out = Buffer.alloc(64);
  t.equal(n.read(pr, out, 0, 64), 13);
  t.equal(out.subarray(0, 13).toString(), 'via passed fd');
  // plain message, no fds; then EOF
  t.equal(n.sendmsg(a, Buffer.from('x'), []), 1);
  t.same(n.recvmsg(b, buf), { bytes: 1, fds: [] });
  n.close(a);
  aOpen = false;
  t.same(n.recvmsg(b, buf), { bytes: 0, fds: [] });
});

t.test('unixListen + accept', async (t) => {
  const dir = tmpdir(t);
  const sock = path.join(dir, 's');
  const l = n.unixListen(sock, 4);
  own(t, l);
  t.equal(n.accept(l), -1, 'nothing pending -> -1');
  t.throws(() => n.unixListen(sock, 4), { code: 'EADDRINUSE' });
  const c = net.connect(sock);
  t.teardown(() => c.destroy());
  await once(c, 'connect');
  await new Promise<void>((resolve) => {
    const w = n.watch(l, (ev) => {
      t.equal(ev, READABLE);
      w.close();
      resolve();
    });
    w.start(READABLE);
  });
  const fd = n.accept(l);
  t.ok(fd >= 0);
  own(t, fd);
  t.equal(fdFlags(fd) & (O_NONBLOCK | O_CLOEXEC), O_NONBLOCK | O_CLOEXEC);
  c.write('ping');
  const buf = Buffer.alloc(16);
  let got = -1;
  for (let i = 0; i < 200 && got < 0; i++) {
    got = n.read(fd, buf, 0, 16);
    if (got < 0) await new Promise((r) => setTimeout(r, 5));
  }
  t.equal(got, 4);
  t.equal(buf.subarray(0, 4).toString(), 'ping');
});

t.test('mmap a shared file', async (t) => {
  const dir = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/clear-native-') : tmpdir(t);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ram');
  const size = 1 << 20;
  const fd = fs.openSync(file, 'w+');
  t.teardown(() => fs.closeSync(fd));
  fs.ftruncateSync(fd, size);
  fs.writeSync(fd, Buffer.from('written by fs'), 0, 13, 4096);
  const ab = n.mmap(fd, size, 0);
  t.equal(ab.byteLength, size);
  const u = new Uint8Array(ab);
  t.equal(Buffer.from(u.subarray(4096, 4096 + 13)).toString(), 'written by fs');
  Buffer.from(ab).write('written via ArrayBuffer', 8192);
  const back = Buffer.alloc(23);
  fs.readSync(fd, back, 0, 23, 8192);
  t.equal(back.toString(), 'written via ArrayBuffer');
  // an offset mapping sees the same pages
  const ab2 = n.mmap(fd, 4096, 8192);
  t.equal(Buffer.from(ab2, 0, 23).toString(), 'written via ArrayBuffer');
  n.munmap(ab2);
  n.munmap(ab);
  t.equal(ab.byteLength, 0, 'detached after munmap');
  t.equal(u.length, 0, 'views see the detach too');
  t.throws(() => n.munmap(ab), TypeError, 'second munmap refused');
  t.throws(() => n.munmap(new ArrayBuffer(8)), TypeError, 'foreign ArrayBuffer refused');
  t.throws(() => n.mmap(fd, 0, 0), { code: 'EINVAL' });
  t.throws(() => n.mmap(fd, 4096, 100), { code: 'EINVAL' }, 'unaligned offset');
  t.throws(() => n.mmap(fd, 2 ** 32 + 4096, 0), { code: 'ERR_BUFFER_TOO_LARGE' }, '> 4 GiB refused');
});

t.test('mmap: 4 GiB works; GC of the ArrayBuffer unmaps', async (t) => {
  const out = runChild(`
    const n = require(process.env.ADDON), fs = require('fs');
    const file = '/dev/shm/clear-native-gc-' + process.pid;
    const fd = fs.openSync(file, 'w+'); fs.unlinkSync(file);
    fs.ftruncateSync(fd, 2 ** 32);
    let ab = n.mmap(fd, 2 ** 32, 0);
    let u = new Uint8Array(ab); u[2 ** 32 - 1] = 42;
    const b = Buffer.alloc(1); fs.readSync(fd, b, 0, 1, 2 ** 32 - 1);
    const mapped = () => fs.readFileSync('/proc/self/maps', 'utf8').includes('clear-native-gc-' + process.pid);
    console.log('last', b[0], 'mapped', mapped());
    ab = null; u = null;
    (async () => {
      for (let i = 0; i < 20 && mapped(); i++) { gc(); await new Promise(r => setTimeout(r, 10)); }
      console.log('after gc mapped', mapped());
      fs.closeSync(fd);
    })();
  `);
  t.match(out, /last 42 mapped true/);
  t.match(out, /after gc mapped false/);
});

t.test('eventfd + watcher', async (t) => {
  const e = n.eventfd(0);
  own(t, e);
  t.equal(fdFlags(e) & (O_NONBLOCK | O_CLOEXEC), O_NONBLOCK | O_CLOEXEC);
  t.equal(n.eventfdRead(e), null, 'empty -> null');
  const events: number[] = [];
  let total = 0n;
  const fired = new Promise<void>((resolve) => {
    const w = n.watch(e, (ev) => {
      events.push(ev);
      const v = n.eventfdRead(e);
      if (v !== null) total += v;
      if (total === 12n) {
        w.close();
        w.close(); // idempotent
        resolve();
      }
    });
    w.start(READABLE);
    t.throws(() => n.watch(e, () => {}), { code: 'EEXIST' }, 'one watcher per fd');
  });
  n.eventfdWrite(e, 5n);
  n.eventfdWrite(e, 7);
  await fired;
  t.equal(total, 12n);
  t.ok(events.every((ev) => ev === READABLE));
  // After close the fd can be watched again.
  const w = n.watch(e, () => {});
  w.close();
  t.throws(() => w.start(READABLE), /closed/);
});

t.test('watcher: stopped or unref-ed does not keep the loop alive; throws are uncaught exceptions', async (t) => {
  const out = runChild(`
    const n = require(process.env.ADDON);
    const e1 = n.eventfd(0), e2 = n.eventfd(0), e3 = n.eventfd(1);
    const w1 = n.watch(e1, () => {}); w1.start(1); w1.stop();
    const w2 = n.watch(e2, () => {}); w2.start(1); w2.unref();
    process.on('uncaughtException', (err) => { console.log('uncaught', err.message); w3.close(); });
    const w3 = n.watch(e3, () => { throw new Error('boom'); }); w3.start(1);
    process.on('exit', () => console.log('exited'));
  `);
  t.match(out, /uncaught boom\nexited/);
});

function pipeThrough(src: Buffer, from: FdStream, to: FdStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  to.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(to, 'end').then(() => Buffer.concat(chunks));
  // uneven writes exercise partial writes and _writev
  let off = 0;
  const step = (): void => {
    while (off < src.length) {
      const len = Math.min(src.length - off, 1 + ((off * 7919) % 200000));
      const ok = from.write(src.subarray(off, off + len));
      off += len;
      if (!ok) return void from.once('drain', step);
    }
    from.end();
  };
  step();
  return ended;
}

const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

t.test('FdStream: 8 MiB each way with half-close', async (t) => {
  const [a, b] = n.socketpair();
  const sa = new FdStream(a);
  const sb = new FdStream(b);
  t.teardown(() => {
    sa.destroy();
    sb.destroy();
  });
  const x = crypto.randomBytes(8 << 20);
  const y = crypto.randomBytes(8 << 20);
  // a -> b first, then a has ended its side but b can still answer
  const gotB = await pipeThrough(x, sa, sb);
  t.equal(sha(gotB), sha(x), 'a -> b intact');
  t.equal(sa.writableFinished, true);
  const gotA = await pipeThrough(y, sb, sa);
  t.equal(sha(gotA), sha(y), 'b -> a intact after a half-closed');
  t.equal(sa.bytesWritten, x.length);
  t.equal(sa.bytesRead, y.length);
  // both sides done: autoDestroy closes the fds exactly once
  await Promise.all([sa, sb].map((s) => (s.closed ? undefined : once(s, 'close'))));
  t.equal(sa.fd, -1, 'fd closed by the stream');
  t.equal(sb.fd, -1);
});

t.test('FdStream: simultaneous bidirectional and destroy', async (t) => {
  const [a, b] = n.socketpair();
  const sa = new FdStream(a);
  const sb = new FdStream(b);
  t.teardown(() => {
    sa.destroy();
    sb.destroy();
  });
  const x = crypto.randomBytes(8 << 20);
  const y = crypto.randomBytes(8 << 20);
  const [gotB, gotA] = await Promise.all([pipeThrough(x, sa, sb), pipeThrough(y, sb, sa)]);
  t.equal(sha(gotB), sha(x));
  t.equal(sha(gotA), sha(y));

  const [c, d] = n.socketpair();
  const sc = new FdStream(c);
  const sd = new FdStream(d);
  t.teardown(() => {
    sc.destroy();
    sd.destroy();
  });
  sd.resume();
  const ended = once(sd, 'end');
  sc.destroy();
  await ended; // peer sees EOF when the stream is destroyed
  t.equal(sc.fd, -1);
  // writing to a peer that is gone fails with EPIPE
  const err = new Promise<Error>((res) => sd.once('error', res));
  sd.write(Buffer.alloc(1 << 20));
  t.match(await err, { code: 'EPIPE' });
});

t.test('FdStream carries http2 and a grpc-js server (injectConnection)', async (t) => {
  const server = new grpc.Server();
  const id = (b: Buffer): Buffer => b;
  server.addService(
    {
      echo: {
        path: '/test.Echo/Echo',
        requestStream: false,
        responseStream: false,
        requestSerialize: id,
        requestDeserialize: id,
        responseSerialize: id,
        responseDeserialize: id,
      },
    } as grpc.ServiceDefinition,
    {
      echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
        cb(null, Buffer.concat([Buffer.from('echo:'), call.request])),
    },
  );
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  t.teardown(() => {
    injector.destroy();
    server.forceShutdown();
  });
  const [a, b] = n.socketpair();
  const serverSide = new FdStream(a);
  const clientSide = new FdStream(b);
  t.teardown(() => {
    serverSide.destroy();
    clientSide.destroy();
  });
  injector.injectConnection(serverSide);

  const session = http2.connect('http://vsock', { createConnection: () => clientSide });
  t.teardown(() => session.destroy());
  const payload = crypto.randomBytes(300000);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(payload.length, 1);
  const req = session.request({
    ':method': 'POST',
    ':path': '/test.Echo/Echo',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  req.end(Buffer.concat([frame, payload]));
  const chunks: Buffer[] = [];
  let trailers: http2.IncomingHttpHeaders = {};
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('trailers', (h) => (trailers = h));
  await once(req, 'end');
  const body = Buffer.concat(chunks);
  t.equal(trailers['grpc-status'], '0');
  t.equal(body.readUInt32BE(1), payload.length + 5);
  t.equal(sha(body.subarray(10)), sha(payload));
  t.equal(body.subarray(5, 10).toString(), 'echo:');
  session.close();
  await once(session, 'close');
});

t.test('vsock: listen/connect, or a coded error where vsock is unavailable', async (t) => {
  const port = 20000 + (process.pid % 20000);
  let server: VsockServer;
  try {
    server = new VsockServer(port);
  } catch (e) {
    t.match(e, { code: /^E[A-Z]+$/, syscall: /^(socket|bind|listen)$/ }, `no vsock here: ${(e as Error).message}`);
    return;
  }
  t.teardown(() => server.close());
  t.ok(server.listening);
  t.type(server, FdServer);
  server.on('connection', (s: FdStream) => {
    s.on('data', (c: Buffer) => s.write(c));
    s.on('end', () => s.end());
  });
  let client: FdStream;
  try {
    client = await FdStream.connectVsock(1, port); // VMADDR_CID_LOCAL: needs vsock_loopback
  } catch (e) {
    t.match(e, { code: /^E[A-Z]+$/, message: new RegExp(`1:${port}`) }, `no loopback: ${(e as Error).message}`);
    return;
  }
  t.teardown(() => client.destroy());
  t.equal(client.remoteAddress, 'vsock:1');
  const data = crypto.randomBytes(1 << 20);
  const got = await pipeThrough(data, client, client);
  t.equal(sha(got), sha(data), 'echo over vsock loopback');
  // a port nobody listens on is refused with a coded error naming cid:port
  await t.rejects(FdStream.connectVsock(1, port + 1), { code: /^E[A-Z]+$/, message: new RegExp(`1:${port + 1}`) });
});

t.test('loader reports where it looked', async (t) => {
  const c = addonCandidates();
  t.ok(c.some((p) => p.endsWith(path.join('src', 'native', 'build', 'Release', 'clear_native.node'))));
  t.ok(c.includes(path.join(path.resolve(__dirname, '..', 'src', 'native'), 'clear_native.node')));
});
