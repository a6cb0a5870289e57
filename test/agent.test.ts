import t, { type Test } from 'tap';
import { type ChildProcess, spawn, spawnSync } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { AgentCallError, AgentClient } from '../src/agent/client';
import { startAgent, type RunningAgent } from '../src/agent/agent';
import { AGENT_VERSION, PROTOCOL } from '../src/agent/protocol';

const ENV = ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C'];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function rejectsWith(t: Test, p: Promise<unknown>, codeName: string, text?: string | RegExp): Promise<void> {
  try {
    await p;
    t.fail(`expected ${codeName}`);
  } catch (err) {
    t.type(err, AgentCallError);
    t.equal((err as AgentCallError).codeName, codeName, `code ${codeName}`);
    if (text) t.match((err as Error).message, text);
  }
}

let seq = 0;
const id = (name: string) => `${name}-${++seq}`;

t.test('agent over a Unix socket', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-agent-'));
  const sock = path.join(dir, 'agent.sock');
  const lines: string[] = [];
  const agent: RunningAgent = await startAgent({ listen: `unix:${sock}`, log: (l) => lines.push(l) });
  const client = AgentClient.connect(sock);
  t.teardown(async () => {
    client.close();
    await agent.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  t.same(lines, [`clear-agent: ready on unix:${sock}`]);

  await t.test('version and ping', async (t) => {
    const ready = await client.waitReady(Date.now() + 5000);
    t.ok(ready.uptimeMs > 0);
    const v = await client.version();
    t.equal(v.protocol, PROTOCOL);
    t.equal(v.agentVersion, AGENT_VERSION);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    t.equal(AGENT_VERSION, pkg.version, 'AGENT_VERSION follows package.json');
    t.equal(v.kernelRelease, os.release());
    const p = await client.ping(1000);
    t.ok(Math.abs(p.uptimeMs - os.uptime() * 1000) < 5000, 'uptime in ms');
  });

  await t.test('stdout and stderr apart, exit code', async (t) => {
    const x = id('sh');
    const { pid } = await client.exec(x, { args: ['sh', '-c', 'echo out; echo err >&2; exit 3'], env: ENV });
    t.ok(pid > 0);
    const [out, err, st] = await Promise.all([
      collect(client.readStdio(x, 'stdout')),
      collect(client.readStdio(x, 'stderr')),
      client.wait(x),
    ]);
    t.equal(out.toString(), 'out\n');
    t.equal(err.toString(), 'err\n');
    t.same(st, { exitCode: 3, signal: 0 });
    // Waited and drained: the entry is gone, but the exit is still known.
    t.equal(agent.server.processes.size, 0);
    t.same(await client.wait(x), { exitCode: 3, signal: 0 });
    await client.signal(x, 15);
  });

  await t.test('whole environment, cwd, nothing inherited', async (t) => {
    const x = id('env');
    await client.exec(x, { args: ['sh', '-c', 'env | sort; pwd >&2'], env: ['PATH=/usr/bin:/bin', 'A=b=c'], cwd: dir });
    const errP = collect(client.readStdio(x, 'stderr'));
    const out = (await collect(client.readStdio(x, 'stdout'))).toString().split('\n');
    // sh itself adds PWD (and maybe SHLVL); tap's process-info hook adds
    // NODE_OPTIONS and _TAPJS_* to every child spawned in a test process.
    const vars = out.filter((l) => l.includes('=')).filter((l) => !/^(PWD|SHLVL|_|NODE_OPTIONS|_TAPJS_\w+)=/.test(l));
    t.same(vars, ['A=b=c', 'PATH=/usr/bin:/bin']);
    t.equal((await errP).toString(), `${dir}\n`, 'cwd');
    t.same(await client.wait(x), { exitCode: 0, signal: 0 });

    const y = id('cwd');
    await client.exec(y, { args: ['pwd'], env: ENV });
    t.equal((await collect(client.readStdio(y, 'stdout'))).toString(), '/\n', 'cwd defaults to /');
    await client.wait(y);
  });

  await t.test('signal', async (t) => {
    const x = id('sleep');
    await client.exec(x, { args: ['sleep', '100'], env: ENV });
    await client.signal(x, 9);
    t.same(await client.wait(x), { exitCode: 128 + 9, signal: 9 });
    await client.signal(x, 9); // ended: not an error
    await client.closeStdin(x);
  });

  await t.test('stdin round trip through cat, 1 MiB', async (t) => {
    const x = id('cat');
    await client.exec(x, { args: ['cat'], env: ENV });
    const data = randomBytes(1 << 20);
    const src = Readable.from(
      (function* () {
        for (let off = 0; off < data.length; off += 100_000) yield data.subarray(off, off + 100_000);
      })(),
    );
    const [written, out, st] = await Promise.all([
      client.writeStdin(x, src),
      collect(client.readStdio(x, 'stdout')),
      client.wait(x),
    ]);
    t.equal(written, data.length);
    t.equal(out.length, data.length);
    t.equal(sha256(out), sha256(data));
    t.same(st, { exitCode: 0, signal: 0 });
  });

  await t.test('16 MiB of output, held back until read', async (t) => {
    const x = id('big');
    const file = path.join(dir, 'big.bin');
    await client.exec(x, {
      args: ['sh', '-c', `head -c 16777216 /dev/urandom | tee ${file}; echo done >&2`],
      env: ENV,
    });
    // No reader yet: the pipeline blocks on a full pipe instead of exiting.
    let exited = false;
    const waiting = client.wait(x).then((st) => ((exited = true), st));
    await new Promise((r) => setTimeout(r, 500));
    t.notOk(exited, 'blocked while nobody reads');
    const held = fs.statSync(file).size;
    t.ok(held < 16 << 20, `only ${held} bytes written before a reader came`);
    const out = await collect(client.readStdio(x, 'stdout'));
    t.same(await waiting, { exitCode: 0, signal: 0 });
    t.equal((await collect(client.readStdio(x, 'stderr'))).toString(), 'done\n');
    t.equal(out.length, 16 << 20);
    t.equal(sha256(out), sha256(fs.readFileSync(file)), 'stdout is what the process wrote');
  });

  await t.test('slow reader: backpressure through gRPC', async (t) => {
    const x = id('slow');
    await client.exec(x, { args: ['head', '-c', String(8 << 20), '/dev/zero'], env: ENV });
    const r = client.readStdio(x, 'stdout');
    let n = 0;
    let exited = false;
    const waiting = client.wait(x).then((st) => ((exited = true), st));
    await new Promise((r2) => setTimeout(r2, 50));
    const first = r.read(); // take a little, then stop reading
    n += first ? first.length : 0;
    await new Promise((r2) => setTimeout(r2, 500));
    t.notOk(exited, 'writer blocked while the host stops reading');
    n += (await collect(r)).length;
    t.equal(n, 8 << 20);
    t.same(await waiting, { exitCode: 0, signal: 0 });
    await collect(client.readStdio(x, 'stderr'));
  });

  await t.test('exec failures read like runc', async (t) => {
    const before = agent.server.processes.size;
    await rejectsWith(t, client.exec(id('nope'), { args: ['no-such-program-x'], env: ENV }), 'NOT_FOUND',
      'exec: "no-such-program-x": executable file not found in $PATH');
    await rejectsWith(t, client.exec(id('nope'), { args: ['/no/such/file'], env: ENV }), 'NOT_FOUND',
      /no such file or directory/);
    const noexec = path.join(dir, 'noexec');
    fs.writeFileSync(noexec, '#!/bin/sh\n', { mode: 0o644 });
    await rejectsWith(t, client.exec(id('nope'), { args: [noexec], env: ENV }), 'PERMISSION_DENIED',
      `exec: "${noexec}": permission denied`);
    await rejectsWith(t, client.exec(id('nope'), { args: ['true'], env: ENV, cwd: '/no/such/dir' }), 'NOT_FOUND',
      /chdir to cwd/);
    await rejectsWith(t, client.exec(id('nope'), { args: [], env: ENV }), 'INVALID_ARGUMENT');
    await rejectsWith(t, client.exec(id('nope'), { args: ['true'], env: ENV, additionalGids: [10] }),
      'INVALID_ARGUMENT', /additional_gids/);
    t.equal(agent.server.processes.size, before, 'nothing left behind');
  });

  await t.test('unknown, duplicate, second reader', async (t) => {
    await rejectsWith(t, client.wait('unknown'), 'NOT_FOUND');
    await rejectsWith(t, client.signal('unknown', 9), 'NOT_FOUND');
    await rejectsWith(t, collect(client.readStdio('unknown', 'stdout')), 'NOT_FOUND');
    await rejectsWith(t, client.writeStdin('unknown', 'x'), 'NOT_FOUND');

    const x = id('dup');
    await client.exec(x, { args: ['cat'], env: ENV });
    await rejectsWith(t, client.exec(x, { args: ['true'], env: ENV }), 'ALREADY_EXISTS');
    const r1 = client.readStdio(x, 'stdout');
    const got = collect(r1);
    await new Promise((r) => setTimeout(r, 100));
    await rejectsWith(t, collect(client.readStdio(x, 'stdout')), 'FAILED_PRECONDITION', /already has a reader/);
    t.equal(await client.writeStdin(x, 'hello'), 5);
    t.equal((await got).toString(), 'hello');
    await collect(client.readStdio(x, 'stderr'));
    t.same(await client.wait(x), { exitCode: 0, signal: 0 });
  });

  await t.test('reader cancelled: output stays for the next reader', async (t) => {
    const x = id('reattach');
    await client.exec(x, { args: ['sh', '-c', 'echo one; read x; echo two'], env: ENV });
    const r1 = client.readStdio(x, 'stdout');
    const [first] = await Promise.all([new Promise<Buffer>((res) => r1.once('data', res))]);
    t.equal(first.toString(), 'one\n');
    r1.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await client.writeStdin(x, 'go\n');
    t.equal((await collect(client.readStdio(x, 'stdout'))).toString(), 'two\n');
    await collect(client.readStdio(x, 'stderr'));
    t.same(await client.wait(x), { exitCode: 0, signal: 0 });
  });

  await t.test('stdin to a process that does not read it', async (t) => {
    const x = id('epipe');
    await client.exec(x, { args: ['true'], env: ENV });
    t.same(await client.wait(x), { exitCode: 0, signal: 0 });
    const n = await client.writeStdin(x, Buffer.alloc(4 << 20));
    t.ok(n <= 4 << 20, `ends quietly after ${n} bytes`);
    await collect(client.readStdio(x, 'stdout'));
    await collect(client.readStdio(x, 'stderr'));
  });

  await t.test('an ended, waited exec id can be reused', async (t) => {
    const x = id('reuse');
    await client.exec(x, { args: ['sh', '-c', 'echo first'], env: ENV });
    await client.wait(x); // output never read
    await client.exec(x, { args: ['sh', '-c', 'echo second'], env: ENV });
    t.equal((await collect(client.readStdio(x, 'stdout'))).toString(), 'second\n');
    await collect(client.readStdio(x, 'stderr'));
    await client.wait(x);
  });
});

t.test("SetGuestTime: the host's time reaches the agent's clock setter; an agent without one refuses", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const set: Array<[number, number]> = [];
  const guest = await startAgent({ listen: `unix:${path.join(dir, 'guest.sock')}`, log: null, setClock: (s, n) => set.push([s, n]) });
  t.teardown(() => guest.close());
  const client = AgentClient.connect(path.join(dir, 'guest.sock'));
  t.teardown(() => client.close());
  await client.waitReady(Date.now() + 5000);
  const before = Date.now();
  await client.setGuestTime();
  const after = Date.now();
  t.equal(set.length, 1, 'set once');
  const [sec, nsec] = set[0];
  const ms = sec * 1000 + nsec / 1e6;
  t.ok(ms >= before && ms <= after, `the host's time, read for the call (${ms} in ${before}..${after})`);
  t.equal(nsec % 1e6, 0, 'whole milliseconds, as the host reads them');

  // Not a time: refused, the clock left alone (the host's client never sends these).
  const raw = (req: { sec: number; nsec: number }) =>
    (client as unknown as { unaryOnce(n: string, r: object, o: object): Promise<unknown> }).unaryOnce('SetGuestTime', req, {});
  await rejectsWith(t, raw({ sec: 0, nsec: 0 }), 'INVALID_ARGUMENT', /not a time since the epoch/);
  await rejectsWith(t, raw({ sec: 1_800_000_000, nsec: 1_000_000_000 }), 'INVALID_ARGUMENT', /not a time since the epoch/);
  t.equal(set.length, 1, 'the clock was not set for them');

  // On a host (no CLEAR_AGENT_SETS_CLOCK): refused, and the host's clock is never touched.
  const onHost = await startAgent({ listen: `unix:${path.join(dir, 'host.sock')}`, log: null });
  t.teardown(() => onHost.close());
  const hostClient = AgentClient.connect(path.join(dir, 'host.sock'));
  t.teardown(() => hostClient.close());
  await hostClient.waitReady(Date.now() + 5000);
  await rejectsWith(t, hostClient.setGuestTime(), 'FAILED_PRECONDITION', /does not own its machine's clock/);
});

t.test('Shutdown stops an agent on the host', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'agent.sock');
  let stopped!: () => void;
  const stoppedP = new Promise<void>((r) => (stopped = r));
  const agent = await startAgent({ listen: `unix:${sock}`, log: null, poweroff: false, onStopped: () => stopped() });
  t.teardown(() => agent.close());
  const client = AgentClient.connect(sock);
  t.teardown(() => client.close());
  await client.exec('s', { args: ['sleep', '100'], env: ENV });
  await client.shutdown();
  client.close();
  await stoppedP;
  t.equal(fs.existsSync(sock), false, 'socket removed');
  const again = AgentClient.connect(sock);
  t.teardown(() => again.close());
  await t.rejects(again.waitReady(Date.now() + 300), 'no agent any more');
});

