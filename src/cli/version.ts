/**
 * `--version` text (runc's layout, which go-runc parses):
 *   clear-runtime version 0.1.0
 *   commit: <git sha or unknown>
 *   spec: 1.1.0
 * A module of its own, loading nothing but fs and path: `--version` is one
 * of the calls whose start-up time counts (callers probe runtimes with it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../lib/paths';

/** The OCI runtime-spec version clear implements. */
export const OCI_SPEC_VERSION = '1.1.0';

/** The commit the CLI bundle was built from (esbuild --define; see the Makefile). */
declare const __CLEAR_COMMIT__: string | undefined;

export function versionText(): string {
  let version = 'unknown';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string })
      .version ?? 'unknown';
  } catch {
    /* keep unknown */
  }
  return `clear-runtime version ${version}\ncommit: ${gitCommit()}\nspec: ${OCI_SPEC_VERSION}\n`;
}

function gitCommit(): string {
  if (process.env.CLEAR_COMMIT) return process.env.CLEAR_COMMIT;
  // Baked into the bundle at build time, as runc does: no git process per --version.
  if (typeof __CLEAR_COMMIT__ === 'string' && /^[0-9a-f]{40}$/.test(__CLEAR_COMMIT__)) return __CLEAR_COMMIT__;
  try {
    // Loaded here only: child_process costs a few ms of start-up.
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const sha = execFileSync('git', ['-C', packageRoot(), 'rev-parse', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    })
      .toString()
      .trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : 'unknown';
  } catch {
    return 'unknown';
  }
}
