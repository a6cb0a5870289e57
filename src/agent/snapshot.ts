/**
 * Entry point of the agent's start-up snapshot (bundled by `make agent` into
 * dist/guest/agent-snapshot.js; docs/guest.md, "The agent's start-up
 * snapshot").
 *
 * The image build runs it inside a guest once, as
 *   node FLAGS --snapshot-blob agent.blob --build-snapshot agent-snapshot.js
 * which loads every module of the agent, answers one Ping over an in-memory
 * connection (warmUp below), and saves node's heap; init then starts the
 * agent as `node FLAGS --snapshot-blob agent.blob`, and node deserialises
 * that heap instead of compiling and evaluating the modules again. Under TCG
 * that work is cold code in every VM.
 *
 * Only loading and the warm-up happen here: nothing may open a handle, keep
 * a timer or remember the environment before the deserialised main runs (the
 * blob is made on the image build's boot, not in the VM that uses it). In a
 * snapshot, require() loads built-in modules only: the native addon is
 * loaded with process.dlopen (src/native/index.ts).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'fs';
import { Duplex } from 'stream';
import { startupSnapshot } from 'v8';
import { defaultSpec } from '../container/default-spec';
import { main, parseArgs, startAgent } from './agent';
import { defaultCgroupRoot } from './cgroup';
import { frame, percentDecode, requestHeaders, type MethodDefinition } from './grpc-wire';
import { Http2Connection } from './http2';
import { EXEC_HELPER } from './processes';
import { agentService, StdioStream } from './protocol';
import { AgentServer } from './server';
import { traceBootstrap } from './trace';
// Evaluated here, not in the VM: main's vsock listener is this module's.
import '../native/fd-stream';

/** Two in-memory Duplex ends: what one writes, the other reads (no fd, no handle). */
function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const end = (other: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, cb) {
        other().push(chunk);
        cb();
      },
      final(cb) {
        other().push(null);
        cb();
      },
    });
  ends.push(end(() => ends[1]), end(() => ends[0]));
  return [ends[0], ends[1]];
}

/** A call's outcome as the warm-up reads it: what the response carried, and its grpc-status and -message. */
interface CallResult {
  data: Buffer;
  status: string;
  message: string;
}

/** Throws unless the call succeeded. */
function ensureOk(what: string, r: CallResult): void {
  if (r.status !== '0') throw new Error(`${what}: ${percentDecode(r.message)} (grpc-status ${r.status})`);
}

type WarmUpCall = <Req extends object>(method: MethodDefinition<Req, object>, requests: Req[]) => Promise<CallResult>;

/** The agent's methods by name, as the warm-up calls them. */
const METHODS = agentService as unknown as Record<string, MethodDefinition<object, object>>;

/**
 * One Ping through the agent's whole serving path (HTTP/2, HPACK, the gRPC
 * dispatch, protobuf) and every message's codec once: the bytecode V8
 * compiles for them is kept in the snapshot, so a VM's first connection
 * and calls do not compile it cold. Measured in a guest: the first Ping
 * after start 190-210 ms without, ~64 ms with. Then one process through
 * the streams a monitor opens after create (ReadStdio, WriteStdin,
 * WaitProcess), which a VM otherwise meets cold right before
 * StartContainer, and, in a guest, a whole container (warmUpContainer).
 * The server, connection and processes are gone before the heap is saved
 * (node runs the event loop empty first); only compiled code stays.
 */
function warmUp(): void {
  // Empty messages: each codec's functions run once (protobufjs compiles them lazily).
  for (const m of Object.values(agentService) as unknown as Array<MethodDefinition<object, object>>) {
    m.requestDeserialize(m.requestSerialize({}));
    m.responseDeserialize(m.responseSerialize({}));
  }
  const [serverEnd, clientEnd] = duplexPair();
  new AgentServer().handleConnection(serverEnd);
  const client = new Http2Connection(clientEnd, null, { role: 'client' });
  const call: WarmUpCall = (method, requests) =>
    new Promise((resolve) => {
      const stream = client.request(requestHeaders(method.path));
      const data: Buffer[] = [];
      let status = '';
      let message = '';
      stream.on('data', (chunk: Buffer) => data.push(chunk));
      stream.on('headers', (headers: Map<string, string>) => {
        status = headers.get('grpc-status') ?? status;
        message = headers.get('grpc-message') ?? message;
      });
      stream.once('end', () => resolve({ data: Buffer.concat(data), status, message }));
      for (const r of requests) stream.write(frame(method.requestSerialize(r)));
      stream.end();
    });
  const m = METHODS;
  // A process's whole life as a monitor sees it after create: its output
  // read, its input written and closed, its exit waited for. `cat` echoes
  // the input; without /bin/cat the calls fail, and that path is warm too.
  const execId = 'snapshot-warm-up';
  let done = false;
  void call(m.Ping, [{}])
    .then((ping) => ensureOk('Ping', ping))
    .then(() => call(m.ExecProcess, [{ execId, process: { args: ['/bin/cat'], env: [], cwd: '/' } }]))
    .then(() => processLife(call, execId))
    .then(() => warmUpContainer(call))
    .then(() => (done = true), (err: Error) => failWarmUp(err.message))
    .finally(() => client.destroy());
  // The loop ran empty before the calls ended: something in them never answered.
  process.once('beforeExit', () => done || failWarmUp('its calls never ended'));
}

