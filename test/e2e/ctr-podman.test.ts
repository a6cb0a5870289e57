/**
 * containerd (ctr, the runc v2 shim with --runc-binary) and podman (conmon,
 * --runtime) with clear, end to end, runc as the reference. containerd and
 * podman use data dirs of this run's own (test/e2e/lib/engines.ts).
 */
import t from 'tap';
import { type Engines, IMAGE } from './lib/engines';
import { checkTeardown, RUNTIMES, show, startEngines } from './lib/suite';

let e: Engines | undefined;

t.before(async () => {
  e = await startEngines(t, ['/usr/bin/containerd', 'ctr', 'podman', 'conmon', 'runc'], { containerd: true });
  await e?.loadImage({ containerd: true, podman: true });
});

for (const rt of RUNTIMES) {
  t.test(`${rt}: ctr run --rm: output, exit code, env`, async (t) => {
    if (!e) return;
    const r = await e.ctr(
      ['run', '--rm', ...e.ctrRuntimeFlags(rt), '--env', 'FOO=bar', IMAGE, `e2e-ctr-${rt}`, 'sh', '-c', 'echo "foo=$FOO"; echo "pid1=$(cat /proc/1/comm)"; exit 3'],
      { timeoutMs: 180_000 },
    );
    t.equal(r.code, 3, `exit code 3: ${show(r)}`);
    t.match(r.stdout, /^foo=bar$/m, 'env and stdout');
    const left = await e.ctr(['containers', 'ls', '-q']);
    t.notMatch(left.stdout, `e2e-ctr-${rt}`, '--rm removed the container');
  });

  t.test(`${rt}: podman run --rm: output, exit code, -u, -e`, async (t) => {
    if (!e) return;
    const r = await e.podman(
      ['run', '--rm', '--runtime', e.podmanRuntime(rt), '--cgroup-parent', `${e.cgroupParent}/podman`, '--network', 'none',
        '-e', 'FOO=bar', '-u', '1000:1000', IMAGE, 'sh', '-c', 'echo "foo=$FOO id=$(id -u):$(id -g)"; echo err >&2; exit 3'],
      { timeoutMs: 180_000 },
    );
    t.equal(r.code, 3, `exit code 3: ${show(r)}`);
    t.match(r.stdout, /^foo=bar id=1000:1000$/m, 'env, user and stdout');
    t.match(r.stderr, /^err$/m, 'stderr');
    const left = await e.podman(['ps', '-aq']);
    t.equal(left.stdout.trim(), '', '--rm removed the container');
  });
}

checkTeardown(t, () => e);
