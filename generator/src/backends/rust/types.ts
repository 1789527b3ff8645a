import type { ValuePlan } from '../../codegen/plan.js';
import type { RustNaming } from './naming.js';

/**
 * Rust type spellings of plan values, in the three roles a value plays: the owned type, the type
 * the verifier checks a slot or element as (`flatbuffers` types), and what a reader returns (read
 * through `crate::runtime::Read`, bounds-checked).
 */
export class RustTypes {
  constructor(
    private readonly names: RustNaming,
    /** Module the code is printed in (types of other modules are written as `crate::...`). */
    private readonly module: string,
  ) {}

  /** The owned element type of a value (no Option wrapping). */
  owned(v: ValuePlan): string {
    switch (v.kind) {
      case 'scalar':
        return v.scalar;
      case 'enum':
        return this.names.path(v.enumDef.name, v.enumDef.isUnion ? 'tag' : 'owned', this.module);
      case 'string':
        return 'String';
      case 'struct':
      case 'table':
        return this.names.path(v.object.name, 'owned', this.module);
      case 'union':
        return this.names.path(v.enumDef.name, 'owned', this.module);
      case 'vector':
        return `Vec<${this.owned(v.element)}>`;
      case 'array':
        return `[${this.owned(v.element)}; ${v.length}]`;
    }
  }

  /** The `flatbuffers` type a table slot or vector element is verified as (`'a` lifetimes). */
  private follow(v: ValuePlan): string {
    switch (v.kind) {
      case 'scalar':
        return v.scalar;
      case 'enum':
        return this.names.path(v.enumDef.name, v.enumDef.isUnion ? 'tag' : 'owned', this.module);
      case 'string':
        return "::flatbuffers::ForwardsUOffset<&'a str>";
      case 'struct':
        return this.names.path(v.object.name, 'wire', this.module);
      case 'table':
        return `::flatbuffers::ForwardsUOffset<${this.names.path(v.object.name, 'reader', this.module)}<'a>>`;
      case 'vector':
        return `::flatbuffers::ForwardsUOffset<::flatbuffers::Vector<'a, ${this.follow(v.element)}>>`;
      case 'union':
      case 'array':
        throw new Error(`no Follow type for ${v.kind}`);
    }
  }

  /** `follow(v)` with the `'a` lifetime elided, for verifier type arguments. */
  verify(v: ValuePlan): string {
    return this.follow(v)
      .replaceAll("<'a>", "<'_>")
      .replaceAll("&'a str", '&str')
      .replaceAll("Vector<'a,", "Vector<'_,");
  }

  /** What a reader reads a slot or vector element as (a `crate::runtime::Read` type). */
  read(v: ValuePlan): string {
    switch (v.kind) {
      case 'string':
        return "&'a str";
      case 'struct':
        return this.names.path(v.object.name, 'owned', this.module);
      case 'table':
        return `${this.names.path(v.object.name, 'reader', this.module)}<'a>`;
      case 'vector':
        return `crate::runtime::Vector<'a, ${this.read(v.element)}>`;
      default:
        return this.follow(v);
    }
  }
}
