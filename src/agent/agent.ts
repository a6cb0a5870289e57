/**
 * The agent process: listens where --listen says, serves the Agent service on
 * every connection, and ends (or powers the VM off) on Shutdown.
 *
 *   --listen vsock:PORT   AF_VSOCK (the guest; default vsock:1024), through the
 *                         native addon, which is loaded only in this mode
 *   --listen unix:/path   a Unix socket (tests and tools on the host)
 *
 * Start-up time is the point of this file's shape: it imports only what it
 * serves with, and prints the ready line as soon as the listener is up.
 */
import { spawn } from 'child_process';
import { unlinkSync } from 'fs';
import * as net from 'net';
import type { Duplex } from 'stream';
import { EventEmitter } from 'events';
import { printErr } from '../lib/print';
import { native } from '../native';
import { AGENT_READY_LINE, AGENT_VSOCK_PORT } from './protocol';
import { AgentServer } from './server';
import { trace } from './trace';

export interface AgentOptions {
  /** `vsock:PORT` or `unix:/path`. */
  listen: string;
  /**
   * On Shutdown, power the VM off (busybox reboot -f; QEMU runs with
   * -no-reboot) instead of only ending the agent. Default: when running as
   * PID 1 or with CLEAR_AGENT_POWEROFF=1 in the environment.
   */
  poweroff?: boolean;
  /**
   * Where the ready line goes; default stderr, written directly (in the
   * guest the console: building process.stderr's tty stream is cold code
   * on the way to the first answer). null: nowhere.
   */
  log?: ((line: string) => void) | null;
  /** Called once the agent has stopped after Shutdown (main exits there). */
  onStopped?: () => void;
  /**
   * How SetGuestTime sets the machine's clock; null: the call is refused.
   * Default: clock_settime with CLEAR_AGENT_SETS_CLOCK=1 in the environment
   * (clear's init sets it), else null, so that an agent run on a host never
   * sets the host's clock.
   */
  setClock?: ((sec: number, nsec: number) => void) | null;
}

/** The native module's AF_VSOCK listener (src/native/fd-stream). */
interface VsockServerLike extends EventEmitter {
  close(): void;
}

