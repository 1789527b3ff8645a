import { compareNames } from './naming.js';
import { createHash } from 'node:crypto';
import type { EnumDef, ObjectDef, Service, TypeRef } from '../ir/model.js';
import { ABI_TYPES, hasAgentAbi } from './abi.js';
import type { SchemaSet } from './schema-set.js';

/**
 * Which .fbs files each generated file is derived from: decided here once, for every backend, so
 * that a file's stamp names only its own inputs and an edit rewrites only the files it reaches.
 *
 * A declaration's generated code depends on (`reach`):
 * - the file declaring it, and its documentation, layout and defaults there;
 * - every declaration it references (field types, union members, rpc requests and responses),
 *   transitively: layouts, names and defaults of those end up in its code;
 * - the files declaring anything in its namespace or a referenced declaration's namespace: names
 *   are allocated per namespace module (a collision suffixes one of them);
 * - the files declaring in a namespace where a reference could resolve instead (flatc looks a
 *   name up from the innermost enclosing namespace outwards, so a declaration there would shadow
 *   the one found);
 * - for a table, the compile of each main file naming it `root_type` (its `file_identifier`);
 * - for an `rpc_service`, the ABI types (whether services are bound at all) and the services
 *   sorting before it (method ids and accessor names are numbered and claimed in name order).
 *
 * A set of files is sound when the content cannot change while those files do not: a fact that
 * holds because of an absence (no other child namespace, no ABI types) is covered by the files
 * that would have to change to end it, i.e. those declaring in the namespaces concerned — a file
 * starting to declare there joins the set, and the stamp changes with it.
 *
 * Namespaces are compared by a key coarser than any target's module name (lower case, `_`
 * dropped): two namespaces that one language maps to the same module share their files.
 */
