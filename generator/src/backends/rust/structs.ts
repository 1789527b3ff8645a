import type { ObjectPlan, ValuePlan } from '../../codegen/plan.js';
import { SCALAR_SIZE } from '../../codegen/plan.js';
import { CodeWriter } from '../../codegen/writer.js';
import { docComments } from './docs.js';
import { fieldNames, type RustNaming } from './naming.js';
import { fieldDecl, fits, structLit } from './layout.js';
import { openBlock, RUN_VERIFIER } from './tables.js';
import { RustTypes } from './types.js';

/**
 * Structs: an owned `Copy` type with pub fields, converted to and from its `[u8; N]` wire form at
 * the plan's byte offsets (little-endian, padding zeroed). Table slots and vectors read the owned
 * type in place (`crate::runtime::Read`, bounds-checked, no pointer casts); the wire newtype is
 * what the verifier checks and the builder's `crate::runtime::Pushed` writes.
 */

/** Byte size of one element of a struct member. */
function elementSize(v: ValuePlan): number {
  switch (v.kind) {
    case 'scalar':
    case 'enum':
      return SCALAR_SIZE[v.scalar];
    case 'struct':
      return v.object.bytesize;
    default:
      throw new Error(`not a struct member element: ${v.kind}`);
  }
}

/** `base + i * size` without identity operations (clippy). */
function indexExpr(base: number, size: number): string {
  const scaled = size === 1 ? 'i' : `i * ${size}`;
  return base === 0 ? scaled : `${base} + ${scaled}`;
}

/** Whether the struct's `from_wire` reads a member through `crate::wire_bytes` (every member but a `bool`). */
export function usesWireBytes(plan: ObjectPlan): boolean {
  return plan.fields.some((f) => {
    const v = f.value.kind === 'array' ? f.value.element : f.value;
    return !(v.kind === 'scalar' && v.scalar === 'bool');
  });
}

export class StructEmitter {
  private readonly types: RustTypes;

  constructor(
    private readonly names: RustNaming,
    private readonly module: string,
  ) {
    this.types = new RustTypes(names, module);
  }

  /** Expression reading element `v` from `b` at the byte offset expression `at`. */
  private read(v: ValuePlan, at: string): string {
    switch (v.kind) {
      case 'scalar':
        return v.scalar === 'bool' ? `b[${at}] != 0` : `${v.scalar}::from_le_bytes(crate::wire_bytes(b, ${at}))`;
      case 'enum':
        return `${this.types.owned(v)}(${v.scalar}::from_le_bytes(crate::wire_bytes(b, ${at})))`;
      case 'struct':
        return `${this.types.owned(v)}::from_wire(&crate::wire_bytes(b, ${at}))`;
      default:
        throw new Error(`not a struct member: ${v.kind}`);
    }
  }

  /** Statement writing element `value` (an expression) of kind `v` into `b` at `at`. */
  private write(v: ValuePlan, value: string, at: string, end: string): string {
    switch (v.kind) {
      case 'scalar':
        return v.scalar === 'bool'
          ? `b[${at}] = u8::from(${value});`
          : `b[${at}..${end}].copy_from_slice(&${value}.to_le_bytes());`;
      case 'enum':
        return `b[${at}..${end}].copy_from_slice(&${value}.0.to_le_bytes());`;
      case 'struct':
        return `b[${at}..${end}].copy_from_slice(&${value}.to_wire());`;
      default:
        throw new Error(`not a struct member: ${v.kind}`);
    }
  }

