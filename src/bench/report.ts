/**
 * make bench's outputs: the markdown table, a hand-written SVG bar chart
 * (no dependency), and the README section between its bench markers.
 */
import fs from 'node:fs';
import type { Measure, Summary } from './util';

/** How many times the I/O section's shell runs `/bin/true` (spawnMs: ms per run). */
export const SPAWN_RUNS = 100;

export interface MemoryLevel {
  containers: number;
  /** Host PSS per container: the sum over every host process the containers use, / count. */
  perContainerMiB: Record<string, number>;
  /** The same, split by process name. */
  byProcessMiB: Record<string, Record<string, number>>;
  /**
   * Of perContainerMiB, TCG's translation cache (QEMU's anonymous executable
   * memory): what TCG adds, absent under KVM. Only runtimes with such memory;
   * missing in results from before it was measured.
   */
  translationCacheMiB?: Record<string, number>;
  /**
   * Host CPU per idle container, % of one CPU, over config.idleCpuS: at the
   * largest level only; missing in results from before it was measured.
   */
  idleCpuPercent?: Record<string, number>;
  errors: Record<string, string>;
}

export interface BenchResult {
  date: string;
  accel: string;
  accelReason: string;
  host: { cpu: string; cpus: number; memGiB: number; kernel: string; hostname: string };
  sharedMachine: boolean;
  loadAverage: { before: string; after: string };
  otherQemuDuringRun: number;
  config: Record<string, unknown> & { ddMiB: number; budgetMiB: number; runs: number; cliRuns: number; ioRuns: number; parallel: number; densityCap: number };
  runtimes: string[];
  versions: Record<string, string>;
  refusals: Record<string, string>;
  measures: Record<string, Record<string, Measure | null>>;
  nodeFloorMs: Summary | null;
  memory: MemoryLevel[];
  memoryFloorMiB: number | null;
  /** Of memoryFloorMiB, TCG's translation cache (missing in older results). */
  memoryFloorTranslationCacheMiB?: number | null;
  guestMemory: Record<string, Record<string, number> | { error: string }>;
  density: Record<string, { count: number; capped: boolean; pssMiB: number; extrapolated?: number } | { error: string }>;
  qemuLeftovers: unknown[];
}

const f0 = (n: number) =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Number(n.toFixed(Math.abs(n) >= 10 ? 1 : 2)));

function cell(m: Measure | null | undefined, kind: 'mmm' | 'median'): string {
  if (!m) return '—';
  if ('error' in m) return 'error¹';
  if (kind === 'median') return `${f0(m.median)} (${f0(m.min)}–${f0(m.max)})`;
  return `${f0(m.min)} / ${f0(m.median)} / ${f0(m.max)}`;
}

export function headline(r: BenchResult): string {
  return `${r.date.slice(0, 10)}, ${r.accel.toUpperCase()}, ${r.host.cpu} ×${r.host.cpus}, ${r.host.memGiB} GiB, shared machine`;
}

