import { compareNames } from '../../codegen/naming.js';
import { ABI_TYPES } from '../../codegen/abi.js';
import { bindingsOf } from '../../codegen/bindings.js';
import { ScaffoldError } from '../../codegen/scaffold.js';
import type { SchemaSet } from '../../codegen/schema-set.js';
import type { Service } from '../../ir/model.js';
import { docComments } from './docs.js';
import { fits, signature } from './layout.js';
import { camelCase, RustNaming, valueIdent } from './naming.js';
import { rustServiceNames, type ServiceNames } from './services.js';

/**
 * `hms-gen new agent NAME --service S --lang rust`: the agent module of an agent crate (a type that
 * implements S's generated trait, every rpc answering `Unimplemented`, so it compiles at once) and
 * its entry in the crate's `hms_contracts::agents!` registration. Names come from this backend's
 * naming module, so the scaffold uses exactly what `generate` emits. The text is rustfmt's layout.
 */

/** The Rust names of a scaffolded agent. */
export interface RustAgentNames {
  /** Module (file `src/<module>.rs`). */
  readonly module: string;
  /** The agent type. */
  readonly type: string;
}

export function rustAgentNames(kebabName: string): RustAgentNames {
  const words = kebabName.replace(/-/g, '_');
  return { module: valueIdent(words), type: `${camelCase(words)}Agent` };
}

/** A declaration's path from outside the contracts crate. */
function external(path: string): string {
  return path.replace(/^crate::/, 'hms_contracts::');
}

/** The service's names as the Rust backend gives them (undefined when the set has no agent ABI). */
function serviceNames(set: SchemaSet, service: Service): { names: RustNaming; sn: ServiceNames } | undefined {
  const bound = rustServiceNames(bindingsOf(set, {}));
  const sn = bound?.find((s) => s.service.name === service.name);
  if (!bound || !sn) return undefined;
  return {
    names: new RustNaming(
      set.objects,
      set.enums,
      bound.map((s) => s.service),
    ),
    sn,
  };
}

/** The accessor of `service` in the `agents!` registration's `serves` list. */
export function rustAccessor(set: SchemaSet, service: Service): string | undefined {
  return serviceNames(set, service)?.sn.accessor;
}

/**
 * `use` items as rustfmt prints them (edition 2021): one per module, sorted (a module's own items
 * before a parent's brace list), names sorted with snake_case before CamelCase, a list too long
 * for one line broken into lines of names at 4 spaces.
 */
class Uses {
  private readonly byModule = new Map<string, Set<string>>();
  private readonly taken = new Map<string, string>();

  /** `crate::a::B` imported as `B` (or left as a full path when another `B` was imported). */
  name(path: string): string {
    const full = external(path);
    const at = full.lastIndexOf('::');
    const module = full.slice(0, at);
    const item = full.slice(at + 2);
    const owner = this.taken.get(item);
    if (owner !== undefined && owner !== module) return full;
    this.taken.set(item, module);
    let set = this.byModule.get(module);
    if (!set) this.byModule.set(module, (set = new Set()));
    set.add(item);
    return item;
  }

  render(): string[] {
    const key = (m: string): string => `${m}::~`;
    const order = (a: string, b: string): number => {
      const la = /^[a-z_]/.test(a);
      const lb = /^[a-z_]/.test(b);
      if (la !== lb) return la ? -1 : 1;
      return compareNames(a, b);
    };
    const out: string[] = [];
    for (const m of [...this.byModule.keys()].sort((a, b) => compareNames(key(a), key(b)))) {
      const items = [...(this.byModule.get(m) as Set<string>)].sort(order);
      if (items.length === 1) {
        out.push(`use ${m}::${items[0] as string};`);
        continue;
      }
      const one = `use ${m}::{${items.join(', ')}};`;
      if (fits(0, one)) {
        out.push(one);
        continue;
      }
      out.push(`use ${m}::{`);
      let line = '   ';
      for (const it of items) {
        if (!fits(0, `${line} ${it},`)) {
          out.push(line);
          line = '   ';
        }
        line += ` ${it},`;
      }
      out.push(line, '};');
    }
    return out;
  }
}

