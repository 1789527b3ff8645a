// Normalisation of reflection JSON before hms-gen output is compared with the flatc oracle.
//
// Every rule is a named function with the reason it exists, so a reviewer can see exactly what is
// forgiven. Nothing else is: key order inside objects does not matter (JSON objects are unordered),
// but array order does (objects/enums/services/fields/attributes are sorted by flatc and must be
// sorted identically by hms-gen), and so does every value not named below. Paths
// (`declaration_file`, `fbs_files`) are NOT rewritten: flatc 2.0.8 without `--bfbs-filenames` prints
// "//" + the path relative to the main file's directory ("//../foo.fbs" when outside it, "/"
// separators, no "./"), and hms-gen must print the same.
//
// Two groups:
//   * flatc-2.0.8-only corrections (`fix208*`): 2.0.8 has known quirks that later flatc (25.x) fixed.
//     hms-gen follows 25.x, so these rewrite the 2.0.8 output into what 25.x prints. They are applied
//     to the oracle side only; applying them to hms-gen's output would hide the very bug they describe.
//     Each was verified against the upstream golden .bfbs files produced by a recent flatc (see
//     docs/conformance.md and the "oracle self-check" test).
//   * representation rules, applied to both sides alike.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep copy so normalisation never mutates a cached oracle result or hms-gen's object. */
function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Visit every JSON object node in the tree (pre-order). */
function walkObjects(v: Json, visit: (o: JsonObject) => void): void {
  if (Array.isArray(v)) {
    for (const x of v) walkObjects(x, visit);
  } else if (isObject(v)) {
    visit(v);
    for (const k of Object.keys(v)) walkObjects(v[k]!, visit);
  }
}

/** Visit every reflection `Type` node: values of the keys `type`, `union_type`, `underlying_type`. */
function walkTypes(root: Json, visit: (t: JsonObject) => void): void {
  walkObjects(root, (o) => {
    for (const k of ['type', 'union_type', 'underlying_type']) {
      const t = o[k];
      if (isObject(t) && 'base_type' in t) visit(t);
    }
  });
}

/** Visit every reflection `Object` node: top-level objects, root_table, rpc request/response. */
function walkReflectionObjects(root: Json, visit: (o: JsonObject) => void): void {
  walkObjects(root, (o) => {
    if (Array.isArray(o['fields']) && 'is_struct' in o) visit(o);
  });
}

// ---------------------------------------------------------------------------------------------
// Parse-level rule (oracle side).

/**
 * flatc prints non-finite `default_real` as bare `nan` / `inf` / `-inf` even with `--strict-json`,
 * which is not JSON. Quote them (outside string literals only) so that they become the strings
 * "nan" / "inf" / "-inf" -- exactly what hms-gen's `toReflection` emits for non-finite defaults.
 * Integer literals beyond 2^53 (e.g. a `long` default of INT64_MIN), which JSON.parse would
 * silently round, become exact strings "int:<digits>" instead -- see `exactIntegerMarker`.
 */
