import type { BaseType, DefaultValue, EnumDef, Field, Location, ObjectDef, TypeRef } from '../ir/model.js';
import type { SchemaSet } from './schema-set.js';

/**
 * The codec plan: how each field of each table and struct is laid out and read, decided once from
 * the IR so that the Rust and TypeScript emitters cannot disagree about the wire. Emitters map a
 * plan to their language; they never re-derive sizes, slots or default handling themselves.
 */

/** Scalar wire types (FlatBuffers' names). */
export type ScalarKind = 'bool' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64';

export const SCALAR_OF: Readonly<Partial<Record<BaseType, ScalarKind>>> = {
  Bool: 'bool',
  Byte: 'i8',
  UByte: 'u8',
  UType: 'u8',
  Short: 'i16',
  UShort: 'u16',
  Int: 'i32',
  UInt: 'u32',
  Long: 'i64',
  ULong: 'u64',
  Float: 'f32',
  Double: 'f64',
};

export const SCALAR_SIZE: Readonly<Record<ScalarKind, number>> = {
  bool: 1,
  i8: 1,
  u8: 1,
  i16: 2,
  u16: 2,
  i32: 4,
  u32: 4,
  i64: 8,
  u64: 8,
  f32: 4,
  f64: 8,
};

/** What one value (a field, a vector element, an array element) is. */
export type ValuePlan =
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind }
  | { readonly kind: 'enum'; readonly scalar: ScalarKind; readonly enumDef: EnumDef }
  | { readonly kind: 'string' }
  | { readonly kind: 'struct'; readonly object: ObjectDef }
  | { readonly kind: 'table'; readonly object: ObjectDef }
  /** A union value; its discriminant lives in the partner `_type` field. */
  | { readonly kind: 'union'; readonly enumDef: EnumDef }
  | { readonly kind: 'vector'; readonly element: ValuePlan }
  | { readonly kind: 'array'; readonly element: ValuePlan; readonly length: number };

export interface FieldPlan {
  readonly field: Field;
  readonly value: ValuePlan;
  /** Tables: the vtable offset (4 + 2·id). Structs: the byte offset inside the struct. */
  readonly offset: number;
  /** Inline size in the table or struct (an offset's 4 bytes for strings, vectors, tables, unions). */
  readonly inlineSize: number;
  readonly inlineAlign: number;
  /** For scalars and enums: the value an absent field reads as (null for optional scalars). */
  readonly scalarDefault: bigint | number | boolean | null | undefined;
  /** Present for a union field: its hidden `_type` field; for that `_type` field: the union field. */
  readonly partner: string | undefined;
  readonly deprecated: boolean;
  readonly required: boolean;
  /** Optional scalar (`= null`): absent is distinguishable from the default. */
  readonly optionalScalar: boolean;
}

export interface ObjectPlan {
  readonly object: ObjectDef;
  readonly fields: readonly FieldPlan[];
}

export class PlanError extends Error {
  constructor(
    /** The declaration at fault (a table or struct, or for namespace limits also an enum or service). */
    readonly object: { readonly name: string; readonly location: Location },
    readonly field: Field | undefined,
    message: string,
  ) {
    super(message);
  }
}

