import { stampText, type Backend, type EmitContext } from '../../codegen/backend.js';
import { emitEnumNewtype, emitUnionEnums } from './enums.js';
import { RustNaming, modulePath } from './naming.js';
import { AGENT_MODULE, boundServices, emitAgentLib, emitAgentModule, emitServiceTrait } from './services.js';
import { StructEmitter } from './structs.js';
import { TableEmitter } from './tables.js';
import { checkSupported } from './unsupported.js';

/**
 * The Rust types backend: a crate `rust/contracts/` (package `hms-contracts`, lib `hms_contracts`) with one
 * module per namespace (`hms.health` → `src/hms/health.rs`, declared from `src/hms.rs`).
 */

/** One Rust module: its items and child modules. */
interface Module {
  readonly path: readonly string[];
  readonly namespace: string;
  readonly children: Set<string>;
  readonly items: string[];
}

function cargoVersion(v: string): string {
  return /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(v) ? v : '0.0.0';
}

/**
 * A Rust file as emitted: the emitters print rustfmt's layout themselves (./layout.ts), so only
 * the blank lines template joins leave at the end go.
 */
function finish(text: string): string {
  return text.replace(/\n+$/, '\n');
}

function emit(ctx: EmitContext): void {
  const { set, plans, templates } = ctx;
  checkSupported(set);
  const services = boundServices(ctx);
  const names = new RustNaming(
    set.objects,
    set.enums,
    services?.map((s) => s.service),
  );
  const rootIdents = new Map<string, string>();
  for (const s of set.schemas) {
    if (s.rootTable !== undefined && s.fileIdent !== '' && !rootIdents.has(s.rootTable))
      rootIdents.set(s.rootTable, s.fileIdent);
  }

  const modules = new Map<string, Module>();
  /** The module of `path`, created with every missing ancestor (a loop, not one call per level). */
  const moduleOf = (path: readonly string[], namespace: readonly string[]): Module => {
    const found = modules.get(path.join('::'));
    if (found) return found;
    let child: Module | undefined;
    let result: Module | undefined;
    for (let depth = path.length; depth >= 0; depth--) {
      const key = path.slice(0, depth).join('::');
      const existing = modules.get(key);
      const m = existing ?? {
        path: path.slice(0, depth),
        namespace: namespace.slice(0, depth).join('.'),
        children: new Set<string>(),
        items: [],
      };
      if (!existing) modules.set(key, m);
      if (child) m.children.add(child.path[child.path.length - 1] as string);
      result ??= m;
      if (existing) break;
      child = m;
    }
    return result as Module;
  };
  moduleOf([], []);

  // Enums (and union discriminants) first, then structs, tables and union enums, each by name.
  for (const e of set.enums)
    moduleOf(modulePath(e.namespace), e.namespace).items.push(emitEnumNewtype(templates, names, e));
  for (const o of set.objects) {
    if (!o.isStruct) continue;
    const path = modulePath(o.namespace);
    const plan = plans.get(o.name);
    if (!plan) throw new Error(`no plan for ${o.name}`);
    moduleOf(path, o.namespace).items.push(new StructEmitter(names, path.join('::')).emit(plan));
  }
  for (const o of set.objects) {
    if (o.isStruct) continue;
    const path = modulePath(o.namespace);
    const plan = plans.get(o.name);
    if (!plan) throw new Error(`no plan for ${o.name}`);
    moduleOf(path, o.namespace).items.push(new TableEmitter(names, path.join('::'), rootIdents).emit(plan));
  }
  for (const e of set.enums) {
    if (!e.isUnion) continue;
    const path = modulePath(e.namespace);
    moduleOf(path, e.namespace).items.push(emitUnionEnums(names, e, path.join('::')));
  }

  for (const s of services ?? []) {
    const path = modulePath(s.service.namespace);
    moduleOf(path, s.service.namespace).items.push(emitServiceTrait(names, s));
  }
  if (services) {
    moduleOf([], []).children.add(AGENT_MODULE);
    const file = `rust/contracts/src/${AGENT_MODULE}.rs`;
    const stamp = stampText(ctx, ctx.deps.abi());
    ctx.out.add(file, finish(emitAgentModule(ctx, names, services, stamp)));
    for (const [file, text] of emitAgentLib(ctx, services, stamp, cargoVersion(ctx.version))) {
      ctx.out.add(file, file.endsWith('.rs') ? finish(text) : text);
    }
  }

  const crateStamp = stampText(ctx, []);
  ctx.out.add(
    'rust/contracts/Cargo.toml',
    templates.render('rust/Cargo.toml.hbs', { stamp: crateStamp, version: cargoVersion(ctx.version) }),
  );
  for (const m of [...modules.values()].sort((a, b) => (a.path.join('/') < b.path.join('/') ? -1 : 1))) {
    // `wire_bytes` (lib.rs) reads structs and enum values: emitted only when there are some (else
    // it is dead code, a warning).
    const hasStructs = set.enums.length > 0 || set.objects.some((o) => o.isStruct);
    // The crate root lists every namespace; a module, its own declarations and its children.
    const stamp = stampText(ctx, m.path.length === 0 ? ctx.deps.all() : ctx.deps.subtree(m.namespace.split('.')));
    const context = {
      stamp,
      namespace: m.namespace,
      modules: [...m.children].sort(),
      items: m.items.join('\n'),
      hasStructs,
    };
    const file = m.path.length === 0 ? 'rust/contracts/src/lib.rs' : `rust/contracts/src/${m.path.join('/')}.rs`;
    const text = templates.render(m.path.length === 0 ? 'rust/lib.rs.hbs' : 'rust/module.rs.hbs', context);
    ctx.out.add(file, finish(text));
  }
}

export const rustBackend: Backend = { lang: 'rust', emit };
