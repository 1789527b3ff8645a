#!/usr/bin/env node
// Unbundled entry (development, library installs). The npm bin is ../../bin/hms-gen.cjs, which loads
// the bundled build with V8's code cache; both run the same `run`, with these loaders for the
// commands outside the bundle.
import { run, type Commands } from './run.js';

const COMMANDS: Commands = {
  generate: () => import('../codegen/cli.js'),
  scaffold: () => import('./new.js'),
  generateUsage: async () => (await import('../codegen/cli.js')).GENERATE_USAGE,
};

process.exitCode = await run(process.argv.slice(2), COMMANDS);