  emit(plan: ObjectPlan): string {
    const o = plan.object;
    const t = this.names.of(o.name);
    const n = o.bytesize;
    const fields = plan.fields;
    const idents = fieldNames(fields.map((f) => f.field));
    const ident = (name: string): string => idents.get(name)?.ident ?? name;
    // [T; N]: Default only exists up to N = 32.
    const deriveDefault = fields.every((f) => f.value.kind !== 'array' || f.value.length <= 32);
    const w = new CodeWriter('    ');
    w.all(docComments(o.documentation));
    w.line(`#[derive(Debug, Clone, Copy, PartialEq${deriveDefault ? ', Default' : ''})]`);
    w.block(`pub struct ${t.owned} {`, () => {
      for (const f of fields) {
        w.all(docComments(f.field.documentation));
        w.all(fieldDecl(4, `pub ${ident(f.field.name)}`, this.types.owned(f.value)));
      }
    });
    w.gap();
    if (!deriveDefault) {
      w.block(`impl Default for ${t.owned} {`, () => {
        w.block('fn default() -> Self {', () => {
          w.block('Self {', () => {
            for (const f of fields) {
              const v = f.value;
              const d = v.kind === 'array' ? `[Default::default(); ${v.length}]` : 'Default::default()';
              w.line(`${ident(f.field.name)}: ${d},`);
            }
          });
        });
      });
      w.gap();
    }
    w.line(`/// Wire form of [\`${t.owned}\`]: its ${n} bytes as laid out in a buffer.`);
    w.line('#[derive(Debug, Clone, Copy, PartialEq, Eq)]');
    w.line('#[repr(transparent)]');
    w.line(`pub struct ${t.wire}(pub [u8; ${n}]);`);
    w.gap();
    w.block(`impl ${t.owned} {`, () => {
      w.line('/// Size in a buffer, in bytes.');
      w.line(`pub const WIRE_SIZE: usize = ${n};`);
      w.line('/// Alignment in a buffer, in bytes.');
      w.line(`pub const WIRE_ALIGN: usize = ${o.minalign};`);
      w.gap();
      w.line('/// Reads the struct from its little-endian wire bytes.');
      w.block(`pub fn from_wire(${fields.length === 0 ? '_b' : 'b'}: &[u8; ${n}]) -> Self {`, () => {
        w.block('Self {', () => {
          for (const f of fields) {
            const v = f.value;
            const body = v.kind === 'array' ? this.read(v.element, indexExpr(f.offset, elementSize(v.element))) : '';
            const expr = v.kind === 'array' ? `::core::array::from_fn(|i| ${body})` : this.read(v, String(f.offset));
            const name = ident(f.field.name);
            // rustfmt: the field on one line; else an array's closure as a block (a struct literal
            // field keeps its value on its line when it can be broken there); else the value alone
            // on the next line.
            if (fits(12, `${name}: ${expr},`)) w.line(`${name}: ${expr},`);
            else if (v.kind === 'array') w.all([`${name}: ::core::array::from_fn(|i| {`, `    ${body}`, '}),']);
            else if (fits(16, `${expr},`)) w.all([`${name}:`, `    ${expr},`]);
            else w.line(`${name}: ${expr},`);
          }
        });
      });
      w.gap();
      w.line('/// The little-endian wire bytes, padding zeroed.');
      w.block(`pub fn to_wire(self) -> [u8; ${n}] {`, () => {
        w.line(`${fields.length === 0 ? 'let' : 'let mut'} b = [0u8; ${n}];`);
        for (const f of fields) {
          const v = f.value;
          const name = ident(f.field.name);
          if (v.kind === 'array') {
            const size = elementSize(v.element);
            w.block(`for (i, v) in self.${name}.into_iter().enumerate() {`, () => {
              w.line(`let at = ${indexExpr(f.offset, size)};`);
              w.line(this.write(v.element, 'v', 'at', `at + ${size}`));
            });
          } else {
            w.line(this.write(v, `self.${name}`, String(f.offset), String(f.offset + f.inlineSize)));
          }
        }
        w.line('b');
      });
    });
    w.gap();
    w.block(`impl<'a> crate::runtime::Read<'a> for ${t.owned} {`, () => {
      w.line(`const SIZE: usize = ${n};`);
      w.gap();
      w.line('#[inline]');
      w.block("fn read(buf: &'a [u8], at: usize) -> Option<Self> {", () => {
        w.line(`buf.get(at..)?.first_chunk::<${n}>().map(Self::from_wire)`);
      });
    });
    w.gap();
    w.block(`impl ::flatbuffers::Verifiable for ${t.wire} {`, () => {
      w.line('#[inline]');
      openBlock(w, RUN_VERIFIER, () => {
        w.line('v.in_buffer::<Self>(pos)');
      });
    });
    w.gap();
    w.line(`impl ::flatbuffers::SimpleToVerifyInSlice for ${t.wire} {}`);
    w.gap();
    w.block(`impl crate::runtime::Inline for ${t.owned} {`, () => {
      w.line(`type Wire = ${t.wire};`);
      w.line(`const ALIGN: usize = ${o.minalign};`);
      w.gap();
      w.line('#[inline]');
      w.block('fn write_wire(&self, dst: &mut [u8]) {', () => {
        w.line(`dst[..${n}].copy_from_slice(&self.to_wire());`);
      });
    });
    return w.toString();
  }
}
