import { compareNames, markWords, NumberedScope } from '../../codegen/naming.js';
import type { EnumDef, ObjectDef, Service } from '../../ir/model.js';

/**
 * Every Rust name the backend prints comes from here: case conversion, keyword escaping and
 * collision handling, so the emitters never build identifiers by hand.
 */

/** Strict and reserved keywords of Rust 2021 (and 2024's `gen`); `_` suffixed when they appear. */
const KEYWORDS = new Set([
  'as',
  'async',
  'await',
  'break',
  'const',
  'continue',
  'crate',
  'dyn',
  'else',
  'enum',
  'extern',
  'false',
  'fn',
  'for',
  'if',
  'impl',
  'in',
  'let',
  'loop',
  'match',
  'mod',
  'move',
  'mut',
  'pub',
  'ref',
  'return',
  'self',
  'Self',
  'static',
  'struct',
  'super',
  'trait',
  'true',
  'type',
  'unsafe',
  'use',
  'where',
  'while',
  'abstract',
  'become',
  'box',
  'do',
  'final',
  'macro',
  'override',
  'priv',
  'typeof',
  'unsized',
  'virtual',
  'yield',
  'try',
  'gen',
  'union',
]);

/**
 * Prelude and derive names the generated code uses unqualified: a schema type with one of these
 * names would shadow them inside its module, so it gets a `_` suffix instead.
 */
const RESERVED_TYPES = new Set([
  'Option',
  'Some',
  'None',
  'Result',
  'Ok',
  'Err',
  'Vec',
  'String',
  'Box',
  'Default',
  'Clone',
  'Copy',
  'Debug',
  'PartialEq',
  'Eq',
  'Send',
  'Sync',
  'Sized',
  'From',
  'Into',
  'Iterator',
  'ToOwned',
  'ToString',
  'Drop',
  'Fn',
]);

function words(name: string): string[] {
  // Split on `_`, on lower→upper and digit→upper changes, and before the last capital of an
  // acronym run ("HTTPServer" → HTTP, Server).
  return markWords(name)
    .split('_')
    .filter((w) => w !== '');
}

// Schemas repeat the same few names thousands of times (field names across tables, type names at
// each use): the case conversions are memoised.
const snakeMemo = new Map<string, string>();
const camelMemo = new Map<string, string>();
const valueMemo = new Map<string, string>();

export function snakeCase(name: string): string {
  let s = snakeMemo.get(name);
  if (s === undefined) {
    s = words(name)
      .map((w) => w.toLowerCase())
      .join('_');
    if (s === '') s = '_';
    snakeMemo.set(name, s);
  }
  return s;
}

export function screamingCase(name: string): string {
  return snakeCase(name).toUpperCase();
}

export function camelCase(name: string): string {
  let c = camelMemo.get(name);
  if (c === undefined) {
    const s = words(name)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join('');
    // A type name must not start with a digit.
    c = /^[0-9]/.test(s) ? `T${s}` : s === '' ? 'T' : s;
    camelMemo.set(name, c);
  }
  return c;
}

/** A value-level identifier (field, method, module): snake_case, keywords suffixed with `_`. */
export function valueIdent(name: string): string {
  let v = valueMemo.get(name);
  if (v === undefined) {
    const s = snakeCase(name);
    const t = /^[0-9]/.test(s) ? `_${s}` : s;
    v = KEYWORDS.has(t) ? `${t}_` : t;
    valueMemo.set(name, v);
  }
  return v;
}

/** Rust names within one scope are made unique by a number (codegen/naming.ts). */
export { NumberedScope as Scope };

/** The Rust names of one table, struct, enum or union. */
export interface TypeNames {
  /** Module path of the declaring namespace (`hms::health`, `` for the root namespace). */
  readonly module: string;
  /** Owned type (tables, structs), newtype (enums) or owned Rust enum (unions). */
  readonly owned: string;
  /** Tables: zero-copy reader. Unions: reader-side Rust enum. */
  readonly reader: string;
  /** Structs: `[u8; N]` wire form. */
  readonly wire: string;
  /** Unions: the discriminant newtype. */
  readonly tag: string;
}

/** Module path segments of a namespace (`hms.health` → `hms`, `health`). */
export function modulePath(namespace: readonly string[]): string[] {
  return namespace.map(valueIdent);
}

/** Names of every declaration of the schema set, collision-free within each module. */
export class RustNaming {
  private readonly types = new Map<string, TypeNames>();
  private readonly services = new Map<string, { readonly module: string; readonly trait: string }>();

