import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { registerRustAgent, rustAccessor, rustAgentModule, rustAgentNames } from '../backends/rust/scaffold.js';
import {
  registerTsAgent,
  tsAgentModule,
  tsAgentNames,
  tsAgentsIndex,
  tsAgentTest,
  tsLocalAgentTest,
} from '../backends/ts/scaffold.js';
import { resolveInputs } from '../codegen/inputs.js';
import { agentsCrates, loadConfig } from '../codegen/config.js';
import { defaultTemplatesDir } from '../codegen/locations.js';
import { planAll } from '../codegen/plan.js';
import { ScaffoldError } from '../codegen/scaffold.js';
import { loadSchemaSet, type SchemaSet } from '../codegen/schema-set.js';
import { Templates } from '../codegen/templates.js';
import { compileFile } from '../frontend/compile.js';
import type { Service } from '../ir/model.js';
import { renderDiagnostic } from '../frontend/diagnostics.js';
import { UsageError } from './args.js';

/**
 * `hms-gen new service NAME` and `hms-gen new agent NAME --service S`: scaffolds that compile as
 * they are written. Nothing is overwritten: every file is checked before any is written, so a
 * refusal leaves the tree as it was.
 */

export const NEW_USAGE = `usage: hms-gen new service NAME [--dir DIR] [--namespace NS]
       hms-gen new agent NAME --service QUALIFIED.SERVICE [--lang rust|ts] [-I DIR] [FILE...]

new service  writes DIR/<name>.fbs (default dir idl, namespace hms.<name>): an rpc_service NAME with
             one rpc (Ping) and its request and response tables, including hms/common.fbs.
new agent    scaffolds an agent serving the service (found in FILE..., default every idl/*.fbs with
             -I idl): with --lang rust (the default), src/<name>.rs in the agents crate named by
             hms-gen.json (rust.agents), its entry in the crate's hms_contracts::agents! registration,
             and tests/<name>-agent.test.ts, which calls it through the generated TypeScript client;
             with --lang ts, <name>.ts in ts.agents.path (a class implementing the service's
             interface), its entry in index.ts there (the types LocalAgents hosts) and the test.

NAME is kebab-case, snake_case or CamelCase (order-router, order_router, OrderRouter).
Existing files are never overwritten.

exit codes: 0 written, 1 refused (a file or name exists, unknown service, schema errors; nothing written),
            2 usage errors, 3 an internal error`;

/** A NAME's forms: `order-router` (agent type name), `order_router` (files, modules), `OrderRouter`. */
export interface NameForms {
  readonly kebab: string;
  readonly snake: string;
  readonly camel: string;
}