export function renderMarkdown(r: BenchResult, svgName: string): string {
  const cols = [...r.runtimes, 'floor'];
  const out: string[] = [];
  out.push(`### make bench — ${headline(r)}${r.config.quick ? ' (quick run)' : ''}`);
  out.push('');
  out.push(`Accelerator **${r.accel.toUpperCase()}** (${r.accelReason}); host kernel ${r.host.kernel}; load average ${r.loadAverage.before} before, ${r.loadAverage.after} after; ${r.otherQemuDuringRun} other QEMU process(es) started by others during the run. Floors: a bare QEMU of the same kernel and image (init = \`reboot -f\` for time, \`sleep\` for memory), and \`node -e 0\` for a Node CLI (CLI calls and that floor run in an engine's environment: PATH and CLEAR_* only).`);
  const c = r.config as Record<string, unknown>;
  out.push('');
  out.push(`Configuration: ${c.runs} start runs, ${c.cliRuns} CLI runs, ${(c.levels as number[] | undefined)?.join('/') ?? '?'} idle containers, density cap ${c.densityCap}, dd of ${c.ddMiB} MiB, ${c.ioRuns} I/O round(s), ${c.parallel} parallel creates (make bench's defaults are 10, 20, 1/5/10/20, 64, 256 MiB, 1, 10).`);
  out.push('');
  out.push(`| measure | ${cols.join(' | ')} |`);
  out.push(`|---|${cols.map(() => '---|').join('')}`);
  const row = (label: string, key: string, kind: 'mmm' | 'median', floor?: string) => {
    const cells = r.runtimes.map((rt) => cell(r.measures[rt]?.[key], kind));
    out.push(`| ${label} | ${cells.join(' | ')} | ${floor ?? '—'} |`);
  };
  const nf = r.nodeFloorMs ? `${cell(r.nodeFloorMs, 'mmm')} (\`node -e 0\`)` : '—';
  row(`\`--version\`, ms (min / median / max of ${r.config.cliRuns})`, 'versionMs', 'mmm', nf);
  row(`\`state\`, ms (min / median / max of ${r.config.cliRuns})`, 'stateMs', 'mmm', nf);
  // Results from before exec was measured have no such row.
  if (r.runtimes.some((rt) => r.measures[rt]?.execMs)) {
    row(`\`exec\` \`true\` in a running container, ms (min / median / max of ${r.config.cliRuns})`, 'execMs', 'mmm');
  }
  if (r.runtimes.some((rt) => r.measures[rt]?.execIdleMs)) {
    const idleS = typeof r.config.memorySettleMs === 'number' ? `${r.config.memorySettleMs / 1000} s` : 'a while';
    row(`\`exec\` \`true\` in a container idle for ${idleS} since its start (clear: the first command after its VM gave back its translation cache), ms (median (min–max), one per memory level)`, 'execIdleMs', 'median');
  }
  row(`\`run\` \`echo hi\` → first output, ms (median (min–max) of ${r.config.runs})`, 'runFirstOutputMs', 'median', `${cell(r.measures['qemu floor']?.runFirstOutputMs, 'median')} (bare QEMU boot → exit)`);
  row(`\`run\` \`echo hi\` → exit, ms`, 'runTotalMs', 'median');
  row(`create → start → delete of \`true\`, ms`, 'createStartDeleteMs', 'median');
  for (const lvl of r.memory) {
    const cells = r.runtimes.map((rt) => (lvl.perContainerMiB[rt] !== undefined ? f0(lvl.perContainerMiB[rt]) : lvl.errors[rt] ? 'error¹' : '—'));
    const floor = lvl === r.memory[0] && r.memoryFloorMiB !== null ? `${f0(r.memoryFloorMiB)} (bare QEMU)` : '—';
    out.push(`| host PSS per idle container, MiB, ${lvl.containers} running | ${cells.join(' | ')} | ${floor} |`);
  }
  for (const lvl of r.memory.filter((l) => l.idleCpuPercent)) {
    const cells = r.runtimes.map((rt) => (lvl.idleCpuPercent![rt] !== undefined ? f0(lvl.idleCpuPercent![rt]) : lvl.errors[rt] ? 'error¹' : '—'));
    out.push(`| host CPU per idle container, % of a CPU, ${lvl.containers} running (over ${r.config.idleCpuS} s) | ${cells.join(' | ')} | — |`);
  }
  if (Object.keys(r.density).length) {
    const cells = r.runtimes.map((rt) => {
      const d = r.density[rt];
      if (!d) return '—';
      if ('error' in d) return 'error¹';
      return d.capped ? `≥${d.count} (cap; ≈${(d.extrapolated ?? 0).toLocaleString('en-US')} extrapolated)` : `**${d.count}**`;
    });
    out.push(`| idle containers in ${r.config.budgetMiB} MiB of host PSS | ${cells.join(' | ')} | — |`);
  }
  row(`stdout of \`dd bs=1M count=${r.config.ddMiB}\`, MiB/s (median of ${r.config.ioRuns})`, 'stdoutMiBps', 'median');
  row(`sequential read, 256 MiB file in the rootfs, MiB/s`, 'readMiBps', 'median');
  if (r.runtimes.some((rt) => r.measures[rt]?.spawnMs)) {
    row(`a program run from the rootfs by a shell loop (\`/bin/true\` × ${SPAWN_RUNS}), ms each`, 'spawnMs', 'median');
  }
  row(`untar 5,000 files into the rootfs, s`, 'untarS', 'median');
  row(`${r.config.parallel} containers created at once, total ms`, 'parallelCreateMs', 'median');
  // Results from before each create was timed have no such row.
  if (r.runtimes.some((rt) => r.measures[rt]?.parallelEachMs)) {
    row(`… each create's own time, ms (median (min–max) of ${r.config.parallel})`, 'parallelEachMs', 'median');
  }
  const refusals = r.runtimes.map((rt) => (r.refusals[rt] ? `${r.refusals[rt].replace(/\|/g, '\\|').slice(0, 300)}` : 'ok'));
  out.push(`| errors (first, per runtime) | ${refusals.join(' | ')} | — |`);
  out.push('');
  out.push(`¹ the runtime refused this host, or the measure failed: its first error is in the last row, every error in the JSON. Versions: ${r.runtimes.map((rt) => `${rt} \`${r.versions[rt]}\``).join(', ')}.`);
  const g = r.guestMemory.clear;
  if (g && !('error' in g)) {
    out.push('');
    out.push(`Guest's own view (clear, \`/proc/meminfo\` in the container at ${r.memory[0]?.containers ?? 1} running): MemTotal ${g.MemTotalMiB} MiB, used (Total − Free) ${g.usedMiB} MiB, of which page cache ${g.cachedMiB} MiB and anonymous ${g.anonMiB} MiB; available ${g.availableMiB} MiB.`);
  }
  const last = r.memory[r.memory.length - 1];
  if (last?.byProcessMiB.clear) {
    out.push('');
    out.push(`clear's host PSS per container at ${last.containers} running, by process: ${Object.entries(last.byProcessMiB.clear).map(([k, v]) => `${k} ${v} MiB`).join(', ')}.`);
  }
  const tcgLine = translationCacheLine(r);
  if (tcgLine) {
    out.push('');
    out.push(tcgLine);
  }
  out.push('');
  out.push(`![make bench chart](${svgName})`);
  out.push('');
  return out.join('\n');
}

