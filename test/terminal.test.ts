/**
 * Terminals end to end (process.terminal): a container on a pty of its own
 * devpts in a real guest, the host pty sent to a console socket as runc
 * sends it, the relay between the two (input, output, window size, ^C, ^D,
 * hang-up), ExecProcess with a terminal, and the console socket's errors.
 *
 * Where runc 1.1.5 is installed the same thing is done with runc on the
 * host first, and the message body and the shape of `tty`/`stty size`
 * output are compared (runc: body "/dev/ptmx", `tty` → /dev/pts/0).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import t from 'tap';
import type { AgentClient } from '../src/agent/client';
import { attachConsole, CONSOLE_SOCKET_BODY } from '../src/container/terminal';
import { native, READABLE } from '../src/native';
import { FdStream } from '../src/native/fd-stream';
import { Sandbox } from '../src/sandbox/sandbox';
import { consoleSocket } from '../src/container/console-socket';
import { assertNoLeftovers, collect as collectBytes, memfdTraces, shInGuest, type Test, VmDirs, whenGuestBuilt } from './lib/vm';

const BUSYBOX_ENV = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'];
const ROOTFS = '/tmp/rootfs';
/** What `tty; stty size` prints on a terminal of 24x80 (runc and clear alike). */
const TTY_SHAPE = /^\/dev\/pts\/\d+\r\n24 80\r\n$/;

let counter = 0;
const dirs = new VmDirs('ttytest');
const tmp = (what: string) => {
  counter++;
  return dirs.next(what);
};


/** Our fds that are ptys or guest memory: what a test must not leave open. */
function fdTraces(): string[] {
  const fds = fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((l) => l.startsWith('/memfd:') || l.startsWith('/dev/pts/') || l === '/dev/ptmx');
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('memfd:'));
  return [...fds, ...maps];
}


async function withSandbox(t: Test, fn: (sb: Sandbox) => Promise<void>): Promise<void> {
  const before = fdTraces();
  const dir = tmp('vm');
  const sb = await Sandbox.boot({ name: `tty-${counter}`, runDir: dir });
  t.teardown(() => sb.shutdown());
  try {
    await makeRootfs(sb.agent);
    await fn(sb);
  } finally {
    await sb.shutdown();
  }
  t.same(dirs.processes(), [], 'no QEMU process left');
  t.notOk(fs.existsSync(dir), 'run directory and its sockets removed');
  t.same(fdTraces(), before, 'no pty, memfd or guest mapping left open');
}


const guest = shInGuest;
const collect = async (stream: Readable) => (await collectBytes(stream)).toString();

async function makeRootfs(agent: AgentClient): Promise<void> {
  const r = await guest(
    agent,
    [
      `R=${ROOTFS}`,
      'mkdir -p $R/bin $R/etc $R/proc $R/sys $R/dev $R/tmp $R/root',
      'cp /bin/busybox $R/bin/busybox',
      'for a in $(busybox --list); do [ -e $R/bin/$a ] || ln -s busybox $R/bin/$a; done',
      "printf 'root:x:0:0:root:/root:/bin/sh\\n' > $R/etc/passwd",
      "printf 'root:x:0:\\ntty:x:5:\\n' > $R/etc/group",
      'chmod 755 $R; chmod 1777 $R/tmp',
    ].join(' && '),
  );
  if (r.status.exitCode !== 0) throw new Error(`building the rootfs failed: ${r.stderr}`);
}

const MOUNTS = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
];

function ttyConfig(args: string[], size = { height: 24, width: 80 }, namespaces = ['pid', 'ipc', 'uts', 'mount']) {
  return {
    ociVersion: '1.0.2',
    process: { terminal: true, consoleSize: size, user: { uid: 0, gid: 0 }, args, env: BUSYBOX_ENV, cwd: '/' },
    root: { path: ROOTFS },
    hostname: 'ctr',
    mounts: MOUNTS,
    linux: { namespaces: namespaces.map((type) => ({ type })) },
  };
}


/** The caller's side of a terminal: the master, what came out of it so far, and typing. */
class Term {
  out = '';
  readonly ended: Promise<void>;
  private readonly stream: FdStream;
  private waiters: Array<() => void> = [];

