/**
 * `update` through the real CLI into a real VM: the container's cgroup in
 * its guest gets config.json's linux.resources at create and the new limits
 * after update (read back with `exec cat`), limits the VM cannot hold are
 * refused with nothing changed, and errors match runc's on the same bundle.
 * Afterwards no container, QEMU or state is left.
 */
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { CGROUP_DIR, CliHarness } from './lib/cli';
import { planWrites, sharesToWeight } from '../src/agent/cgroup';
import { ramInBytes, resourcesFromFlags } from '../src/cli/update';

const msg = (stderr: string) => stderr.replace(/^time="[^"]*" /gm, '');

t.test('resources → cgroup v2 writes (runc update semantics)', async (t) => {
  const cur = () => 'max 100000';
  t.same(planWrites({ memory: { limit: 0, swap: 0 }, cpu: { shares: 0, quota: 0, period: 0 }, pids: { limit: 0 } }, 2, cur), [], '0 everywhere changes nothing');
  t.same(planWrites({ memory: { limit: 67108864, swap: 134217728 } }, 1, cur), [
    { file: 'memory.swap.max', value: '67108864', optional: true },
    { file: 'memory.max', value: '67108864' },
  ], "docker's memory + swap");
  t.same(planWrites({ memory: { limit: -1 } }, 1, cur).map((w) => `${w.file}=${w.value}`), ['memory.swap.max=max', 'memory.max=max']);
  t.throws(() => planWrites({ cpu: { quota: 50000 } }, 1, () => 'max 20000'), /asks for 3 CPUs; the VM has 1 vCPU/, 'quota checked against the current period');
  t.same(planWrites({ cpu: { period: 50000 } }, 1, () => '25000 100000').map((w) => w.value), ['25000 50000'], 'period alone keeps the quota');
  t.same(planWrites({ pids: { limit: -1 } }, 1, cur).map((w) => w.value), ['max']);
  t.throws(() => planWrites({ cpu: { cpus: '0-2' } }, 2, cur), /names CPUs the VM does not have: it has 2 vCPUs \(0-1\)/);
  t.throws(() => planWrites({ memory: { swap: 100 } }, 1, cur), /unable to set swap limit without memory limit/);
  t.equal(sharesToWeight(1024), 39, 'shares → weight as runc converts them');
  t.equal(ramInBytes('64M'), 64 * 1024 * 1024);
  t.equal(ramInBytes('1.5g'), 1.5 * 1024 ** 3);
  t.equal(ramInBytes('100'), 100);
  t.throws(() => ramInBytes('abc'), /invalid size: 'abc'/);
  t.same(resourcesFromFlags({ memory: '64m', 'pids-limit': '5', 'cpu-share': '512' }), {
    memory: { limit: 67108864 }, cpu: { shares: 512 }, blockIO: { weight: 0 }, pids: { limit: 5 },
  });
});

const h = new CliHarness('update');
t.teardown(() => h.cleanup());