function valueOf(set: SchemaSet, t: TypeRef, base: BaseType, owner: ObjectDef, field: Field | undefined): ValuePlan {
  const scalar = SCALAR_OF[base];
  if (base === 'UType') {
    const e = t.enum !== undefined ? set.enumByName.get(t.enum) : undefined;
    if (e) return { kind: 'enum', scalar: 'u8', enumDef: e };
    return { kind: 'scalar', scalar: 'u8' };
  }
  if (scalar !== undefined) {
    if (t.enum !== undefined) {
      const e = set.enumByName.get(t.enum);
      if (!e) throw new PlanError(owner, field, `unknown enum ${t.enum}`);
      return { kind: 'enum', scalar, enumDef: e };
    }
    return { kind: 'scalar', scalar };
  }
  switch (base) {
    case 'String':
      return { kind: 'string' };
    case 'Obj': {
      const o = t.object !== undefined ? set.objectByName.get(t.object) : undefined;
      if (!o) throw new PlanError(owner, field, `unknown table or struct ${t.object ?? '?'}`);
      return o.isStruct ? { kind: 'struct', object: o } : { kind: 'table', object: o };
    }
    case 'Union': {
      const e = t.enum !== undefined ? set.enumByName.get(t.enum) : undefined;
      if (!e) throw new PlanError(owner, field, `unknown union ${t.enum ?? '?'}`);
      return { kind: 'union', enumDef: e };
    }
    default:
      throw new PlanError(owner, field, `unsupported type ${base}`);
  }
}

export function planValue(set: SchemaSet, t: TypeRef, owner: ObjectDef, field?: Field): ValuePlan {
  if (t.base === 'Vector') return { kind: 'vector', element: valueOf(set, t, t.element, owner, field) };
  if (t.base === 'Array')
    return { kind: 'array', element: valueOf(set, t, t.element, owner, field), length: t.fixedLength };
  if (t.base === 'Vector64')
    throw new PlanError(owner, field, '64-bit vectors (vector64) are not supported by the code generators');
  return valueOf(set, t, t.base, owner, field);
}

function inlineLayout(v: ValuePlan): { size: number; align: number } {
  switch (v.kind) {
    case 'scalar':
    case 'enum':
      return { size: SCALAR_SIZE[v.scalar], align: SCALAR_SIZE[v.scalar] };
    case 'struct':
      return { size: v.object.bytesize, align: v.object.minalign };
    case 'array': {
      const e = inlineLayout(v.element);
      return { size: e.size * v.length, align: e.align };
    }
    default:
      return { size: 4, align: 4 };
  }
}

function scalarDefault(v: ValuePlan, d: DefaultValue): FieldPlan['scalarDefault'] {
  if (v.kind !== 'scalar' && v.kind !== 'enum') return undefined;
  if (d.kind === 'null') return null;
  const s = v.scalar;
  if (s === 'bool') return d.kind === 'integer' ? d.value !== 0n : false;
  if (s === 'f32' || s === 'f64') {
    if (d.kind === 'float') return d.value;
    if (d.kind === 'integer') return Number(d.value);
    return 0;
  }
  return d.kind === 'integer' ? d.value : 0n;
}

export function planObject(set: SchemaSet, o: ObjectDef): ObjectPlan {
  const fields = o.fields.map((f): FieldPlan => {
    const value = planValue(set, f.type, o, f);
    const layout = inlineLayout(value);
    return {
      field: f,
      value,
      offset: f.offset,
      inlineSize: layout.size,
      inlineAlign: layout.align,
      scalarDefault: scalarDefault(value, f.default),
      partner: f.unionPartner,
      deprecated: f.deprecated,
      required: f.required,
      optionalScalar: f.default.kind === 'null',
    };
  });
  return { object: o, fields };
}

/**
 * Limits on namespaces, decided here once for every backend: each backend turns a namespace into a
 * file path (`a.b.c` → Rust `src/a/b/c.rs`, TypeScript `ts/a/b/c.ts`; Rust also nests modules), so
 * a namespace the file system cannot hold would fail in the middle of a run (ENAMETOOLONG) or
 * exhaust the stack. flatc itself has no limit. Documented in docs/diagnostics.md ("Limits").
 */
export const NAMESPACE_LIMITS = {
  /** Components of one namespace (`a.b.c` has 3). */
  maxDepth: 64,
  /**
   * Characters of one component: a component becomes one path segment, snake_cased (at most
   * doubling it) plus an escape and an extension, which must stay under the usual 255-byte NAME_MAX.
   */
  maxPartLength: 100,
  /** Characters of the whole dotted namespace: its generated path stays ~1 KiB, far below PATH_MAX. */
  maxLength: 512,
} as const;

