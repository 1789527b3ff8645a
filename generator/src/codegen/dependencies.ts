import { compareNames } from './naming.js';
import { createHash } from 'node:crypto';
import type { EnumDef, ObjectDef, Service, TypeRef } from '../ir/model.js';
import { ABI_TYPES, hasAgentAbi } from './abi.js';
import { rootIdentifiersOf } from './bindings.js';
import type { SchemaSet } from './schema-set.js';

/** What one generated file is derived from: its stamp names the files and carries the hash. */
export interface Inputs {
  /** The .fbs files the content is derived from, sorted. */
  readonly files: readonly string[];
  /**
   * SHA-256 (first 16 hex digits) of what the content reads from those files (see `Dependencies`):
   * equal hashes mean equal content, for the same generator, templates, configuration and options.
   */
  readonly hash: string;
}

/** A file derived from no schema (the runtimes, Cargo.toml): its stamp changes with the version only. */
export const NO_INPUTS: Inputs = { files: [], hash: '' };

type Decl = ObjectDef | EnumDef | Service;

/**
 * What each generated file is derived from, decided here once for every backend: the files its
 * stamp names, and the facts of those files its content reads, whose hash the stamp carries. An
 * edit changes the stamps (and so the content) only of the files it reaches, and a watch rebuild or
 * an in-process regenerate re-emits only those (backend.ts `emitFile`).
 *
 * A declaration's generated code reads (`reach`, "deep"):
 * - its own IR (fields, layout, defaults, attributes, documentation; not its source location);
 * - the IR of every enum, union and struct it references, transitively (their values, members and
 *   layouts are printed into it);
 * - of a table it references only the name: a reference to a table is by name in every backend
 *   (no backend reads a referenced table's fields), so the table is one of the names of its
 *   namespace (below), and its own fields are not an input;
 * - the declaration names of its namespace and of each namespace a referenced declaration lives
 *   in: names are allocated per namespace module (a collision suffixes one of them);
 * - the names declared in each namespace where a reference could resolve instead (flatc looks a
 *   name up from the innermost enclosing namespace outwards, so a declaration there would shadow
 *   the one found) — also when that namespace has none: one appearing would change the code;
 * - for a table, its `file_identifier` when it is the `root_type` of a main file;
 * - for an `rpc_service`, whether services are bound at all (the ABI types, read in full) and,
 *   when they are, the services sorting before it (method ids and accessor names are numbered and
 *   claimed in name order; unbound services have neither);
 * - the agent ABI as a whole (`abi()`: exports, service checksums) reads the services and every
 *   type reachable from their requests and responses in full: the checksums cover their layouts.
 *
 * The files a stamp names are the coarser, transitive set: every file declaring one of the
 * declarations reached (also through table references), in one of the namespaces concerned, or
 * naming a reached table `root_type`. A fact that holds because of an absence is hashed as that
 * absence (an empty list of names), so a declaration appearing changes the hash.
 *
 * Namespaces are compared by a key coarser than any target's module name (lower case, `_`
 * dropped): two namespaces that one language maps to the same module share their facts.
 */
export class Dependencies {
  /** Files declaring anything in a namespace, by namespace key. */
  private readonly byNamespace = new Map<string, Set<string>>();
  /** The namespaces (as keyed components) that have declarations. */
  private readonly namespaces = new Map<string, readonly string[]>();
  private readonly rootFiles = new Map<string, Set<string>>();
  private readonly rootIdentifiers: ReadonlyMap<string, string>;
  private readonly services: readonly Service[];
  private readonly serviceByName: ReadonlyMap<string, Service>;
  private readonly declaring = new Set<string>();
  private abiMemo: Reached | undefined;
  private prefixes: Map<string, string> | undefined;
  private readonly namespaceMemo = new Map<string, Reached>();
  private readonly namespaceFacts = new Map<string, string>();
  private descendantsMemo: Map<string, string[]> | undefined;
  private abiInputs: Inputs | undefined;
  private allInputs: Inputs | undefined;
  /** Where a reference from one namespace to another could also resolve, by both keys. */
  private readonly candidatesMemo = new WeakMap<readonly string[], WeakMap<readonly string[], readonly string[]>>();
  /** Declarations by namespace key, and each namespace's keyed components (computed once: hot). */
  private readonly declsByKey = new Map<string, Decl[]>();
  private readonly namesByKey = new Map<string, string>();
  private readonly keyed = new WeakMap<readonly string[], readonly string[]>();
  /** Every file a set can hold: once the file traversal has them all it can stop. */
  private readonly universe = new Set<string>();

