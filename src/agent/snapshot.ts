/**
 * Entry point of the agent's start-up snapshot (bundled by `make agent` into
 * dist/guest/agent-snapshot.js; docs/guest.md, "The agent's start-up
 * snapshot").
 *
 * The image build runs it inside a guest once, as
 *   node FLAGS --snapshot-blob agent.blob --build-snapshot agent-snapshot.js
 * which loads every module of the agent and saves node's heap; init then
 * starts the agent as `node FLAGS --snapshot-blob agent.blob`, and node
 * deserialises that heap instead of compiling and evaluating the modules
 * again. Under TCG that work is cold code in every VM.
 *
 * Only loading happens here: nothing may open a handle, read the
 * environment or start a timer before the deserialised main runs (the blob
 * is made on the image build's boot, not in the VM that uses it). In a
 * snapshot, require() loads built-in modules only: the native addon is
 * loaded with process.dlopen (src/native/index.ts).
 */
import { startupSnapshot } from 'v8';
import { main } from './agent';
import { traceBootstrap } from './trace';

startupSnapshot.setDeserializeMainFunction(() => {
  traceBootstrap('started from the snapshot');
  main(process.argv.slice(2));
});
