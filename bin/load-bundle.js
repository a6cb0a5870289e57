'use strict';
// Loads one of clear's esbuild bundles (dist/cli/clear-runtime.js,
// dist/monitor/clear-monitor.js) compiled from a V8 code cache kept beside
// it: one file to read, and no compiling on the calls after the first.
// Node 20 has no module.enableCompileCache; this is what it would do.
const fs = require('fs');
const path = require('path');

/**
 * The bundle's exports, or null when it is not built (a tsc-only build: the
 * caller falls back to the module tree in dist/). `saveCodeCache()` writes
 * the cache when there was none or V8 refused it (another node, other
 * flags); call it once the process has run its usual path, so the
 * functions that path compiled are in the cache too.
 */
function loadBundle(file) {
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const vm = require('vm');
  const Module = require('module');
  // The cache is V8's: it is only valid for this node binary and flags.
  const cacheFile = `${file}.${process.version}-${process.arch}.cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  let wanted = cachedData === undefined || script.cachedDataRejected === true;
  function saveCodeCache() {
    if (!wanted) return;
    wanted = false;
    const tmp = `${cacheFile}.${process.pid}`;
    try {
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* a read-only install: no cache, still correct */
      }
    }
  }
  return { exports: mod.exports, saveCodeCache };
}

module.exports = { loadBundle };
