/** Command-line parsing for hms-gen; any mistake is a UsageError (exit code 2). */

export class UsageError extends Error {}

export interface Args {
  readonly command: 'check' | 'ir' | 'version' | 'help';
  readonly files: readonly string[];
  readonly includePaths: readonly string[];
  readonly json: boolean;
  readonly maxErrors: number;
  readonly warningsAsErrors: boolean;
}

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
const COMMANDS = 'check, ir, generate or new';
/** Commands with their own entry and options (codegen/cli.ts, cli/new.ts), dispatched before run(). */
const SEPARATE_COMMANDS: ReadonlySet<string> = new Set(['generate', 'new']);

export function parseArgs(argv: readonly string[]): Args {
  let command: Args['command'] | undefined;
  const files: string[] = [];
  const includePaths: string[] = [];
  let json = false;
  let maxErrors = 50;
  let warningsAsErrors = false;
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (flag: string): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${flag} needs a value`);
      return v;
    };
    if (onlyFiles || !a.startsWith('-') || a === '-') {
      if (command === undefined) {
        if (a === 'check' || a === 'ir') command = a;
        else if (a === 'help') command = 'help';
        else if (SEPARATE_COMMANDS.has(a)) {
          // `hms-gen --json generate`: the bin routes generate and new only as the first argument.
          throw new UsageError(`${a}: options go after the command (hms-gen ${a} [options] ...)`);
        } else throw new UsageError(`unknown command: ${a} (expected ${COMMANDS})`);
      } else files.push(a);
      continue;
    }
    if (a === '--') onlyFiles = true;
    else if (a === '--version' || a === '-V') command = 'version';
    else if (a === '--help' || a === '-h') command = 'help';
    else if (a === '-I' || a === '--include') includePaths.push(value(a));
    else if (a.startsWith('-I')) includePaths.push(a.slice(2));
    else if (a.startsWith('--include=')) includePaths.push(a.slice('--include='.length));
    else if (a === '--json') json = true;
    else if (a === '--warnings-as-errors') warningsAsErrors = true;
    else if (a === '--max-errors' || a.startsWith('--max-errors=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : value(a);
      if (!/^[1-9][0-9]{0,5}$/.test(v)) throw new UsageError(`--max-errors needs a positive integer, got: ${v}`);
      maxErrors = Number(v);
    } else throw new UsageError(`unknown option: ${a}`);
  }
  if (command === undefined) throw new UsageError(`missing command (expected ${COMMANDS})`);
  if (command === 'version' || command === 'help') {
    return { command, files, includePaths, json, maxErrors, warningsAsErrors };
  }
  if (files.length === 0) throw new UsageError(`${command}: no input file`);
  if (command === 'ir' && files.length > 1) throw new UsageError('ir: exactly one input file expected');
  return { command, files, includePaths, json, maxErrors, warningsAsErrors };
}