/** `src/<module>.rs` of the new agent. */
export function rustAgentModule(set: SchemaSet, service: Service, kebabName: string): string {
  const found = serviceNames(set, service);
  if (!found)
    throw new Error(`${service.name} is not served over the agent ABI (does its schema include hms/common.fbs?)`);
  const { names, sn } = found;
  const { type } = rustAgentNames(kebabName);
  const uses = new Uses();
  uses.name('crate::agent::error');
  uses.name('crate::agent::Agent');
  const trait = uses.name(names.servicePath(service.name, ''));
  const abi = (name: string): string => uses.name(names.path(name, 'owned', ''));
  const health = abi(ABI_TYPES.health);
  const agentError = abi(ABI_TYPES.error);
  const code = abi(ABI_TYPES.errorCode);
  const status = set.enumByName.has('hms.HealthStatus') ? abi('hms.HealthStatus') : undefined;
  const unary = service.calls.filter((c) => c.streaming === 'none');
  const body: string[] = [];
  unary.forEach((c, i) => {
    if (i > 0) body.push('');
    const req = uses.name(names.path(c.request, 'owned', ''));
    const resp = uses.name(names.path(c.response, 'owned', ''));
    const method = sn.methods.get(c.name) as string;
    for (const d of docComments(c.documentation)) body.push(`    ${d}`);
    body.push(
      ...signature(4, `fn ${method}`, ['&self', `req: ${req}`], ` -> Result<${resp}, ${agentError}>`).map(
        (l) => `    ${l}`,
      ),
      '        let _ = req;',
      `        Err(unimplemented(${JSON.stringify(`${service.name}.${c.name}`)}))`,
      '    }',
    );
  });
  const out: string[] = [
    `//! The \`${kebabName}\` agent: serves \`${service.name}\` (${service.location.file}).`,
    '//!',
    `//! Scaffolded by \`hms-gen new agent ${kebabName} --service ${service.name}\`;`,
    '//! every rpc answers `Unimplemented` until it is written. The agent is registered in this',
    "//! crate's `lib.rs`.",
    '',
    ...uses.render(),
    '',
    '/// The type name callers create this agent with; its type id is derived from it.',
    `pub const TYPE_NAME: &str = ${JSON.stringify(kebabName)};`,
    '',
    `/// The \`${kebabName}\` agent; add its state here (it is shared by concurrent calls: \`Send + Sync\`).`,
    '#[derive(Debug, Default)]',
    `pub struct ${type} {}`,
    '',
    `impl ${type} {`,
    "    /// Creates the agent from its configuration bytes (their format is this agent's own).",
    ...signature(4, 'pub fn create', ['config: &[u8]'], ` -> Result<Self, ${agentError}>`).map((l) => `    ${l}`),
    '        let _ = config;',
    '        Ok(Self::default())',
    '    }',
    '}',
    '',
    `impl Agent for ${type} {`,
    `    fn health(&self) -> ${health} {`,
    `        ${health} {`,
    '            agent_id: TYPE_NAME.to_owned(),',
    ...(status ? [`            status: ${status}::HEALTHY,`] : []),
    '            ..Default::default()',
    '        }',
    '    }',
    '}',
    '',
    `impl ${trait} for ${type} {`,
    ...body,
    '}',
    '',
    '/// The answer of an rpc this agent does not implement yet (kept for rpcs added later).',
    '#[allow(dead_code)]',
    `fn unimplemented(rpc: &str) -> ${agentError} {`,
    `    error(`,
    `        ${code}::UNIMPLEMENTED,`,
    '        format!("{TYPE_NAME}: {rpc} is not implemented yet"),',
    '    )',
    '}',
    '',
  ];
  return out.join('\n');
}

/** The registration entry of the new agent, as it goes inside `hms_contracts::agents! { ... }`. */
export function rustRegistrationEntry(kebabName: string, accessor: string): string[] {
  const { module, type } = rustAgentNames(kebabName);
  return [
    `    ${module}::${type} {`,
    `        name: ${module}::TYPE_NAME,`,
    `        create: ${module}::${type}::create,`,
    `        serves: [${accessor}],`,
    '    },',
  ];
}

/**
 * The agent crate's `lib.rs` with the new module declared and registered: `pub mod <module>;`
 * among the other module declarations (sorted) and the entry at the end of the `agents!` list.
 */
export function registerRustAgent(libRs: string, kebabName: string, accessor: string): string {
  const { module } = rustAgentNames(kebabName);
  const lines = libRs.split('\n');
  if (lines.some((l) => l.trim() === `pub mod ${module};` || l.trim() === `mod ${module};`)) {
    throw new ScaffoldError(`module ${module} is already declared`);
  }
  const open = lines.findIndex((l) => /^\s*hms_contracts::agents!\s*\{\s*$/.test(l));
  if (open < 0)
    throw new ScaffoldError('no `hms_contracts::agents! {` registration (a line of its own) to add the agent to');
  let close = -1;
  for (let i = open + 1; i < lines.length; i++) {
    if (lines[i] === '}') {
      close = i;
      break;
    }
  }
  if (close < 0)
    throw new ScaffoldError('the `hms_contracts::agents!` registration has no closing `}` at the start of a line');
  if (lines.slice(open, close).some((l) => l.includes(`name: ${module}::TYPE_NAME`))) {
    throw new ScaffoldError(`${module} is already registered`);
  }
  const registered = [...lines.slice(0, close), ...rustRegistrationEntry(kebabName, accessor), ...lines.slice(close)];
  // The module declaration: in order among the `pub mod x;` lines before the registration, else
  // just before it (with a blank line).
  const mods = registered
    .map((l, i) => [l, i] as const)
    .filter(([l, i]) => i < open && /^pub mod [a-z0-9_]+;$/.test(l));
  const decl = `pub mod ${module};`;
  if (mods.length === 0) {
    registered.splice(open, 0, decl, '');
  } else {
    const after = mods.filter(([l]) => l < decl).pop();
    const at = after ? after[1] + 1 : (mods[0] as readonly [string, number])[1];
    registered.splice(at, 0, decl);
  }
  return registered.join('\n');
}
