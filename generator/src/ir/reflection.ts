import {
  BASE_SIZE,
  compareNames,
  type BaseType,
  type DefaultValue,
  type EnumDef,
  type Field,
  type KeyValue,
  type ObjectDef,
  type Schema,
  type TypeRef,
} from './model.js';

/**
 * The IR in the shape of flatc's reflection schema (`reflection/reflection.fbs`) as printed by
 * `flatc --json --strict-json --defaults-json`: same keys, order and defaults, so it can be compared
 * with `flatc -b --schema --bfbs-comments --bfbs-builtins` output. Differences, all deliberate:
 * non-finite reals are the strings "nan"/"inf"/"-inf" (flatc prints invalid JSON there), 64-bit
 * integers are exact (see `toJson`), and where flatc 2.0.8 and current flatc disagree this follows
 * current flatc (docs/conformance.md).
 */

export type Json = null | boolean | number | bigint | string | readonly Json[] | { readonly [k: string]: Json };

const INTEGER = new Set<BaseType>([
  'UType',
  'Bool',
  'Byte',
  'UByte',
  'Short',
  'UShort',
  'Int',
  'UInt',
  'Long',
  'ULong',
]);

export function toReflection(schema: Schema): Json {
  const objIndex = new Map(schema.objects.map((o, i) => [o.name, i]));
  const enumIndex = new Map(schema.enums.map((e, i) => [e.name, i]));
  const byName = new Map(schema.objects.map((o) => [o.name, o]));

  const type = (t: TypeRef): Json => {
    let elementSize = BASE_SIZE[t.element];
    // Current flatc: only a 32-bit vector of structs reports the struct size (arrays and 64-bit vectors: 4).
    if (t.base === 'Vector' && t.element === 'Obj' && t.object !== undefined) {
      const o = byName.get(t.object);
      if (o && o.isStruct) elementSize = o.bytesize;
    }
    const index =
      t.object !== undefined
        ? (objIndex.get(t.object) ?? -1)
        : t.enum !== undefined
          ? (enumIndex.get(t.enum) ?? -1)
          : -1;
    return {
      base_type: t.base,
      element: t.element,
      index,
      fixed_length: t.fixedLength,
      base_size: BASE_SIZE[t.base],
      element_size: elementSize,
    };
  };
  const attrs = (list: readonly KeyValue[]): Record<string, Json> =>
    list.length ? { attributes: list.map((a) => ({ key: a.key, value: a.value })) } : {};

  const field = (f: Field): Json => ({
    name: f.name,
    type: type(f.type),
    id: f.id,
    offset: f.offset,
    default_integer: INTEGER.has(f.type.base) ? defaultInteger(f.default) : 0,
    default_real: f.type.base === 'Float' || f.type.base === 'Double' ? defaultReal(f.default) : 0,
    deprecated: f.deprecated,
    required: f.required,
    key: f.key,
    ...attrs(f.attributes),
    documentation: [...f.documentation],
    optional: f.optional,
    padding: f.padding,
  });

  const object = (o: ObjectDef): Json => ({
    name: o.name,
    fields: [...o.fields].sort((a, b) => compareNames(a.name, b.name)).map(field),
    is_struct: o.isStruct,
    minalign: o.minalign,
    bytesize: o.bytesize,
    ...attrs(o.attributes),
    documentation: [...o.documentation],
    declaration_file: o.declarationFile,
  });

  const noneType: TypeRef = { base: 'None', element: 'None', fixedLength: 0 };
  const enumDef = (e: EnumDef): Json => ({
    name: e.name,
    values: e.values.map((v) => ({
      name: v.name,
      value: v.value,
      union_type: type(v.unionType ?? noneType),
      documentation: [...v.documentation],
      ...attrs(v.attributes),
    })),
    is_union: e.isUnion,
    underlying_type: type(e.underlying),
    ...attrs(e.attributes),
    documentation: [...e.documentation],
    declaration_file: e.declarationFile,
  });

  return {
    objects: schema.objects.map(object),
    enums: schema.enums.map(enumDef),
    file_ident: schema.fileIdent,
    file_ext: schema.fileExt,
    ...(schema.rootTable !== undefined ? { root_table: object(byName.get(schema.rootTable) as ObjectDef) } : {}),
    services: schema.services.map((s) => ({
      name: s.name,
      calls: s.calls.map((c) => ({
        name: c.name,
        request: object(byName.get(c.request) as ObjectDef),
        response: object(byName.get(c.response) as ObjectDef),
        ...attrs(c.attributes),
        documentation: [...c.documentation],
      })),
      ...attrs(s.attributes),
      documentation: [...s.documentation],
      declaration_file: s.declarationFile,
    })),
    advanced_features: schema.advancedFeatures.length ? schema.advancedFeatures.join(' ') : 0,
    fbs_files: schema.fbsFiles.map((f) => ({ filename: f.filename, included_filenames: [...f.includedFilenames] })),
  };
}

function defaultInteger(d: DefaultValue): bigint {
  // Reflection stores a signed 64-bit value; ulong defaults above INT64_MAX wrap like the wire bits.
  return d.kind === 'integer' ? BigInt.asIntN(64, d.value) : 0n;
}

function defaultReal(d: DefaultValue): number | string {
  const v = d.kind === 'float' ? d.value : d.kind === 'integer' ? Number(d.value) : 0;
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

/**
 * Deterministic JSON with exact 64-bit integers (bigints print as bare digits) and flatc's float
 * style for whole numbers (`0.0`, `3.0`), two-space indentation.
 */
export function toJson(value: Json, indent = '  '): string {
  const out: string[] = [];
  const write = (v: Json, pad: string, realKey: boolean): void => {
    if (v === null) out.push('null');
    else if (typeof v === 'bigint') out.push(v.toString());
    else if (typeof v === 'number') out.push(realKey && Number.isInteger(v) ? v.toFixed(1) : String(v));
    else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
    else if (typeof v === 'string') out.push(JSON.stringify(v));
    else if (Array.isArray(v)) {
      if (v.length === 0) {
        out.push('[]');
        return;
      }
      out.push('[\n');
      v.forEach((x, i) => {
        out.push(pad + indent);
        write(x as Json, pad + indent, false);
        out.push(i + 1 < v.length ? ',\n' : '\n');
      });
      out.push(`${pad}]`);
    } else {
      const entries = Object.entries(v as Record<string, Json>);
      if (entries.length === 0) {
        out.push('{}');
        return;
      }
      out.push('{\n');
      entries.forEach(([k, x], i) => {
        out.push(`${pad}${indent}${JSON.stringify(k)}: `);
        write(x, pad + indent, k === 'default_real');
        out.push(i + 1 < entries.length ? ',\n' : '\n');
      });
      out.push(`${pad}}`);
    }
  };
  write(value, '', false);
  return out.join('');
}
