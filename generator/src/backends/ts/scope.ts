import { underscoreFree } from '../../codegen/naming.js';
import { TsImports } from '../../codegen/writer.js';
import { importPath, safeIdent, type DeclNames, type ModuleNames, type NameTable } from './naming.js';

/** Path of the generated runtime module, relative to `ts/`. */
export const RUNTIME_MODULE = '_runtime.ts';
/** Alias of the runtime import: `$` cannot occur in a schema identifier, so it never collides. */
export const RT = '$rt';

/**
 * One namespace module being printed: resolves references to declarations (local, or through a
 * namespace import of the declaring module) and collects the imports that need.
 */
export class ModuleScope {
  readonly imports = new TsImports();
  private readonly aliases = new Map<string, string>();

  constructor(
    readonly module: ModuleNames,
    readonly names: NameTable,
  ) {}

  /** The runtime module's alias, importing it. */
  rt(): string {
    return this.imports.namespace(importPath(this.module.path, RUNTIME_MODULE), RT);
  }

  decl(qualifiedName: string): DeclNames {
    return this.names.decl(qualifiedName);
  }

  /** `member` (a name of `d`'s module) as seen from this module. */
  ref(d: DeclNames, member: string): string {
    if (d.module === this.module) return member;
    return `${this.aliasOf(d.module)}.${member}`;
  }

  private aliasOf(m: ModuleNames): string {
    let a = this.aliases.get(m.path);
    if (a === undefined) {
      const taken = new Set(this.aliases.values());
      a = underscoreFree(safeIdent(m.alias), (n) => this.module.declared.has(n) || taken.has(n));
      this.aliases.set(m.path, a);
      this.imports.namespace(importPath(this.module.path, m.path), a);
    }
    return a;
  }
}
