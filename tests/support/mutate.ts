// Input generators for tests/robustness.test.ts: a small seeded PRNG, mutators for corpus schemas
// (bytes, characters, tokens, truncation, splices) and hand-built pathological schemas (deep
// nesting, 1 MB names, 1000-digit numbers, 100k-member enums, many declarations).
//
// Everything is a pure function of the seed, so a failure is reproduced by its seed and index.

// ---------------------------------------------------------------------------------------------
// PRNG

/** sfc32, seeded through splitmix32. Deterministic across platforms (32-bit integer maths only). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.float() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }
}

/** A per-input seed, so input `i` does not depend on how many inputs came before it. */
export function deriveSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Parses `HMS_FUZZ_SEED`-style values: decimal or 0x-hex; anything else is hashed. */
export function parseSeed(text: string): number {
  const t = text.trim();
  if (/^[0-9]+$/.test(t)) return Number(BigInt(t) & 0xffffffffn);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number(BigInt(t) & 0xffffffffn);
  let h = 2166136261;
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619) >>> 0;
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const KEYWORDS = [
  'table', 'struct', 'enum', 'union', 'namespace', 'root_type', 'rpc_service', 'attribute',
  'file_identifier', 'file_extension', 'include', 'native_include',
];
const TYPES = [
  'bool', 'byte', 'ubyte', 'short', 'ushort', 'int', 'uint', 'long', 'ulong', 'float', 'double',
  'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string',
];
const ATTRIBUTES = [
  'id', 'deprecated', 'required', 'key', 'hash', 'force_align', 'bit_flags', 'nested_flatbuffer',
  'flexbuffer', 'streaming', 'idempotent', 'priority', 'original_order', 'native_inline',
  'native_default', 'native_type', 'native_custom_alloc', 'cpp_type', 'cpp_ptr_type', 'shared',
  'vector64', 'offset64', 'csharp_partial', 'private', 'optional',
];
const LITERALS = [
  '0', '1', '-1', '+1', '255', '256', '-129', '65535', '65536', '2147483648', '-2147483649',
  '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616',
  '0x7fffffffffffffff', '0xffffffffffffffffff', '-0x8000000000000000', '0x', '0x.p1', '1.', '.5',
  '1e308', '1e309', '-1e400', '1e-400', '3.4028235e38', '0x1.8p1', '0x1p99999', '1..2', '1e', '1e+',
  'nan', '-nan', 'inf', '-inf', '+infinity', 'true', 'false', 'null', '[]', '[ ]',
  '"str"', "'s'", '""', '"\\u00e9"', '"\\ud800"', '"\\udc00"', '"\\ud800\\udc00"', '"\\x80"',
  '"\\xff\\xfe"', '"\\q"', '"\\u12"', '"\\x1"', '"fnv1_32"', '"fnv1a_64"', '"NONE"', '"."', '"/"',
];
const PUNCTS = ['{', '}', '(', ')', '[', ']', '<', '>', ',', ':', ';', '=', '.', '+', '-', '*', '#', '@', '\\', '`'];
const JUNK = [
  '\n', '\r\n', '\r', '\t', ' ', '\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u00a0', '\u00e9',
  '\u2028', '\ufeff', '\ufffd', '\ufffe', '\uffff', '\ud800', '\udc00', '\ud83d\ude00', '\u{1d54f}',
  '/*', '*/', '//', '///', '/// doc\n', '"', "'", '\\',
];

/** Tokens worth splicing into a schema. */
export const VOCABULARY: readonly string[] = [...KEYWORDS, ...TYPES, ...ATTRIBUTES, ...LITERALS, ...PUNCTS, ...JUNK];

