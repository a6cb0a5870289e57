/**
 * The agent's first module (main.ts imports it first): with tracing on, it
 * timestamps the end of node's own bootstrap, before any of the agent's code
 * is loaded.
 */
import { traceBootstrap } from './trace';

traceBootstrap('node bootstrap done');
