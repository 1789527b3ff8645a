import { UnsupportedError } from '../../codegen/backend.js';
import type { SchemaSet } from '../../codegen/schema-set.js';
import { modulePath } from './naming.js';

/**
 * Constructs the Rust backend rejects rather than emit code that would lose data (the shape of
 * flatc's own Rust support, see shared/notes/flatbuffers-idl.md §5).
 */
export function checkSupported(set: SchemaSet): void {
  for (const e of set.enums) {
    if (!e.isUnion) continue;
    if (e.underlying.base !== 'UType') {
      throw new UnsupportedError(
        e.location,
        `union ${e.name}: unions with an underlying type (union U : T) are not supported by the Rust generator`,
      );
    }
    for (const v of e.values) {
      if (v.value === 0n) continue;
      const o = v.unionType?.object !== undefined ? set.objectByName.get(v.unionType.object) : undefined;
      if (v.unionType?.base !== 'Obj' || !o || o.isStruct) {
        throw new UnsupportedError(
          v.location,
          `union ${e.name}: member ${v.name} is not a table; struct and string union members are not supported by the Rust generator`,
        );
      }
    }
  }
  for (const o of set.objects) {
    for (const f of o.fields) {
      if (f.deprecated) continue;
      const where = `${o.name}.${f.name}`;
      if (f.type.base === 'Vector' && f.type.element === 'Union') {
        throw new UnsupportedError(f.location, `${where}: vectors of unions are not supported by the Rust generator`);
      }
      if (f.attributes.some((a) => a.key === 'offset64')) {
        throw new UnsupportedError(
          f.location,
          `${where}: 64-bit offsets (offset64) are not supported by the Rust generator`,
        );
      }
      if (f.default.kind === 'string' || f.default.kind === 'emptyVector') {
        throw new UnsupportedError(
          f.location,
          `${where}: string and vector defaults are not supported by the Rust generator`,
        );
      }
    }
  }
  // Two namespaces that differ only in case would share one Rust module.
  const modules = new Map<string, string>();
  for (const d of [...set.objects, ...set.enums]) {
    const ns = d.namespace.join('.');
    const m = modulePath(d.namespace).join('::');
    const other = modules.get(m);
    if (other !== undefined && other !== ns) {
      throw new UnsupportedError(d.location, `namespaces ${other} and ${ns} map to the same Rust module ${m}`);
    }
    modules.set(m, ns);
  }
}
