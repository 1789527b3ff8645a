import { accessSync, constants, statSync } from 'node:fs';
import { compileFile, mergeRuns, type CompileResult } from '../frontend/compile.js';
import { renderDiagnostic } from '../frontend/diagnostics.js';
import { toJson, toReflection } from '../ir/reflection.js';
import { VERSION } from '../version.js';
import { parseArgs, USAGE, UsageError, type Args } from './args.js';

function checkReadable(path: string, what: string): void {
  try {
    if (!statSync(path).isFile()) throw new UsageError(`${what} is not a file: ${path}`);
    accessSync(path, constants.R_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what}: ${path}`);
  }
}

function checkDir(path: string): void {
  try {
    if (!statSync(path).isDirectory()) throw new Error();
  } catch {
    throw new UsageError(`include directory not found: ${path}`);
  }
}

/** The whole CLI: returns the exit code (0 ok, 1 schema errors, 2 usage, 3 internal error). */
export function run(argv: readonly string[]): number {
  try {
    return runUnguarded(argv);
  } catch (e) {
    // Never a stack trace: an internal error is a bug, reported in one line.
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`hms-gen: internal error: ${msg}\n`);
    return 3;
  }
}

function runUnguarded(argv: readonly string[]): number {
  let args: Args;
  try {
    args = parseArgs(argv);
    for (const d of args.includePaths) checkDir(d);
    for (const f of args.files) checkReadable(f, 'file');
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hms-gen: ${e.message}\nTry 'hms-gen --help'.\n`);
      return 2;
    }
    throw e;
  }
  if (args.command === 'version') {
    process.stdout.write(`hms-gen ${VERSION}\n`);
    return 0;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const results: CompileResult[] = args.files.map((f) =>
    compileFile(f, {
      includePaths: args.includePaths,
      maxErrors: args.maxErrors,
      validateOnly: args.command === 'check',
    }),
  );
  const { diagnostics: diags, sources } = mergeRuns(results);
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  const failed = errors > 0 || (args.warningsAsErrors && warnings > 0);

  if (args.json) {
    const payload = JSON.stringify({ errorCount: errors, warningCount: warnings, diagnostics: diags }, null, 2);
    (args.command === 'check' ? process.stdout : process.stderr).write(`${payload}\n`);
  } else {
    // One write: tens of thousands of small writes to a pipe cost more than the compile.
    const out = diags.map((d) => renderDiagnostic(d, sources));
    if (diags.length)
      out.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
    if (out.length) process.stderr.write(`${out.join('\n')}\n`);
  }
  if (failed) return 1;
  if (args.command === 'ir') {
    const schema = (results[0] as CompileResult).schema;
    if (schema) process.stdout.write(`${toJson(toReflection(schema))}\n`);
  }
  return 0;
}