/** The first namespace limit `namespace` exceeds, as a message; undefined when within all limits. */
export function namespaceLimitProblem(namespace: readonly string[]): string | undefined {
  const { maxDepth, maxPartLength, maxLength } = NAMESPACE_LIMITS;
  if (namespace.length > maxDepth)
    return `namespace has ${namespace.length} components; the code generators allow at most ${maxDepth}`;
  const long = namespace.find((p) => p.length > maxPartLength);
  if (long !== undefined)
    return `namespace component ${long.slice(0, 40)}... has ${long.length} characters; the code generators allow at most ${maxPartLength}`;
  const length = namespace.reduce((n, p) => n + p.length, namespace.length - 1);
  if (length > maxLength)
    return `namespace is ${length} characters long; the code generators allow at most ${maxLength}`;
  return undefined;
}

/**
 * Rejects, before any backend runs, a declaration whose namespace exceeds NAMESPACE_LIMITS (the
 * first in name order, located at the declaration). Namespaces are checked once each.
 */
export function checkNamespaces(set: SchemaSet): void {
  const checked = new Set<string>();
  const decls: { readonly name: string; readonly namespace: readonly string[]; readonly location: Location }[] = [
    ...set.objects,
    ...set.enums,
    ...set.services,
  ];
  decls.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of decls) {
    if (d.namespace.length === 0) continue;
    const key = d.namespace.join('.');
    if (checked.has(key)) continue;
    checked.add(key);
    const problem = namespaceLimitProblem(d.namespace);
    if (problem !== undefined)
      throw new PlanError({ name: d.name.slice(key.length + 1), location: d.location }, undefined, problem);
  }
}

/**
 * What flatc (and so `hms-gen check`) accepts with a warning but no generated code can represent,
 * refused before any backend runs (each the first in name order, located at the declaration):
 * a table past the vtable's 16-bit offsets (W012), a struct containing itself (W011), union members
 * sharing a type tag (W009), a struct as rpc request or response (W010).
 */
export function checkRepresentable(set: SchemaSet): void {
  for (const o of set.objects) {
    if (o.isStruct) {
      const self = o.fields.find((f) => (f.type.base === 'Obj' || f.type.base === 'Array') && f.type.object === o.name);
      if (self) throw new PlanError(o, self, 'a struct cannot contain itself (warning W011 in check)');
    } else {
      const over = o.fields.find((f) => f.offset > 65535 - 2);
      if (over)
        throw new PlanError(
          o,
          over,
          'too many fields: its vtable offset does not fit 16 bits (at most 32765 fields; warning W012 in check)',
        );
    }
  }
  for (const e of set.enums) {
    if (!e.isUnion) continue;
    for (let i = 1; i < e.values.length; i++) {
      const a = e.values[i - 1] as EnumDef['values'][number];
      const b = e.values[i] as EnumDef['values'][number];
      if (a.value === b.value)
        throw new PlanError(
          { name: e.name, location: b.location },
          undefined,
          `union members ${a.name} and ${b.name} share the type tag ${b.value} and cannot be told apart (warning W009 in check)`,
        );
    }
  }
  for (const svc of set.services) {
    for (const c of svc.calls) {
      for (const t of [c.request, c.response]) {
        if (set.objectByName.get(t)?.isStruct)
          throw new PlanError(
            { name: `${svc.name}.${c.name}`, location: c.location },
            undefined,
            `rpc request and response types must be tables: ${t} is a struct (warning W010 in check)`,
          );
      }
    }
  }
}

/** Plans of every object of the set, by qualified name; first checks the namespace limits and checkRepresentable. */
export function planAll(set: SchemaSet): ReadonlyMap<string, ObjectPlan> {
  checkNamespaces(set);
  checkRepresentable(set);
  const m = new Map<string, ObjectPlan>();
  for (const o of set.objects) m.set(o.name, planObject(set, o));
  return m;
}
