import type { FieldPlan, ObjectPlan, ValuePlan } from '../../codegen/plan.js';
import { CodeWriter } from '../../codegen/writer.js';
import { docComments } from './docs.js';
import { enumDefaultValue, enumValueExpr } from './enums.js';
import { isZero, scalarLiteral } from './literals.js';
import { fieldNames, unionVariantNames, enumConstNames, type RustNaming } from './naming.js';
import { arm, call, chain, fieldDecl, fits, genericCall, signature, structLit } from './layout.js';
import { RustTypes } from './types.js';

/**
 * Tables: a zero-copy reader `XRef<'a>` over a verified table (`crate::runtime::Table`, whose
 * reads are bounds-checked: no `unsafe`), and an owned `X`
 * with `pack`/`encode`/`decode`. Owned field shapes: scalars as `T` (optional scalars
 * `Option<T>`), strings `Option<String>`, tables `Option<Box<T>>`, structs `Option<S>`, vectors
 * `Option<Vec<T>>` (absent and empty stay distinct); required ones drop the `Option`. Unions are
 * one Rust enum whose `None` is the absent value. Deprecated fields appear nowhere.
 */

interface Member {
  readonly plan: FieldPlan;
  readonly ident: string;
  readonly vt: string;
}

/** `open` (its last line opens the block), the body one level deeper, then `close`. */
export function openBlock(w: CodeWriter, open: readonly string[], body: () => void, close = '}'): void {
  w.all(open.slice(0, -1));
  w.block(open[open.length - 1] as string, body, close);
}

/** The `run_verifier` signature at impl level (always wider than max_width on one line). */
export const RUN_VERIFIER = signature(
  4,
  'fn run_verifier',
  ['v: &mut ::flatbuffers::Verifier', 'pos: usize'],
  ' -> Result<(), ::flatbuffers::InvalidFlatbuffer>',
);

/**
 * `prefix self.table.get(Self::VT_X)<elements>suffix` (a bounds-checked read through
 * `crate::runtime::Table::get`, its type inferred from the accessor's) as rustfmt prints the chain
 * at `indent`.
 */
function slotRead(indent: number, prefix: string, vt: string, elements: readonly string[], suffix: string): string[] {
  const lines = chain(indent, prefix, 'self.table', [`.get(Self::${vt})`, ...elements], suffix);
  const last = elements[elements.length - 1];
  if (lines.every((l) => fits(indent, l)) || last === undefined) return lines;
  // The last element wider than its own line (a long default path): rustfmt keeps the chain on
  // one line and breaks the last call's argument list open.
  const open = last.indexOf('(');
  const head = `${prefix}self.table.get(Self::${vt})${[...elements.slice(0, -1), last.slice(0, open + 1)].join('')}`;
  return [head, `    ${last.slice(open + 1, -1)},`, `)${suffix}`];
}

export class TableEmitter {
  private readonly types: RustTypes;

  constructor(
    private readonly names: RustNaming,
    private readonly module: string,
    /** file_identifier of tables that are a schema's root_type. */
    private readonly rootIdents: ReadonlyMap<string, string>,
  ) {
    this.types = new RustTypes(names, module);
  }

  /** Owned field type, Option-wrapped unless required (unions carry their own None). */
  private ownedType(p: FieldPlan): string {
    const v = p.value;
    if (v.kind === 'union') return this.types.owned(v);
    if (v.kind === 'scalar' || v.kind === 'enum')
      return p.optionalScalar ? `Option<${this.types.owned(v)}>` : this.types.owned(v);
    const inner = v.kind === 'table' ? `Box<${this.types.owned(v)}>` : this.types.owned(v);
    return p.required ? inner : `Option<${inner}>`;
  }