  constructor(objects: readonly ObjectDef[], enums: readonly EnumDef[], services: readonly Service[] = []) {
    const scopes = new Map<string, NumberedScope>();
    const scopeOf = (module: string): NumberedScope => {
      let s = scopes.get(module);
      if (!s) {
        // The crate root also holds DecodeError.
        s = new NumberedScope(module === '' ? [...RESERVED_TYPES, 'DecodeError'] : RESERVED_TYPES);
        scopes.set(module, s);
      }
      return s;
    };
    interface Decl {
      readonly name: string;
      readonly namespace: readonly string[];
      readonly shortName: string;
      readonly kind: 'table' | 'struct' | 'enum' | 'union';
    }
    const decls: Decl[] = [
      ...objects.map((o): Decl => ({ ...o, kind: o.isStruct ? 'struct' : 'table' })),
      ...enums.map((e): Decl => ({ ...e, kind: e.isUnion ? 'union' : 'enum' })),
    ].sort((a, b) => compareNames(a.name, b.name));
    // Primary names first, so a schema's own type keeps its name and derived names yield.
    const primary = new Map<string, string>();
    for (const d of decls) {
      const module = modulePath(d.namespace).join('::');
      primary.set(d.name, scopeOf(module).claim(camelCase(d.shortName)));
    }
    for (const d of decls) {
      const module = modulePath(d.namespace).join('::');
      const scope = scopeOf(module);
      const owned = primary.get(d.name) as string;
      const reader = d.kind === 'table' || d.kind === 'union' ? scope.claim(`${owned}Ref`) : '';
      const wire = d.kind === 'struct' ? scope.claim(`${owned}Wire`) : '';
      const tag = d.kind === 'union' ? scope.claim(`${owned}Type`) : '';
      this.types.set(d.name, { module, owned, reader, wire, tag });
    }
    // Service traits last: a schema type keeps its name, a trait that collides with one yields.
    for (const s of [...services].sort((a, b) => compareNames(a.name, b.name))) {
      const module = modulePath(s.namespace).join('::');
      this.services.set(s.name, { module, trait: scopeOf(module).claim(camelCase(s.shortName)) });
    }
  }

  /** The trait of an `rpc_service` (only for services given to the constructor). */
  service(qualifiedName: string): { readonly module: string; readonly trait: string } {
    const s = this.services.get(qualifiedName);
    if (!s) throw new Error(`no Rust name for service ${qualifiedName}`);
    return s;
  }

  /** A service trait's path as seen from `fromModule`. */
  servicePath(qualifiedName: string, fromModule: string): string {
    const s = this.service(qualifiedName);
    if (s.module === fromModule) return s.trait;
    return s.module === '' ? `crate::${s.trait}` : `crate::${s.module}::${s.trait}`;
  }

  of(qualifiedName: string): TypeNames {
    const t = this.types.get(qualifiedName);
    if (!t) throw new Error(`no Rust name for ${qualifiedName}`);
    return t;
  }

  /** A type's name as seen from `fromModule`: bare in its own module, else `crate::path::Name`. */
  path(qualifiedName: string, which: keyof Omit<TypeNames, 'module'>, fromModule: string): string {
    const t = this.of(qualifiedName);
    const name = t[which];
    if (t.module === fromModule) return name;
    return t.module === '' ? `crate::${name}` : `crate::${t.module}::${name}`;
  }
}

/** Field names of one table or struct: snake_case, unique, with their `VT_` constants. */
export function fieldNames(fields: readonly { readonly name: string }[]): Map<string, { ident: string; vt: string }> {
  const scope = new NumberedScope();
  const out = new Map<string, { ident: string; vt: string }>();
  for (const f of fields) {
    const ident = scope.claim(valueIdent(f.name), '_');
    out.set(f.name, { ident, vt: `VT_${ident.toUpperCase()}` });
  }
  return out;
}

/** Associated-const names of enum values (SCREAMING_CASE, unique). */
export function enumConstNames(values: readonly { readonly name: string }[]): string[] {
  const scope = new NumberedScope();
  return values.map((v) => {
    const s = screamingCase(v.name);
    return scope.claim(/^[0-9]/.test(s) ? `V${s}` : s, '_');
  });
}

/** Variant names of a union's Rust enums (CamelCase, unique, never `None` or `Unknown`). */
export function unionVariantNames(values: readonly { readonly name: string }[]): string[] {
  const scope = new NumberedScope(['None', 'Unknown', 'Self']);
  return values.map((v) => scope.claim(camelCase(v.name)));
}