/**
 * What TCG adds to clear's memory figures, as measured in this run: QEMU's
 * translation cache per container at each level, and in the bare floor.
 * Null when the run measured none (KVM, or a result from before).
 */
export function translationCacheLine(r: BenchResult): string | null {
  const levels = r.memory.filter((l) => l.translationCacheMiB?.clear !== undefined);
  if (!levels.length) return null;
  const perLevel = levels.map((l) => `${l.translationCacheMiB!.clear} MiB at ${l.containers}`).join(', ');
  const floor = r.memoryFloorTranslationCacheMiB ? ` (the bare QEMU floor: ${r.memoryFloorTranslationCacheMiB} of its ${r.memoryFloorMiB} MiB)` : '';
  const settle = typeof r.config.memorySettleMs === 'number' ? `, measured ${r.config.memorySettleMs / 1000} s after the last container started (an idle clear VM gives back the code it no longer runs)` : '';
  return `What TCG adds: of clear's host PSS per container, QEMU's translation cache (\`-accel tcg,tb-size=\`) is ${perLevel} running${settle}${floor}. A KVM QEMU generates no code and has none of it.`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS: Record<string, string> = { clear: '#2b6cb0', runc: '#718096', crun: '#a0aec0', runsc: '#dd6b20', floor: '#38a169' };

/** Small multiples: one panel per measure, one bar per runtime (and floor), value on the bar. */
export function renderSvg(r: BenchResult): string {
  type Bar = { name: string; value?: number; note?: string };
  const med = (rt: string, key: string): Bar => {
    const m = r.measures[rt]?.[key];
    if (!m) return { name: rt, note: 'n/a' };
    if ('error' in m) return { name: rt, note: 'error (see table)' };
    return { name: rt, value: m.median };
  };
  const panels: { title: string; unit: string; bars: Bar[]; lowerBetter: boolean }[] = [];
  const rts = r.runtimes;
  panels.push({ title: 'run echo hi → first output (median)', unit: 'ms', lowerBetter: true, bars: [...rts.map((rt) => med(rt, 'runFirstOutputMs')), { ...med('qemu floor', 'runFirstOutputMs'), name: 'QEMU floor' }] });
  panels.push({ title: 'create → start → delete (median)', unit: 'ms', lowerBetter: true, bars: rts.map((rt) => med(rt, 'createStartDeleteMs')) });
  const nf = r.nodeFloorMs ? [{ name: 'node -e 0', value: r.nodeFloorMs.median }] : [];
  panels.push({ title: '--version (median)', unit: 'ms', lowerBetter: true, bars: [...rts.map((rt) => med(rt, 'versionMs')), ...nf] });
  panels.push({ title: 'state (median)', unit: 'ms', lowerBetter: true, bars: [...rts.map((rt) => med(rt, 'stateMs')), ...nf] });
  if (rts.some((rt) => r.measures[rt]?.execMs)) {
    panels.push({ title: 'exec true in a running container (median)', unit: 'ms', lowerBetter: true, bars: rts.map((rt) => med(rt, 'execMs')) });
  }
  for (const lvl of [r.memory[0], r.memory[r.memory.length - 1]].filter((l, i, a) => l && a.indexOf(l) === i)) {
    const bars: Bar[] = rts.map((rt) => (lvl.perContainerMiB[rt] !== undefined ? { name: rt, value: lvl.perContainerMiB[rt] } : { name: rt, note: lvl.errors[rt] ? 'error (see table)' : 'n/a' }));
    if (lvl === r.memory[0] && r.memoryFloorMiB !== null) bars.push({ name: 'QEMU floor', value: r.memoryFloorMiB });
    panels.push({ title: `host PSS per idle container, ${lvl.containers} running`, unit: 'MiB', lowerBetter: true, bars });
  }
  if (Object.keys(r.density).length) {
    panels.push({
      title: `idle containers in ${r.config.budgetMiB} MiB (measured)`,
      unit: '',
      lowerBetter: false,
      bars: rts.map((rt) => {
        const d = r.density[rt];
        if (!d) return { name: rt, note: 'n/a' };
        if ('error' in d) return { name: rt, note: 'error (see table)' };
        return { name: rt, value: d.count, note: d.capped ? `≥${d.count} (cap)` : undefined };
      }),
    });
  }
  panels.push({ title: `stdout of dd, ${r.config.ddMiB} MiB`, unit: 'MiB/s', lowerBetter: false, bars: rts.map((rt) => med(rt, 'stdoutMiBps')) });
  panels.push({ title: 'sequential read, 256 MiB in the rootfs', unit: 'MiB/s', lowerBetter: false, bars: rts.map((rt) => med(rt, 'readMiBps')) });
  if (rts.some((rt) => r.measures[rt]?.spawnMs)) {
    panels.push({ title: 'a program run from the rootfs by a shell', unit: 'ms', lowerBetter: true, bars: rts.map((rt) => med(rt, 'spawnMs')) });
  }
  panels.push({ title: 'untar 5,000 files into the rootfs', unit: 's', lowerBetter: true, bars: rts.map((rt) => med(rt, 'untarS')) });
  panels.push({ title: `${r.config.parallel} containers created at once`, unit: 'ms', lowerBetter: true, bars: rts.map((rt) => med(rt, 'parallelCreateMs')) });

  const W = 460;
  const barH = 18;
  const ph = (p: (typeof panels)[number]) => 34 + p.bars.length * (barH + 4) + 8;
  const colX = [10, 20 + W];
  const heights = [0, 0];
  const parts: string[] = [];
  for (const p of panels) {
    const col = heights[0] <= heights[1] ? 0 : 1;
    const x0 = colX[col];
    const y0 = 50 + heights[col];
    heights[col] += ph(p) + 10;
    const max = Math.max(1e-9, ...p.bars.map((b) => b.value ?? 0));
    parts.push(`<g transform="translate(${x0},${y0})">`);
    parts.push(`<rect width="${W}" height="${ph(p)}" fill="#f7fafc" stroke="#e2e8f0"/>`);
    parts.push(`<text x="8" y="20" font-weight="bold">${esc(p.title)}${p.unit ? ` (${esc(p.unit)})` : ''} — ${p.lowerBetter ? 'lower' : 'higher'} is better</text>`);
    p.bars.forEach((b, i) => {
      const y = 30 + i * (barH + 4);
      parts.push(`<text x="8" y="${y + 13}">${esc(b.name)}</text>`);
      if (b.value !== undefined) {
        const w = Math.max(1, (b.value / max) * (W - 200));
        const color = COLORS[b.name] ?? COLORS.floor;
        parts.push(`<rect x="90" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"/>`);
        parts.push(`<text x="${(95 + w).toFixed(1)}" y="${y + 13}">${esc(b.note ?? f0(b.value))}</text>`);
      } else {
        parts.push(`<text x="90" y="${y + 13}" fill="#c53030">${esc(b.note ?? 'n/a')}</text>`);
      }
    });
    parts.push('</g>');
  }
  const H = 50 + Math.max(...heights) + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W + 30}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">clear vs runc, crun, runsc — make bench</text>`,
    `<text x="10" y="40">${esc(headline(r))}${r.config.quick ? ' (quick run)' : ''}; ${esc(r.accelReason)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

const BEGIN = '<!-- bench:begin (written by make bench) -->';
const END = '<!-- bench:end -->';

/** Replaces the README's bench section with the latest table and chart. */
export function updateReadme(readme: string, r: BenchResult, base: string): void {
  const text = fs.readFileSync(readme, 'utf8');
  const i = text.indexOf(BEGIN);
  const j = text.indexOf(END);
  if (i < 0 || j < i) return;
  const md = renderMarkdown(r, `${base}.svg`).replace(/^### /, '#### ');
  const body = `${BEGIN}\nLatest \`make bench\`: [${base}.json](${base}.json) (${headline(r)}).\n\n${md}\n${END}`;
  fs.writeFileSync(readme, text.slice(0, i) + body + text.slice(j + END.length));
}
