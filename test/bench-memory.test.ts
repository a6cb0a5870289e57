/**
 * What TCG adds to make bench's memory figures: QEMU's translation cache,
 * found in /proc/PID/smaps (its memfd, or its private anonymous executable
 * memory without split-wx), and
 * the line the report states it in. Also the report's exec row.
 */
import fs from 'node:fs';
import t from 'tap';
import { floorIdlePss } from '../src/bench/floor';
import { renderMarkdown, renderSvg, translationCacheLine, type BenchResult } from '../src/bench/report';
import { translationCachePssKiB } from '../src/bench/util';
import { guestArtifacts } from '../src/lib/paths';
import { detectAccelerator } from '../src/vmm/accel';
import { TCG_TB_SIZE_MIB } from '../src/vmm/qemu/args';

/** One smaps entry: header line, then the fields that matter here. */
const mapping = (header: string, pssKiB: number) => `${header}\nSize:              40960 kB\nRss:               ${pssKiB} kB\nPss:               ${pssKiB} kB\nVmFlags: rd wr mr mw me ac sd\n`;

t.test('translationCachePssKiB counts the tcg-jit memfd, or private anonymous executable mappings', async (t) => {
  const smaps = [
    mapping('7f5dc5a00000-7f5dc79ff000 rwxp 00000000 00:00 0 ', 32764), // TCG's code_gen_buffer
    mapping('7f5dc0021000-7f5dc4000000 rwxp 00000000 00:00 0', 100), // another, no trailing space
    mapping('55d0a0000000-55d0a0800000 r-xp 00000000 fe:00 1786976                    /usr/bin/qemu-system-x86_64', 5000), // text: a file
    mapping('7f5daffff000-7f5dbffff000 rw-s 00000000 00:01 11090                      /memfd:memory-backend-memfd (deleted)', 39269), // guest RAM
    mapping('7f5da4021000-7f5da8000000 rw-p 00000000 00:00 0 ', 9000), // heap arena: not executable
    mapping('7f5da0000000-7f5da0021000 rwxs 00000000 00:01 4242                       /memfd:x (deleted)', 700), // shared
    mapping('7ffd1e3c0000-7ffd1e3e1000 r-xp 00000000 00:00 0                          [vdso]', 4), // named
  ].join('');
  t.equal(translationCachePssKiB(smaps), 32764 + 100, 'the two rwxp anonymous mappings, nothing else');
  // split-wx=on: one memfd mapped to be run and to be written (each page half in each), and its guard page.
  const splitWx = [
    mapping('7f07bc000000-7f07be000000 r-xs 00000000 00:01 6153                       /memfd:tcg-jit (deleted)', 10096),
    mapping('7f07be000000-7f07bffff000 rw-s 00000000 00:01 6153                       /memfd:tcg-jit (deleted)', 10096),
    mapping('7f07bffff000-7f07c0000000 ---s 01fff000 00:01 6153                       /memfd:tcg-jit (deleted)', 0),
    mapping('7f5daffff000-7f5dbffff000 rw-s 00000000 00:01 11090                      /memfd:memory-backend-memfd (deleted)', 39269),
  ].join('');
  t.equal(translationCachePssKiB(splitWx), 2 * 10096, 'both mappings of the tcg-jit memfd, not guest RAM');
  t.equal(translationCachePssKiB(''), 0, 'nothing mapped, nothing counted');
});

const kernel = guestArtifacts().kernel;
t.test('a bare QEMU of the guest kernel: its translation cache is what TCG adds, none under KVM', { skip: !fs.existsSync(kernel) && `no guest kernel at ${kernel}: run 'make guest'` }, async (t) => {
  const accel = await detectAccelerator();
  const floor = await floorIdlePss(accel, 3000);
  t.ok(floor.pssKiB > 0, `QEMU's PSS ${floor.pssKiB} KiB (${accel.kind})`);
  if (accel.kind === 'tcg') {
    // A kernel's boot translates megabytes of code; the cache never grows past tb-size.
    t.ok(floor.translationCacheKiB > 1024, `translation cache ${floor.translationCacheKiB} KiB, more than 1 MiB after a boot`);
    t.ok(floor.translationCacheKiB <= TCG_TB_SIZE_MIB * 1024, `at most tb-size=${TCG_TB_SIZE_MIB} MiB`);
    t.ok(floor.translationCacheKiB < floor.pssKiB, 'a part of the PSS');
  } else {
    t.equal(floor.translationCacheKiB, 0, 'KVM generates no code');
  }
});

/** The smallest result the report renders. */
function result(over: Partial<BenchResult>): BenchResult {
  return {
    date: '2026-11-24T00:00:00.000Z',
    accel: 'tcg',
    accelReason: 'test',
    host: { cpu: 'cpu', cpus: 2, memGiB: 24, kernel: 'k', hostname: 'h' },
    sharedMachine: true,
    loadAverage: { before: '0', after: '0' },
    otherQemuDuringRun: 0,
    config: { ddMiB: 256, budgetMiB: 4096, runs: 10, cliRuns: 20, ioRuns: 1, parallel: 10, densityCap: 40 },
    runtimes: ['clear', 'runc'],
    versions: { clear: 'c', runc: 'r' },
    refusals: {},
    measures: { clear: {}, runc: {} },
    nodeFloorMs: null,
    memory: [],
    memoryFloorMiB: null,
    guestMemory: {},
    density: {},
    qemuLeftovers: [],
    ...over,
  };
}