export function quoteNonFiniteNumbers(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^([-+]?)(nan|inf(?:inity)?)\b/.exec(text.slice(i, i + 12));
    if (m) {
      const sign = m[1] === '-' && m[2] !== 'nan' ? '-' : '';
      out += `"${sign}${m[2] === 'nan' ? 'nan' : 'inf'}"`;
      i += m[0].length;
      continue;
    }
    const n = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(i, i + 40));
    if (n && (i === 0 || !/[\w.]/.test(text[i - 1]!))) {
      out += !/[.eE]/.test(n[0]) && !Number.isSafeInteger(Number(n[0])) ? `"${exactIntegerMarker(BigInt(n[0]))}"` : n[0];
      i += n[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * 64-bit integers (`default_integer`, enum `value`) must compare exactly. hms-gen's `toReflection`
 * returns them as bigint; the oracle's JSON is parsed with JSON.parse, exact only up to 2^53. Both
 * sides therefore use the same representation: a number when the value is a safe integer, else the
 * string "int:<decimal digits>" (applied to hms-gen bigints in normalizeHms and to flatc's long
 * literals in quoteNonFiniteNumbers).
 */
export function exactIntegerMarker(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : `int:${v}`;
}

export function parseFlatcJson(text: string): Json {
  return JSON.parse(quoteNonFiniteNumbers(text)) as Json;
}

// ---------------------------------------------------------------------------------------------
// flatc 2.0.8 quirks (oracle side only).

/**
 * 2.0.8 sets `optional: true` on every non-scalar struct member: struct-typed members
 * (monster_test `Vec3.test3`, `StructOfStructs.*`) and fixed arrays (arrays_test `ArrayStruct.b`).
 * flatc 25.x (upstream goldens tests/monster_test.bfbs, tests/arrays_test.bfbs) prints `false`:
 * struct members are always present. hms-gen follows 25.x.
 */
export function fix208StructMembersNotOptional(root: Json): void {
  walkReflectionObjects(root, (o) => {
    if (o['is_struct'] !== true) return;
    for (const f of o['fields'] as Json[]) if (isObject(f)) f['optional'] = false;
  });
}

/**
 * 2.0.8 prints `element_size: 4` (the size of an offset) for a `Vector` whose element is a struct;
 * 25.x prints the struct's `bytesize` (upstream goldens: monster_test `testarrayofsortedstruct` 8,
 * samples/monster `path` 12). Only `Vector` changed: fixed `Array`s of structs and `Vector64`s of
 * structs still print 4 in 25.x (goldens arrays_test `ArrayStruct.d`, test_64bit
 * `big_struct_vector`), so those are left alone. Uses the raw `index` (run before resolveTypeIndices).
 */
export function fix208VectorOfStructElementSize(root: Json): void {
  if (!isObject(root) || !Array.isArray(root['objects'])) return;
  const objects = root['objects'];
  walkTypes(root, (t) => {
    if (t['base_type'] !== 'Vector' || t['element'] !== 'Obj') return;
    const target = objects[t['index'] as number];
    if (isObject(target) && target['is_struct'] === true) t['element_size'] = target['bytesize']!;
  });
}

// ---------------------------------------------------------------------------------------------
// Representation rules (both sides).

/**
 * `type.index` is a position in the sorted `objects` (when the type or its element is `Obj`) or
 * `enums` array (unions, union types, enum-typed scalars). A single missing or extra object would
 * shift every later index and bury the real difference, so compare by the referenced name instead.
 * -1 (no reference) stays -1; an out-of-range index becomes "<bad index N>".
 */
export function resolveTypeIndices(root: Json): void {
  if (!isObject(root)) return;
  const objects = Array.isArray(root['objects']) ? root['objects'] : [];
  const enums = Array.isArray(root['enums']) ? root['enums'] : [];
  walkTypes(root, (t) => {
    const index = t['index'];
    if (typeof index !== 'number' || index < 0) return;
    const refersToObject = t['base_type'] === 'Obj' || t['element'] === 'Obj';
    const target = (refersToObject ? objects : enums)[index];
    t['index'] = isObject(target) && typeof target['name'] === 'string'
      ? `${refersToObject ? 'object' : 'enum'} ${target['name']}`
      : `<bad index ${index}>`;
  });
}

export const ADVANCED_FEATURES = [
  'AdvancedArrayFeatures', // 1
  'AdvancedUnionFeatures', // 2
  'OptionalScalars', // 4
  'DefaultVectorsAndStrings', // 8
] as const;

/**
 * `advanced_features` is a `ulong (bit_flags)`: flatc's JSON printer writes it as a space-separated
 * string of flag names ("AdvancedArrayFeatures OptionalScalars") when non-zero and as the number 0
 * otherwise; hms-gen may print either form. Both sides become a sorted list of flag names.
 */
export function advancedFeaturesAsNames(root: Json): void {
  if (!isObject(root) || !('advanced_features' in root)) return;
  const v = root['advanced_features'];
  let names: string[];
  if (typeof v === 'number') {
    names = [];
    for (let bit = 0; bit < 53; bit++) {
      if (Math.floor(v / 2 ** bit) % 2 === 1) names.push(ADVANCED_FEATURES[bit] ?? `bit${bit}`);
    }
  } else if (typeof v === 'string') {
    names = v.split(/\s+/).filter((s) => s !== '');
  } else {
    return; // anything else is left as is and will show up as a difference
  }
  root['advanced_features'] = names.sort();
}

/**
 * flatc stores no `attributes` vector when there are none, so `--defaults-json` omits the key;
 * hms-gen may print `attributes: []`. Absent and empty mean the same thing: drop empty ones.
 */
export function emptyAttributesAsAbsent(root: Json): void {
  walkObjects(root, (o) => {
    if (Array.isArray(o['attributes']) && o['attributes'].length === 0) delete o['attributes'];
  });
}

/**
 * With `--bfbs-comments` 2.0.8 always stores a `documentation` vector, empty when there is no doc
 * comment; 25.x omits empty ones. Absent and empty mean the same thing: drop empty ones.
 */
export function emptyDocumentationAsAbsent(root: Json): void {
  walkObjects(root, (o) => {
    if (Array.isArray(o['documentation']) && o['documentation'].length === 0) delete o['documentation'];
  });
}

// ---------------------------------------------------------------------------------------------

function normalizeBothSides(root: Json): Json {
  resolveTypeIndices(root);
  advancedFeaturesAsNames(root);
  emptyAttributesAsAbsent(root);
  emptyDocumentationAsAbsent(root);
  return root;
}

/** Oracle side: 2.0.8 JSON (already parsed with parseFlatcJson) → comparable form. */
export function normalizeFlatc208(json: Json): Json {
  const root = clone(json);
  fix208StructMembersNotOptional(root);
  fix208VectorOfStructElementSize(root);
  return normalizeBothSides(root);
}

/** Output of a newer flatc (upstream golden .bfbs converted with HEAD reflection.fbs). */
export function normalizeFlatcHead(json: Json): Json {
  return normalizeBothSides(clone(json));
}

/** hms-gen side: `toReflection(schema)` → comparable form. */
export function normalizeHms(reflection: unknown): Json {
  // Round-trip through JSON so that undefined members vanish exactly as they would on disk, and so
  // that anything not JSON-able (a NaN or Infinity number) surfaces as a difference.
  const text = JSON.stringify(reflection, (_k, v: unknown) => {
    if (typeof v === 'bigint') return exactIntegerMarker(v); // see exactIntegerMarker
    if (typeof v === 'number' && !Number.isFinite(v)) return `<non-JSON number ${String(v)}>`;
    return v;
  });
  return normalizeBothSides(JSON.parse(text) as Json);
}

// ---------------------------------------------------------------------------------------------
// Compact path-level diff.

export interface Difference {
  path: string;
  hms: Json | undefined;
  flatc: Json | undefined;
}

/** Arrays whose elements are objects identified by one of these keys are compared element-by-key. */
const IDENTITY_KEYS = ['name', 'key', 'filename'] as const;

function identityKey(arr: Json[]): string | undefined {
  for (const k of IDENTITY_KEYS) {
    const ids = arr.map((e) => (isObject(e) ? e[k] : undefined));
    if (ids.every((id) => typeof id === 'string') && new Set(ids).size === ids.length) return k;
  }
  return undefined;
}

export function diffJson(hms: Json | undefined, flatc: Json | undefined, path = '$', out: Difference[] = []): Difference[] {
  if (Array.isArray(hms) && Array.isArray(flatc)) {
    const k = identityKey(hms) ?? identityKey(flatc);
    if (k && identityKey(hms) === k && identityKey(flatc) === k && hms.length + flatc.length > 0) {
      const a = new Map(hms.map((e) => [(e as JsonObject)[k] as string, e]));
      const b = new Map(flatc.map((e) => [(e as JsonObject)[k] as string, e]));
      for (const [id, e] of b) diffJson(a.get(id), e, `${path}[${JSON.stringify(id)}]`, out);
      for (const [id, e] of a) if (!b.has(id)) diffJson(e, undefined, `${path}[${JSON.stringify(id)}]`, out);
      const common = (m: Map<string, Json>, other: Map<string, Json>) => [...m.keys()].filter((id) => other.has(id));
      const orderA = common(a, b);
      const orderB = common(b, a);
      if (orderA.join('\0') !== orderB.join('\0')) {
        out.push({ path: `${path} (order)`, hms: orderA, flatc: orderB });
      }
      return out;
    }
    const n = Math.max(hms.length, flatc.length);
    for (let i = 0; i < n; i++) diffJson(hms[i], flatc[i], `${path}[${i}]`, out);
    return out;
  }
  if (isObject(hms) && isObject(flatc)) {
    const keys = new Set([...Object.keys(flatc), ...Object.keys(hms)]);
    for (const key of keys) diffJson(hms[key], flatc[key], `${path}.${key}`, out);
    return out;
  }
  if (!Object.is(hms, flatc)) out.push({ path, hms, flatc });
  return out;
}

function show(v: Json | undefined): string {
  if (v === undefined) return '<absent>';
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** First `limit` differences, one per line: `path: hms=… flatc=…`. */
export function formatDiff(diffs: readonly Difference[], limit = 20): string {
  const lines = diffs.slice(0, limit).map((d) => `  ${d.path}: hms=${show(d.hms)} flatc=${show(d.flatc)}`);
  if (diffs.length > limit) lines.push(`  ... and ${diffs.length - limit} more`);
  return lines.join('\n');
}