  /** Literal of a non-optional scalar or enum default. */
  private defaultExpr(p: FieldPlan): string {
    const v = p.value;
    const d = p.scalarDefault;
    if (d === null || d === undefined) throw new Error(`${p.field.name}: no scalar default`);
    if (v.kind === 'enum')
      return enumValueExpr(
        this.names,
        v.enumDef,
        BigInt(d as bigint | boolean),
        this.module,
        v.enumDef.isUnion ? 'tag' : 'owned',
      );
    if (v.kind === 'scalar') return scalarLiteral(d, v.scalar);
    throw new Error(`${p.field.name}: not a scalar`);
  }

  /** Whether the field's schema default is what `Default::default()` of its Rust type gives. */
  private defaultIsDerivable(p: FieldPlan): boolean {
    const v = p.value;
    if (p.optionalScalar) return true;
    if (v.kind === 'scalar') return isZero(p.scalarDefault as bigint | number | boolean);
    if (v.kind === 'enum') return BigInt(p.scalarDefault as bigint) === enumDefaultValue(v.enumDef);
    return true;
  }

  private ownedDefault(p: FieldPlan): string {
    const v = p.value;
    if (v.kind === 'scalar' || v.kind === 'enum') return p.optionalScalar ? 'None' : this.defaultExpr(p);
    if (v.kind === 'union' || p.required) return 'Default::default()';
    return 'None';
  }

