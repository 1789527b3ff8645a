#!/usr/bin/env node
// Unbundled entry (development, library installs). The npm bin is ../../bin/hms-gen.cjs, which loads
// the bundled build with V8's code cache; both run the same `run`.
import { run } from './run.js';

const argv = process.argv.slice(2);
if (argv[0] === 'generate') {
  const { main } = await import('../codegen/cli.js');
  process.exitCode = await main(argv.slice(1));
} else if (argv[0] === 'new') {
  const { main } = await import('./new.js');
  process.exitCode = await main(argv.slice(1));
} else {
  process.exitCode = run(argv);
}
