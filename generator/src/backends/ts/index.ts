import { emitFile, NO_INPUTS, stampText, type Backend, type EmitContext } from '../../codegen/backend.js';
import type { ObjectPlan } from '../../codegen/plan.js';
import type { EnumDef, ObjectDef, Service } from '../../ir/model.js';
import { emitEnum } from './enums.js';
import { buildNameTable, importPath, indexAliases, type ModuleNames } from './naming.js';
import { ModuleScope, RUNTIME_MODULE } from './scope.js';
import { emitStruct } from './structs.js';
import { emitTable } from './tables.js';
import { emitUnion } from './unions.js';
import { emitFfiModule, emitService, FFI_MODULE } from './services.js';

/**
 * The TypeScript backend: one module per namespace (`ts/hms/health.ts`) with interfaces, enums
 * and codecs over a small shared runtime (`ts/_runtime.ts`: the Builder, DecodeError,
 * bounds-checked reads) and `ts/index.ts` re-exporting every namespace. Services (when the set
 * includes hms/common.fbs) get an interface and an FFI client each, and `ts/_ffi.ts` the koffi
 * declarations (services.ts).
 */
export const tsBackend: Backend<'ts'> = {
  lang: 'ts',
  emit(ctx) {
    const names = buildNameTable(ctx.set);
    const { rootIdentifiers: identifiers, methodIds: ids } = ctx.bindings;
    const services = ctx.bindings.services.map((b) => b.service);
    // Declarations grouped by module once (a module loop over every declaration is quadratic in
    // the number of namespaces).
    const byModule = new Map<
      ModuleNames,
      { enums: EnumDef[]; unions: EnumDef[]; structs: ObjectDef[]; tables: ObjectDef[]; services: Service[] }
    >();
    const group = (ns: readonly string[]) => {
      const m = names.moduleOf(ns);
      let g = byModule.get(m);
      if (!g) byModule.set(m, (g = { enums: [], unions: [], structs: [], tables: [], services: [] }));
      return g;
    };
    for (const e of ctx.set.enums) (e.isUnion ? group(e.namespace).unions : group(e.namespace).enums).push(e);
    for (const o of ctx.set.objects) (o.isStruct ? group(o.namespace).structs : group(o.namespace).tables).push(o);
    for (const sv of services) group(sv.namespace).services.push(sv);
    for (const m of names.modules) {
      emitFile(ctx, `ts/${m.path}`, ctx.deps.namespace(m.namespace), (stamp) => {
        const scope = new ModuleScope(m, names);
        const g = byModule.get(m) ?? { enums: [], unions: [], structs: [], tables: [], services: [] };
        const declarations: string[] = [];
        for (const e of g.enums) declarations.push(emitEnum(e, scope, ctx.templates));
        for (const e of g.unions) declarations.push(emitUnion(e, scope, ctx.templates));
        for (const o of g.structs) declarations.push(emitStruct(planOf(ctx, o.name), scope, ctx.templates));
        for (const o of g.tables)
          declarations.push(emitTable(planOf(ctx, o.name), scope, ctx.templates, identifiers.get(o.name)));
        for (const sv of g.services) declarations.push(...emitService(sv, scope, names, ids, identifiers));
        return ctx.templates.render('ts/module.ts.hbs', {
          stamp,
          imports: scope.imports.render(),
          declarations: declarations.map((d) => d.trimEnd()),
        });
      });
    }
    ctx.out.add(`ts/${RUNTIME_MODULE}`, ctx.templates.copy('ts/runtime.ts', '//', stampText(ctx, NO_INPUTS)));
    const ffi = ctx.bindings.abi;
    if (ffi) emitFile(ctx, `ts/${FFI_MODULE}`, ctx.deps.abi(), (stamp) => emitFfiModule(ctx, services, names, stamp));
    emitFile(ctx, 'ts/index.ts', ctx.deps.all(), (stamp) => renderIndex(ctx, stamp, names.modules, ffi));
  },
};

function planOf(ctx: EmitContext, name: string): ObjectPlan {
  const p = ctx.plans.get(name);
  if (!p) throw new Error(`no codec plan for ${name}`);
  return p;
}

function renderIndex(ctx: EmitContext, stamp: string, modules: readonly ModuleNames[], ffi: boolean): string {
  const aliases = indexAliases(modules);
  const exports = modules.map(
    (m) => `export * as ${aliases.get(m) as string} from '${importPath('index.ts', m.path)}';`,
  );
  // The Builder (and the interface the write* functions take) for composing buffers by hand.
  exports.push(
    `export { Builder, DecodeError, EncodeError, EncodeTypeError, type FlatBuilder } from '${importPath('index.ts', RUNTIME_MODULE)}';`,
  );
  if (ffi)
    exports.push(`export { CONTRACT, DECLARATIONS, openAgentLibrary } from '${importPath('index.ts', FFI_MODULE)}';`);
  return ctx.templates.render('ts/index.ts.hbs', { stamp, exports });
}