t.test('waitReady retries until the agent listens', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'agent.sock');
  const client = AgentClient.connect(sock);
  t.teardown(() => client.close());
  const ready = client.waitReady(Date.now() + 5000);
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  const agent = await startAgent({ listen: `unix:${sock}`, log: null });
  t.teardown(() => agent.close());
  await ready;
  t.ok(Date.now() - started < 1000, `ready ${Date.now() - started} ms after the agent listened`);
});

const bundle = path.join(__dirname, '..', 'dist', 'guest', 'agent.js');
const snapshotEntry = path.join(__dirname, '..', 'dist', 'guest', 'agent-snapshot.js');

/** Resolves with the child's stderr once the agent in it says it is ready; rejects if the child exits first. */
function agentReady(child: ChildProcess): Promise<string> {
  let stderr = '';
  return new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.includes('clear-agent: ready')) resolve(stderr);
    });
    child.on('exit', () => reject(new Error(`agent exited: ${stderr}`)));
  });
}

/** Starts a built agent in a node of its own (`nodeArgs` before its own arguments), listening on a Unix socket. */
async function startBuiltAgent(t: Test, dir: string, nodeArgs: string[]) {
  const sock = path.join(dir, 'agent.sock');
  const child = spawn(process.execPath, [...nodeArgs, '--listen', `unix:${sock}`], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const stderr = await agentReady(child);
  // (--jitless makes Node warn about --expose_wasm first.)
  t.match(stderr, new RegExp(`(^|\n)clear-agent: ready on unix:${sock}\n$`));
  const client = AgentClient.connect(sock);
  t.teardown(() => client.close());
  return { client, exited };
}

t.test('the bundled agent (make agent)', { skip: !fs.existsSync(bundle) && 'dist/guest/agent.js not built' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { client, exited } = await startBuiltAgent(t, dir, ['--jitless', bundle]);
  t.equal((await client.version()).protocol, PROTOCOL);
  await client.shutdown();
  client.close();
  t.equal(await exited, 0, 'exits 0 after Shutdown');
});

t.test("Shutdown under clear's init: the agent asks init to power off, and waits for it", { skip: !fs.existsSync(bundle) && 'dist/guest/agent.js not built' }, async (t) => {
  // A shell stands for guest/image/init: it traps the signal the agent is
  // told of, as init does (where the trap syncs and reboots).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'agent.sock');
  const log = path.join(dir, 'init.log');
  const script = [
    `trap 'echo asked >> ${log}' USR1`,
    `CLEAR_INIT_POWEROFF_SIGNAL=SIGUSR1 ${process.execPath} ${bundle} --listen unix:${sock} & a=$!`,
    `wait $a; echo "wait ended $?" >> ${log}`,
    `wait $a; echo "agent ended $?" >> ${log}`,
  ].join('\n');
  const init = spawn('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  t.teardown(() => {
    try {
      process.kill(-init.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  const initEnded = new Promise<void>((r) => init.on('exit', () => r()));
  await agentReady(init);
  const client = AgentClient.connect(sock);
  t.teardown(() => client.close());
  await client.shutdown();
  client.close();
  await initEnded;
  t.same(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean), ['asked', 'wait ended 138', 'agent ended 0'],
    "init was asked while the agent still ran (the signal ended init's wait, 128+SIGUSR1); the agent ended by itself later");
});

t.test("the agent's start-up snapshot (make agent): made here, the agent started from it answers and spawns", { skip: !fs.existsSync(snapshotEntry) && 'dist/guest/agent-snapshot.js not built' }, async (t) => {
  // What the image build does in a guest (docs/guest.md), with this host's node.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const blob = path.join(dir, 'agent.blob');
  const made = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', snapshotEntry], { encoding: 'utf8' });
  t.equal(made.status, 0, made.status === 0 ? 'snapshot made' : made.stderr);
  // The argument after the blob stands where a script would (argv[1]); node runs the deserialised main instead.
  const { client, exited } = await startBuiltAgent(t, dir, ['--snapshot-blob', blob, snapshotEntry]);
  t.equal((await client.version()).protocol, PROTOCOL);
  await client.exec('echo', { args: ['/bin/sh', '-c', 'echo from the snapshot'], env: ['PATH=/usr/bin:/bin'] });
  const out = await new Promise<string>((resolve, reject) => {
    let s = '';
    client.readStdio('echo', 'stdout').on('data', (d: Buffer) => (s += d)).on('end', () => resolve(s)).on('error', reject);
  });
  t.equal(out, 'from the snapshot\n', 'a process spawned by the deserialised agent');
  t.same(await client.wait('echo'), { exitCode: 0, signal: 0 });
  await client.shutdown();
  client.close();
  t.equal(await exited, 0, 'exits 0 after Shutdown');
});