t.test('update a running container, beside runc', async (t) => {
  h.ids.add('up');
  t.teardown(() => {
    h.clear(['delete', '--force', 'up']);
    h.runc(['delete', '--force', 'up-runc']);
  });
  const bundle = h.bundle('bundle', ['sleep', '1000'], (spec) => {
    spec.linux.resources = { ...spec.linux.resources, memory: { limit: 100 * 1024 * 1024 }, pids: { limit: 50 } };
  });
  const c = h.clear(['run', '-d', '--bundle', bundle, 'up']);
  t.equal(c.code, 0, `run -d: ${c.stderr}`);
  const r = h.runc(['run', '-d', '--bundle', bundle, 'up-runc']);
  t.equal(r.code, 0, `runc run -d: ${r.stderr}`);
  const read = (file: string) => h.clear(['exec', 'up', 'sh', '-c', `cat ${CGROUP_DIR}/${file}`]).stdout.trim();

  await t.test("config.json's linux.resources reach the guest cgroup at create", async (t) => {
    const out = h.clear(['exec', 'up', 'sh', '-c', `cat /proc/self/cgroup ${CGROUP_DIR}/memory.max ${CGROUP_DIR}/pids.max`]);
    t.equal(out.code, 0, out.stderr);
    t.equal(out.stdout, '0::/clear/up\n104857600\n50\n', 'own cgroup, memory.max and pids.max from the config');
  });

  await t.test('--memory 64M: memory.max reads 67108864', async (t) => {
    const u = h.clear(['update', '--memory', '64M', 'up']);
    t.equal(u.code, 0, u.stderr);
    t.equal(u.stdout + u.stderr, '', 'silent, like runc');
    t.equal(read('memory.max'), '67108864');
  });

  await t.test('memory above the VM RAM is refused, naming it; nothing changes', async (t) => {
    const u = h.clear(['update', '--memory', '1G', 'up']);
    t.equal(u.code, 1);
    t.match(msg(u.stderr), /memory limit 1073741824 exceeds the VM's RAM of 196 MiB/);
    t.equal(read('memory.max'), '67108864', 'unchanged');
  });

  await t.test('--pids-limit 5: forks beyond 5 fail', async (t) => {
    const u = h.clear(['update', '--pids-limit', '5', 'up']);
    t.equal(u.code, 0, u.stderr);
    t.equal(read('pids.max'), '5');
    const f = h.clear(['exec', 'up', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait']);
    t.match(f.stderr, /can't fork|Resource temporarily unavailable/, `forks refused: ${f.stderr}`);
    const back = h.clear(['update', '--pids-limit', '-1', 'up']);
    t.equal(back.code, 0, back.stderr);
    t.equal(read('pids.max'), 'max', '-1 lifts the limit');
  });

  await t.test('--cpu-quota/--cpu-period/--cpu-share, and what the VM cannot hold', async (t) => {
    const u = h.clear(['update', '--cpu-quota', '50000', '--cpu-period', '100000', '--cpu-share', '512', 'up']);
    t.equal(u.code, 0, u.stderr);
    t.equal(read('cpu.max'), '50000 100000');
    t.equal(read('cpu.weight'), '20');
    const period = h.clear(['update', '--cpu-period', '200000', 'up']);
    t.equal(period.code, 0, period.stderr);
    t.equal(read('cpu.max'), '50000 200000', 'the period alone keeps the quota (as runc)');
    const big = h.clear(['update', '--cpu-quota', '800000', '--memory', '32M', 'up']);
    t.equal(big.code, 1);
    t.match(msg(big.stderr), /asks for 4 CPUs; the VM has 1 vCPU/);
    t.equal(read('cpu.max'), '50000 200000', 'quota unchanged');
    t.equal(read('memory.max'), '67108864', 'memory unchanged too: nothing is written when one value is refused');
    const cpus = h.clear(['update', '--cpuset-cpus', '1', 'up']);
    t.equal(cpus.code, 1);
    t.match(msg(cpus.stderr), /cpuset .*1.* names CPUs the VM does not have: it has 1 vCPU \(0\)/);
    const cpu0 = h.clear(['update', '--cpuset-cpus', '0', 'up']);
    t.equal(cpu0.code, 0, cpu0.stderr);
    t.equal(read('cpuset.cpus'), '0');
  });

  await t.test("--resources - and --resources=FILE with the callers' JSON", async (t) => {
    // containerd's shim for `docker update --memory 64m --memory-swap 128m` (CALLERS.md).
    const docker = '{"memory":{"limit":50331648,"reservation":0,"swap":100663296,"kernel":0},"cpu":{"shares":0,"quota":0,"period":0},"blockIO":{"weight":0}}';
    const u = h.clear(['update', '--resources', '-', 'up'], docker);
    t.equal(u.code, 0, u.stderr);
    t.equal(read('memory.max'), '50331648');
    t.equal(read('cpu.max'), '50000 200000', 'zeros leave the rest alone');
    // CRI's UpdateContainerResources.
    const file = path.join(h.work, 'res.json');
    fs.writeFileSync(file, '{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":58720256,"swap":58720256},"cpu":{},"pids":{"limit":40}}');
    const p = h.clear(['update', `--resources=${file}`, 'up']);
    t.equal(p.code, 0, p.stderr);
    t.equal(read('memory.max'), '58720256');
    t.equal(read('pids.max'), '40');
    const rr = h.runc(['update', `--resources=${file}`, 'up-runc']);
    t.equal(rr.code, 0, `runc takes it too: ${rr.stderr}`);
  });

  await t.test('a paused container is updated and stays paused', async (t) => {
    t.equal(h.clear(['pause', 'up']).code, 0);
    const u = h.clear(['update', '--memory', '40M', 'up']);
    t.equal(u.code, 0, u.stderr);
    t.equal(JSON.parse(h.clear(['state', 'up']).stdout).status, 'paused');
    t.equal(h.clear(['resume', 'up']).code, 0);
    t.equal(read('memory.max'), String(40 * 1024 * 1024));
  });

  await t.test('errors and exit codes like runc', async (t) => {
    for (const args of [['--memory', 'abc', 'ID'], ['--pids-limit', '5', 'nope'], ['ID', 'extra'], [], ['--cpu-period', 'x', 'ID']]) {
      const c = h.clear(['update', ...args.map((a) => (a === 'ID' ? 'up' : a))]);
      const r = h.runc(['update', ...args.map((a) => (a === 'ID' ? 'up-runc' : a))]);
      t.equal(c.code, r.code, `update ${args.join(' ')}: exit ${r.code}`);
      t.equal(msg(c.stderr), msg(r.stderr).replace(/runc/g, 'clear-runtime'), `update ${args.join(' ')}: same message`);
    }
    const bad = '{"memory":{"limit":"x"}}';
    const c = h.clear(['update', '-r', '-', 'up'], bad);
    const r = h.runc(['update', '-r', '-', 'up-runc'], bad);
    t.equal(c.code, r.code);
    t.equal(msg(c.stderr), msg(r.stderr), 'JSON type errors in Go words');
  });

  await t.test('a stopped container: "container not running", as runc', async (t) => {
    h.clear(['kill', 'up', 'KILL']);
    h.runc(['kill', 'up-runc', 'KILL']);
    for (let i = 0; i < 200 && JSON.parse(h.clear(['state', 'up']).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const c = h.clear(['update', '--memory', '64M', 'up']);
    const r = h.runc(['update', '--memory', '64M', 'up-runc']);
    t.equal(c.code, 1);
    t.equal(c.code, r.code);
    t.equal(msg(c.stderr), msg(r.stderr));
  });

  t.equal(h.clear(['delete', '--force', 'up']).code, 0);
  t.same(h.leftovers().filter((l) => !l.includes('runc')), [], 'nothing of the container is left');
});