/** Whole snippets that exercise particular resolver paths when dropped into a schema. */
const SNIPPETS = [
  'include "monster_test.fbs";\n', 'include "include_test1.fbs";\n', 'include "nonexistent.fbs";\n',
  'include "";\n', 'include ".";\n', 'include "/";\n', 'include "\\x00";\n', 'native_include "x.h";\n',
  // Binary and non-schema files reached through the corpus include paths.
  'include "tests/monster_test.bfbs";\n', 'include "samples/monster.bfbs";\n', 'include "README.md";\n',
  'include "LICENSE";\n', 'include "tests";\n', 'include "tests/monster_test.fbs";\n', 'include "/dev/null";\n',
  'namespace ;\n', 'namespace a..b;\n', 'namespace MyGame.Example;\n',
  'root_type Monster;\n', 'root_type Nope;\n', 'root_type int;\n',
  'file_identifier "MONS";\n', 'file_identifier "TOOLONG";\n', 'file_identifier "\\u00e9\\u00e9";\n',
  'file_extension "";\n', 'attribute "priority";\n', 'attribute x;\n',
  'table T {}\n', 'table T { a:int; a:int; }\n', 'table T { t:T; }\n', 'struct S {}\n', 'struct S { s:S; }\n',
  'struct S { a:[int:0]; }\n', 'struct S { a:[S:2]; }\n', 'struct S { a:[[int:2]:2]; }\n',
  'table T { v:[[int]]; }\n', 'table T { u:U; }\nunion U { T }\n', 'union U { NONE }\n', 'union U {}\n',
  'enum E { }\n', 'enum E : float { A }\n', 'enum E : ubyte { A = 256 }\n', 'enum E : int (bit_flags) { A = 31, B = 32 }\n',
  'enum E : byte { A = -1, B = -1 }\n', 'rpc_service S {}\n', 'rpc_service S { M(T):T; M(T):T; }\n',
  'rpc_service S { M(int):string (streaming: "sideways"); }\n',
  'table T { a:int (id: 1); b:int (id: 0); c:int (id: -1); }\n', 'table T { a:int = 1 (required, optional); }\n',
  'table T { a:float = deg(rad(sin(1))); b:double = -inf; c:int = null; }\n',
  'table T { a:string = "x" (key, hash: "fnv1_32"); b:[ubyte] (flexbuffer, nested_flatbuffer: "T"); }\n',
  'table T (force_align: 3) { x:int; }\n', 'struct S (force_align: 64) { x:int; }\n',
  '{ "json": [1, 2, 3] }\n',
];

// ---------------------------------------------------------------------------------------------
// Mutators. Each returns the mutated input and a one-line description.

export interface Mutated<T> {
  readonly value: T;
  readonly note: string;
}

/** A random byte, biased towards the interesting ones (control, high-bit, UTF-8 lead/continuation). */
function randomByte(r: Rng): number {
  switch (r.int(6)) {
    case 0:
      return r.int(32); // control
    case 1:
      return 0x80 + r.int(64); // continuation byte alone
    case 2:
      return r.pick([0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xf8, 0xfe, 0xff]); // lead / never-valid
    case 3:
      return r.pick([0x22, 0x27, 0x2f, 0x2a, 0x5c, 0x7b, 0x7d, 0x28, 0x29, 0x5b, 0x5d, 0x3b, 0x3a, 0x3d, 0x0a]); // syntax
    default:
      return r.int(256);
  }
}