t.test('the report states what TCG adds per level, with the floor\'s share, and nothing when none was measured', async (t) => {
  const levels = [1, 20].map((containers, i) => ({
    containers,
    perContainerMiB: { clear: [196, 105][i], runc: 0.1 },
    byProcessMiB: {},
    translationCacheMiB: { clear: [32, 31.9][i] },
    errors: {},
  }));
  const r = result({ memory: levels, memoryFloorMiB: 93.9, memoryFloorTranslationCacheMiB: 32 });
  const line = translationCacheLine(r);
  t.match(line, /32 MiB at 1, 31\.9 MiB at 20 running/, 'each level, per container');
  t.match(line, /bare QEMU floor: 32 of its 93\.9 MiB/, "the floor's share");
  t.ok(renderMarkdown(r, 'x.svg').includes(line!), 'the markdown carries it');
  t.notMatch(line, /measured .* after/, 'a run that did not record its settle time says nothing of it');
  const settled = translationCacheLine(result({ memory: levels, config: { ...result({}).config, memorySettleMs: 20000 } }));
  t.match(settled, /measured 20 s after the last container started/, 'how long the containers had idled');

  const kvm = result({ accel: 'kvm', memory: levels.map((l) => ({ ...l, translationCacheMiB: {} })) });
  t.equal(translationCacheLine(kvm), null, 'no translation cache measured: no line');
  const old = result({ memory: levels.map(({ translationCacheMiB: _, ...l }) => l) });
  t.equal(translationCacheLine(old), null, 'a result from before the measure renders as it did');
  t.notOk(renderMarkdown(old, 'x.svg').includes('What TCG adds'), 'and says nothing of it');
});

t.test('idle host CPU per container: a row at the level it was measured at, none in older results', async (t) => {
  const level = { containers: 20, perContainerMiB: { clear: 105, runc: 0.1 }, byProcessMiB: {}, errors: {} };
  const r = result({
    config: { ...result({}).config, idleCpuS: 10 },
    memory: [{ ...level, idleCpuPercent: { clear: 0.42, runc: 0 } }],
  });
  t.match(renderMarkdown(r, 'x.svg'), /^\| host CPU per idle container, % of a CPU, 20 running \(over 10 s\) \| 0\.42 \| 0 \| — \|$/m, "clear's and runc's figures");
  t.notMatch(renderMarkdown(result({ memory: [level] }), 'x.svg'), /host CPU per idle container/, 'no row where it was not measured');
});

// Measures added after the first results: rendered where measured, absent from older results.
const laterMeasures = [
  {
    key: 'execMs',
    label: /`exec`/,
    row: /^\| `exec` `true` in a running container, ms \(min \/ median \/ max of 20\) \| 410 \/ 456 \/ 620 \| error¹ \| — \|$/m,
    panel: /exec true in a running container \(median\)/,
  },
  {
    key: 'spawnMs',
    label: /a program run from the rootfs/,
    row: /^\| a program run from the rootfs by a shell loop \(`\/bin\/true` × 100\), ms each \| 456 \(410–620\) \| error¹ \| — \|$/m,
    panel: /a program run from the rootfs by a shell/,
  },
  {
    key: 'execIdleMs',
    label: /idle for/,
    row: /^\| `exec` `true` in a container idle for a while since its start \(clear: the first command after its VM gave back its translation cache\), ms \(median \(min–max\), one per memory level\) \| 456 \(410–620\) \| error¹ \| — \|$/m,
    panel: null,
  },
  {
    key: 'parallelEachMs',
    label: /each create's own time/,
    row: /^\| … each create's own time, ms \(median \(min–max\) of 10\) \| 456 \(410–620\) \| error¹ \| — \|$/m,
    // The chart keeps one panel for parallel creates: their total.
    panel: null,
  },
];
for (const m of laterMeasures) {
  t.test(`${m.key}: a row and a chart panel where it was measured, none in older results`, async (t) => {
    const measured = result({
      measures: {
        clear: { [m.key]: { min: 410, median: 455.5, max: 620, runs: [410, 455.5, 620] } },
        runc: { [m.key]: { error: 'runc: no such container', runs: [] } },
      },
    });
    t.match(renderMarkdown(measured, 'x.svg'), m.row, "clear's figures, runc's error");
    if (m.panel) t.match(renderSvg(measured), m.panel, 'a chart panel');
    const old = result({});
    t.notMatch(renderMarkdown(old, 'x.svg'), m.label, 'a result from before the measure has no row');
    if (m.panel) t.notMatch(renderSvg(old), m.panel, 'and no panel');
  });
}
