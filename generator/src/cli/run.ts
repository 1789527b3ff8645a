import yargs from 'yargs';
import { compileFiles, type CompileResult } from '../frontend/compile.js';
import { renderDiagnostics } from '../frontend/diagnostics.js';
import { toJson, toReflection } from '../ir/reflection.js';
import { VERSION } from '../version.js';
import { checkInputs } from '../codegen/inputs.js';
import { exitCodeOf } from '../errors.js';
import type { GenerateArgs } from '../codegen/cli.js';
import type { NewArgs } from './new.js';
import { CHECK_USAGE, COMMANDS, IR_USAGE, suggest, USAGE, UsageError } from './args.js';

/**
 * The hms-gen command line: one yargs parser for every command. `check` and `ir` run here (the
 * bundle holds only the front end, so a cold `check` stays fast); `generate` and `new` are loaded on
 * demand through `load` (the bin loads them from the unbundled build).
 */
export interface Commands {
  generate(): Promise<{ runGenerate(args: GenerateArgs): Promise<number> }>;
  scaffold(): Promise<{ runNew(args: NewArgs): number; NEW_USAGE: string }>;
  generateUsage(): Promise<string>;
}

type Command = 'check' | 'ir' | 'generate' | 'new';
const NAMES: readonly Command[] = ['check', 'ir', 'generate', 'new'];

/** flatc's `-IDIR` (yargs would read it as the short flags -I -D -I -R). */
function splitAttachedInclude(argv: readonly string[]): string[] {
  const out: string[] = [];
  let onlyFiles = false;
  for (const a of argv) {
    if (a === '--') onlyFiles = true;
    if (!onlyFiles && a.startsWith('-I') && a.length > 2) out.push('-I', a.slice(2));
    else out.push(a);
  }
  return out;
}

/** The option a yargs "Unknown argument" names, as the user wrote it (`--jsn`, `-x`). */
function spelled(name: string, argv: readonly string[]): string {
  const hit = argv.find((a) => a.replace(/^-+/, '').split('=')[0] === name);
  return hit !== undefined ? (hit.split('=')[0] as string) : name.length === 1 ? `-${name}` : `--${name}`;
}

/** The yargs parser for one command's options (strict: anything else is a usage error). */
function parser(command: Command, argv: readonly string[]) {
  const y = yargs(splitAttachedInclude(argv))
    .scriptName('hms-gen')
    .exitProcess(false)
    .help(false)
    .version(false)
    .strictOptions()
    .parserConfiguration({
      'camel-case-expansion': false,
      'boolean-negation': false,
      'duplicate-arguments-array': true,
      'populate--': true,
    })
    .option('help', { alias: 'h', type: 'boolean' })
    .fail((msg: string | undefined, err: Error | undefined) => {
      // yargs' own errors (YError) are usage errors too; anything else thrown by a handler is not.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(translate(msg ?? err?.message ?? 'invalid arguments', argv, command));
    });
  const include = { alias: 'include', type: 'string', array: false, requiresArg: true } as const;
  if (command === 'check' || command === 'ir') {
    return y
      .option('I', include)
      .option('json', { type: 'boolean' })
      .option('max-errors', { type: 'string', requiresArg: true })
      .option('warnings-as-errors', { type: 'boolean' });
  }
  if (command === 'generate') {
    return y
      .option('I', include)
      .option('out', { alias: 'o', type: 'string', requiresArg: true })
      .option('lang', { type: 'string', requiresArg: true })
      .option('check', { type: 'boolean' })
      .option('watch', { type: 'boolean' })
      .option('json', { type: 'boolean' })
      .option('warnings-as-errors', { type: 'boolean' });
  }
  return y
    .option('I', include)
    .option('dir', { type: 'string', requiresArg: true })
    .option('namespace', { type: 'string', requiresArg: true })
    .option('service', { type: 'string', requiresArg: true })
    .option('lang', { type: 'string', requiresArg: true });
}

/** yargs' messages in hms-gen's words, with a suggestion for a mistyped option. */
function translate(msg: string, argv: readonly string[], command: Command): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const first = (unknown[1] as string).split(', ')[0] as string;
    const flag = spelled(first, argv);
    if (!flag.startsWith('-')) return `${command}: unexpected argument: ${flag}`;
    const options = OPTIONS[command];
    const near = suggest(flag, options);
    return `unknown option: ${flag}${near ? ` (did you mean ${near}?)` : ''}`;
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missing) return `option ${spelled(missing[1] as string, argv)} needs a value`;
  return msg;
}

const OPTIONS: Readonly<Record<Command, readonly string[]>> = {
  check: ['-I', '--include', '--json', '--max-errors', '--warnings-as-errors', '--help'],
  ir: ['-I', '--include', '--json', '--max-errors', '--warnings-as-errors', '--help'],
  generate: ['--out', '-I', '--include', '--lang', '--check', '--watch', '--json', '--warnings-as-errors', '--help'],
  new: ['--dir', '--namespace', '--service', '--lang', '-I', '--include', '--help'],
};

type Parsed = Record<string, unknown> & { _: (string | number)[]; '--'?: (string | number)[] };

const strings = (v: unknown): string[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x as string | number));

let quiet = false;

/**
 * The run was a `check` that printed nothing: the bin may exit at once instead of letting Node wait
 * for V8's background compile jobs at the end of the event loop (~2 ms of a cold check; with
 * output pending, an immediate exit could lose it where writes are asynchronous).
 */
export function finishedQuietly(): boolean {
  return quiet;
}