  constructor(private readonly set: SchemaSet) {
    for (const d of [...set.objects, ...set.enums, ...set.services]) {
      const k = this.keyParts(d.namespace);
      const key = k.join('.');
      let files = this.byNamespace.get(key);
      if (!files) this.byNamespace.set(key, (files = new Set()));
      files.add(d.location.file);
      this.namespaces.set(key, k);
      this.declaring.add(d.location.file);
      this.universe.add(d.location.file);
      let decls = this.declsByKey.get(key);
      if (!decls) this.declsByKey.set(key, (decls = []));
      decls.push(d);
    }
    set.schemas.forEach((s, i) => {
      if (s.rootTable === undefined) return;
      let files = this.rootFiles.get(s.rootTable);
      if (!files) this.rootFiles.set(s.rootTable, (files = new Set()));
      for (const f of set.schemaFiles[i] ?? []) {
        files.add(f);
        this.universe.add(f);
      }
    });
    this.rootIdentifiers = rootIdentifiersOf(set);
    this.services = [...set.services].sort((a, b) => compareNames(a.name, b.name));
    this.serviceByName = new Map(this.services.map((s) => [s.name, s]));
  }

  /** One declaration (table, struct, enum, union or service) by qualified name. */
  declaration(name: string): Inputs {
    const d = this.type(name) ?? this.serviceByName.get(name);
    return this.inputs(d ? this.reach([d]) : new Reached(this.namespaceFacts));
  }

  /** A module holding the declarations of `namespace` (not its child namespaces). */
  namespace(namespace: readonly string[]): Inputs {
    return this.inputs(this.namespaceReach(namespace));
  }

  /** A module holding the declarations of `namespace` that also lists its child namespaces. */
  subtree(namespace: readonly string[]): Inputs {
    const r = this.namespaceReach(namespace);
    let services = false;
    for (const key of this.descendants().get(this.keyParts(namespace).join('.')) ?? []) {
      // A child is listed by name; its content is its own module's.
      r.namespace(key, this.byNamespace.get(key));
      services ||= (this.declsByKey.get(key) ?? []).some((d) => 'calls' in d);
    }
    // A child holding only services exists only when they are bound.
    if (services) r.merge(this.abiReach());
    return this.inputs(r);
  }

  /** The agent ABI as a whole (every service's exports, ids and checksums). */
  abi(): Inputs {
    this.abiInputs ??= (() => {
      const r = this.reach(this.services, { tables: true });
      r.merge(this.abiReach());
      return this.inputs(r);
    })();
    return this.abiInputs;
  }

  /** A file listing every namespace (an index, the crate root): everything. */
  all(): Inputs {
    this.allInputs ??= (() => {
      const r = this.reach([...this.set.objects, ...this.set.enums, ...this.services], { tables: true });
      for (const f of this.declaring) r.files.add(f);
      r.merge(this.abiReach());
      return this.inputs(r);
    })();
    return this.allInputs;
  }

  /** The namespaces (keys) below each namespace that has declarations or descendants with some. */
  private descendants(): ReadonlyMap<string, readonly string[]> {
    if (this.descendantsMemo === undefined) {
      const out = new Map<string, string[]>();
      for (const [key, parts] of this.namespaces) {
        for (let i = 0; i < parts.length; i++) {
          const up = parts.slice(0, i).join('.');
          let list = out.get(up);
          if (!list) out.set(up, (list = []));
          list.push(key);
        }
      }
      this.descendantsMemo = out;
    }
    return this.descendantsMemo;
  }