  emit(plan: ObjectPlan): string {
    const o = plan.object;
    const t = this.names.of(o.name);
    const live = plan.fields.filter((f) => !f.deprecated);
    const fnames = fieldNames(live.map((f) => f.field));
    const members: Member[] = live.map((p) => {
      const n = fnames.get(p.field.name) as { ident: string; vt: string };
      return { plan: p, ident: n.ident, vt: n.vt };
    });
    const byName = new Map(members.map((m) => [m.plan.field.name, m]));
    // The owned type carries a union's discriminant inside its Rust enum.
    const ownedMembers = members.filter((m) => !(m.plan.field.type.base === 'UType' && m.plan.partner !== undefined));
    const w = new CodeWriter('    ');

    // Reader.
    w.all(docComments(o.documentation));
    w.line('///');
    w.line(`/// Zero-copy reader; the owned form is [\`${t.owned}\`].`);
    w.line('#[derive(Clone, Copy)]');
    w.block(`pub struct ${t.reader}<'a> {`, () => {
      // A table without fields never reads its table.
      if (members.length === 0) w.line('#[allow(dead_code)]');
      w.line("table: crate::runtime::Table<'a>,");
    });
    w.gap();
    if (members.length === 0) w.line(`impl<'a> ${t.reader}<'a> {}`);
    else
      w.block(`impl<'a> ${t.reader}<'a> {`, () => {
        for (const m of members) {
          w.line(`/// vtable offset of \`${m.plan.field.name}\`.`);
          w.line(`pub const ${m.vt}: ::flatbuffers::VOffsetT = ${m.plan.offset};`);
        }
        for (const m of members) {
          w.gap();
          this.emitAccessor(w, m, byName);
        }
      });
    w.gap();
    w.block(`impl<'a> crate::runtime::Read<'a> for ${t.reader}<'a> {`, () => {
      w.line('const SIZE: usize = 4;');
      w.gap();
      w.line('#[inline]');
      w.block("fn read(buf: &'a [u8], at: usize) -> Option<Self> {", () => {
        w.line('crate::runtime::Table::follow(buf, at).map(|table| Self { table })');
      });
    });
    w.gap();
    w.block(`impl ::flatbuffers::Verifiable for ${t.reader}<'_> {`, () => {
      w.line('#[inline]');
      openBlock(w, RUN_VERIFIER, () => {
        if (members.length === 0) w.line('v.visit_table(pos)?.finish();');
        else {
          w.line('v.visit_table(pos)?');
          w.indent(() => {
            for (const m of members) this.emitVerify(w, m, byName);
            w.line('.finish();');
          });
        }
        w.line('Ok(())');
      });
    });
    w.gap();
    w.block(`impl ::core::fmt::Debug for ${t.reader}<'_> {`, () => {
      w.line('/// Prints the owned form.');
      w.block("fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {", () => {
        w.line(`::core::fmt::Debug::fmt(&${t.owned}::from(*self), f)`);
      });
    });
    w.gap();

    // Owned.
    const deriveDefault = ownedMembers.every((m) => this.defaultIsDerivable(m.plan));
    w.all(docComments(o.documentation));
    w.line(`#[derive(Debug, Clone, PartialEq${deriveDefault ? ', Default' : ''})]`);
    if (ownedMembers.length === 0) w.line(`pub struct ${t.owned} {}`);
    else
      w.block(`pub struct ${t.owned} {`, () => {
        for (const m of ownedMembers) {
          w.all(docComments(m.plan.field.documentation));
          w.all(fieldDecl(4, `pub ${m.ident}`, this.ownedType(m.plan)));
        }
      });
    w.gap();
    if (!deriveDefault) {
      w.block(`impl Default for ${t.owned} {`, () => {
        w.line('/// The schema defaults.');
        w.block('fn default() -> Self {', () => {
          w.all(
            structLit(
              12,
              'Self ',
              ownedMembers.map((m) => `${m.ident}: ${this.ownedDefault(m.plan)}`),
              '',
            ),
          );
        });
      });
      w.gap();
    }
    w.block(`impl ${t.owned} {`, () => {
      this.emitPack(w, t.reader, ownedMembers, byName);
      w.gap();
      const ident = this.rootIdents.get(o.name);
      w.line(
        ident !== undefined
          ? `/// A finished buffer with this table as root (file identifier \`${ident}\`).`
          : '/// A finished buffer with this table as root.',
      );
      w.block('pub fn encode(&self) -> Vec<u8> {', () => {
        // Small start: most messages are far below the default 1 KiB, which is allocated and zeroed.
        w.line('self.encode_with_capacity(256)');
      });
      w.gap();
      w.line('/// `encode` with the builder starting at `capacity` bytes (a good guess saves regrowing it).');
      w.block('pub fn encode_with_capacity(&self, capacity: usize) -> Vec<u8> {', () => {
        w.line('let mut fbb = ::flatbuffers::FlatBufferBuilder::with_capacity(capacity);');
        w.line('self.encode_into(&mut fbb);');
        w.line('fbb.finished_data().to_vec()');
      });
      w.gap();
      w.line('/// `encode` into `fbb` (reset first; the buffer is `fbb.finished_data()`): a builder kept');
      w.line('/// between calls encodes without allocating.');
      w.block("pub fn encode_into(&self, fbb: &mut ::flatbuffers::FlatBufferBuilder<'_>) {", () => {
        w.line('fbb.reset();');
        w.line('let root = self.pack(fbb);');
        w.line(ident !== undefined ? `fbb.finish(root, Some(${JSON.stringify(ident)}));` : 'fbb.finish_minimal(root);');
      });
      w.gap();
      w.line('/// Verifies `bytes` (a finished buffer with this table as root), then copies it out.');
      w.block('pub fn decode(bytes: &[u8]) -> Result<Self, crate::DecodeError> {', () => {
        w.line(`let root: ${t.reader}<'_> = crate::runtime::root(bytes)?;`);
        w.line('Ok(root.into())');
      });
    });
    w.gap();
    w.block(`impl From<${t.reader}<'_>> for ${t.owned} {`, () => {
      w.block(`fn from(${ownedMembers.length === 0 ? '_r' : 'r'}: ${t.reader}<'_>) -> Self {`, () => {
        w.all(
          structLit(
            8,
            'Self ',
            ownedMembers.map((m) => this.fromReader(m).join('\n')),
            '',
          ),
        );
      });
    });
    return w.toString();
  }

