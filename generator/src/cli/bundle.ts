// Entry of the bundled CLI (dist/hms-gen.cjs, built by scripts/build-generator): the CLI itself and
// the compile entry used to warm the code cache. `generate` and `new` are not bundled (they would
// slow every `check`): the bin passes loaders for them (bin/hms-gen.cjs).
export { finishedQuietly, run } from './run.js';
export { compileFile } from '../frontend/compile.js';
export { toJson, toReflection } from '../ir/reflection.js';
export { renderDiagnostic } from '../frontend/diagnostics.js';