/** Ends the snapshot's build: a warm-up that did not run would leave a VM's first calls cold without a word. */
function failWarmUp(why: string): never {
  rmSync(WARM_UP_BUNDLE, { recursive: true, force: true });
  process.stderr.write(`snapshot: the warm-up failed: ${why}\n`);
  process.exit(1);
}

/** What a monitor does with a process once it runs: both outputs read, stdin written and closed, its exit waited for. */
function processLife(call: WarmUpCall, execId: string, start?: () => Promise<CallResult>): Promise<CallResult[]> {
  const m = METHODS;
  return Promise.all([
    call(m.ReadStdio, [{ execId, stream: StdioStream.STDIO_STREAM_STDOUT }]),
    call(m.ReadStdio, [{ execId, stream: StdioStream.STDIO_STREAM_STDERR }]),
    call(m.WriteStdin, [{ execId, data: Buffer.from('warm\n') }, { close: true }]),
    call(m.WaitProcess, [{ execId }]),
    ...(start ? [start()] : []),
  ]);
}

/** Where the container warm-up's rootfs is made: a tmpfs init mounts. */
const WARM_UP_BUNDLE = '/run/clear-warm-up';

/**
 * A container's whole life, as `run` drives it: CreateContainer (the
 * config's checks, the container's cgroup, the exec helper and its
 * handshake), an `exec` into it, the streams a monitor opens,
 * StartContainer, the exit. Under TCG a VM otherwise compiled that
 * JavaScript cold inside its first create and start: StartContainer took
 * ~200 ms in the guest without it, ~20 ms with it (docs/performance.md).
 * Only in a clear guest, which has the exec helper and cgroup v2 (the
 * image build's boot); a snapshot made on a host (tests) goes without. A
 * failure fails the snapshot, so that the build says so.
 */
async function warmUpContainer(call: WarmUpCall): Promise<void> {
  if (!existsSync(EXEC_HELPER) || !defaultCgroupRoot() || process.getuid?.() !== 0) return;
  const rootfs = `${WARM_UP_BUNDLE}/rootfs`;
  try {
    for (const dir of ['bin', 'proc', 'sys', 'dev', 'tmp']) mkdirSync(`${rootfs}/${dir}`, { recursive: true });
    copyFileSync('/bin/busybox', `${rootfs}/bin/busybox`);
    symlinkSync('busybox', `${rootfs}/bin/cat`);
    const cfg = defaultSpec() as { process: { terminal: boolean; args: string[] }; root: { path: string } };
    cfg.process.terminal = false;
    cfg.process.args = ['cat'];
    cfg.root.path = rootfs;
    const m = METHODS;
    const containerId = 'snapshot-warm-up';
    const execId = 'snapshot-warm-up-init';
    const created = await call(m.CreateContainer, [{ containerId, execId, ociConfigJson: JSON.stringify(cfg), shareTag: '', shareMount: '', bundle: WARM_UP_BUNDLE }]);
    ensureOk('CreateContainer', created);
    // An `exec` into it (runc exec's path: the helper joins the container's namespaces).
    const exec = await call(m.ExecProcess, [{ execId: 'snapshot-warm-up-exec', containerId, ociProcessJson: JSON.stringify(cfg.process) }]);
    ensureOk('ExecProcess into the container', exec);
    const [execOut] = await processLife(call, 'snapshot-warm-up-exec');
    if (!execOut.data.includes('warm')) throw new Error("the exec'd cat did not echo its input");
    const [out, , , , started] = await processLife(call, execId, () => call(m.StartContainer, [{ containerId }]));
    ensureOk('StartContainer', started);
    // Framed StdioChunk messages: the echoed input is in there.
    if (!out.data.includes('warm')) throw new Error("the container's cat did not echo its input");
    // The container's cgroup goes 0.5 s after its exit (ContainerManager.create): not left as a timer in the heap.
    await new Promise((resolve) => setTimeout(resolve, 700));
  } catch (err) {
    failWarmUp(`the container: ${(err as Error).message}`);
  }
  rmSync(WARM_UP_BUNDLE, { recursive: true, force: true });
}

/**
 * main's own way to the listener, as far as it goes without a handle: the
 * arguments parsed and the listen address matched (an address no listener
 * takes ends it there). Measured in a guest: ~0.2 s from the snapshot's
 * main to listening, most of it V8 compiling what had never run.
 */
function warmUpStart(): void {
  parseArgs([]);
  startAgent({ listen: 'snapshot-warm-up', log: null }).catch(() => {});
}

warmUp();
warmUpStart();

startupSnapshot.setDeserializeMainFunction(() => {
  traceBootstrap('started from the snapshot');
  main(process.argv.slice(2));
});