  private emitAccessor(w: CodeWriter, m: Member, byName: ReadonlyMap<string, Member>): void {
    const p = m.plan;
    const v = p.value;
    w.all(docComments(p.field.documentation));
    w.line('#[inline]');
    if (v.kind === 'union') {
      const e = v.enumDef;
      const reader = this.names.path(e.name, 'reader', this.module);
      const tag = this.names.path(e.name, 'tag', this.module);
      const partner = byName.get(p.partner ?? '');
      if (!partner) throw new Error(`${p.field.name}: union without its _type field`);
      const variants = unionVariantNames(e.values);
      const consts = enumConstNames(e.values);
      openBlock(w, signature(4, `pub fn ${m.ident}`, ['&self'], ` -> ${reader}<'a>`), () => {
        w.block(`match self.${partner.ident}() {`, () => {
          w.all(arm(12, `${tag}::${consts[0]}`, `${reader}::None`));
          e.values.forEach((val, i) => {
            if (val.value === 0n) return;
            w.block(`${tag}::${consts[i]} => {`, () => {
              w.all(slotRead(16, 'let value = ', m.vt, [], ';'));
              w.all(call(16, 'value.map_or', [`${reader}::None`, `${reader}::${variants[i]}`], ''));
            });
          });
          w.line(`other => ${reader}::Unknown(other.0),`);
        });
      });
      return;
    }
    if (v.kind === 'scalar' || v.kind === 'enum') {
      const type = this.types.owned(v);
      if (p.optionalScalar) {
        openBlock(w, signature(4, `pub fn ${m.ident}`, ['&self'], ` -> Option<${type}>`), () => {
          w.all(slotRead(8, '', m.vt, [], ''));
        });
      } else {
        const d = this.defaultExpr(p);
        openBlock(w, signature(4, `pub fn ${m.ident}`, ['&self'], ` -> ${type}`), () => {
          w.all(slotRead(8, '', m.vt, [`.unwrap_or(${d})`], ''));
        });
      }
      return;
    }
    // Offsets and structs: Option even when required (the verifier guarantees Some).
    openBlock(w, signature(4, `pub fn ${m.ident}`, ['&self'], ` -> Option<${this.types.read(v)}>`), () => {
      w.all(slotRead(8, '', m.vt, [], ''));
    });
  }

  private emitVerify(w: CodeWriter, m: Member, byName: ReadonlyMap<string, Member>): void {
    const p = m.plan;
    const v = p.value;
    const name = JSON.stringify(p.field.name);
    if (p.field.type.base === 'UType' && p.partner !== undefined) return; // checked with its union
    if (v.kind === 'union') {
      const partner = byName.get(p.partner ?? '') as Member;
      const reader = this.names.path(v.enumDef.name, 'reader', this.module);
      const args = [
        JSON.stringify(partner.plan.field.name),
        `Self::${partner.vt}`,
        name,
        `Self::${m.vt}`,
        String(p.required),
        `${reader}::verify`,
      ];
      w.all(call(12, '.visit_union::<u8, _>', args, '?'));
      return;
    }
    const type = v.kind === 'scalar' || v.kind === 'enum' ? this.types.owned(v) : this.types.verify(v);
    w.all(genericCall(12, '.visit_field', type, [name, `Self::${m.vt}`, String(p.required)], '?'));
  }

