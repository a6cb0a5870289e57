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
import { Duplex } from 'stream';
import { startupSnapshot } from 'v8';
import { defaultSpec } from '../container/default-spec';
import { main, parseArgs, startAgent } from './agent';
import { flattenConfig } from './container';
import { frame, requestHeaders, type MethodDefinition } from './grpc-wire';
import { Http2Connection } from './http2';
import { checkPreservedFds } from './processes';
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

/**
 * One Ping through the agent's whole serving path (HTTP/2, HPACK, the gRPC
 * dispatch, protobuf) and every message's codec once: the bytecode V8
 * compiles for them is kept in the snapshot, so a VM's first connection
 * and calls do not compile it cold. Measured in a guest: the first Ping
 * after start 190-210 ms without, ~64 ms with. Then one process through
 * the streams a monitor opens after create (ReadStdio, WriteStdin,
 * WaitProcess), which a VM otherwise meets cold right before
 * StartContainer. The server, connection and process are gone before the
 * heap is saved (node runs the event loop empty first); only compiled code
 * stays.
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
  const call = <Req extends object>(method: MethodDefinition<Req, object>, requests: Req[]): Promise<void> =>
    new Promise((resolve) => {
      const stream = client.request(requestHeaders(method.path));
      stream.on('data', () => {});
      stream.once('end', () => resolve());
      for (const r of requests) stream.write(frame(method.requestSerialize(r)));
      stream.end();
    });
  const m = agentService as unknown as Record<string, MethodDefinition<object, object>>;
  // A process's whole life as a monitor sees it after create: its output
  // read, its input written and closed, its exit waited for. `cat` echoes
  // the input; without /bin/cat the calls fail, and that path is warm too.
  const execId = 'snapshot-warm-up';
  void call(m.Ping, [{}])
    .then(() => call(m.ExecProcess, [{ execId, process: { args: ['/bin/cat'], env: [], cwd: '/' } }]))
    .then(() =>
      Promise.all([
        call(m.ReadStdio, [{ execId, stream: StdioStream.STDIO_STREAM_STDOUT }]),
        call(m.ReadStdio, [{ execId, stream: StdioStream.STDIO_STREAM_STDERR }]),
        call(m.WriteStdin, [{ execId, data: Buffer.from('warm\n') }, { close: true }]),
        call(m.WaitProcess, [{ execId }]),
      ]),
    )
    .then(() => client.destroy());
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

/**
 * A create's own JavaScript, as far as it runs without a container: runc's
 * default config, as the host sends it (the root a guest path, no
 * terminal), parsed and flattened into the exec helper's spec. A real
 * create (share, cgroup, the helper) needs the VM it is for.
 */
function warmUpCreate(): void {
  const cfg = defaultSpec() as { process: { terminal: boolean }; root: { path: string } };
  cfg.process.terminal = false;
  cfg.root.path = '/run/clear/share/rootfs';
  const request = JSON.stringify(cfg);
  checkPreservedFds([]);
  flattenConfig(JSON.parse(request) as Parameters<typeof flattenConfig>[0], { id: 'snapshot-warm-up', bundle: '/', preservedFds: [] });
}

warmUp();
warmUpStart();
warmUpCreate();

startupSnapshot.setDeserializeMainFunction(() => {
  traceBootstrap('started from the snapshot');
  main(process.argv.slice(2));
});
