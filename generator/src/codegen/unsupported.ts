import { modulePath } from '../backends/rust/naming.js';
import { AGENT_MODULE } from '../backends/rust/services.js';
import type { EnumDef, EnumVal, ObjectDef } from '../ir/model.js';
import { UnsupportedError } from './backend.js';
import type { Bindings } from './bindings.js';
import type { Lang } from './langs.js';
import type { ObjectPlan } from './plan.js';
import type { SchemaSet } from './schema-set.js';

/**
 * The constructs a backend rejects rather than emit code that would lose data, all in one table:
 * `generate` checks the rules of every language it runs, in run order, before any backend emits,
 * and reports the first violation as a located E200. A rule shared by several languages is one
 * entry listing them (with each one's wording where the messages differ).
 */

interface Input {
  readonly set: SchemaSet;
  readonly plans: ReadonlyMap<string, ObjectPlan>;
  readonly bindings: Bindings;
}

/** A rule: the first construct it rejects for `lang`, or undefined. */
type Rule = (input: Input, lang: Lang) => UnsupportedError | undefined;

/** How each language's messages name its backend. */
const BACKEND_NAME: Readonly<Partial<Record<Lang, string>>> = {
  rust: 'the Rust generator',
  ts: 'the TypeScript backend',
};

const unions = (set: SchemaSet): EnumDef[] => set.enums.filter((e) => e.isUnion);

/** The table or struct a union member refers to, if it refers to one. */
function memberObject(set: SchemaSet, v: EnumVal): ObjectDef | undefined {
  return v.unionType?.object !== undefined ? set.objectByName.get(v.unionType.object) : undefined;
}

/** `union U : int` (flatc ≥ 23.5.26): the codec plans store a union's discriminant as a ubyte. */
const unionWithUnderlyingType: Rule = ({ set }, lang) => {
  const e = unions(set).find((u) => u.underlying.base !== 'UType');
  if (!e) return undefined;
  return new UnsupportedError(
    e.location,
    lang === 'rust'
      ? `union ${e.name}: unions with an underlying type (union U : T) are not supported by ${BACKEND_NAME.rust}`
      : `${e.name}: unions with an underlying type are not supported by ${BACKEND_NAME[lang] ?? lang}`,
  );
};

/** Rust: every member (but NONE) a table, as flatc's Rust support. */
const unionMemberNotATable: Rule = ({ set }) => {
  for (const e of unions(set)) {
    for (const v of e.values) {
      if (v.value === 0n) continue;
      const o = memberObject(set, v);
      if (v.unionType?.base !== 'Obj' || !o || o.isStruct)
        return new UnsupportedError(
          v.location,
          `union ${e.name}: member ${v.name} is not a table; struct and string union members are not supported by ${BACKEND_NAME.rust}`,
        );
    }
  }
  return undefined;
};

/** TypeScript: flatc 2.0.8 cannot build buffers with struct members, so there is no oracle to hold one to. */
const unionStructMember: Rule = ({ set }, lang) => {
  for (const e of unions(set)) {
    for (const v of e.values) {
      if (v.unionType?.base === 'Obj' && memberObject(set, v)?.isStruct)
        return new UnsupportedError(
          v.location,
          `${e.name}.${v.name}: structs as union members are not supported by ${BACKEND_NAME[lang] ?? lang}`,
        );
    }
  }
  return undefined;
};

/** Vectors of unions: Rust checks the fields it emits (not deprecated ones), TypeScript every planned field. */
const vectorOfUnions: Rule = ({ set, plans }, lang) => {
  for (const o of set.objects) {
    for (const f of plans.get(o.name)?.fields ?? []) {
      if (lang === 'rust' && f.deprecated) continue;
      if (f.value.kind === 'vector' && f.value.element.kind === 'union')
        return new UnsupportedError(
          f.field.location,
          `${o.name}.${f.field.name}: vectors of unions are not supported by ${BACKEND_NAME[lang] ?? lang}`,
        );
    }
  }
  return undefined;
};

/** Rust: field attributes and defaults its readers cannot represent. */
const rustFieldForms: Rule = ({ set }) => {
  for (const o of set.objects) {
    for (const f of o.fields) {
      if (f.deprecated) continue;
      const where = `${o.name}.${f.name}`;
      if (f.attributes.some((a) => a.key === 'offset64'))
        return new UnsupportedError(
          f.location,
          `${where}: 64-bit offsets (offset64) are not supported by ${BACKEND_NAME.rust}`,
        );
      if (f.default.kind === 'string' || f.default.kind === 'emptyVector')
        return new UnsupportedError(
          f.location,
          `${where}: string and vector defaults are not supported by ${BACKEND_NAME.rust}`,
        );
    }
  }
  return undefined;
};

/** Rust: two namespaces that differ only in case would share one module. */
const rustModuleCollision: Rule = ({ set }) => {
  const modules = new Map<string, string>();
  for (const d of [...set.objects, ...set.enums]) {
    const ns = d.namespace.join('.');
    const m = modulePath(d.namespace).join('::');
    const other = modules.get(m);
    if (other !== undefined && other !== ns)
      return new UnsupportedError(d.location, `namespaces ${other} and ${ns} map to the same Rust module ${m}`);
    modules.set(m, ns);
  }
  return undefined;
};

/** Rust, with the agent ABI: the crate root's `agent` module holds the Agent trait, no namespace may take it. */
const rustAgentModule: Rule = ({ set, bindings }) => {
  if (!bindings.abi) return undefined;
  for (const d of [...set.objects, ...set.enums, ...set.services]) {
    if (modulePath(d.namespace)[0] === AGENT_MODULE)
      return new UnsupportedError(
        d.location,
        `${d.name}: namespace ${d.namespace.join('.')} maps to the Rust module ${AGENT_MODULE}, which holds the Agent trait`,
      );
  }
  return undefined;
};

/** Each language's rules, in the order they are checked. */
const RULES: Readonly<Partial<Record<Lang, readonly Rule[]>>> = {
  rust: [
    unionWithUnderlyingType,
    unionMemberNotATable,
    vectorOfUnions,
    rustFieldForms,
    rustModuleCollision,
    rustAgentModule,
  ],
  ts: [unionWithUnderlyingType, unionStructMember, vectorOfUnions],
};

/** Throws the first construct one of `langs` (in run order) rejects. */
export function checkSupported(input: Input, langs: readonly Lang[]): void {
  for (const lang of langs) {
    for (const rule of RULES[lang] ?? []) {
      const e = rule(input, lang);
      if (e) throw e;
    }
  }
}
