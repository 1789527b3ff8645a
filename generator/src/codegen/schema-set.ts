import { compileFile, mergeRuns } from '../frontend/compile.js';
import { renderDiagnostic, type Diagnostic } from '../frontend/diagnostics.js';
import { createHash } from 'node:crypto';
import type { EnumDef, ObjectDef, Schema, Service } from '../ir/model.js';

/**
 * The contracts a `generate` run covers: several main files (each `.fbs` of `idl/` is compiled on
 * its own, as flatc does), merged by qualified name. A declaration reached from several main files
 * (hms/common.fbs is included by every agent schema) is the same declaration and appears once.
 */
export interface SchemaSet {
  readonly objects: readonly ObjectDef[];
  readonly enums: readonly EnumDef[];
  readonly services: readonly Service[];
  /** Every main file's schema, in input order. */
  readonly schemas: readonly Schema[];
  /**
   * The stamp's schema hash: SHA-256 (first 16 hex digits) of every .fbs file read (inputs and
   * includes, by path, in path order). Any edit of a contract changes it; hashing the sources is
   * a few milliseconds, where hashing a canonical IR rendering cost hundreds on large schemas.
   */
  readonly hash: string;
  readonly objectByName: ReadonlyMap<string, ObjectDef>;
  readonly enumByName: ReadonlyMap<string, EnumDef>;
}

export interface LoadResult {
  readonly set: SchemaSet | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** Rendered diagnostics (errors and warnings), ready to print. */
  readonly rendered: string;
  readonly errorCount: number;
  /** Text of every .fbs file read (inputs and includes), by displayed path. */
  readonly sources: ReadonlyMap<string, string>;
}

/** Compiles every input and merges them; no set when any input has errors. */
export function loadSchemaSet(files: readonly string[], includePaths: readonly string[]): LoadResult {
  const results = files.map((f) => compileFile(f, { includePaths }));
  const { diagnostics, sources } = mergeRuns(results);
  const text = diagnostics.map((d) => renderDiagnostic(d, sources)).join('\n');
  const errorCount = results.reduce((n, r) => n + r.errorCount, 0);
  if (errorCount > 0) return { set: undefined, diagnostics, rendered: text, errorCount, sources };
  const schemas = results.map((r) => r.schema).filter((s): s is Schema => s !== undefined);
  return { set: mergeSchemas(schemas, sourcesHash(sources)), diagnostics, rendered: text, errorCount, sources };
}

/** SHA-256 (16 hex digits) of the sources, by path in path order. */
export function sourcesHash(sources: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  for (const p of [...sources.keys()].sort()) h.update(p).update('\0').update(sources.get(p) as string).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** `hash`: the schema hash to stamp (see SchemaSet.hash); in-memory schemas may pass their own. */
export function mergeSchemas(schemas: readonly Schema[], hash = ''): SchemaSet {
  const objectByName = new Map<string, ObjectDef>();
  const enumByName = new Map<string, EnumDef>();
  const serviceByName = new Map<string, Service>();
  for (const s of schemas) {
    for (const o of s.objects) if (!objectByName.has(o.name)) objectByName.set(o.name, o);
    for (const e of s.enums) if (!enumByName.has(e.name)) enumByName.set(e.name, e);
    for (const v of s.services) if (!serviceByName.has(v.name)) serviceByName.set(v.name, v);
  }
  const byName = <T extends { readonly name: string }>(m: ReadonlyMap<string, T>): T[] =>
    [...m.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    objects: byName(objectByName),
    enums: byName(enumByName),
    services: byName(serviceByName),
    schemas,
    hash,
    objectByName,
    enumByName,
  };
}