  private inputs(r: Reached): Inputs {
    const files = [...r.files].sort();
    let text = `${files.join('\0')}\0\0`;
    for (const fact of [...r.facts].sort()) text += `${fact}\0${this.factValue(fact)}\0`;
    return { files, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
  }

  /** The text a fact stands for (see `Reached.facts`). */
  private factValue(fact: string): string {
    const arg = fact.slice(2);
    switch (fact[0]) {
      case 'd': {
        const d = this.type(arg);
        return d ? fingerprint(d, this.set.sources) : '';
      }
      case 's': {
        const d = this.serviceByName.get(arg);
        return d ? fingerprint(d, this.set.sources) : '';
      }
      case 'n': {
        let names = this.namesByKey.get(arg);
        if (names === undefined) {
          names = (this.declsByKey.get(arg) ?? []).map((d) => `${kindOf(d)} ${d.name}`).join('\n');
          this.namesByKey.set(arg, names);
        }
        return names;
      }
      case 'p':
        return this.predecessors(arg);
      case 'r':
        return this.rootIdentifiers.get(arg) ?? '';
      case 'a':
        return hasAgentAbi(this.set) ? 'bound' : 'unbound';
      default:
        throw new Error(`unknown dependency fact ${fact}`);
    }
  }

  /**
   * The services sorting before service `name`, in full, as one chained hash: each service's is
   * computed from the one before it (a fact per predecessor would make n services cost n²).
   */
  private predecessors(name: string): string {
    if (this.prefixes === undefined) {
      this.prefixes = new Map();
      let chain = '';
      for (const s of this.services) {
        this.prefixes.set(s.name, chain);
        chain = createHash('sha256').update(chain).update('\0').update(fingerprint(s, this.set.sources)).digest('hex');
      }
    }
    return this.prefixes.get(name) ?? '';
  }

  /** A table, struct, enum or union by qualified name. */
  private type(name: string): ObjectDef | EnumDef | undefined {
    return this.set.objectByName.get(name) ?? this.set.enumByName.get(name);
  }

  /** A namespace as compared here: components in lower case without `_` (see the class comment). */
  private keyParts(namespace: readonly string[]): readonly string[] {
    let k = this.keyed.get(namespace);
    if (k === undefined) {
      k = namespace.map((c) => c.toLowerCase().replace(/_/g, ''));
      this.keyed.set(namespace, k);
    }
    return k;
  }

  /** A copy of the reach of a namespace's declarations (memoized: a module per language asks). */
  private namespaceReach(namespace: readonly string[]): Reached {
    const key = this.keyParts(namespace).join('.');
    let r = this.namespaceMemo.get(key);
    if (r === undefined) {
      r = this.reach(this.declsByKey.get(key) ?? []);
      r.namespace(key, this.byNamespace.get(key));
      this.namespaceMemo.set(key, r);
    }
    const copy = new Reached(this.namespaceFacts);
    copy.merge(r);
    return copy;
  }

  /** Whether services are bound (ABI types present): those types in full, or the names of the namespace they would be declared in. */
  private abiReach(): Reached {
    if (this.abiMemo) return this.abiMemo;
    let r: Reached;
    if (hasAgentAbi(this.set)) {
      const types = Object.values(ABI_TYPES).map((n) => this.type(n) as ObjectDef | EnumDef);
      r = this.reach(types, { tables: true, services: false });
    } else {
      r = new Reached(this.namespaceFacts);
      const key = this.keyParts(ABI_TYPES.error.split('.').slice(0, -1)).join('.');
      r.namespace(key, this.byNamespace.get(key));
    }
    r.facts.add('a:');
    this.abiMemo = r;
    return r;
  }

  /**
   * The namespaces (keys) where a name written in namespace `n` and found in `target` could have
   * resolved instead: those from `n` outwards, each joined with the part of the name written after
   * a prefix they share.
   */
  private candidates(n: readonly string[], target: readonly string[]): readonly string[] {
    // By the keyed arrays (one per namespace array of the IR, see keyParts): no string per lookup.
    let byTarget = this.candidatesMemo.get(n);
    if (byTarget === undefined) this.candidatesMemo.set(n, (byTarget = new WeakMap()));
    let out = byTarget.get(target);
    if (out === undefined) {
      const keys: string[] = [];
      for (let j = 0; j <= Math.min(n.length, target.length) && (j === 0 || n[j - 1] === target[j - 1]); j++) {
        for (let i = j + 1; i <= n.length; i++) keys.push([...n.slice(0, i), ...target.slice(j)].join('.'));
      }
      byTarget.set(target, (out = keys));
    }
    return out;
  }

  /**
   * What the code of `starts` reads (see the class comment). Declarations whose content is read
   * ("deep") are visited first; tables referenced by name only are then followed for the files
   * alone, which stops once every file of the set is in (at once for a one-file schema).
   * `tables`: read referenced tables in full too; `services`: follow services' requests, ABI and
   * predecessors.
   */
  private reach(
    starts: readonly Decl[],
    { tables = false, services = true }: { tables?: boolean; services?: boolean } = {},
  ): Reached {
    const r = new Reached(this.namespaceFacts);
    const out = r.files;
    const seen = new Set<string>();
    const deep: Decl[] = [...starts];
    const shallow: Decl[] = [];
    const namespaceOf = (key: string, isDeep: boolean): void => {
      if (isDeep) r.namespace(key, this.byNamespace.get(key));
      else for (const f of this.byNamespace.get(key) ?? []) out.add(f);
    };
    const visit = (from: Decl, name: string | undefined, isDeep: boolean): void => {
      if (name === undefined) return;
      const d = this.type(name);
      if (!d) return;
      // Where else the reference could have resolved (a declaration there would shadow this one).
      const target = this.keyParts(d.namespace);
      for (const key of this.candidates(this.keyParts(from.namespace), target)) namespaceOf(key, isDeep);
      if (isDeep && !tables && 'fields' in d && !d.isStruct) {
        // By name: one of its namespace's names; its own inputs count for the files only.
        namespaceOf(target.join('.'), true);
        out.add(d.location.file);
        shallow.push(d);
      } else (isDeep ? deep : shallow).push(d);
    };
    const visitType = (from: Decl, t: TypeRef | undefined, isDeep: boolean): void => {
      if (!t) return;
      visit(from, t.object, isDeep);
      visit(from, t.enum, isDeep);
    };
    for (;;) {
      const isDeep = deep.length > 0;
      const d = isDeep ? deep.pop() : shallow.pop();
      if (d === undefined) break;
      // Nothing but files left to add, and no file left to add.
      if (!isDeep && out.size === this.universe.size) break;
      const id = `${isDeep ? 'deep' : 'file'} ${'calls' in d ? 'service' : 'type'} ${d.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.add(d.location.file);
      if (isDeep) r.facts.add(`${'calls' in d ? 's' : 'd'}:${d.name}`);
      namespaceOf(this.keyParts(d.namespace).join('.'), isDeep);
      if ('calls' in d) {
        if (!services) continue;
        for (const c of d.calls) {
          visit(d, c.request, isDeep);
          visit(d, c.response, isDeep);
        }
        const abi = this.abiReach();
        if (isDeep) r.merge(abi);
        else for (const f of abi.files) out.add(f);
        // Their rpcs (names, count) number this one's when bound; nothing they reference does.
        if (isDeep && hasAgentAbi(this.set)) r.facts.add(`p:${d.name}`);
        for (const s of this.services) {
          if (s.name >= d.name) break;
          out.add(s.location.file);
        }
      } else if ('fields' in d) {
        for (const f of d.fields) visitType(d, f.type, isDeep);
        for (const f of this.rootFiles.get(d.name) ?? []) out.add(f);
        if (isDeep && !d.isStruct) r.facts.add(`r:${d.name}`);
      } else {
        for (const v of d.values) visitType(d, v.unionType, isDeep);
      }
    }
    return r;
  }
}

/**
 * The files and facts one traversal found. Facts are `d:NAME` and `s:NAME` (a type's or a service's
 * IR), `p:NAME` (the services sorting before a bound service), `n:KEY` (the names declared in a
 * namespace), `r:TABLE` (its root file identifier) and `a:` (whether services are bound);
 * `Dependencies.factValue` gives each one's text.
 */
class Reached {
  readonly files = new Set<string>();
  readonly facts = new Set<string>();
  constructor(private readonly namespaceFacts: Map<string, string>) {}

  /** The names of namespace `key` (its files too). */
  namespace(key: string, files: Iterable<string> | undefined): void {
    // One string per key and set (hot: every reference adds a few).
    let fact = this.namespaceFacts.get(key);
    if (fact === undefined) this.namespaceFacts.set(key, (fact = `n:${key}`));
    this.facts.add(fact);
    for (const f of files ?? []) this.files.add(f);
  }

  merge(other: Reached): void {
    for (const f of other.files) this.files.add(f);
    for (const f of other.facts) this.facts.add(f);
  }
}

function kindOf(d: Decl): string {
  return 'calls' in d ? 'service' : 'values' in d ? (d.isUnion ? 'union' : 'enum') : d.isStruct ? 'struct' : 'table';
}

const fingerprints = new WeakMap<Decl, string>();

/**
 * SHA-256 of what a declaration's IR is made from (see `declarationText`).
 */
function fingerprint(d: Decl, sources: ReadonlyMap<string, string>): string {
  let hash = fingerprints.get(d);
  if (hash === undefined) {
    hash = createHash('sha256').update(declarationText(d, sources)).digest('base64');
    fingerprints.set(d, hash);
  }
  return hash;
}

/**
 * What a declaration's generated code is printed from, as text, never its source location (an
 * edit above it moves it; no backend prints a location).
 *
 * Read from a file: its namespace, documentation and source text, keyword to closing brace. The
 * rest of its IR is decided by what that text references, and those are inputs of their own:
 * names resolve by the names of the namespaces concerned (`n:` facts); layouts, values and members
 * of referenced structs, enums and unions come from their own text (`d:` facts, followed
 * transitively); a referenced table contributes its name only, and nothing of a table's IR
 * depends on a table it references beyond that (its field holds the name). The compile options
 * are the same for every run compared. tests/api.test.ts holds each of these to a fresh run.
 *
 * Built in memory (no extent or no source text): the IR itself, every property and accessor.
 */
function declarationText(d: Decl, sources: ReadonlyMap<string, string>): string {
  const text = d.extent !== undefined ? sources.get(d.location.file) : undefined;
  if (text === undefined) return irText(d);
  return `${kindOf(d)}\0${d.namespace.join('.')}\0${d.documentation.join('\n')}\0${text.slice(d.extent?.start, d.extent?.end)}`;
}

/** Accessor properties of IR record classes (frontend/ir-records.ts), by prototype. */
const getters = new WeakMap<object, readonly string[]>();

/**
 * IR as text: every own property and every accessor of a record class (field ids, offsets and
 * flags are accessors there), recursively, except `location`.
 */
function irText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'undefined':
      return '~';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let s = '[';
        for (const x of v) s += `${irText(x)},`;
        return `${s}]`;
      }
      const record = v as Record<string, unknown>;
      let s = '{';
      for (const k of Object.keys(record)) if (k !== 'location') s += `${k}:${irText(record[k])},`;
      const proto = Object.getPrototypeOf(v) as object | null;
      if (proto !== null && proto !== Object.prototype) {
        let names = getters.get(proto);
        if (names === undefined) {
          names = Object.entries(Object.getOwnPropertyDescriptors(proto))
            .filter(([k, desc]) => desc.get !== undefined && k !== 'location')
            .map(([k]) => k);
          getters.set(proto, names);
        }
        for (const k of names) s += `${k}:${irText(record[k])},`;
      }
      return `${s}}`;
    }
    default:
      throw new Error(`IR holds a ${typeof v}`);
  }
}