export interface RunningAgent {
  readonly server: AgentServer;
  /** What it listens on, as given. */
  readonly listen: string;
  /** Stops listening, closes every connection, kills the processes left. */
  close(): Promise<void>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): AgentOptions {
  let listen = `vsock:${AGENT_VSOCK_PORT}`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--listen') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError('--listen needs a value (vsock:PORT or unix:/path)');
      listen = v;
    } else if (a.startsWith('--listen=')) {
      listen = a.slice('--listen='.length);
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(a)}; usage: agent [--listen vsock:PORT|unix:/path]`);
    }
  }
  return { listen };
}

function setRealtimeClock(sec: number, nsec: number): void {
  native().setRealtime(sec, nsec);
}

/** How long Shutdown waits for the host to hang up before going on. */
const SHUTDOWN_GRACE_MS = 200;

export function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.log === undefined ? (l: string) => printErr(`${l}\n`) : opts.log;
  const poweroff = opts.poweroff ?? (process.pid === 1 || process.env.CLEAR_AGENT_POWEROFF === '1');
  const conns = new Set<Duplex>();
  let listener: { close(): void } | null = null;
  let closing: Promise<void> | null = null;

  const close = (): Promise<void> => {
    if (closing) return closing;
    closing = (async () => {
      listener?.close();
      agent.close();
      for (const c of conns) c.destroy();
    })();
    return closing;
  };

  const onShutdown = () => {
    listener?.close();
    listener = null;
    // Let the answer reach the host: wait for it to hang up, briefly.
    const deadline = performance.now() + SHUTDOWN_GRACE_MS;
    const step = () => {
      if (conns.size > 0 && performance.now() < deadline) return void setTimeout(step, 10);
      void close().then(() => {
        trace('stopped');
        if (!poweroff && askInitToPowerOff()) return;
        if (!poweroff) return opts.onStopped?.();
        // busybox reboot -f syncs, then reboot(2); -no-reboot ends the VM.
        // On success nothing after this runs; as PID 1 the agent must not
        // exit first (the kernel would panic), so it waits for the kernel.
        const c = spawn('/bin/busybox', ['reboot', '-f'], { stdio: 'inherit' });
        const failed = (why: string) => {
          log?.(`clear-agent: power off failed: ${why}`);
          opts.onStopped?.();
        };
        c.on('error', (err) => failed(err.message));
        c.on('exit', (code, sig) => {
          // reboot -f normally never returns: give the kernel a moment.
          setTimeout(() => failed(`busybox reboot -f ended (${sig ?? code})`), 2000);
        });
      });
    };
    step();
  };

  /**
   * Under clear's init (which names the signal in the environment), init
   * syncs and powers the VM off at once on that signal, while the agent
   * waits: node's own exit (~0.1 s under TCG, tearing down its address
   * space) is then off every container's way down. Should the VM still run
   * after 2 s, the agent ends as it would have, and init goes on from there.
   */
  const askInitToPowerOff = (): boolean => {
    // Set by clear's init only: the parent is that init, PID 1 of the guest.
    const signal = process.env.CLEAR_INIT_POWEROFF_SIGNAL;
    if (!signal) return false;
    try {
      process.kill(process.ppid, signal);
    } catch {
      return false;
    }
    trace('power-off asked of init');
    setTimeout(() => opts.onStopped?.(), 2000);
    return true;
  };

  const setClock = opts.setClock !== undefined ? opts.setClock : process.env.CLEAR_AGENT_SETS_CLOCK === '1' ? setRealtimeClock : null;
  const agent = new AgentServer({ onShutdown, setClock });
  const accept = (conn: Duplex) => {
    trace('connection accepted');
    conns.add(conn);
    conn.on('error', () => {}); // the session sees the failure; never crash the agent on it
    conn.once('close', () => conns.delete(conn));
    agent.handleConnection(conn);
  };

  const running: RunningAgent = { server: agent, listen: opts.listen, close };

  const ready = () => {
    trace('listening');
    log?.(`${AGENT_READY_LINE}${opts.listen}`);
    return running;
  };

  const m = /^(vsock|unix):(.+)$/.exec(opts.listen);
  if (!m) return Promise.reject(new UsageError(`--listen ${opts.listen}: use vsock:PORT or unix:/path`));
  if (m[1] === 'unix') {
    const path = m[2];
    return new Promise((resolve, reject) => {
      try {
        unlinkSync(path); // a stale socket from an earlier run
      } catch {
        /* none */
      }
      const srv = net.createServer({ pauseOnConnect: false }, accept);
      srv.once('error', reject);
      srv.listen(path, () => {
        srv.off('error', reject);
        srv.on('error', (err) => log?.(`clear-agent: listener: ${err.message}`));
        listener = srv;
        resolve(ready());
      });
    });
  }
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 0xffffffff) {
    return Promise.reject(new UsageError(`--listen ${opts.listen}: bad vsock port`));
  }
  return new Promise((resolve, reject) => {
    let VsockServer: new (port: number) => VsockServerLike;
    try {
      // Loaded only here: unix mode must work without the addon (which the
      // module loads on first use). A literal require, so esbuild bundles it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      VsockServer = (require('../native/fd-stream') as typeof import('../native/fd-stream')).VsockServer;
    } catch (err) {
      return reject(err);
    }
    let srv: VsockServerLike;
    try {
      srv = new VsockServer(port);
    } catch (err) {
      return reject(err);
    }
    srv.on('connection', accept);
    srv.on('error', (err: Error) => log?.(`clear-agent: vsock listener: ${err.message}`));
    listener = srv;
    resolve(ready());
  });
}

/** The command: start, and exit 0 after Shutdown; exit 2 on bad usage, 1 on failure. */
export function main(argv: string[]): void {
  let opts: AgentOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    printErr(`clear-agent: ${(err as Error).message}\n`);
    process.exit(2);
  }
  startAgent({ ...opts, onStopped: () => process.exit(0) }).then(
    (running) => {
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: Error) => {
      printErr(`clear-agent: cannot listen on ${opts.listen}: ${err.message}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
