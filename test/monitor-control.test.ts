/**
 * The monitor's control socket (src/container/monitor-control.ts), with a
 * stand-in agent: each request reaches the agent call it names, results come
 * back, an agent's refusal keeps its name, code and words (start's hook
 * failures, update's refusals are shown to users from these), and a monitor
 * that is gone or hangs up reads as "container not running".
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { AgentClient } from '../src/agent/client';
import { callMonitor, serveMonitorControl } from '../src/container/monitor-control';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clear-control-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

function refusal(message: string, code: number, codeName: string): Error {
  return Object.assign(new Error(message), { name: 'AgentCallError', code, codeName });
}

t.test('requests reach the agent through the monitor; answers and refusals come back', async (t) => {
  const calls: unknown[][] = [];
  const agent = {
    startContainer: async (id: string) => void calls.push(['start', id]),
    signal: async (execId: string, signo: number) => void calls.push(['signal', execId, signo]),
    updateContainer: async (id: string, r: object) => {
      calls.push(['update', id, r]);
      throw refusal('cpu quota 300000/100000 needs 3 vCPUs; the VM has 1', 3, 'INVALID_ARGUMENT');
    },
    statsContainer: async (id: string) => ({ files: { 'memory.current': `7 ${id}` }, cpus: 1 }),
    setGuestTime: async () => void calls.push(['set-guest-time']),
  } as unknown as AgentClient;
  const sock = path.join(dir, 'control.sock');
  const control = serveMonitorControl(sock, agent, 'c1');
  t.teardown(() => control.close());

  t.equal(await callMonitor(sock, { op: 'start' }), undefined, 'start answered');
  await callMonitor(sock, { op: 'signal', signal: 15 });
  t.equal(await callMonitor(sock, { op: 'set-guest-time' }), undefined, "resume's clock answered");
  t.same(await callMonitor(sock, { op: 'stats' }), { files: { 'memory.current': '7 c1' }, cpus: 1 }, 'stats: the agent\'s result');
  const err = await callMonitor(sock, { op: 'update', resources: { cpu: { quota: 300000 } } }).catch((e: unknown) => e as Error & { codeName?: string; code?: number });
  t.ok(err instanceof Error, 'an agent refusal rejects');
  t.match(err, { name: 'AgentCallError', codeName: 'INVALID_ARGUMENT', code: 3, message: 'cpu quota 300000/100000 needs 3 vCPUs; the VM has 1' }, 'with its name, code and words');
  t.same(calls, [['start', 'c1'], ['signal', 'init', 15], ['set-guest-time'], ['update', 'c1', { cpu: { quota: 300000 } }]], 'each call, with the container\'s id');

  const [a, b] = await Promise.all([callMonitor(sock, { op: 'stats' }), callMonitor(sock, { op: 'stats' })]);
  t.same(a, b, 'two callers at once each get an answer');

  control.close();
  t.notOk(fs.existsSync(sock), 'close() removes the socket');
  await t.rejects(callMonitor(sock, { op: 'start' }), { name: 'ClearError', message: 'container not running' }, 'a monitor that is gone');
});

t.test('a monitor that hangs up without answering', async (t) => {
  const sock = path.join(dir, 'hangup.sock');
  const server = net.createServer((c) => c.destroy()).listen(sock);
  t.teardown(() => void server.close());
  await new Promise((r) => server.once('listening', r));
  await t.rejects(callMonitor(sock, { op: 'signal', signal: 9 }), { message: /container not running/ });
});
