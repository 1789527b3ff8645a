import { compareNames } from '../../codegen/naming.js';
import type { ObjectPlan } from '../../codegen/plan.js';
import { ScaffoldError } from '../../codegen/scaffold.js';
import type { SchemaSet } from '../../codegen/schema-set.js';
import type { Service } from '../../ir/model.js';
import { jsdoc } from './format.js';
import { buildNameTable, stringLiteral } from './naming.js';
import { methodNames } from './services.js';
import { tableProperties } from './tables.js';

/**
 * `hms-gen new agent NAME --service S`: the test that calls the new agent through the generated
 * TypeScript client (`<S>Client` over the agent library), one check per rpc. The scaffolded agent
 * answers `Unimplemented` everywhere, and so the test expects; each expectation is replaced as the
 * rpc is written. Names come from this backend's naming module, as `generate` uses them.
 */

export interface AgentTestOptions {
  /** The generated TypeScript directory, relative to the test file's directory (`../generated/ts`). */
  readonly generatedTs: string;
  /** The test file's directory relative to the project root (`tests`): where `target/` is found. */
  readonly testDir: string;
}

/**
 * The smallest request value TypeScript accepts: only required fields, each at its emptiest value
 * (required fields are strings, vectors, tables and structs; a struct or union needs a real value,
 * so the test leaves a marked placeholder there).
 */
function minimalValue(plans: ReadonlyMap<string, ObjectPlan>, name: string, depth = 0): string {
  const plan = plans.get(name);
  if (!plan || plan.object.isStruct || depth > 8) return '{} /* fill in */';
  const { live, props } = tableProperties(plan);
  const parts: string[] = [];
  for (const f of live) {
    if (!f.required) continue;
    const prop = props.get(f.field.name) as string;
    const v = f.value;
    if (v.kind === 'string') parts.push(`${prop}: ''`);
    else if (v.kind === 'vector') parts.push(`${prop}: []`);
    else if (v.kind === 'table') parts.push(`${prop}: ${minimalValue(plans, v.object.name, depth + 1)}`);
    else parts.push(`${prop}: undefined as never /* fill in */`);
  }
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}

