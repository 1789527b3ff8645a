#!/usr/bin/env node
'use strict';
// The hms-gen command. It runs the bundled CLI (dist/hms-gen.cjs) compiled from V8's code cache
// (dist/hms-gen.cache, the bytecode of a warmed-up run, made by scripts/build-generator): a cold
// `hms-gen check` then skips compiling its own JavaScript (~15 ms of a ~90 ms run, measured).
// A cache that V8 rejects (another node build) only loses that saving; without a bundle the
// unbundled build (dist/cli/main.js) runs instead.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'hms-gen.cjs');
const cacheFile = path.join(dist, 'hms-gen.cache');

/** Loads the bundle as a CommonJS module through a vm.Script, so that a code cache can be used or made. */
function load(withCache) {
  const source = fs.readFileSync(bundle, 'utf8');
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  let cachedData;
  if (withCache) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // no cache: V8 compiles as usual
    }
  }
  const script = new vm.Script(wrapper, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dist);
  return { script, exports: module.exports };
}

module.exports = { load };

if (require.main === module) {
  // Code generation and scaffolding are not part of the bundle (they would slow every `check`):
  // the bundled CLI loads them from the unbundled build, with their own dependencies (Handlebars).
  const unbundled = (...p) => import(pathToFileURL(path.join(dist, ...p)).href);
  const commands = {
    generate: () => unbundled('codegen', 'cli.js'),
    scaffold: () => unbundled('cli', 'new.js'),
    generateUsage: async () => (await unbundled('codegen', 'cli.js')).GENERATE_USAGE,
  };
  const fail = (e) => {
    // A missing or broken build (no dist/): one line, never a stack trace.
    process.stderr.write(`hms-gen: internal error: ${e instanceof Error ? e.message : String(e)} (run bash scripts/setup)\n`);
    process.exitCode = 3;
  };
  if (fs.existsSync(bundle)) {
    let cli;
    Promise.resolve()
      .then(() => {
        cli = load(true).exports;
        return cli.run(process.argv.slice(2), commands);
      })
      .then((code) => {
        process.exitCode = code;
        // A check that printed nothing exits now (see finishedQuietly in cli/run.ts).
        if (cli.finishedQuietly()) process.exit(code);
      }, fail);
  } else {
    unbundled('cli', 'main.js').catch(fail);
  }
}