export class Dependencies {
  /** Files declaring anything in a namespace, by namespace key. */
  private readonly byNamespace = new Map<string, Set<string>>();
  /** The namespaces (as keyed components) that have declarations. */
  private readonly namespaces = new Map<string, readonly string[]>();
  private readonly rootFiles = new Map<string, Set<string>>();
  private readonly services: readonly Service[];
  private readonly declaring = new Set<string>();
  private abiFilesMemo: ReadonlySet<string> | undefined;
  private readonly hashes = new Map<string, string>();
  /** Declarations by namespace key, and each namespace's keyed components (computed once: hot). */
  private readonly declsByKey = new Map<string, (ObjectDef | EnumDef | Service)[]>();
  private readonly keyed = new WeakMap<readonly string[], readonly string[]>();
  /** Every file a set can hold: once `reach` has them all it can stop (one-file schemas at once). */
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
    this.services = [...set.services].sort((a, b) => compareNames(a.name, b.name));
  }

  /** The files of one declaration (table, struct, enum, union or service) by qualified name. */
  declaration(name: string): string[] {
    const d =
      this.set.objectByName.get(name) ?? this.set.enumByName.get(name) ?? this.services.find((s) => s.name === name);
    return d ? sorted(this.reach([d])) : [];
  }

  /** A module holding the declarations of `namespace` (not its child namespaces). */
  namespace(namespace: readonly string[]): string[] {
    return sorted(this.namespaceFiles(namespace));
  }

  /** A module holding the declarations of `namespace` that also lists its child namespaces. */
  subtree(namespace: readonly string[]): string[] {
    const out = this.namespaceFiles(namespace);
    const k = this.keyParts(namespace);
    let services = false;
    for (const [key, parts] of this.namespaces) {
      if (parts.length <= k.length || !k.every((c, i) => parts[i] === c)) continue;
      for (const f of this.byNamespace.get(key) ?? []) out.add(f);
      services ||= (this.declsByKey.get(key) ?? []).some((d) => 'calls' in d);
    }
    // A child holding only services exists only when they are bound.
    if (services) for (const f of this.abiFiles()) out.add(f);
    return sorted(out);
  }

  /** Files of the agent ABI as a whole (every service's exports, ids and checksums). */
  abi(): string[] {
    const out = new Set(this.abiFiles());
    for (const f of this.reach(this.services)) out.add(f);
    return sorted(out);
  }

  /** A file listing every namespace (an index, the crate root): every file that declares something. */
  all(): string[] {
    const out = new Set(this.declaring);
    for (const f of this.reach([...this.set.objects, ...this.set.enums, ...this.services])) out.add(f);
    for (const f of this.abiFiles()) out.add(f);
    return sorted(out);
  }

  /** SHA-256 (first 16 hex digits) of the files' paths and texts, in the order given. */
  hash(files: readonly string[]): string {
    const id = files.join('\0');
    let h = this.hashes.get(id);
    if (h === undefined) {
      const sha = createHash('sha256');
      for (const f of files)
        sha
          .update(f)
          .update('\0')
          .update(this.set.sources.get(f) ?? '')
          .update('\0');
      h = sha.digest('hex').slice(0, 16);
      this.hashes.set(id, h);
    }
    return h;
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

  private namespaceFiles(namespace: readonly string[]): Set<string> {
    const key = this.keyParts(namespace).join('.');
    const out = this.reach(this.declsByKey.get(key) ?? []);
    for (const f of this.byNamespace.get(key) ?? []) out.add(f);
    return out;
  }

  /** Whether services are bound (ABI types present): those types' files, or the namespace they would be declared in. */
  private abiFiles(): ReadonlySet<string> {
    if (this.abiFilesMemo) return this.abiFilesMemo;
    let out: Set<string>;
    if (hasAgentAbi(this.set)) {
      const types = Object.values(ABI_TYPES).map(
        (n) => (this.set.objectByName.get(n) ?? this.set.enumByName.get(n)) as ObjectDef | EnumDef,
      );
      out = this.reach(types, false);
    } else {
      out = new Set(this.byNamespace.get(this.keyParts(ABI_TYPES.error.split('.').slice(0, -1)).join('.')) ?? []);
    }
    this.abiFilesMemo = out;
    return out;
  }

  /** Every file the declarations' code depends on (see the class comment). */
  private reach(starts: readonly (ObjectDef | EnumDef | Service)[], withServices = true): Set<string> {
    const out = new Set<string>();
    const seen = new Set<string>();
    const work = [...starts];
    const namespaceOf = (key: string): void => {
      for (const f of this.byNamespace.get(key) ?? []) out.add(f);
    };
    const visit = (from: ObjectDef | EnumDef | Service, name: string | undefined): void => {
      if (name === undefined) return;
      const d = this.set.objectByName.get(name) ?? this.set.enumByName.get(name);
      if (!d) return;
      // Where else the reference could have resolved: the namespaces from `from`'s outwards, each
      // joined with the part of the name written after a prefix they share.
      const n = this.keyParts(from.namespace);
      const target = this.keyParts(d.namespace);
      for (let j = 0; j <= Math.min(n.length, target.length) && (j === 0 || n[j - 1] === target[j - 1]); j++) {
        for (let i = j + 1; i <= n.length; i++) namespaceOf([...n.slice(0, i), ...target.slice(j)].join('.'));
      }
      work.push(d);
    };
    const visitType = (from: ObjectDef | EnumDef | Service, t: TypeRef | undefined): void => {
      if (!t) return;
      visit(from, t.object);
      visit(from, t.enum);
    };
    for (let d = work.pop(); d !== undefined; d = work.pop()) {
      // Nothing can be added any more (every file of a one-file schema is in at the first step).
      if (out.size === this.universe.size) break;
      const id = `${'calls' in d ? 'service' : 'type'} ${d.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.add(d.location.file);
      namespaceOf(this.keyParts(d.namespace).join('.'));
      if ('calls' in d) {
        if (!withServices) continue;
        for (const c of d.calls) {
          visit(d, c.request);
          visit(d, c.response);
        }
        for (const f of this.abiFiles()) out.add(f);
        for (const s of this.services) {
          if (s.name >= d.name) break;
          out.add(s.location.file);
        }
      } else if ('fields' in d) {
        for (const f of d.fields) visitType(d, f.type);
        for (const f of this.rootFiles.get(d.name) ?? []) out.add(f);
      } else {
        for (const v of d.values) visitType(d, v.unionType);
      }
    }
    return out;
  }
}

function sorted(files: Iterable<string>): string[] {
  return [...files].sort();
}
