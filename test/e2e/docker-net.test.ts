/**
 * Docker networking with clear, runc as the reference: the default bridge
 * (eth0 with an address of the run's subnet), `-p 8080:80` reached from the
 * host, and one container reaching another by IP. For clear these need the
 * VM to take over the veth docker plugs into the container's netns (branch
 * `net`); until that lands the clear half of this file is expected to fail.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import t from 'tap';
import { type Engines, IMAGE } from './lib/engines';
import { checkTeardown, RUNTIMES, show, startEngines, until } from './lib/suite';

let e: Engines | undefined;

t.before(async () => {
  e = await startEngines(t, ['/usr/sbin/dockerd', '/usr/bin/containerd', '/usr/bin/docker', 'runc'], { docker: true, containerd: true });
  await e?.loadImage({ docker: true });
});

function httpGet(port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
  });
}

const subnetPrefix = () => e!.bridgeCidr.split('.').slice(0, 3).join('.');

for (const [i, rt] of RUNTIMES.entries()) {
  t.test(`${rt}: default bridge: eth0 has an address of the docker network`, async (t) => {
    if (!e) return;
    const r = await e.docker(['run', '--rm', '--runtime', rt, IMAGE, 'sh', '-c', 'ip -4 -o addr show eth0; ip route']);
    t.equal(r.code, 0, show(r));
    t.match(r.stdout, new RegExp(`inet ${subnetPrefix().replace(/\./g, '\\.')}\\.\\d+/24`), 'eth0 on the bridge subnet');
    t.match(r.stdout, /^default via /m, 'a default route');
  });

  t.test(`${rt}: -p HOST:80 reached from the host; container to container by IP`, async (t) => {
    if (!e) return;
    const port = 18080 + i + (process.pid % 500) * 2;
    const web = `e2e-web-${rt}`;
    const d = await e.docker([
      'run', '-d', '--runtime', rt, '--name', web, '-p', `127.0.0.1:${port}:80`, IMAGE,
      'sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www',
    ]);
    t.equal(d.code, 0, `run -d: ${show(d)}`);
    try {
      const body = await until(() => httpGet(port), 60_000, 1000);
      t.match(body, /^hello from /, `http://127.0.0.1:${port}/ answers from the container`);
      const ip = (await e.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', web])).stdout.trim();
      t.match(ip, /^\d+\.\d+\.\d+\.\d+$/, `the web container has an IP (${ip})`);
      const route = spawnSync('ip', ['-4', 'route', 'get', ip], { encoding: 'utf8' }).stdout;
      t.match(route, new RegExp(`dev ${e.bridge}\\b`), `the host reaches ${ip} through the run's bridge ${e.bridge}`);
      // busybox-static's wget crashes on service lookups (static glibc NSS): plain nc.
      const c = await e.docker(['run', '--rm', '--runtime', rt, IMAGE, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 10 ${ip} 80`]);
      t.equal(c.code, 0, `nc from another container: ${show(c)}`);
      t.match(c.stdout, /^hello from /m, 'container to container by IP');
    } finally {
      await e.docker(['rm', '-f', web]);
    }
  });
}

checkTeardown(t, () => e);