  /** The struct literal field `<ident>: <expr>` turning reader field `r.<ident>()` into the owned field (lines). */
  private fromReader(m: Member): string[] {
    const p = m.plan;
    const v = p.value;
    const get = `.${m.ident}()`;
    const field = (...elems: string[]): string[] => chain(12, `${m.ident}: `, 'r', [get, ...elems], '');
    switch (v.kind) {
      case 'scalar':
      case 'enum':
        return field();
      case 'union':
        return field('.into()');
      case 'string':
        return p.required ? field('.unwrap_or_default()', '.to_owned()') : field('.map(str::to_owned)');
      case 'struct':
        return p.required ? field('.unwrap_or_default()') : field();
      case 'table':
        return p.required
          ? field('.map(|t| Box::new(t.into()))', '.unwrap_or_default()')
          : field('.map(|t| Box::new(t.into()))');
      case 'vector': {
        const e = v.element;
        const collect =
          e.kind === 'string'
            ? 'v.iter().map(str::to_owned).collect()'
            : e.kind === 'table'
              ? `v.iter().map(${this.types.owned(e)}::from).collect()`
              : 'v.iter().collect()';
        if (p.required) return field(`.map(|v| ${collect})`, '.unwrap_or_default()');
        const lines = field(`.map(|v| ${collect})`);
        // An element wider than its line (a long item path): rustfmt keeps the chain on the first
        // line and gives the closure a block, its body a chain of its own.
        if (lines.some((l) => !fits(12, l))) {
          const inner =
            e.kind === 'table' ? ['.iter()', `.map(${this.types.owned(e)}::from)`, '.collect()'] : undefined;
          if (inner)
            return [`${m.ident}: r${get}.map(|v| {`, ...chain(16, '', 'v', inner, '').map((l) => `    ${l}`), '})'];
        }
        return lines;
      }
      case 'array':
        throw new Error('arrays are struct-only');
    }
  }

