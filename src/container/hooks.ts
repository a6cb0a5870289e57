/**
 * OCI hooks: each runs on the host with the container's state JSON on its
 * stdin, one after another, in the order of the config. A hook fails when it
 * cannot be started, exits non-zero, is killed, or outlives its `timeout`;
 * the error names the phase, the index and the path, in runc's words:
 *
 *   error running prestart hook #0: error running hook /usr/bin/x: exit status 3, stdout: ..., stderr: ...
 *   error running createRuntime hook #1: fork/exec /nonexistent: no such file or directory
 *   error running poststart hook #0: hook ran past specified timeout of 1.0s
 *
 * Like Go's exec.Cmd (runc): no `env` means the runtime's own environment;
 * args[0] is the hook's argv[0] (the path when args is empty).
 */
import { ClearError } from '../lib/errors';
import type { Hook, HookPhase, HookState } from './oci-spec';
import { sysErrorText } from './state';

/** Go's names for the usual signals in "signal: killed". */
const GO_SIGNAL_TEXT: Record<string, string> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGQUIT: 'quit',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGPIPE: 'broken pipe',
  SIGBUS: 'bus error',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
  SIGALRM: 'alarm clock',
};

/** The OCI state JSON exactly as runc hands it to hooks (compact, runc's field order). */
export function hookStateJson(s: HookState): string {
  const o: Record<string, unknown> = { ociVersion: s.ociVersion, id: s.id, status: s.status };
  if (s.pid) o.pid = s.pid;
  o.bundle = s.bundle;
  if (s.annotations && Object.keys(s.annotations).length > 0) o.annotations = s.annotations;
  return JSON.stringify(o);
}

/** Runs one hook; rejects with the detail part of runc's message. */
export function runHook(hook: Hook, stdin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const argv = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
    let child;
    try {
      // Required here, not at the top: `state` and friends load this module and
      // should not pay child_process's start-up cost (a few ms) for nothing.
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      child = spawn(hook.path, argv.slice(1), {
        argv0: argv[0],
        env: hook.env ? envObject(hook.env) : process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(new Error(forkExecText(hook.path, err)));
      return;
    }
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => errOut.push(b));
    child.stdin.on('error', () => {
      /* the hook need not read its stdin (EPIPE) */
    });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    child.on('error', (err) => finish(new Error(forkExecText(hook.path, err))));
    if (hook.timeout !== undefined && hook.timeout > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, hook.timeout * 1000);
    }
    // After a timeout, do not wait for the pipes: a grandchild may hold them.
    child.on('exit', () => {
      if (timedOut) finish(new Error(`hook ran past specified timeout of ${hook.timeout!.toFixed(1)}s`));
    });
    child.on('close', (code, signal) => {
      if (timedOut) {
        finish(new Error(`hook ran past specified timeout of ${hook.timeout!.toFixed(1)}s`));
        return;
      }
      if (code === 0) {
        finish();
        return;
      }
      const why = signal ? `signal: ${GO_SIGNAL_TEXT[signal] ?? signal}` : `exit status ${code}`;
      finish(
        new Error(
          `error running hook ${hook.path}: ${why}, stdout: ${Buffer.concat(out).toString()}, stderr: ${Buffer.concat(errOut).toString()}`,
        ),
      );
    });
    child.stdin.end(stdin);
  });
}

/**
 * Runs the hooks of one phase in order; the first failure throws
 * `error running <phase> hook #<i>: <detail>`.
 */
export async function runHooks(phase: HookPhase, hooks: Hook[] | undefined, state: HookState): Promise<void> {
  if (!hooks || hooks.length === 0) return;
  const stdin = hookStateJson(state);
  for (let i = 0; i < hooks.length; i++) {
    try {
      await runHook(hooks[i], stdin);
    } catch (err) {
      throw new ClearError(`error running ${phase} hook #${i}: ${(err as Error).message}`);
    }
  }
}

function envObject(env: string[]): NodeJS.ProcessEnv {
  const o: NodeJS.ProcessEnv = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) o[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return o;
}

function forkExecText(file: string, err: unknown): string {
  return sysErrorText(err, 'fork/exec', file);
}