  constructor(readonly master: number) {
    native().setBlocking(master, false);
    this.stream = new FdStream(master, { tty: true });
    this.stream.on('data', (c: Buffer) => {
      this.out += c.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    this.ended = new Promise((resolve) => {
      this.stream.once('end', resolve);
      this.stream.once('close', resolve);
    });
  }

  type(s: string | Buffer): void {
    this.stream.write(s);
  }

  /** Waits until the output after `from` matches; returns the match. */
  async waitFor(re: RegExp, timeoutMs = 30_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.slice(from).match(re);
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(this.out.slice(from))}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  resize(rows: number, cols: number): void {
    native().setWinsize(this.stream.fd, rows, cols);
  }

  close(): void {
    this.stream.destroy();
  }
}

/** The relay as the monitor runs it: detached, a session leader (SIGWINCH for resizes). */
function spawnRelay(socket: string, agentSocket: string, execId: string, rows: number, cols: number) {
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  const child = spawn(process.execPath, [...loader, path.join(__dirname, 'fixtures', 'console-relay.ts'), socket, agentSocket, execId, String(rows), String(cols)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Lines are queued: one may come before anyone asks for it.
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  const lines = readline.createInterface({ input: child.stdout! });
  lines.on('line', (l) => {
    queue.push(l);
    wake?.();
  });
  lines.once('close', () => {
    closed = true;
    wake?.();
  });
  const next = async (): Promise<string> => {
    while (!queue.length && !closed) await new Promise<void>((r) => (wake = r));
    return queue.shift() ?? 'exited';
  };
  return { child, next };
}

function killQuietly(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

// -------------------------------------------------------------------------

let runcResult: { body: string; out: string } | null = null;

t.test('runc, for reference: console socket body and tty output', { skip: !hasRunc() && 'runc not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-ttyrunc-'));
  const id = `clear-ttyrunc-${process.pid}`;
  t.teardown(() => {
    try {
      execFileSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
    } catch {
      /* not there */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  execFileSync('bash', [path.join(__dirname, '..', 'bundles', 'make-busybox-bundle.sh'), path.join(dir, 'b')], { stdio: 'ignore' });
  const cfgFile = path.join(dir, 'b', 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  cfg.process.terminal = true;
  cfg.process.consoleSize = { height: 24, width: 80 };
  cfg.process.args = ['sh', '-c', 'tty; stty size'];
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  const cs = consoleSocket(tmp('console') + '.sock');
  t.teardown(cs.close);
  execFileSync('runc', ['create', '--console-socket', cs.path, '--bundle', path.join(dir, 'b'), id]);
  const { body, master } = await cs.received;
  const term = new Term(master);
  execFileSync('runc', ['start', id]);
  await term.ended;
  term.close();
  t.equal(body, CONSOLE_SOCKET_BODY, `runc's message body is ${JSON.stringify(CONSOLE_SOCKET_BODY)}`);
  t.match(term.out, TTY_SHAPE, `runc: ${JSON.stringify(term.out)}`);
  runcResult = { body, out: term.out };
});

function hasRunc(): boolean {
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

t.test('console socket errors', async (t) => {
  const fakeAgent = {} as AgentClient;
  const missing = tmp('missing') + '.sock';
  await t.rejects(attachConsole(missing, fakeAgent, 'x'), { message: `dial unix ${missing}: connect: no such file or directory` },
    'a missing console socket: runc\'s words');
  const file = tmp('file');
  fs.writeFileSync(file, '');
  t.teardown(() => fs.rmSync(file, { force: true }));
  await t.rejects(attachConsole(file, fakeAgent, 'x'), { message: `dial unix ${file}: connect: connection refused` },
    'not a socket: runc\'s words');
  await t.rejects(attachConsole('', fakeAgent, 'x'), { message: 'cannot allocate tty if runc will detach without setting console socket' });
  t.same(fdTraces().filter((l) => l.startsWith('/dev/')), [], 'no pty left open');
});

function defineVmTests(): void {
  t.test('a container on a terminal: console socket, tty, size, resize, ^C, ^D, exit status', (t) =>
    withSandbox(t, async (sb) => {
      // An interactive shell, the way `docker run -it busybox` starts.
      await sb.agent.createContainer({ containerId: 'c1', execId: 'c1', ociConfigJson: JSON.stringify(ttyConfig(['sh'])) });
      const cs = consoleSocket(tmp('console') + '.sock');
      t.teardown(cs.close);
      const relay = spawnRelay(cs.path, sb.agentSocket, 'c1', 24, 80);
      t.teardown(() => killQuietly(relay.child));
      const ready = await relay.next();
      t.match(ready, /^ready sigwinch \/dev\/pts\/\d+$/, `the relay holds the host slave as its controlling terminal: ${ready}`);
      const { body, master } = await cs.received;
      t.equal(body, CONSOLE_SOCKET_BODY, 'message body as runc sends it');
      t.same(native().getWinsize(master), { rows: 24, cols: 80 }, 'the master has consoleSize before the caller gets it');
      const term = new Term(master);
      t.teardown(() => term.close());
      await sb.agent.startContainer('c1');
      t.equal(await collect(sb.agent.readStdio('c1', 'stderr')), '', 'stderr ends at once: the terminal carries everything');

      let mark = term.out.length;
      term.type('tty; stty size; echo err >&2\n');
      const m = await term.waitFor(/(\/dev\/pts\/\d+\r\n\d+ \d+\r\n)err\r\n/, 30_000, mark);
      t.match(m[1], TTY_SHAPE, `tty and stty size: ${JSON.stringify(m[1])}`);
      if (runcResult) t.equal(m[1], runcResult.out, 'the same as runc\'s');
      t.match(m[1], /^\/dev\/pts\/0\r\n/, 'the first pty of the container\'s own devpts');

      // Resize the master as docker does: the foreground job gets SIGWINCH,
      // the guest terminal has the new size.
      mark = term.out.length;
      term.type(`sh -c 'trap "echo got-winch; exit 0" WINCH; echo waiting; while true; do sleep 1; done'\n`);
      await term.waitFor(/waiting\r\n/, 30_000, mark);
      mark = term.out.length;
      term.resize(50, 132);
      await term.waitFor(/got-winch\r\n/, 30_000, mark);
      t.pass('the foreground job got SIGWINCH');
      mark = term.out.length;
      term.type('stty size\n');
      await term.waitFor(/\r\n\d+ \d+\r\n/, 30_000, mark);
      t.match(term.out.slice(mark), /\r\n50 132\r\n/, 'stty size after the caller resized the master to 50x132');

      // ^C: SIGINT from the guest's line discipline to the foreground job.
      mark = term.out.length;
      term.type('sleep 100\n');
      await new Promise((r) => setTimeout(r, 1500));
      term.type(Buffer.from([0x03]));
      await term.waitFor(/\^C/, 30_000, mark);
      term.type('echo slept=$?\n');
      const slept = await term.waitFor(/slept=(\d+)/, 30_000, mark);
      t.equal(slept[1], '130', '^C killed sleep with SIGINT (130), the shell lives on');

      // ^D ends cat's input; a partial line first.
      mark = term.out.length;
      term.type('cat; echo cat=$?\n');
      await new Promise((r) => setTimeout(r, 1000));
      term.type('hello\n');
      await term.waitFor(/hello\r\nhello\r\n/, 30_000, mark);
      term.type(Buffer.from([0x04]));
      await term.waitFor(/cat=0\r\n/, 30_000, mark);
      t.pass('^D is EOF for cat');

      term.type('exit 5\n');
      t.same(await sb.agent.wait('c1'), { exitCode: 5, signal: 0 }, 'exit 5 comes back as 5');
      await term.ended;
      t.equal(await relay.next(), 'done', 'the relay ends with the process');
      term.close();
    }),
  );

  t.test('a trap on SIGINT, the hang-up, ExecProcess on a terminal', (t) =>
    withSandbox(t, async (sb) => {
      // In-process relay (not a session leader here: it polls the size).
      const cfg = ttyConfig(['sh', '-c', 'trap "echo got-int; exit 7" INT; echo armed; sleep 100 & wait'], { height: 10, width: 40 });
      await sb.agent.createContainer({ containerId: 'c2', execId: 'c2', ociConfigJson: JSON.stringify(cfg) });
      const cs = consoleSocket(tmp('console') + '.sock');
      t.teardown(cs.close);
      const [relay, got] = await Promise.all([attachConsole(cs.path, sb.agent, 'c2', { rows: 10, cols: 40 }), cs.received]);
      t.equal(relay.resizeBy, 'poll', 'not a session leader: the size is polled');
      const term = new Term(got.master);
      t.teardown(() => term.close());
      await sb.agent.startContainer('c2');
      await term.waitFor(/armed\r\n/);
      term.type(Buffer.from([0x03]));
      await term.waitFor(/got-int\r\n/);
      t.same(await sb.agent.wait('c2'), { exitCode: 7, signal: 0 }, 'the trap ran and exited 7');
      await relay.done;
      await term.ended;
      relay.close();
      term.close();

      // The caller hangs up (closes the master): the process gets SIGHUP. (Not
      // as a pid namespace's init, which ignores it, with runc too.)
      await sb.agent.createContainer({
        containerId: 'c3', execId: 'c3', ociConfigJson: JSON.stringify(ttyConfig(['sleep', '1000'], undefined, ['ipc', 'uts', 'mount'])),
      });
      const cs3 = consoleSocket(tmp('console') + '.sock');
      t.teardown(cs3.close);
      const [relay3, got3] = await Promise.all([attachConsole(cs3.path, sb.agent, 'c3'), cs3.received]);
      await sb.agent.startContainer('c3');
      native().close(got3.master);
      t.same(await sb.agent.wait('c3'), { exitCode: 129, signal: 1 }, 'hang-up: SIGHUP');
      await relay3.done;
      relay3.close();

      // ExecProcess with a terminal: a guest process, no container.
      await sb.agent.exec('e1', {
        args: ['sh', '-c', 'tty; stty size; cat; echo cat=$?'],
        env: BUSYBOX_ENV,
        terminal: true,
        consoleSize: { rows: 10, cols: 20 },
      });
      let text = '';
      const outStream = sb.agent.readStdio('e1', 'stdout');
      outStream.on('data', (c: Buffer) => (text += c.toString()));
      const outEnded = new Promise((r) => outStream.once('end', r));
      t.equal(await collect(sb.agent.readStdio('e1', 'stderr')), '', 'stderr ends at once');
      for (let i = 0; i < 300 && !/\d+ \d+\r\n/.test(text); i++) await new Promise((r) => setTimeout(r, 100));
      t.match(text, /^\/dev\/pts\/\d+\r\n10 20\r\n$/, `tty and consoleSize: ${JSON.stringify(text)}`);
      await sb.agent.resizeTerminal('e1', { rows: 11, cols: 21 });
      // A partial last line: closing stdin types ^D twice.
      await sb.agent.writeStdin('e1', 'abc\nxyz');
      t.same(await sb.agent.wait('e1'), { exitCode: 0, signal: 0 });
      await outEnded;
      // The echo and cat's copy race; both are there, and cat saw EOF after "xyz".
      const rest = text.replace(/^\/dev\/pts\/\d+\r\n10 20\r\n/, '');
      t.ok(rest.endsWith('cat=0\r\n') && rest.split('abc\r\n').length === 3 && rest.split('xyz').length === 3,
        `input echoed and read; EOF after the partial line: ${JSON.stringify(text)}`);
      await sb.agent.exec('e2', { args: ['sleep', '30'], env: BUSYBOX_ENV });
      await t.rejects(sb.agent.resizeTerminal('e2', { rows: 1, cols: 1 }), { code: 9 }, 'resizing a process without a terminal: FAILED_PRECONDITION');
      await sb.agent.signal('e2', 9);
      await t.rejects(sb.agent.exec('e3', { args: ['no-such'], env: BUSYBOX_ENV, terminal: true }),
        { message: 'exec: "no-such": executable file not found in $PATH' }, 'a missing program: the usual words');
    }),
  );
}

whenGuestBuilt(t, defineVmTests);