/** The whole CLI: resolves to the exit code (0 ok, 1 schema errors, 2 usage, 3 tool, I/O or internal error). */
export async function run(argv: readonly string[], commands: Commands): Promise<number> {
  quiet = false;
  try {
    return await runUnguarded(argv, commands);
  } catch (e) {
    const code = exitCodeOf(e);
    if (code === 2) {
      const message = (e as Error).message;
      const cmd = NAMES.find((c) => argv.includes(c) && argv.indexOf(c) === argv.findIndex((a) => !a.startsWith('-')));
      process.stderr.write(`hms-gen: ${message}\nTry 'hms-gen ${cmd ? `${cmd} ` : ''}--help'.\n`);
      return 2;
    }
    if (code === 3) {
      process.stderr.write(`hms-gen: ${(e as Error).message}\n`);
      return 3;
    }
    // Never a stack trace: a failing tool or I/O says what it is, anything else is a bug, in one line.
    const msg = e instanceof Error ? e.message : String(e);
    const io = e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
    process.stderr.write(`hms-gen: ${io ? msg : `internal error: ${msg}`}\n`);
    return 3;
  }
}

async function runUnguarded(argv: readonly string[], commands: Commands): Promise<number> {
  // The command: the first argument that is neither an option nor an option's value.
  let at = -1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('-') || a === '-') {
      at = i;
      break;
    }
    if (['-I', '--include', '--max-errors'].includes(a)) i++;
  }
  const first = at < 0 ? undefined : (argv[at] as string);
  const before = at < 0 ? argv : argv.slice(0, at);
  if (first === undefined || first === 'help') {
    if (first === 'help' || before.includes('--help') || before.includes('-h')) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (before.includes('--version') || before.includes('-V')) {
      process.stdout.write(`hms-gen ${VERSION}\n`);
      return 0;
    }
    throw new UsageError(`missing command (expected ${COMMANDS})`);
  }
  if (!(NAMES as readonly string[]).includes(first)) {
    const near = suggest(first, NAMES);
    throw new UsageError(`unknown command: ${first} (expected ${COMMANDS})${near ? `; did you mean ${near}?` : ''}`);
  }
  const command = first as Command;
  if (before.includes('--version') || before.includes('-V')) {
    process.stdout.write(`hms-gen ${VERSION}\n`);
    return 0;
  }
  // generate and new take their options after the command (check and ir accept them before too).
  if (before.length > 0 && (command === 'generate' || command === 'new'))
    throw new UsageError(`${command}: options go after the command (hms-gen ${command} [options] ...)`);
  const rest = [...before, ...argv.slice(at + 1)];
  const a = (await parser(command, rest).parseAsync()) as Parsed;
  const positional = [...a._, ...(a['--'] ?? [])].map(String);
  if (a['help'] === true) {
    const text =
      command === 'check'
        ? CHECK_USAGE
        : command === 'ir'
          ? IR_USAGE
          : command === 'generate'
            ? await commands.generateUsage()
            : (await commands.scaffold()).NEW_USAGE;
    process.stdout.write(`${text}\n`);
    return 0;
  }
  const includePaths = strings(a['I']);
  if (command === 'generate') {
    const { runGenerate } = await commands.generate();
    const out = strings(a['out']);
    return runGenerate({
      files: positional,
      includePaths,
      outDir: out.length > 0 ? (out[out.length - 1] as string) : 'generated',
      lang: strings(a['lang']).pop(),
      check: a['check'] === true,
      watch: a['watch'] === true,
      json: a['json'] === true,
      warningsAsErrors: a['warnings-as-errors'] === true,
    });
  }
  if (command === 'new') {
    const mod = await commands.scaffold();
    const values = new Map<string, string>();
    for (const k of ['dir', 'namespace', 'service', 'lang']) {
      const v = strings(a[k]).pop();
      if (v !== undefined) values.set(`--${k}`, v);
    }
    return mod.runNew({ positional, values, includePaths });
  }
  return compileCommand(command, positional, includePaths, a);
}

function compileCommand(command: 'check' | 'ir', files: readonly string[], includePaths: string[], a: Parsed): number {
  let maxErrors = 50;
  const max = strings(a['max-errors']).pop();
  if (max !== undefined) {
    if (!/^[1-9][0-9]{0,5}$/.test(max)) throw new UsageError(`--max-errors needs a positive integer, got: ${max}`);
    maxErrors = Number(max);
  }
  if (files.length === 0) throw new UsageError(`${command}: no input file`);
  if (command === 'ir' && files.length > 1) throw new UsageError('ir: exactly one input file expected');
  checkInputs(files, includePaths);
  const json = a['json'] === true;
  const {
    results,
    diagnostics: diags,
    sources,
    errorCount: errors,
    warningCount: warnings,
    ok,
  } = compileFiles(files, {
    includePaths,
    maxErrors,
    validateOnly: command === 'check',
    warningsAsErrors: a['warnings-as-errors'] === true,
  });
  if (json) {
    const payload = JSON.stringify({ errorCount: errors, warningCount: warnings, diagnostics: diags }, null, 2);
    (command === 'check' ? process.stdout : process.stderr).write(`${payload}\n`);
  } else {
    const text = renderDiagnostics(diags, sources);
    if (text !== '') process.stderr.write(`${text}\n`);
    else if (command === 'check') quiet = true;
  }
  if (!ok) return 1;
  if (command === 'ir') {
    const schema = (results[0] as CompileResult).schema;
    if (schema) process.stdout.write(`${toJson(toReflection(schema))}\n`);
  }
  return 0;
}
