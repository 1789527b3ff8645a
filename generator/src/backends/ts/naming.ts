import { claimUnderscored, compareNames, underscoreFree } from '../../codegen/naming.js';
import type { EnumDef, ObjectDef } from '../../ir/model.js';
import type { SchemaSet } from '../../codegen/schema-set.js';

/**
 * Every TypeScript name the TS backend prints is decided here: module paths, import aliases,
 * declaration and function names, property names, and the literal syntax of defaults. Emitters
 * ask this module; they never build identifiers themselves.
 */

/** ECMAScript reserved words and TypeScript's predefined type names: never valid declaration names. */
const RESERVED = new Set([
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'import',
  'in',
  'instanceof',
  'new',
  'null',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'let',
  'static',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
  'await',
  'async',
  'arguments',
  'eval',
  'any',
  'unknown',
  'number',
  'bigint',
  'boolean',
  'string',
  'symbol',
  'object',
  'never',
  'undefined',
  'type',
  'declare',
  'namespace',
  'module',
  'readonly',
  'keyof',
  'infer',
  'is',
  'asserts',
  'as',
  'satisfies',
  'unique',
  'global',
  'require',
  'exports',
  'abstract',
  'accessor',
  'constructor',
  'get',
  'set',
  'of',
  'from',
  'out',
  'override',
]);

/**
 * Names the generated code itself uses inside a module: the imports, the parameters and locals of
 * the generated functions, and the globals it calls. A schema name equal to one would shadow it.
 */
const TAKEN = new Set([
  'flatbuffers',
  'builder',
  'value',
  'bytes',
  'r',
  't',
  'pos',
  'e',
  'at',
  'Uint8Array',
  'Number',
  'BigInt',
  'Object',
  'Array',
  'Error',
  'String',
  'Boolean',
  'Math',
  'NaN',
  'Infinity',
  'Symbol',
  'JSON',
  'Date',
  'Promise',
]);

/** Names TypeScript rejects as enum members. */
const BAD_ENUM_MEMBERS = new Set(['NaN', 'Infinity', '__proto__']);

/** A declaration-level identifier: escaped with a trailing `_` while reserved or taken. */
export function safeIdent(name: string): string {
  return underscoreFree(name, (n) => RESERVED.has(n) || TAKEN.has(n));
}

/** `ttl_ms` → `ttlMs`, `TTL` → `tTL` (flatc's lower camel case), leading underscores kept. */
export function camelCase(name: string): string {
  const lead = /^_*/.exec(name)?.[0] ?? '';
  const parts = name
    .slice(lead.length)
    .split('_')
    .filter((p) => p !== '');
  const [first = '', ...rest] = parts;
  const head = first.charAt(0).toLowerCase() + first.slice(1);
  return lead + head + rest.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** Property names of one table or struct, in field order: camelCase, `__proto__` escaped, collisions suffixed. */
export function propertyNames(fieldNames: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const f of fieldNames)
    out.set(
      f,
      claimUnderscored(used, camelCase(f), (n) => n === '__proto__'),
    );
  return out;
}

export function enumMemberName(name: string): string {
  return underscoreFree(name, (n) => BAD_ENUM_MEMBERS.has(n));
}

/** Files of the generated tree that are not namespace modules. */
const RESERVED_MODULES = new Set(['index', '_runtime', '_global', '_ffi']);

/** `hms.health` → `hms/health.ts` (relative to `ts/`); the global namespace → `_global.ts`. */
function modulePathOf(namespace: readonly string[]): string {
  if (namespace.length === 0) return '_global.ts';
  const parts = [...namespace];
  if (parts.length === 1 && RESERVED_MODULES.has(parts[0] as string)) parts[0] += '_';
  return `${parts.join('/')}.ts`;
}

/** What one namespace module declares. */
export interface ModuleNames {
  /** Path relative to `ts/`, e.g. `hms/health.ts`. */
  readonly path: string;
  readonly namespace: readonly string[];
  /** Preferred alias when another module imports this one (`hms_health`). */
  readonly alias: string;
  /** Identifiers declared at module level (both the value and the type space). */
  readonly declared: Set<string>;
}

/** The names of one declaration inside its module. */
export interface DeclNames {
  readonly module: ModuleNames;
  /** Interface, enum or type alias name. */
  readonly type: string;
  readonly read: string;
  readonly write: string;
  readonly encode: string;
  readonly decode: string;
  /**
   * The input type `write`/`encode` take (`PingRequestInit`: fields with a default or optional may
   * be left out); the declaration's own type for enums and structs (every struct member is needed).
   */
  readonly init: string;
}

/** The names of one `rpc_service`: its interface and the client class implementing it over FFI. */
export interface ServiceNames {
  readonly module: ModuleNames;
  readonly iface: string;
  /** The same service with Promise-returning methods. */
  readonly ifaceAsync: string;
  readonly client: string;
  /** The `ServiceDispatch` serving it from a TypeScript implementation. */
  readonly dispatch: string;
}