/** Byte flips, random-byte inserts, deletes and short runs of raw garbage. */
export function mutateBytes(input: Uint8Array, r: Rng): Mutated<Uint8Array> {
  const bytes = Array.from(input);
  const ops = r.chance(0.6) ? 1 : r.range(2, 12);
  const notes: string[] = [];
  for (let k = 0; k < ops; k++) {
    const at = r.int(bytes.length + 1);
    switch (r.int(5)) {
      case 0:
        if (bytes.length) {
          const i = Math.min(at, bytes.length - 1);
          bytes[i] = (bytes[i] as number) ^ (1 << r.int(8));
          notes.push(`flip@${i}`);
        }
        break;
      case 1: {
        const b = randomByte(r);
        bytes.splice(at, 0, b);
        notes.push(`ins@${at}=0x${b.toString(16)}`);
        break;
      }
      case 2: {
        const n = r.chance(0.7) ? 1 : r.range(2, 64);
        bytes.splice(at, n);
        notes.push(`del@${at}+${n}`);
        break;
      }
      case 3: {
        const n = r.range(2, 32);
        const run: number[] = [];
        for (let j = 0; j < n; j++) run.push(randomByte(r));
        bytes.splice(at, 0, ...run);
        notes.push(`garbage@${at}+${n}`);
        break;
      }
      default: {
        if (bytes.length) {
          const i = Math.min(at, bytes.length - 1);
          bytes[i] = randomByte(r);
          notes.push(`set@${i}`);
        }
      }
    }
  }
  return { value: Uint8Array.from(bytes), note: `bytes[${notes.join(',')}]` };
}

/** Truncation at a random offset (in code units; for bytes use `truncateBytes`). */
export function truncate(text: string, r: Rng): Mutated<string> {
  const at = r.int(text.length + 1);
  return { value: text.slice(0, at), note: `truncate@${at}/${text.length}` };
}

/** Truncation at a random byte offset: can split a multi-byte UTF-8 sequence. */
export function truncateBytes(bytes: Uint8Array, r: Rng): Mutated<Uint8Array> {
  const at = r.int(bytes.length + 1);
  return { value: bytes.slice(0, at), note: `truncate-bytes@${at}/${bytes.length}` };
}

/** Code-unit level noise: non-ASCII, control characters, lone surrogates, BOMs, line breaks. */
export function mutateChars(text: string, r: Rng): Mutated<string> {
  let s = text;
  const ops = r.range(1, 6);
  const notes: string[] = [];
  for (let k = 0; k < ops; k++) {
    const at = r.int(s.length + 1);
    let ins: string;
    switch (r.int(4)) {
      case 0:
        ins = r.pick(JUNK);
        break;
      case 1:
        ins = String.fromCharCode(r.int(0x10000)); // any UTF-16 unit, surrogates included
        break;
      case 2:
        ins = String.fromCodePoint(r.int(0x110000));
        break;
      default:
        ins = String.fromCharCode(r.int(32));
    }
    const replace = r.chance(0.5) ? 1 : 0;
    s = s.slice(0, at) + ins + s.slice(at + replace);
    notes.push(`${replace ? 'set' : 'ins'}@${at}=${JSON.stringify(ins)}`);
  }
  return { value: s, note: `chars[${notes.join(',')}]` };
}

const TOKEN_RE =
  /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9a-fA-F.pP+-]+|[0-9][0-9.eE+-]*|[\s\S]/g;

/** Splits a schema into tokens and whitespace runs, so that joining them gives the text back. */
export function splitTokens(text: string): string[] {
  return text.match(TOKEN_RE) ?? [];
}

