import { compareNames } from './naming.js';
import { compileFile, mergeRuns } from '../frontend/compile.js';
import type { CompileCache } from '../frontend/compile-cache.js';
import { renderDiagnostic, type Diagnostic } from '../frontend/diagnostics.js';
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
   * The files each main file's compile read (the main file and its includes, by displayed path),
   * parallel to `schemas`.
   */
  readonly schemaFiles: readonly (readonly string[])[];
  /**
   * Text of every .fbs file read, by displayed path (the `location.file` of declarations): what the
   * stamps hash (codegen/dependencies.ts). Empty for in-memory sets, whose stamps hash names only.
   */
  readonly sources: ReadonlyMap<string, string>;
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
  /** Paths the include search found empty (see CompileResult.absent). */
  readonly absent: readonly string[];
}

/** Compiles every input and merges them; no set when any input has errors. */
export function loadSchemaSet(
  files: readonly string[],
  includePaths: readonly string[],
  cache?: CompileCache,
): LoadResult {
  const results = files.map((f) => (cache ? cache.compile(f, includePaths) : compileFile(f, { includePaths })));
  const { diagnostics, sources, absent } = mergeRuns(results);
  const text = diagnostics.map((d) => renderDiagnostic(d, sources)).join('\n');
  const errorCount = results.reduce((n, r) => n + r.errorCount, 0);
  if (errorCount > 0) return { set: undefined, diagnostics, rendered: text, errorCount, sources, absent };
  const schemas = results.map((r) => r.schema).filter((s): s is Schema => s !== undefined);
  const schemaFiles = results.filter((r) => r.schema !== undefined).map((r) => [...r.sources.keys()]);
  return { set: mergeSchemas(schemas, sources, schemaFiles), diagnostics, rendered: text, errorCount, sources, absent };
}

/**
 * `sources` and `schemaFiles`: see SchemaSet. In-memory schemas may leave them out; each schema's
 * files are then the files its declarations name.
 */
export function mergeSchemas(
  schemas: readonly Schema[],
  sources: ReadonlyMap<string, string> = new Map(),
  schemaFiles?: readonly (readonly string[])[],
): SchemaSet {
  const objectByName = new Map<string, ObjectDef>();
  const enumByName = new Map<string, EnumDef>();
  const serviceByName = new Map<string, Service>();
  for (const s of schemas) {
    for (const o of s.objects) if (!objectByName.has(o.name)) objectByName.set(o.name, o);
    for (const e of s.enums) if (!enumByName.has(e.name)) enumByName.set(e.name, e);
    for (const v of s.services) if (!serviceByName.has(v.name)) serviceByName.set(v.name, v);
  }
  const byName = <T extends { readonly name: string }>(m: ReadonlyMap<string, T>): T[] =>
    [...m.values()].sort((a, b) => compareNames(a.name, b.name));
  return {
    objects: byName(objectByName),
    enums: byName(enumByName),
    services: byName(serviceByName),
    schemas,
    schemaFiles: schemaFiles ?? schemas.map((s) => declaringFiles(s)),
    sources,
    objectByName,
    enumByName,
  };
}

/** The files a schema's declarations were read from, in first-seen order. */
function declaringFiles(s: Schema): string[] {
  const files = new Set<string>();
  for (const d of [...s.objects, ...s.enums, ...s.services]) files.add(d.location.file);
  return [...files];
}
