/** Entry point of the guest agent (bundled by `make agent` into dist/guest/agent.js). */
import './trace-bootstrap'; // first: it timestamps the end of node's own bootstrap
import { main } from './agent';

main(process.argv.slice(2));