export interface NameTable {
  readonly modules: readonly ModuleNames[];
  readonly moduleOf: (namespace: readonly string[]) => ModuleNames;
  readonly decl: (qualifiedName: string) => DeclNames;
  readonly service: (qualifiedName: string) => ServiceNames;
}

function allocate(declared: Set<string>, wanted: string): string {
  return claimUnderscored(declared, safeIdent(wanted));
}

/**
 * Names of every declaration of the set, allocated in a fixed order (enums, then unions, structs,
 * tables, each by qualified name) so that a collision always resolves the same way.
 */
export function buildNameTable(set: SchemaSet): NameTable {
  const modules = new Map<string, ModuleNames>();
  const moduleOf = (namespace: readonly string[]): ModuleNames => {
    const key = namespace.join('.');
    let m = modules.get(key);
    if (!m) {
      const alias = namespace.length === 0 ? '_global' : namespace.join('_');
      m = { path: modulePathOf(namespace), namespace, alias, declared: new Set() };
      modules.set(key, m);
    }
    return m;
  };
  const decls = new Map<string, { -readonly [K in keyof DeclNames]: DeclNames[K] }>();
  const add = (d: EnumDef | ObjectDef, functions: boolean): void => {
    const module = moduleOf(d.namespace);
    const type = allocate(module.declared, d.shortName);
    const fn = (prefix: string): string => (functions ? allocate(module.declared, `${prefix}${type}`) : '');
    const names = { module, type, read: fn('read'), write: fn('write'), encode: fn('encode'), decode: fn('decode') };
    decls.set(d.name, { ...names, init: type });
  };
  for (const e of set.enums) if (!e.isUnion) add(e, false);
  for (const e of set.enums) if (e.isUnion) add(e, true);
  for (const o of set.objects) if (o.isStruct) add(o, true);
  for (const o of set.objects) if (!o.isStruct) add(o, true);
  // Input types of unions and tables after every other name, so that adding them renamed nothing.
  for (const d of [...set.enums.filter((e) => e.isUnion), ...set.objects.filter((o) => !o.isStruct)]) {
    const n = decls.get(d.name);
    if (n) n.init = allocate(n.module.declared, `${n.type}Init`);
  }
  const services = new Map<string, ServiceNames>();
  for (const sv of set.services) {
    const module = moduleOf(sv.namespace);
    const iface = allocate(module.declared, sv.shortName);
    const ifaceAsync = allocate(module.declared, `${iface}Async`);
    const client = allocate(module.declared, `${iface}Client`);
    services.set(sv.name, {
      module,
      iface,
      ifaceAsync,
      client,
      dispatch: allocate(module.declared, `${iface}Dispatch`),
    });
  }
  const sorted = [...modules.values()].sort((a, b) => compareNames(a.path, b.path));
  return {
    modules: sorted,
    moduleOf,
    decl: (name) => {
      const d = decls.get(name);
      if (!d) throw new Error(`no TypeScript names for ${name}`);
      return d;
    },
    service: (name) => {
      const sv = services.get(name);
      if (!sv) throw new Error(`no TypeScript names for service ${name}`);
      return sv;
    },
  };
}

/** Aliases of the namespace modules in `index.ts`, unique and safe. */
export function indexAliases(modules: readonly ModuleNames[]): Map<ModuleNames, string> {
  const used = new Set([
    'DecodeError',
    'EncodeError',
    'EncodeTypeError',
    'openAgentLibrary',
    'CONTRACT',
    'DECLARATIONS',
  ]);
  const out = new Map<ModuleNames, string>();
  for (const m of modules) out.set(m, allocate(used, m.alias));
  return out;
}

/** The import specifier of `to` from `from` (both relative to `ts/`), NodeNext style with `.js`. */
export function importPath(from: string, to: string): string {
  const fromDir = from.split('/').slice(0, -1);
  const target = to.replace(/\.ts$/, '.js').split('/');
  let common = 0;
  while (common < fromDir.length && common < target.length - 1 && fromDir[common] === target[common]) common++;
  const ups = fromDir.length - common;
  const rest = target.slice(common).join('/');
  return ups === 0 ? `./${rest}` : `${'../'.repeat(ups)}${rest}`;
}

/** A string literal as Prettier prints it with `singleQuote`: the quote needing fewer escapes wins. */
export function stringLiteral(s: string): string {
  const singles = (s.match(/'/g) ?? []).length;
  const doubles = (s.match(/"/g) ?? []).length;
  const q = singles > doubles ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${q}${out}${q}`;
}

/** A number literal as Prettier prints it (`1e21`, not `1e+21`). */
export function numberLiteral(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  return String(n).replace('e+', 'e');
}

export function bigintLiteral(n: bigint): string {
  return `${n}n`;
}
