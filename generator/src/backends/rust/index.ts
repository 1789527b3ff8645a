import { compareNames } from '../../codegen/naming.js';
import { emitFile, NO_INPUTS, stampText, type Backend, type EmitContext } from '../../codegen/backend.js';
import { emitEnumNewtype, emitUnionEnums } from './enums.js';
import { RustNaming, modulePath } from './naming.js';
import { AGENT_MODULE, emitAgentLib, emitAgentModule, emitServiceTrait, rustServiceNames } from './services.js';
import { StructEmitter, usesWireBytes } from './structs.js';
import { TableEmitter } from './tables.js';

/**
 * The Rust types backend: a crate `rust/contracts/` (package `hms-contracts`, lib `hms_contracts`) with one
 * module per namespace (`hms.health` → `src/hms/health.rs`, declared from `src/hms.rs`).
 */

/**
 * One Rust module: its declarations (printed only when the file is rendered, see `emitFile`) and
 * child modules.
 */
interface Module {
  readonly path: readonly string[];
  readonly namespace: string;
  readonly children: Set<string>;
  readonly items: (() => string)[];
}

/** The crate's module of safe read helpers (templates/rust/runtime.rs.hbs). */
export const RUNTIME_MODULE = 'runtime';

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
  const services = rustServiceNames(ctx.bindings);
  const names = new RustNaming(
    set.objects,
    set.enums,
    services?.map((s) => s.service),
  );

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
  // The safe read (and struct push) helpers every reader and builder calls: templates/rust/runtime.rs.hbs.
  moduleOf([], []).children.add(RUNTIME_MODULE);

  // Enums (and union discriminants) first, then structs, tables and union enums, each by name.
  const planOf = (name: string) => {
    const plan = plans.get(name);
    if (!plan) throw new Error(`no plan for ${name}`);
    return plan;
  };
  for (const e of set.enums)
    moduleOf(modulePath(e.namespace), e.namespace).items.push(() => emitEnumNewtype(templates, names, e));
  for (const o of set.objects) {
    if (!o.isStruct) continue;
    const path = modulePath(o.namespace);
    const plan = planOf(o.name);
    moduleOf(path, o.namespace).items.push(() => new StructEmitter(names, path.join('::')).emit(plan));
  }
  for (const o of set.objects) {
    if (o.isStruct) continue;
    const path = modulePath(o.namespace);
    const plan = planOf(o.name);
    moduleOf(path, o.namespace).items.push(() =>
      new TableEmitter(names, path.join('::'), ctx.bindings.rootIdentifiers).emit(plan),
    );
  }
  for (const e of set.enums) {
    if (!e.isUnion) continue;
    const path = modulePath(e.namespace);
    moduleOf(path, e.namespace).items.push(() => emitUnionEnums(names, e, path.join('::')));
  }

  for (const s of services ?? []) {
    const path = modulePath(s.service.namespace);
    moduleOf(path, s.service.namespace).items.push(() => emitServiceTrait(names, s));
  }
  if (services) {
    moduleOf([], []).children.add(AGENT_MODULE);
    const abi = ctx.deps.abi();
    emitFile(ctx, `rust/contracts/src/${AGENT_MODULE}.rs`, abi, (stamp) =>
      finish(emitAgentModule(ctx, names, services, stamp)),
    );
    const stamp = stampText(ctx, abi);
    for (const [file, text] of emitAgentLib(ctx, services, stamp, cargoVersion(ctx.version))) {
      ctx.out.add(file, file.endsWith('.rs') ? finish(text) : text);
    }
  }

  const crateStamp = stampText(ctx, NO_INPUTS);
  ctx.out.add(
    'rust/contracts/Cargo.toml',
    templates.render('rust/Cargo.toml.hbs', { stamp: crateStamp, version: cargoVersion(ctx.version) }),
  );
  ctx.out.add(
    `rust/contracts/src/${RUNTIME_MODULE}.rs`,
    finish(templates.render('rust/runtime.rs.hbs', { stamp: crateStamp })),
  );
  // `wire_bytes` (lib.rs) reads struct members: emitted only when a struct reads one with it
  // (else it is dead code, a warning). Decided from the plans: the items are printed lazily.
  const hasStructs = set.objects.some((o) => o.isStruct && usesWireBytes(planOf(o.name)));
  for (const m of [...modules.values()].sort((a, b) => compareNames(a.path.join('/'), b.path.join('/')))) {
    // The crate root lists every namespace; a module, its own declarations and its children.
    const files = m.path.length === 0 ? ctx.deps.all() : ctx.deps.subtree(m.namespace.split('.'));
    const file = m.path.length === 0 ? 'rust/contracts/src/lib.rs' : `rust/contracts/src/${m.path.join('/')}.rs`;
    emitFile(ctx, file, files, (stamp) => {
      const context = {
        stamp,
        namespace: m.namespace,
        modules: [...m.children].sort(),
        items: m.items.map((item) => item()).join('\n'),
        hasStructs,
      };
      return finish(templates.render(m.path.length === 0 ? 'rust/lib.rs.hbs' : 'rust/module.rs.hbs', context));
    });
  }
}

export const rustBackend: Backend<'rust'> = { lang: 'rust', emit };