/** Token swaps, duplications, deletions, and replacements with other tokens from the file or the vocabulary. */
export function mutateTokens(text: string, r: Rng): Mutated<string> {
  const toks = splitTokens(text);
  if (toks.length === 0) return { value: r.pick(VOCABULARY), note: 'tokens[empty->vocab]' };
  const ops = r.chance(0.5) ? 1 : r.range(2, 8);
  const notes: string[] = [];
  for (let k = 0; k < ops && toks.length; k++) {
    const i = r.int(toks.length);
    const j = r.int(toks.length);
    switch (r.int(6)) {
      case 0: {
        const t = toks[i] as string;
        toks[i] = toks[j] as string;
        toks[j] = t;
        notes.push(`swap ${i}<->${j}`);
        break;
      }
      case 1: {
        const n = r.chance(0.7) ? 1 : r.range(2, 40);
        const times = r.chance(0.8) ? 1 : r.range(2, 50);
        const chunk = toks.slice(i, i + n);
        for (let t = 0; t < times; t++) toks.splice(i, 0, ...chunk);
        notes.push(`dup ${i}+${n}x${times}`);
        break;
      }
      case 2: {
        const n = r.chance(0.7) ? 1 : r.range(2, 40);
        toks.splice(i, n);
        notes.push(`del ${i}+${n}`);
        break;
      }
      case 3: {
        toks[i] = toks[j] as string;
        notes.push(`copy ${j}->${i}`);
        break;
      }
      case 4: {
        const v = r.pick(VOCABULARY);
        if (r.chance(0.5)) toks[i] = v;
        else toks.splice(i, 0, ' ', v, ' ');
        notes.push(`vocab@${i}=${JSON.stringify(v)}`);
        break;
      }
      default: {
        // Move a range elsewhere (reorders declarations, fields, includes).
        const n = r.range(1, 60);
        const chunk = toks.splice(i, n);
        const at = r.int(toks.length + 1);
        toks.splice(at, 0, ...chunk);
        notes.push(`move ${i}+${n}->${at}`);
      }
    }
  }
  return { value: toks.join(''), note: `tokens[${notes.join(',')}]` };
}

/** Inserts a whole declaration snippet (or a corpus file's own text) at a random offset. */
export function splice(text: string, r: Rng, other: string): Mutated<string> {
  const at = r.chance(0.5) ? r.int(text.length + 1) : lineStart(text, r);
  const what = r.chance(0.8) ? r.pick(SNIPPETS) : other;
  return { value: text.slice(0, at) + what + text.slice(at), note: `splice@${at}=${JSON.stringify(what.slice(0, 40))}` };
}

function lineStart(text: string, r: Rng): number {
  const at = r.int(text.length + 1);
  const nl = text.lastIndexOf('\n', at - 1);
  return nl + 1;
}

// ---------------------------------------------------------------------------------------------
// Pathological schemas

export interface Extreme {
  /** Stable name, also the "kind" in the timing report. */
  readonly name: string;
  /** Schema text (fed to compileText) ... */
  readonly text?: string;
  /** ... or raw bytes (written to a file and fed to compileFile). */
  readonly bytes?: Uint8Array;
}

const MB = 1 << 20;
const digits = (n: number, lead = '9'): string => lead + '0123456789'.repeat(Math.ceil(n / 10)).slice(0, n - 1);
const ident = (n: number, c = 'a'): string => c.repeat(n);

function range(n: number, f: (i: number) => string, sep = '\n'): string {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out.join(sep);
}

