/**
 * --preserve-fds for run and exec through the real CLI, into a real VM,
 * beside runc on the same bundle: the caller's fds 3.. reach the container
 * process at the same numbers (relayed by content: see architecture.md).
 * The fds are real pipes, wired by bash around the runtime's command line.
 * After every test: nothing of ours is left on the host.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { CliHarness, clearBin } from './lib/cli';

const h = new CliHarness('pfds');
t.teardown(() => h.cleanup());

let captures = 0;
/**
 * Runs clear (or runc, container `id` as `id-runc`) with `args` under bash,
 * fds wired by `script`, a bash fragment around `"$@"` (the runtime's
 * command line) in which `$FD` names a file for what the container writes
 * to a preserved fd. Returns the result and that file's content.
 */
function wired(runtime: 'clear' | 'runc', id: string, args: string[], script: string) {
  const fd = path.join(h.work, `fd-${captures++}`);
  fs.writeFileSync(fd, '');
  const argv = runtime === 'clear'
    ? [clearBin, '--root', h.clearRoot, ...args]
    : ['runc', '--root', h.runcRoot, ...args.map((a) => (a === id ? `${id}-runc` : a))];
  const r = h.sh('bash', ['-c', `FD=${JSON.stringify(fd)}; ${script}`, 'wired', ...argv]);
  return { ...r, fd: fs.readFileSync(fd, 'utf8') };
}

/** The process reads fd 3: a pipe bash feeds "from-host" into. */
const IN3 = 'printf from-host | "$@" 3<&0 </dev/null';
/** The process writes fd 3: a pipe into $FD. */
const OUT3 = 'exec 4>&1; "$@" 3>&1 1>&4 4>&- </dev/null | cat >"$FD"';
/** fd 3 as IN3, fd 4 as OUT3's fd 3. */
const IN3_OUT4 = 'exec 5>&1; { printf from-host | "$@" 3<&0 </dev/null 4>&1 1>&5 5>&-; } | cat >"$FD"';

/** Runs `body`, then (pass or fail) deletes the containers of both runtimes and checks the host is clean. */
async function clean(t: Test, ids: string[], body: () => Promise<void> | void): Promise<void> {
  for (const id of ids) h.ids.add(id);
  try {
    await body();
  } finally {
    for (const id of ids) {
      h.clear(['delete', '--force', id]);
      h.runc(['delete', '--force', `${id}-runc`]);
    }
    t.same(h.leftovers(), [], 'nothing of ours is left on the host');
  }
}

/** `run --preserve-fds n` of `args` under both runtimes, fds wired by `script`. */
function runBoth(id: string, n: number, args: string[], script: string) {
  const bundle = h.bundle(`b-${id}`, args);
  const run = (rt: 'clear' | 'runc') => wired(rt, id, ['run', '--preserve-fds', String(n), '--bundle', bundle, id], script);
  return { clear: run('clear'), runc: run('runc') };
}

t.test('run --preserve-fds 1: a pipe the caller writes is read in the container', (t) =>
  clean(t, ['pf-in'], () => {
    const { clear, runc } = runBoth('pf-in', 1, ['sh', '-c', 'cat <&3'], IN3);
    t.equal(runc.stdout, 'from-host', `runc reads it: ${runc.stderr}`);
    t.equal(clear.code, 0, clear.stderr);
    t.equal(clear.stdout, runc.stdout, 'the container read what the caller wrote, as with runc');
  }));

t.test('run --preserve-fds 1: what the container writes reaches the caller\'s pipe', (t) =>
  clean(t, ['pf-out'], () => {
    const { clear, runc } = runBoth('pf-out', 1, ['sh', '-c', 'echo x >&3'], OUT3);
    t.equal(runc.fd, 'x\n', `runc writes it: ${runc.stderr}`);
    t.equal(clear.code, 0, clear.stderr);
    t.equal(clear.fd, runc.fd, 'the caller read "x", then EOF, as with runc');
  }));

t.test('run --preserve-fds 2: one fd each way at once', (t) =>
  clean(t, ['pf-two'], () => {
    const { clear, runc } = runBoth('pf-two', 2, ['sh', '-c', 'cat <&3; echo x >&4; ls /proc/self/fd'], IN3_OUT4);
    t.equal(runc.stdout, 'from-host0\n1\n2\n3\n4\n5\n', `runc: ${runc.stderr}`);
    t.equal(clear.code, 0, clear.stderr);
    t.equal(clear.stdout, runc.stdout, 'fd 3 read, fds 0-4 open (5 is ls\'s own), as with runc');
    t.equal(clear.fd, runc.fd, 'fd 4 written');
  }));

t.test('fds beyond N are not passed', (t) =>
  clean(t, ['pf-beyond'], () => {
    const { clear, runc } = runBoth('pf-beyond', 1, ['ls', '/proc/self/fd'], '"$@" 3</dev/null 4</dev/null 5</dev/null </dev/null');
    t.equal(runc.stdout, '0\n1\n2\n3\n4\n', `runc: ${runc.stderr}`);
    t.equal(clear.code, 0, clear.stderr);
    t.equal(clear.stdout, runc.stdout, 'only 0-3 (4 is ls\'s own), as with runc');
  }));

t.test('exec --preserve-fds 1, both ways', (t) =>
  clean(t, ['pf-exec'], () => {
    const bundle = h.bundle('b-pf-exec', ['sleep', '1000']);
    t.equal(h.clear(['run', '-d', '--bundle', bundle, 'pf-exec']).code, 0, 'clear run -d');
    t.equal(h.runc(['run', '-d', '--bundle', bundle, 'pf-exec-runc']).code, 0, 'runc run -d');
    const exec = (rt: 'clear' | 'runc', cmd: string, script: string) =>
      wired(rt, 'pf-exec', ['exec', '--preserve-fds', '1', 'pf-exec', 'sh', '-c', cmd], script);
    const inRunc = exec('runc', 'cat <&3; ls /proc/self/fd', IN3);
    const inClear = exec('clear', 'cat <&3; ls /proc/self/fd', IN3);
    t.equal(inRunc.stdout, 'from-host0\n1\n2\n3\n4\n', `runc: ${inRunc.stderr}`);
    t.equal(inClear.code, 0, inClear.stderr);
    t.equal(inClear.stdout, inRunc.stdout, 'read from the caller\'s pipe; no other fd');
    const outRunc = exec('runc', 'echo x >&3', OUT3);
    const outClear = exec('clear', 'echo x >&3', OUT3);
    t.equal(outRunc.fd, 'x\n', `runc: ${outRunc.stderr}`);
    t.equal(outClear.code, 0, outClear.stderr);
    t.equal(outClear.fd, outRunc.fd, 'written to the caller\'s pipe');
  }));

t.test('a listening socket is refused with a clear error', (t) =>
  clean(t, ['pf-listen'], async () => {
    const sock = path.join(h.work, 'listen.sock');
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      const bundle = h.bundle('b-pf-listen', ['true']);
      const r = spawnSync(clearBin, ['--root', h.clearRoot, 'create', '--preserve-fds', '1', '--bundle', bundle, 'pf-listen'], {
        stdio: ['ignore', 'pipe', 'pipe', fd],
        encoding: 'utf8',
        timeout: 60_000,
      });
      t.not(r.status, 0, 'create fails');
      t.match(r.stderr, /fd 3 is a listening socket/, r.stderr);
    } finally {
      server.close();
    }
  }));
