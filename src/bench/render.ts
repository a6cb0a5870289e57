/**
 * Re-renders a make bench result (markdown, SVG, the README section) from
 * its JSON, without measuring again: for changes to the report's layout.
 *
 *   node dist/bench/render.js bench/results/<date>-<accel>.json [--no-readme]
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../lib/paths';
import { renderMarkdown, renderSvg, updateReadme, type BenchResult } from './report';

const file = process.argv[2];
if (!file) {
  console.error('usage: render.js RESULT.json [--no-readme]');
  process.exit(2);
}
const result = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
const base = file.replace(/\.json$/, '');
fs.writeFileSync(`${base}.md`, renderMarkdown(result, path.basename(`${base}.svg`)));
fs.writeFileSync(`${base}.svg`, renderSvg(result));
if (!process.argv.includes('--no-readme')) {
  updateReadme(path.join(packageRoot(), 'README.md'), result, path.relative(packageRoot(), path.resolve(base)));
}
console.log(`rendered ${base}.{md,svg}`);
