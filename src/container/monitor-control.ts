/**
 * The monitor's control socket: how the short-lived commands (`start`,
 * `kill`, `update`, `events`/`docker stats`, `resume`) reach the container's agent
 * through the connection the monitor already holds, instead of opening one
 * of their own.
 *
 * Why: a new agent connection costs a vsock stream and an HTTP/2 session set
 * up by the guest — measured ~0.5 s of `start` under TCG, for a call the
 * agent answers in ~0.1 s — and the command would load gRPC and protobuf
 * first. Here a command sends one JSON line and reads one back.
 *
 *   request:  {"op":"start"} | {"op":"signal","signal":15}
 *             | {"op":"update","resources":{...}} | {"op":"stats"}
 *             | {"op":"set-guest-time"}
 *   answer:   {"ok":true,"result":...} | {"error":{"message","name","code","codeName"}}
 *
 * The socket is `<runDir>/control.sock` (the run directory is 0700, root's),
 * recorded in monitor.json once the container is created; it goes away with
 * the monitor.
 */
import fs from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import type { AgentClient } from '../agent/client';
import { ClearError, messageOf, NotRunningError } from '../lib/errors';
import { INIT_EXEC_ID } from './monitor-record';

export type ControlRequest =
  | { op: 'start' }
  | { op: 'signal'; signal: number }
  | { op: 'update'; resources: object }
  | { op: 'stats' }
  | { op: 'set-guest-time' };

interface ControlAnswer {
  ok?: true;
  result?: unknown;
  error?: { message: string; name?: string; code?: number; codeName?: string };
}

/** What the monitor does for each request, with its agent and container id. */
function perform(agent: AgentClient, id: string, req: ControlRequest): Promise<unknown> {
  switch (req.op) {
    case 'start':
      return agent.startContainer(id);
    case 'signal':
      return agent.signal(INIT_EXEC_ID, req.signal);
    case 'update':
      return agent.updateContainer(id, req.resources);
    case 'stats':
      return agent.statsContainer(id);
    case 'set-guest-time':
      return agent.setGuestTime();
    default:
      return Promise.reject(new ClearError(`unknown control request ${JSON.stringify(req)}`));
  }
}

/** An error as it crosses the socket: an agent's refusal keeps its name and code. */
function errorAnswer(err: unknown): ControlAnswer {
  const e = err as Error & { code?: unknown; codeName?: unknown };
  return {
    error: {
      message: messageOf(err),
      name: e?.name,
      code: typeof e?.code === 'number' ? e.code : undefined,
      codeName: typeof e?.codeName === 'string' ? e.codeName : undefined,
    },
  };
}

/** Serves the control socket; close() stops it and removes the socket. */
export function serveMonitorControl(socketPath: string, agent: AgentClient, id: string): { close(): void } {
  fs.rmSync(socketPath, { force: true });
  const conns = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    conns.add(conn);
    conn.on('error', () => {});
    conn.on('close', () => conns.delete(conn));
    const lines = readline.createInterface({ input: conn });
    lines.on('error', () => {});
    lines.on('line', (line) => {
      let req: ControlRequest;
      try {
        req = JSON.parse(line) as ControlRequest;
      } catch {
        conn.end(`${JSON.stringify(errorAnswer(new ClearError('control request is not JSON')))}\n`);
        return;
      }
      perform(agent, id, req).then(
        (result) => conn.write(`${JSON.stringify({ ok: true, result } satisfies ControlAnswer)}\n`),
        (err) => conn.write(`${JSON.stringify(errorAnswer(err))}\n`),
      );
    });
  });
  server.on('error', () => {});
  server.listen(socketPath);
  return {
    close() {
      server.close();
      for (const c of conns) c.destroy();
      fs.rmSync(socketPath, { force: true });
    },
  };
}

/** No answer from the monitor within the time a call allowed (callMonitor's `timeoutMs`). */
export class MonitorTimeoutError extends ClearError {
  constructor(req: ControlRequest, timeoutMs: number) {
    const what = req.op === 'signal' ? `signal ${req.signal}` : req.op;
    super(`the container's VM (its agent or monitor) did not answer ${what} within ${(timeoutMs / 1000).toFixed(0)} s`);
  }
}

/**
 * Sends one request to a monitor and resolves with its result. An agent's
 * refusal comes back as an Error with the agent error's name, code and
 * codeName (what callers test); a monitor that hangs up first means the
 * container is no longer running. With `timeoutMs`, no answer by then
 * rejects with MonitorTimeoutError (the request may still be carried out).
 */
export function callMonitor(socketPath: string, req: ControlRequest, timeoutMs?: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let answered = false;
    const timer =
      timeoutMs === undefined
        ? null
        : setTimeout(() => {
            if (answered) return;
            answered = true;
            conn.destroy();
            reject(new MonitorTimeoutError(req, timeoutMs));
          }, timeoutMs);
    conn.once('close', () => {
      if (timer) clearTimeout(timer);
    });
    conn.once('error', (err: NodeJS.ErrnoException) => {
      if (answered) return;
      answered = true;
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new NotRunningError());
      else if (err.code === 'EPIPE' || err.code === 'ECONNRESET') reject(new NotRunningError('container not running (its monitor hung up)'));
      else reject(err);
    });
    const lines = readline.createInterface({ input: conn });
    lines.on('error', () => {}); // the socket's own 'error' handler answers
    lines.once('line', (line) => {
      answered = true;
      conn.destroy();
      let answer: ControlAnswer;
      try {
        answer = JSON.parse(line) as ControlAnswer;
      } catch {
        return reject(new ClearError(`the container's monitor answered ${JSON.stringify(line.slice(0, 80))}`));
      }
      if (!answer.error) return resolve(answer.result);
      const err = Object.assign(new Error(answer.error.message), { code: answer.error.code, codeName: answer.error.codeName });
      if (answer.error.name) err.name = answer.error.name;
      reject(err);
    });
    conn.once('close', () => {
      if (answered) return;
      answered = true;
      reject(new NotRunningError('container not running (its monitor hung up)'));
    });
    conn.write(`${JSON.stringify(req)}\n`);
  });
}
