/** Entry point of the guest agent (bundled by `make agent` into dist/guest/agent.js). */
import { main } from './agent';

main(process.argv.slice(2));
