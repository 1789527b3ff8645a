#!/usr/bin/env node
// Unbundled entry (development, library installs). The npm bin is ../../bin/hms-gen.cjs, which loads
// the bundled build with V8's code cache; both run the same `run`.
import { run } from './run.js';

process.exitCode = run(process.argv.slice(2));
