// Sample values for the corpus-wide wire tests: for a table of a compiled schema, JSON text (for
// `flatc -b`) that sets every field it can, each with its own value, so that a field read from or
// written to the wrong place shows up as a difference in flatc's JSON of the round-tripped buffer.
// Integers are written as exact text (64-bit values beyond 2^53 included); strings carry non-ASCII
// characters; vectors have two elements; nesting stops at depth 2 (deeper optional tables are left
// out, deeper required ones get their required fields only).

import type { EnumDef, Field, ObjectDef, TypeRef } from '../../generator/src/ir/model.js';
import type { SchemaSet } from '../../generator/src/codegen/schema-set.js';

/** Fields whose JSON form is not their wire form (flatc parses them specially): left out. */
const SPECIAL_ATTRIBUTES = new Set(['nested_flatbuffer', 'flexbuffer', 'hash']);

const MAX_DEPTH = 2;

export class Samples {
  private n = 0;

  constructor(private readonly set: SchemaSet) {}

  /** JSON text of a value of table `name`. */
  table(name: string, depth = 0, requiredOnly = false): string {
    const o = this.object(name);
    const members: string[] = [];
    for (const f of o.fields) {
      if (f.deprecated || f.synthetic || f.attributes.some((a) => SPECIAL_ATTRIBUTES.has(a.key))) continue;
      if (requiredOnly && !f.required) continue;
      members.push(...this.field(o, f, depth));
    }
    return `{${members.join(',')}}`;
  }

  private field(o: ObjectDef, f: Field, depth: number): string[] {
    const t = f.type;
    const key = JSON.stringify(f.name);
    switch (t.base) {
      case 'Union': {
        const member = this.unionMember(this.enumOf(t), depth);
        if (member === undefined) return [];
        const typeField = o.fields.find((p) => p.synthetic && p.name === `${f.name}_type`);
        if (typeField === undefined) return [];
        // flatc needs the discriminant before the value.
        return [`${JSON.stringify(typeField.name)}:${JSON.stringify(member.name)}`, `${key}:${member.value}`];
      }
      case 'Obj': {
        const target = this.object(t.object as string);
        if (target.isStruct) return [`${key}:${this.struct(target)}`];
        if (depth >= MAX_DEPTH) return f.required ? [`${key}:${this.table(target.name, depth + 1, true)}`] : [];
        return [`${key}:${this.table(target.name, depth + 1)}`];
      }
      case 'Vector': {
        const elements = this.vector(t, depth);
        return elements === undefined ? [] : [`${key}:[${elements.join(',')}]`];
      }
      default:
        return [`${key}:${this.inline(t, t.base)}`];
    }
  }

  /** Two elements of the vector's element type (none for vectors of unions, which are not supported). */
  private vector(t: TypeRef, depth: number): string[] | undefined {
    switch (t.element) {
      case 'Union':
      case 'UType':
        return undefined;
      case 'String':
        return [this.string(), this.string()];
      case 'Obj': {
        const target = this.object(t.object as string);
        if (target.isStruct) return [this.struct(target), this.struct(target)];
        if (depth >= MAX_DEPTH) return [];
        return [this.table(target.name, depth + 1), this.table(target.name, depth + 1)];
      }
      default:
        return [this.inline(t, t.element), this.inline(t, t.element)];
    }
  }

  private struct(o: ObjectDef): string {
    const members = o.fields.map((f) => {
      const t = f.type;
      let value: string;
      if (t.base === 'Obj') value = this.struct(this.object(t.object as string));
      else if (t.base === 'Array') {
        const one = (): string =>
          t.element === 'Obj' ? this.struct(this.object(t.object as string)) : this.inline(t, t.element);
        value = `[${Array.from({ length: t.fixedLength }, one).join(',')}]`;
      } else value = this.inline(t, t.base);
      return `${JSON.stringify(f.name)}:${value}`;
    });
    return `{${members.join(',')}}`;
  }

  /** A scalar or string of base type `base` (an enum value by name when `t` is enum-typed). */
  private inline(t: TypeRef, base: TypeRef['base']): string {
    if (base === 'String') return this.string();
    if (t.enum !== undefined && base !== 'UType') return this.enumValue(this.enumOf(t));
    const k = this.n++;
    switch (base) {
      case 'Bool':
        return k % 2 === 0 ? 'true' : 'false';
      case 'Byte':
        return `${-1 - (k % 100)}`;
      case 'UByte':
        return `${150 + (k % 100)}`;
      case 'Short':
        return `${-1000 - k}`;
      case 'UShort':
        return `${50000 + k}`;
      case 'Int':
        return `${-100000 - k}`;
      case 'UInt':
        return `${3000000000 + k}`;
      case 'Long':
        return `${-(2n ** 62n) - BigInt(k)}`;
      case 'ULong':
        return `${2n ** 64n - 1n - BigInt(k)}`;
      case 'Float':
        return `${1.5 + k}`;
      case 'Double':
        return `${-2.25 - k}`;
      default:
        throw new Error(`no sample for ${base}`);
    }
  }

  private string(): string {
    return JSON.stringify(`s${this.n++} ünï ✓`);
  }

  /** A value other than the first (defaults are usually the first), by name; two names for bit flags. */
  private enumValue(e: EnumDef): string {
    const k = this.n++;
    const values = e.values;
    if (e.bitFlags && values.length >= 2) {
      const a = values[k % values.length] as EnumDef['values'][number];
      const b = values[(k + 1) % values.length] as EnumDef['values'][number];
      return JSON.stringify(`${a.name} ${b.name}`);
    }
    const pick = values[values.length > 1 ? 1 + (k % (values.length - 1)) : 0];
    if (pick === undefined) throw new Error(`${e.name} has no values`);
    return JSON.stringify(pick.name);
  }

  /** The union's first member that is a table or a string, with a sample value. */
  private unionMember(e: EnumDef, depth: number): { name: string; value: string } | undefined {
    for (const v of e.values) {
      const t = v.unionType;
      if (v.value === 0n || t === undefined) continue;
      if (t.base === 'String') return { name: v.name, value: this.string() };
      if (t.base === 'Obj' && t.object !== undefined && !this.object(t.object).isStruct) {
        return { name: v.name, value: this.table(t.object, depth + 1, depth >= MAX_DEPTH) };
      }
    }
    return undefined;
  }

  private object(name: string): ObjectDef {
    const o = this.set.objectByName.get(name);
    if (o === undefined) throw new Error(`no object ${name}`);
    return o;
  }

  private enumOf(t: TypeRef): EnumDef {
    const e = this.set.enumByName.get(t.enum as string);
    if (e === undefined) throw new Error(`no enum ${String(t.enum)}`);
    return e;
  }
}