/** Lower camelCase of a kebab-case agent name, for a variable. */
function variable(kebab: string): string {
  return kebab.replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** What both agent tests import (with `runtime`, more names of hms-runtime), and their predicate for the scaffold's answer. */
const testImports = (...runtime: string[]): string[] => [
  "import { test } from 'uvu';",
  "import * as assert from 'uvu/assert';",
  `import { ${['ErrorCodes', ...runtime, 'RustError'].join(', ')} } from 'hms-runtime';`,
];
const UNIMPLEMENTED =
  'const unimplemented = (e: unknown): boolean => e instanceof RustError && e.code === ErrorCodes.Unimplemented;';

/** One expectation per rpc the client can call (streaming rpcs have no client method). */
function expectUnimplemented(
  plans: ReadonlyMap<string, ObjectPlan>,
  service: Service,
  client: string,
  indent: string,
): string[] {
  const methods = methodNames(service);
  return service.calls.flatMap((c) => {
    const m = methods.get(c.name);
    return m
      ? [`${indent}assert.throws(() => ${client}.${m.sync}(${minimalValue(plans, c.request)}), unimplemented);`]
      : [];
  });
}

export function tsAgentTest(
  set: SchemaSet,
  plans: ReadonlyMap<string, ObjectPlan>,
  service: Service,
  kebabName: string,
  o: AgentTestOptions,
): string {
  const names = buildNameTable(set);
  const sv = names.service(service.name);
  const client = variable(kebabName);
  const js = (path: string): string => `${o.generatedTs}/${path.replace(/\.ts$/, '.js')}`;
  const moduleImport = js(sv.module.path);
  const ffiImport = js('_ffi.ts');
  const up =
    o.testDir
      .split('/')
      .filter((p) => p !== '' && p !== '.')
      .map(() => '..')
      .join('/') || '.';
  const lines = [
    `// Scaffolded by \`hms-gen new agent ${kebabName} --service ${service.name}\`: calls the agent through the`,
    '// generated TypeScript client, into the agent library that `cargo build` makes. Every rpc answers',
    '// Unimplemented until it is written: replace each expectation with the real one as you do.',
    "import { existsSync } from 'node:fs';",
    "import { join } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    ...testImports(),
    `import { openAgentLibrary } from '${ffiImport}';`,
    `import { ${sv.client} } from '${moduleImport}';`,
    '',
    `const ROOT = fileURLToPath(new URL('${up}/', import.meta.url));`,
    "const LIB = join(process.env['CARGO_TARGET_DIR'] ?? join(ROOT, 'target'), 'debug', 'libhms_agent_lib.so');",
    UNIMPLEMENTED,
    '',
    `test(${stringLiteral(`${kebabName} serves ${service.name} through the generated client`)}, () => {`,
    '  assert.ok(existsSync(LIB), `${LIB} is missing: run cargo build`);',
    '  const lib = openAgentLibrary(LIB);',
    '  try {',
    `    const ${client} = new ${sv.client}(lib, lib.create(${stringLiteral(kebabName)}));`,
  ];
  lines.push(...expectUnimplemented(plans, service, client, '    '));
  lines.push('  } finally {', '    lib.close();', '  }', '});', '', 'test.run();', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// `--lang ts`: a TypeScript agent, hosted by LocalAgents (hms-runtime)

/** The TypeScript names of a scaffolded agent: its module (`<dir>/<kebab>.ts`) and class. */
export function tsAgentNames(kebabName: string): { readonly file: string; readonly cls: string } {
  const camel = kebabName.replace(/(^|[-_])([a-z0-9])/g, (_, _sep: string, c: string) => c.toUpperCase());
  return { file: `${kebabName}.ts`, cls: `${camel}Agent` };
}

export interface TsAgentOptions {
  /** The generated TypeScript directory, relative to the agents directory (`../../generated/ts`). */
  readonly generatedTs: string;
}

/** The agent module: a class implementing the service's interface, every rpc throwing `unimplemented`. */
export function tsAgentModule(set: SchemaSet, service: Service, kebabName: string, o: TsAgentOptions): string {
  const names = buildNameTable(set);
  const sv = names.service(service.name);
  const methods = methodNames(service);
  const { cls } = tsAgentNames(kebabName);
  const modulePath = (path: string): string => `${o.generatedTs}/${path.replace(/\.ts$/, '.js')}`;
  // Type imports by module; a name two modules share is imported once, the other by its interface.
  const imports = new Map<string, Set<string>>();
  const owner = new Map<string, string>();
  const typeName = (module: string, name: string): string | undefined => {
    const o = owner.get(name);
    if (o !== undefined && o !== module) return undefined;
    owner.set(name, module);
    let set = imports.get(module);
    if (!set) imports.set(module, (set = new Set()));
    set.add(name);
    return name;
  };
  typeName(modulePath(sv.module.path), sv.iface);
  const body: string[] = [];
  for (const c of service.calls) {
    const m = methods.get(c.name);
    if (!m) continue;
    // The parameter and result types are the interface's own (the decoded request, the response).
    const method = `${sv.iface}[${stringLiteral(m.sync)}]`;
    const req = names.decl(c.request);
    const resp = names.decl(c.response);
    const reqType = typeName(modulePath(req.module.path), req.type) ?? `Parameters<${method}>[0]`;
    const respType = typeName(modulePath(resp.module.path), resp.type) ?? `ReturnType<${method}>`;
    body.push('', ...jsdoc(c.documentation).map((l) => `  ${l}`));
    body.push(
      `  ${m.sync}(request: ${reqType}): ${respType} {`,
      '    void request;',
      `    throw unimplemented(${stringLiteral(`${service.name}.${c.name}`)});`,
      '  }',
    );
  }
  const importLines = [...imports.entries()]
    .sort(([a], [b]) => compareNames(a, b))
    .map(([m, set]) => `import type { ${[...set].sort().join(', ')} } from '${m}';`);
  const lines = [
    `// The \`${kebabName}\` agent: serves \`${service.name}\` (${service.location.file}). Scaffolded by`,
    `// \`hms-gen new agent ${kebabName} --service ${service.name} --lang ts\`; every rpc answers`,
    '// Unimplemented until it is written. It is registered in ./index.ts.',
    "import { unimplemented } from 'hms-runtime';",
    ...importLines,
    '',
    '/** The type name callers create this agent with. */',
    `export const TYPE_NAME = ${stringLiteral(kebabName)};`,
    '',
    `/** The \`${kebabName}\` agent; add its state here. */`,
    `export class ${cls} implements ${sv.iface} {`,
    "  /** Creates the agent from its configuration bytes (their format is this agent's own). */",
    `  static create(config: Uint8Array): ${cls} {`,
    '    void config;',
    `    return new ${cls}();`,
    '  }',
    ...body,
    '}',
    '',
  ];
  return lines.join('\n');
}

/** `index.ts` of the agents directory when there is none yet. */
export function tsAgentsIndex(): string {
  return [
    '// The TypeScript agent types, for LocalAgents (hms-runtime): `new LocalAgents(agentTypes)`.',
    '// `hms-gen new agent NAME --service S --lang ts` adds to this list; agentType() makes a',
    '// dispatch of a service the agent does not implement a compile error.',
    "import { agentType, type AgentType } from 'hms-runtime';",
    '',
    'export const agentTypes: readonly AgentType[] = [',
    '];',
    '',
  ].join('\n');
}

/** `index.ts` with the new agent's imports and its `agentType(...)` entry at the end of the list. */
export function registerTsAgent(
  index: string,
  set: SchemaSet,
  service: Service,
  kebabName: string,
  o: TsAgentOptions,
): string {
  const names = buildNameTable(set);
  const sv = names.service(service.name);
  const { file, cls } = tsAgentNames(kebabName);
  const alias = variable(kebabName);
  const lines = index.split('\n');
  const open = lines.findIndex((l) => /^export const agentTypes\b.*= \[$/.test(l));
  const close = open < 0 ? -1 : lines.findIndex((l, i) => i > open && l === '];');
  if (open < 0 || close < 0)
    throw new ScaffoldError(
      'no `export const agentTypes: ... = [` list (its `];` on a line of its own) to add the agent to',
    );
  if (lines.some((l) => l.includes(`from './${file.replace(/\.ts$/, '.js')}'`)))
    throw new ScaffoldError(`./${file} is already imported`);
  const entry = `  agentType({ name: ${alias}.TYPE_NAME, create: ${alias}.${cls}.create, serves: [${sv.dispatch}] }),`;
  const entryLines =
    entry.length <= 120
      ? [entry]
      : [
          '  agentType({',
          `    name: ${alias}.TYPE_NAME,`,
          `    create: ${alias}.${cls}.create,`,
          `    serves: [${sv.dispatch}],`,
          '  }),',
        ];
  const out = [...lines.slice(0, close), ...entryLines, ...lines.slice(close)];
  const lastImport = out.reduce((at, l, i) => (i < open && l.startsWith('import ') ? i : at), -1);
  const module = `${o.generatedTs}/${sv.module.path.replace(/\.ts$/, '.js')}`;
  out.splice(
    lastImport + 1,
    0,
    `import { ${sv.dispatch} } from '${module}';`,
    `import * as ${alias} from './${file.replace(/\.ts$/, '.js')}';`,
  );
  return out.join('\n');
}

/** The test of a TypeScript agent: LocalAgents over the registered types, the generated client. */
export function tsLocalAgentTest(
  set: SchemaSet,
  plans: ReadonlyMap<string, ObjectPlan>,
  service: Service,
  kebabName: string,
  o: { readonly generatedTs: string; readonly agentsIndex: string },
): string {
  const names = buildNameTable(set);
  const sv = names.service(service.name);
  const client = variable(kebabName);
  const lines = [
    `// Scaffolded by \`hms-gen new agent ${kebabName} --service ${service.name} --lang ts\`: calls the`,
    '// TypeScript agent through the generated client, hosted by LocalAgents (the same client and wire',
    '// as for a Rust agent). Every rpc answers Unimplemented until it is written: replace each',
    '// expectation with the real one as you do.',
    ...testImports('LocalAgents'),
    `import { ${sv.client} } from '${o.generatedTs}/${sv.module.path.replace(/\.ts$/, '.js')}';`,
    `import { agentTypes } from '${o.agentsIndex}';`,
    '',
    UNIMPLEMENTED,
    '',
    `test(${stringLiteral(`${kebabName} serves ${service.name} through the generated client`)}, () => {`,
    '  const agents = new LocalAgents(agentTypes);',
    `  const ${client} = new ${sv.client}(agents, agents.create(${stringLiteral(kebabName)}));`,
  ];
  lines.push(...expectUnimplemented(plans, service, client, '  '));
  lines.push('});', '', 'test.run();', '');
  return lines.join('\n');
}