  /** `pack`: children first (strings, vectors, tables, unions), then the table, widest fields first. */
  private emitPack(
    w: CodeWriter,
    reader: string,
    members: readonly Member[],
    byName: ReadonlyMap<string, Member>,
  ): void {
    w.line('/// Builds this table (children first) into `fbb` and returns its offset.');
    const sig = signature(
      4,
      "pub fn pack<'b>",
      ['&self', "fbb: &mut ::flatbuffers::FlatBufferBuilder<'b>"],
      ` -> ::flatbuffers::WIPOffset<${reader}<'b>>`,
    );
    openBlock(w, sig, () => {
      const children = members.filter((m) => isOffset(m.plan.value));
      for (const m of children) {
        const p = m.plan;
        const v = p.value;
        const self = `self.${m.ident}`;
        // A vector of strings or tables: its items first, then the vector (lines of a block body).
        const items = (place: string, vv: ValuePlan): string[] | undefined => {
          if (vv.kind !== 'vector' || (vv.element.kind !== 'string' && vv.element.kind !== 'table')) return undefined;
          const item = vv.element.kind === 'string' ? 'fbb.create_string(x)' : 'x.pack(fbb)';
          return [`let items: Vec<_> = ${place}.iter().map(|x| ${item}).collect();`, 'fbb.create_vector(&items)'];
        };
        const simple = (ref: string, place: string, vv: ValuePlan): string => {
          switch (vv.kind) {
            case 'string':
              return `fbb.create_string(${ref})`;
            case 'table':
              return `${place}.pack(fbb)`;
            case 'vector':
              // Structs and enums through `crate::runtime::Pushed` (the same bytes `create_vector` writes).
              return vv.element.kind === 'struct' || vv.element.kind === 'enum'
                ? `crate::runtime::create_vector(fbb, ${ref})`
                : `fbb.create_vector(${ref})`;
            default:
              throw new Error(`not an offset: ${vv.kind}`);
          }
        };
        if (v.kind === 'union') {
          w.all(chain(8, `let ${m.ident} = `, 'self', [`.${m.ident}`, '.pack(fbb)'], ';'));
        } else if (p.required) {
          const block = items(self, v);
          if (block) w.block(`let ${m.ident} = {`, () => w.all(block), '};');
          else if (v.kind === 'table') w.all(chain(8, `let ${m.ident} = `, 'self', [`.${m.ident}`, '.pack(fbb)'], ';'));
          else w.line(`let ${m.ident} = ${simple(`&${self}`, self, v)};`);
        } else {
          const block = items('x', v);
          if (block) w.block(`let ${m.ident} = ${self}.as_ref().map(|x| {`, () => w.all(block), '});');
          else
            w.all(
              chain(
                8,
                `let ${m.ident} = `,
                'self',
                [`.${m.ident}`, '.as_ref()', `.map(|x| ${simple('x', 'x', v)})`],
                ';',
              ),
            );
        }
      }
      w.line('let start = fbb.start_table();');
      const ordered = [...members].sort((a, b) => b.plan.inlineSize - a.plan.inlineSize);
      for (const m of ordered) {
        const p = m.plan;
        const v = p.value;
        const vt = `${reader}::${m.vt}`;
        if (v.kind === 'union') continue; // written below with its discriminant
        if (isOffset(v)) {
          if (p.required) w.all(call(8, 'fbb.push_slot_always', [vt, m.ident], ';'));
          else w.block(`if let Some(x) = ${m.ident} {`, () => w.all(call(12, 'fbb.push_slot_always', [vt, 'x'], ';')));
        } else if (v.kind === 'struct') {
          if (p.required) w.all(call(8, 'fbb.push_slot_always', [vt, `crate::runtime::Pushed(self.${m.ident})`], ';'));
          else
            w.block(`if let Some(x) = self.${m.ident} {`, () =>
              w.all(call(12, 'fbb.push_slot_always', [vt, 'crate::runtime::Pushed(x)'], ';')),
            );
        } else if (p.optionalScalar) {
          w.block(`if let Some(x) = self.${m.ident} {`, () =>
            w.all(call(12, `fbb.push_slot_always::<${slotType(v)}>`, [vt, slotValue(v, 'x')], ';')),
          );
        } else {
          const d = this.defaultExpr(p);
          const isFloat = v.kind === 'scalar' && (v.scalar === 'f32' || v.scalar === 'f64');
          // Floats compare by bits: -0.0 and NaN payloads are written, not folded into the default.
          const receiver = d.startsWith('-') ? `(${d})` : d;
          const differs =
            v.kind === 'scalar' && v.scalar === 'bool'
              ? d === 'true'
                ? `!self.${m.ident}`
                : `self.${m.ident}`
              : isFloat
                ? `self.${m.ident}.to_bits() != ${receiver}.to_bits()`
                : `self.${m.ident} != ${d}`;
          w.block(`if ${differs} {`, () =>
            w.all(call(12, `fbb.push_slot_always::<${slotType(v)}>`, [vt, slotValue(v, `self.${m.ident}`)], ';')),
          );
        }
      }
      for (const m of members) {
        if (m.plan.value.kind !== 'union') continue;
        const partner = byName.get(m.plan.partner ?? '');
        if (!partner) throw new Error(`${m.plan.field.name}: union without its _type field`);
        w.block(`if let Some(x) = ${m.ident} {`, () => {
          w.all(call(12, 'fbb.push_slot_always', [`${reader}::${m.vt}`, 'x'], ';'));
          w.all(call(12, 'fbb.push_slot_always', [`${reader}::${partner.vt}`, `self.${m.ident}.tag().0`], ';'));
        });
      }
      w.line('let end = fbb.end_table(start);');
      w.line('::flatbuffers::WIPOffset::new(end.value())');
    });
  }
}

/** The type a scalar or enum slot is pushed as: an enum as its underlying scalar (`.0`). */
function slotType(v: ValuePlan): string {
  if (v.kind === 'scalar' || v.kind === 'enum') return v.scalar;
  throw new Error(`not a scalar: ${v.kind}`);
}

/** The value `place` of a scalar or enum slot as `slotType` pushes it. */
function slotValue(v: ValuePlan, place: string): string {
  return v.kind === 'enum' ? `${place}.0` : place;
}

function isOffset(v: ValuePlan): boolean {
  return v.kind === 'string' || v.kind === 'table' || v.kind === 'vector' || v.kind === 'union';
}