export function nameForms(name: string): NameForms {
  if (!/^[A-Za-z][A-Za-z0-9]*([-_][A-Za-z0-9]+)*$/.test(name)) {
    throw new UsageError(
      `NAME must be kebab-case, snake_case or CamelCase, starting with a letter (got ${JSON.stringify(name)})`,
    );
  }
  const words = name
    .split(/[-_]/)
    .flatMap((part) => part.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
    .map((w) => w.toLowerCase());
  return {
    kebab: words.join('-'),
    snake: words.join('_'),
    camel: words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(''),
  };
}

/** A refusal: exit 1 with this message, nothing written. */
class Refusal extends Error {}

/** `hms-gen new`'s arguments as cli/run.ts parsed them: `[kind, NAME, FILE...]`, option values by flag. */
export interface NewArgs {
  readonly positional: readonly string[];
  readonly values: ReadonlyMap<string, string>;
  readonly includePaths: readonly string[];
}

/** The options `kind` takes: any other one given is a usage error. */
function only(kind: string, f: NewArgs, known: readonly string[], includes: boolean): void {
  for (const flag of f.values.keys()) if (!known.includes(flag)) throw new UsageError(`unknown option: ${flag}`);
  if (!includes && f.includePaths.length > 0) throw new UsageError(`new ${kind}: -I is not an option of new ${kind}`);
}

/** The contracts of the working directory, as `generate` reads them by default. */
function loadContracts(files: string[], includePaths: string[]): SchemaSet {
  resolveInputs(files, includePaths);
  const loaded = loadSchemaSet(files, includePaths);
  if (!loaded.set) throw new Refusal(`the contracts have errors; fix them first:\n${loaded.rendered}`);
  return loaded.set;
}

function refuseExisting(paths: readonly string[]): void {
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0)
    throw new Refusal(
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing written (no file is ever overwritten)`,
    );
}

function writeNew(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // `wx`: fails instead of overwriting should the file appear meanwhile.
  writeFileSync(path, text, { flag: 'wx' });
}

/** "next:" and the commands to run, their comments aligned. */
function next(steps: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...steps.map(([c]) => c.length));
  return ['next:', ...steps.map(([c, why]) => `  ${c.padEnd(width)}  # ${why}`)];
}

function newService(f: NewArgs): string[] {
  only('service', f, ['--dir', '--namespace'], false);
  if (f.positional.length !== 1) throw new UsageError('new service: expected exactly one NAME');
  const forms = nameForms(f.positional[0] as string);
  const dir = f.values.get('--dir') ?? 'idl';
  const namespace = f.values.get('--namespace') ?? `hms.${forms.snake}`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(namespace))
    throw new UsageError(`--namespace: not a namespace: ${namespace}`);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`directory not found: ${dir}`);
  if (!existsSync(join(dir, 'hms', 'common.fbs'))) {
    throw new Refusal(`${dir}/hms/common.fbs not found: a service's schema includes it (the agent ABI's types)`);
  }
  const file = join(dir, `${forms.snake}.fbs`);
  refuseExisting([file]);
  const qualified = `${namespace}.${forms.camel}`;
  const others = readdirSync(dir)
    .filter((n) => n.endsWith('.fbs'))
    .map((n) => join(dir, n));
  if (others.length > 0) {
    const set = loadSchemaSet(others, [dir]).set;
    if (set?.services.some((s) => s.name === qualified))
      throw new Refusal(`a service ${qualified} exists already in ${dir}/`);
  }
  const text = new Templates(defaultTemplatesDir()).render('fbs/service.fbs.hbs', {
    name: forms.kebab,
    service: forms.camel,
    namespace,
  });
  writeNew(file, text);
  // The scaffold must be valid as written: checked with the front end (a failure is a bug here).
  const check = compileFile(file, { includePaths: [dir] });
  if (check.errorCount > 0) {
    const sources = new Map<string, string>([[file, text]]);
    throw new Error(
      `the scaffold of ${file} does not compile:\n${check.diagnostics.map((d) => renderDiagnostic(d, sources)).join('\n')}`,
    );
  }
  return [
    `wrote ${file} (rpc_service ${qualified})`,
    ...next([
      [`hms-gen new agent ${forms.kebab} --service ${qualified}`, 'an agent that serves it'],
      ['hms-gen generate', 'its Rust, TypeScript and C code'],
    ]),
  ];
}

function newAgent(f: NewArgs): string[] {
  only('agent', f, ['--service', '--lang'], true);
  const [name, ...files] = f.positional;
  if (name === undefined) throw new UsageError('new agent: expected a NAME');
  const forms = nameForms(name);
  const serviceName = f.values.get('--service');
  if (serviceName === undefined) throw new UsageError('new agent: --service QUALIFIED.SERVICE is required');
  const lang = f.values.get('--lang') ?? 'rust';
  if (lang !== 'rust' && lang !== 'ts') throw new UsageError(`--lang: unknown language ${lang} (expected rust or ts)`);
  const config = loadConfig();
  const set = loadContracts(files, [...f.includePaths]);
  const service = set.services.find((s) => s.name === serviceName);
  if (!service) {
    const known = set.services.map((s) => s.name).join(', ');
    throw new Refusal(`no service ${serviceName} in the contracts${known === '' ? '' : ` (they declare ${known})`}`);
  }
  const accessor = rustAccessor(set, service);
  if (accessor === undefined)
    throw new Refusal(`${service.name} is not served over the agent ABI: its schema must include hms/common.fbs`);
  const testFile = join('tests', `${forms.kebab}-agent.test.ts`);
  const fromTests = (p: string): string => relative('tests', p).split('\\').join('/');
  return lang === 'rust'
    ? // With several agents crates (rust.agents as a list), a new Rust agent goes into the first.
      newRustAgent(set, service, forms, agentsCrates(config)[0], testFile, fromTests)
    : newTsAgent(set, service, forms, config.ts?.agents, testFile, fromTests);
}