/** The fixed list of nasty inputs. Deterministic; about 100 cases. */
export function extremeCases(): Extreme[] {
  const N = 10_000;
  const big = ident(MB);
  const bigU = ident(MB, 'Z');
  const d1000 = digits(1000);
  const d100k = digits(100_000);
  const hex1000 = `0x${'f'.repeat(1000)}`;
  const cases: Extreme[] = [];
  const add = (name: string, text: string): void => {
    cases.push({ name, text });
  };
  const addBytes = (name: string, bytes: Uint8Array): void => {
    cases.push({ name, bytes });
  };

  // --- Deep nesting.
  add('nest-[-type', `table T { f:${'['.repeat(N)}int${']'.repeat(N)}; }\n`);
  add('nest-[-unclosed', `table T { f:${'['.repeat(N)}`);
  add('nest-[-struct-array', `struct S { f:${'['.repeat(N)}int:2${']'.repeat(N)}; }\n`);
  add('nest-[-rpc', `table T {}\nrpc_service S { M(${'['.repeat(N)}T${']'.repeat(N)}):T; }\n`);
  add('nest-[-toplevel', '['.repeat(N));
  add('nest-(-metadata', `table T { f:int ${'('.repeat(N)}; }\n`);
  add('nest-(-default', `table T { f:int = ${'('.repeat(N)}1${')'.repeat(N)}; }\n`);
  add('nest-(-deg-call', `table T { f:float = ${'deg('.repeat(N)}1${')'.repeat(N)}; }\n`);
  add('nest-(-deg-unclosed', `table T { f:float = ${'sin('.repeat(N)}`);
  add('nest-(-toplevel', '('.repeat(N));
  add('nest-(-table-recovery', `table T { a:int = (${'('.repeat(N)} ; b:int; }\ntable U { c:int; }\n`);
  add('nest-{-table', `table T ${'{'.repeat(N)}${'}'.repeat(N)}\n`);
  add('nest-{-toplevel', '{'.repeat(N));
  add('nest-{-after-decl', `table T {}\n${'{'.repeat(N)}${'}'.repeat(N)}`);
  add('nest-{-field-recovery', `table T { a:${'{'.repeat(N)}int; }\ntable U {}\n`);
  add('nest-block-comments', `${'/*'.repeat(N)}${'*/'.repeat(N)}table T {}\n`);
  add('nest-block-comments-unclosed', '/*'.repeat(N));
  add('many-block-comments', `${'/* c */ '.repeat(100_000)}table T {}\n`);
  // A namespace of 20k parts is a 40 KB line; time and memory must stay linear in it.
  add('nest-namespace-20k', `namespace ${range(2 * N, () => 'a', '.')};\ntable T {}\nroot_type T;\n`);
  add('nest-qualified-type-10k', `table T { f:${range(N, () => 'a', '.')}; }\n`);
  add('nest-mixed-brackets', `table T { f:${range(N, (i) => '([{<'[i % 4] as string, '')}int; }\n`);

  // --- Long enums / unions / many declarations.
  const K = 100_000;
  add('enum-100k', `enum E : int { ${range(K, (i) => `V${i}`, ', ')} }\ntable T { e:E = V${K - 1}; }\nroot_type T;\n`);
  add('enum-100k-ubyte-overflow', `enum E : ubyte { ${range(K, (i) => `V${i}`, ', ')} }\n`);
  add('enum-100k-duplicate-values', `enum E : long { ${range(K, (i) => `V${i} = ${i % 7}`, ', ')} }\n`);
  add('enum-100k-duplicate-names', `enum E : long { ${range(K, () => 'V', ', ')} }\n`);
  add('enum-100k-descending', `enum E : long { ${range(K, (i) => `V${i} = ${K - i}`, ', ')} }\n`);
  add('enum-100k-bit-flags', `enum E : ulong (bit_flags) { ${range(K, (i) => `V${i}`, ', ')} }\n`);
  add('union-100k-undefined', `union U { ${range(K, (i) => `T${i}`, ', ')} }\n`);
  add('union-10k-defined', `${range(N, (i) => `table T${i} {}`)}\nunion U { ${range(N, (i) => `T${i}`, ', ')} }\ntable R { u:U; }\nroot_type R;\n`);
  add('tables-25k-chain', `${range(25_000, (i) => `table T${i} { next:T${i + 1}; v:[T${i}]; s:string; }`)}\ntable T25000 {}\nroot_type T0;\n`);
  add('tables-50k-duplicate', range(50_000, () => 'table T { a:int; }'));
  add('tables-50k-undefined-refs', range(50_000, (i) => `table T${i} { a:X${i}; }`));
  add('structs-10k-chain', `${range(N, (i) => `struct S${i} { a:S${i + 1}; b:int; }`)}\nstruct S${N} { x:byte; }\n`);
  add('structs-10k-chain-reversed', `struct S${N} { x:byte; }\n${range(N, (i) => `struct S${N - 1 - i} { a:S${N - i}; b:int; }`)}\n`);
  add('structs-10k-cycle', `${range(N, (i) => `struct S${i} { a:S${(i + 1) % N}; }`)}\n`);
  add('tables-10k-nested-flatbuffer-cycle', range(N, (i) => `table T${i} { b:[ubyte] (nested_flatbuffer: "T${(i + 1) % N}"); }`));
  add('fields-100k', `table T { ${range(K, (i) => `f${i}:int;`, ' ')} }\n`);
  add('fields-100k-ids', `table T { ${range(K, (i) => `f${i}:int (id: ${K - 1 - i});`, ' ')} }\n`);
  add('fields-100k-struct', `struct S { ${range(K, (i) => `f${i}:double;`, ' ')} }\n`);
  add('fields-30k-camel-warnings', `table T { ${range(30_000, (i) => `fieldName${i}:int;`, ' ')} }\n`);
  add('fields-100k-duplicate', `table T { ${range(K, () => 'f:int;', ' ')} }\n`);
  add('rpc-40k-methods', `table T {}\nrpc_service S { ${range(40_000, (i) => `m${i}(T):T;`, ' ')} }\n`);
  add('attributes-100k', `${range(K, (i) => `attribute a${i};`)}\ntable T (${range(K, (i) => `a${i}`, ', ')}) {}\n`);
  add('attributes-50k-repeated', `table T { f:int (${range(50_000, () => 'deprecated', ', ')}); }\n`);
  add('doc-comments-30k-unattached', range(30_000, (i) => `/// doc ${i}\nnamespace n${i};`));
  add('doc-comments-100k-one-table', `${'/// doc\n'.repeat(K)}table T {}\n`);
  add('includes-10k-same', `${'include "monster_test.fbs";\n'.repeat(N)}table T {}\n`);
  add('includes-10k-missing', range(N, (i) => `include "missing${i}.fbs";`));
  add('namespaces-50k', range(50_000, (i) => `namespace n${i};\ntable T {}`));
  add('root-type-100k', `table T {}\n${'root_type T;\n'.repeat(K)}`);
  add('semicolons-1M', ';'.repeat(MB));
  add('idents-1M-line', 'a '.repeat(MB / 2));
  add('numbers-1M-line', '1 '.repeat(MB / 2));
  add('strings-1M-line', '"x" '.repeat(MB / 4));
  add('junk-1M', '\u0001'.repeat(MB));
  add('junk-1M-spaced', '# '.repeat(MB / 2));
  add('whitespace-1M', `${' \t\r\n'.repeat(MB / 4)}table T {}\n`);
  add('cr-only-lines', `${'table T {}\r'.repeat(N)}`);
  add('newlines-1M', `${'\n'.repeat(MB)}table T { a:Nope; }\n`);

  // --- 1 MB identifiers / literals.
  add('1MB-table-name', `table ${big} { a:int; }\nroot_type ${big};\n`);
  add('1MB-field-name', `table T { ${big}:int; }\n`);
  add('1MB-field-name-camel', `table T { ${bigU}:int; }\n`);
  add('1MB-type-ref', `table T { a:${big}; }\n`);
  add('1MB-type-ref-vector', `table T { a:[${big}]; }\n`);
  add('1MB-attribute-name', `table T { a:int (${big}); }\n`);
  add('1MB-attribute-declared', `attribute "${big}";\ntable T { a:int (${big}: "${big}"); }\n`);
  add('1MB-attribute-value', `table T { a:int (id: "${big}"); }\n`);
  add('1MB-string-default', `table T { a:string = "${big}"; }\n`);
  add('1MB-string-unterminated', `table T { a:string = "${big}`);
  add('1MB-string-escapes', `table T { a:string = "${'\\u00e9'.repeat(MB / 6)}"; }\n`);
  add('1MB-string-bad-escapes', `table T { a:string = "${'\\q'.repeat(MB / 2)}"; }\n`);
  add('1MB-file-identifier', `file_identifier "${big}";\n`);
  add('1MB-include-path', `include "${big}.fbs";\n`);
  add('1MB-namespace', `namespace ${big};\ntable T {}\nroot_type ${big}.T;\n`);
  add('1MB-enum-value', `enum E : int { ${big} }\ntable T { e:E = ${big}; }\n`);
  add('1MB-enum-default-unknown', `enum E : int { A }\ntable T { e:E = ${big}; }\n`);
  add('1MB-union-member', `union U { ${big} }\n`);
  add('1MB-rpc-method', `table T {}\nrpc_service S { ${big}(T):T; }\n`);
  add('1MB-doc-comment', `///${big}\ntable T {}\n`);
  add('1MB-line-comment', `//${big}\ntable T {}\n`);
  add('1MB-block-comment', `/*${big}*/table T {}\n`);
  add('1MB-identifier-alone', big);
  add('1MB-non-ascii-identifier', `table T { ${'\u00e9'.repeat(MB)}:int; }\n`);
  add('1MB-astral-string', `table T { a:string = "${'\u{1d54f}'.repeat(MB / 2)}"; }\n`);

  // --- Huge numbers.
  add('1000-digit-int-default', `table T { a:int = ${d1000}; b:long = -${d1000}; c:ulong = ${hex1000}; }\n`);
  add('1000-digit-float-default', `table T { a:float = ${d1000}; b:double = ${d1000}.${d1000}; c:double = -${d1000}e${d1000}; }\n`);
  add('1000-digit-float-exponent', `table T { a:double = 1e${d1000}; b:double = 1e-${d1000}; c:float = 0x1p${d1000}; d:float = ${hex1000}p-${d1000}; }\n`);
  add('1000-digit-hex-float', `table T { a:double = ${hex1000}.${'f'.repeat(1000)}p1; b:double = ${hex1000}p-99999; }\n`);
  add('1000-digit-bool-default', `table T { a:bool = ${d1000}; }\n`);
  add('1000-digit-enum-default', `enum E : int { A }\ntable T { e:E = ${d1000}; }\n`);
  add('1000-digit-id', `table T { a:int (id: ${d1000}); b:int (id: -${d1000}); }\n`);
  add('1000-digit-id-string', `table T { a:int (id: "${d1000}"); }\n`);
  add('1000-digit-union-id', `table A {}\nunion U { A }\ntable T { u:U (id: ${d1000}); }\n`);
  add('1000-digit-array-length', `struct S { a:[int:${d1000}]; b:[byte:${hex1000}]; }\n`);
  add('1000-digit-array-length-negative', `struct S { a:[int:-${d1000}]; }\n`);
  add('1000-digit-enum-values', `enum E : long { A = ${d1000}, B, C = -${d1000}, D = ${hex1000} }\n`);
  add('1000-digit-enum-implicit-next', `enum E : ulong { A = 18446744073709551615, B }\n`);
  add('1000-digit-bit-flags', `enum E : ulong (bit_flags) { A = ${d1000}, B = 63, C = 64 }\n`);
  add('1000-digit-force-align', `struct S (force_align: ${d1000}) { a:int; }\ntable T (force_align: ${hex1000}) { a:int; }\n`);
  add('1000-digit-priority', `table T {}\nrpc_service S { M(T):T (priority: ${d1000}); }\n`);
  add('1000-digit-in-metadata', `table T { a:int (deprecated: ${d1000}, key: ${d1000}); }\n`);
  add('100k-digit-int-default', `table T { a:long = ${d100k}; b:double = ${d100k}; }\n`);
  add('100k-digit-array-length', `struct S { a:[int:${d100k}]; }\n`);
  add('100k-digit-enum-value', `enum E : long { A = ${d100k} }\n`);
  add('number-glued-1M', `table T { a:int = 1${'a'.repeat(MB)}; }\n`);
  add('number-dots', `table T { a:double = ${'1.'.repeat(N)}; }\n`);

  // --- Odd characters and encodings (compileText).
  add('empty', '');
  add('bom-only', '\ufeff');
  add('whitespace-only', ' \n\t\r\n');
  add('comments-only', '// a\n/* b */\n/// c\n');
  add('nul-bytes', 'table\u0000T { a\u0000:int; }\n\u0000');
  add('lone-surrogates', 'table T\ud800 { a:string = "\ud800\udc00\udfff"; \udc00 }\n/// \ud800\nnamespace x;\n');
  add('bidi-and-format', 'table T { a:int; } // \u202e\u2066\u200b\nenum E : int { \u00a0A }\n');
  add('doc-after-code', 'table T { a:int; /// doc\n}\n');
  add('json-after-schema', `table T { a:int; }\nroot_type T;\n{ a: ${'['.repeat(N)} }\n`);

  // --- Raw bytes (written to a file, decoded by compileFile).
  const enc = (s: string): number[] => Array.from(Buffer.from(s, 'utf8'));
  const u8 = (...parts: (number[] | string)[]): Uint8Array =>
    Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? enc(p) : p)));
  addBytes('bytes-invalid-utf8-ident', u8('table T', [0xff, 0xfe], ' { a:int; }\n'));
  addBytes('bytes-invalid-utf8-string', u8('table T { a:string = "', [0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80], '"; }\n'));
  addBytes('bytes-invalid-utf8-comment', u8('// ', [0x80, 0x81, 0xff], '\ntable T {}\n'));
  addBytes('bytes-invalid-utf8-doc', u8('/// ', [0xf8, 0x88, 0x80, 0x80, 0x80], '\ntable T {}\n'));
  addBytes('bytes-overlong-nul-in-string', u8('table T { a:string = "', [0xc0, 0x80], '"; }\n'));
  addBytes('bytes-surrogate-utf8-in-string', u8('file_identifier "', [0xed, 0xa0, 0x80, 0x41], '";\n'));
  addBytes('bytes-truncated-utf8-at-eof', u8('table T { a:string = "\u00e9"; }\n', [0xe2, 0x82]));
  addBytes('bytes-utf16le-bom', u8([0xff, 0xfe], Array.from(Buffer.from('table T {}\n', 'utf16le'))));
  addBytes('bytes-utf8-bom-then-garbage', u8([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x00, 0xff], 'table T {}\n'));
  addBytes('bytes-bom-in-binary-mode', u8([0xef, 0xbb, 0xbf], 'table T {}\n', [0xff]));
  addBytes('bytes-1MB-nul', new Uint8Array(MB));
  addBytes('bytes-1MB-0xff', new Uint8Array(MB).fill(0xff));
  const noise = new Uint8Array(256 * 1024);
  const nr = new Rng(0x5eed);
  for (let i = 0; i < noise.length; i++) noise[i] = nr.int(256);
  addBytes('bytes-256KB-random', noise);
  addBytes('bytes-1MB-latin1-identifier', u8('table T { ', new Array<number>(MB).fill(0xe9), ':int; }\n'));
  addBytes('bytes-1MB-invalid-string', u8('table T { a:string = "', new Array<number>(MB).fill(0x80), '"; }\n'));
  return cases;
}

/** Names of the extreme cases also run through the CLI (the nastiest twenty or so). */
export const CLI_CASES: readonly string[] = [
  'nest-[-type', 'nest-(-metadata', 'nest-(-deg-call', 'nest-block-comments', 'nest-block-comments-unclosed',
  'enum-100k', 'union-100k-undefined', 'structs-10k-chain', 'fields-30k-camel-warnings', 'doc-comments-30k-unattached',
  '1MB-table-name', '1MB-string-unterminated', '1MB-include-path', '1000-digit-int-default', '1000-digit-array-length',
  '100k-digit-enum-value', 'lone-surrogates', 'nul-bytes', 'bytes-invalid-utf8-string', 'bytes-256KB-random',
  'bytes-1MB-0xff', 'bytes-utf16le-bom',
];
