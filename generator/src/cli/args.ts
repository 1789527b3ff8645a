/** Command-line parsing for hms-gen; any mistake is a UsageError (exit code 2). */

import { UsageError } from '../errors.js';

export { UsageError };

export const USAGE = `usage: hms-gen <command> [options] FILE...

commands:
  check FILE...      validate schemas; exit 0 if valid, 1 on schema errors
  ir FILE            print the resolved IR as JSON (flatc reflection shape)
  generate [FILE...] emit Rust, TypeScript and C code (see hms-gen generate --help)
  new service|agent NAME
                     scaffold a service schema or an agent serving one (see hms-gen new --help)

options:
  -I DIR             add an include search directory (repeatable; also -IDIR, --include DIR)
  --json             print diagnostics as JSON on stdout (check) or stderr (ir)
  --max-errors N     stop after N errors per run (default 50)
  --warnings-as-errors
                     treat warnings as errors
  --version          print the version
  -h, --help         print this help

options of generate and new follow the command (hms-gen generate --out DIR ...).

exit codes:
  0  ok (warnings may have been printed)
  1  schema errors (generate: also unsupported constructs, or stale output with --check;
     new: refused, nothing written)
  2  usage errors (unknown command or option, missing argument, file or directory; a bad hms-gen.json;
     an output directory generate cannot write)
  3  a required tool is missing or failed (cbindgen, for generate's C header), an I/O error during
     the run, or an internal error`;

/** Every command, as usage errors list them. */
export const COMMANDS = 'check, ir, generate or new';

export const CHECK_USAGE = `usage: hms-gen check [options] FILE...

Validates schemas as flatc does (each FILE compiled on its own, with its includes); prints every
error and warning with its location, the source line and a caret.

options:
  -I DIR             add an include search directory (repeatable; also -IDIR, --include DIR, --include=DIR)
  --json             print the diagnostics as JSON on stdout
  --max-errors N     stop after N errors per file (default 50)
  --warnings-as-errors
                     treat warnings as errors
  -h, --help         print this help

examples:
  hms-gen check -I idl idl/*.fbs
  hms-gen check --json --warnings-as-errors schema.fbs

exit codes:
  0  valid (warnings may have been printed)
  1  schema errors (or warnings, with --warnings-as-errors)
  2  usage errors (unknown option, missing argument, file or directory)
  3  an internal error`;

export const IR_USAGE = `usage: hms-gen ir [options] FILE

Prints the resolved schema of FILE as JSON in the shape of flatc's reflection schema
(\`flatc -b --schema\` then \`flatc --json reflection.fbs\`), diagnostics on stderr.

options:
  -I DIR             add an include search directory (repeatable; also -IDIR, --include DIR, --include=DIR)
  --json             print the diagnostics as JSON on stderr
  --max-errors N     stop after N errors (default 50)
  --warnings-as-errors
                     treat warnings as errors (no IR is printed)
  -h, --help         print this help

examples:
  hms-gen ir -I idl idl/recovery.fbs > recovery.ir.json

exit codes:
  0  ok; 1  schema errors; 2  usage errors; 3  an internal error`;

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The closest of `known` to a mistyped `word`, when it is close enough to be what was meant. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}