function newRustAgent(
  set: SchemaSet,
  service: Service,
  forms: NameForms,
  agents: { readonly crate: string; readonly path: string } | undefined,
  testFile: string,
  fromTests: (p: string) => string,
): string[] {
  if (!agents)
    throw new Refusal(
      'hms-gen.json has no rust.agents (the crate that implements the agents): nowhere to put a Rust agent',
    );
  const { module } = rustAgentNames(forms.kebab);
  const libRs = join(agents.path, 'src', 'lib.rs');
  const moduleFile = join(agents.path, 'src', `${module}.rs`);
  refuseExisting([moduleFile, testFile]);
  const lib = readOrRefuse(libRs, `rust.agents.path of hms-gen.json is ${agents.path}`);
  const registered = register(libRs, () => registerRustAgent(lib, forms.kebab, rustAccessor(set, service) as string));
  const test = tsAgentTest(set, planAll(set), service, forms.kebab, {
    generatedTs: fromTests(join('generated', 'ts')),
    testDir: 'tests',
  });
  writeNew(moduleFile, rustAgentModule(set, service, forms.kebab));
  writeNew(testFile, test);
  writeFileSync(libRs, registered);
  return [
    `wrote ${moduleFile} (agent type ${forms.kebab}: ${service.name}, every rpc answering Unimplemented)`,
    `registered it in ${libRs}`,
    `wrote ${testFile} (calls it through the generated TypeScript client)`,
    ...next([
      ['hms-gen generate', 'the generated code, if the service is new'],
      ['cargo build', 'the agent library, with the new agent'],
      [`node --import tsx node_modules/uvu/bin.js tests ${forms.kebab}-agent`, 'the test'],
    ]),
  ];
}

function newTsAgent(
  set: SchemaSet,
  service: Service,
  forms: NameForms,
  agents: { readonly path: string } | undefined,
  testFile: string,
  fromTests: (p: string) => string,
): string[] {
  if (!agents)
    throw new Refusal(
      'hms-gen.json has no ts.agents (the directory of the TypeScript agents): nowhere to put a TypeScript agent',
    );
  const { file } = tsAgentNames(forms.kebab);
  const moduleFile = join(agents.path, file);
  const index = join(agents.path, 'index.ts');
  refuseExisting([moduleFile, testFile]);
  const generatedTs = relative(agents.path, join('generated', 'ts')).split('\\').join('/');
  const current = existsSync(index)
    ? readOrRefuse(index, `ts.agents.path of hms-gen.json is ${agents.path}`)
    : tsAgentsIndex();
  const registered = register(index, () => registerTsAgent(current, set, service, forms.kebab, { generatedTs }));
  const test = tsLocalAgentTest(set, planAll(set), service, forms.kebab, {
    generatedTs: fromTests(join('generated', 'ts')),
    agentsIndex: fromTests(join(agents.path, 'index.js')),
  });
  writeNew(moduleFile, tsAgentModule(set, service, forms.kebab, { generatedTs }));
  writeNew(testFile, test);
  writeFileSync(index, registered);
  return [
    `wrote ${moduleFile} (agent type ${forms.kebab}: ${service.name}, every rpc answering Unimplemented)`,
    `registered it in ${index}`,
    `wrote ${testFile} (calls it through the generated TypeScript client)`,
    ...next([
      ['hms-gen generate', 'the generated code, if the service is new'],
      [`node --import tsx node_modules/uvu/bin.js tests ${forms.kebab}-agent`, 'the test'],
    ]),
  ];
}

function readOrRefuse(path: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Refusal(`cannot read ${path} (${hint})`);
  }
}

/** The registration edit, or a refusal naming the file (nothing written yet). */
function register(path: string, edit: () => string): string {
  try {
    return edit();
  } catch (e) {
    if (e instanceof ScaffoldError) throw new Refusal(`${path}: ${e.message}; nothing written`);
    throw e;
  }
}

/** `hms-gen new KIND ...` (arguments parsed by cli/run.ts): the exit code; usage errors are thrown. */
export function runNew(args: NewArgs): number {
  const [what, ...positional] = args.positional;
  const rest: NewArgs = { ...args, positional };
  try {
    let lines: string[];
    if (what === undefined) throw new UsageError('new: expected service or agent');
    if (what === 'service') lines = newService(rest);
    else if (what === 'agent') lines = newAgent(rest);
    else throw new UsageError(`new: unknown kind ${what} (expected service or agent)`);
    process.stdout.write(`${lines.map((l, i) => (i === 0 ? `hms-gen: ${l}` : l)).join('\n')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof Refusal) {
      process.stderr.write(`hms-gen: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
