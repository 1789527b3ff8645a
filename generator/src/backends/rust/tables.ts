import type { FieldPlan, ObjectPlan, ValuePlan } from '../../codegen/plan.js';
import { CodeWriter } from '../../codegen/writer.js';
import { docComments } from './docs.js';
import { enumDefaultValue, enumValueExpr } from './enums.js';
import { isZero, scalarLiteral } from './literals.js';
import { fieldNames, unionVariantNames, enumConstNames, type RustNaming } from './naming.js';
import { RustTypes } from './types.js';

/**
 * Tables: a zero-copy reader `XRef<'a>` over a verified `flatbuffers::Table`, and an owned `X`
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

const SAFETY_SLOT = (table: string): string =>
  `// SAFETY: \`self.table\` is a verified \`${table}\` (see \`Follow\`); the slot has the schema's type.`;

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
    if (v.kind === 'scalar' || v.kind === 'enum') return p.optionalScalar ? `Option<${this.types.owned(v)}>` : this.types.owned(v);
    const inner = v.kind === 'table' ? `Box<${this.types.owned(v)}>` : this.types.owned(v);
    return p.required ? inner : `Option<${inner}>`;
  }

  /** Literal of a non-optional scalar or enum default. */
  private defaultExpr(p: FieldPlan): string {
    const v = p.value;
    const d = p.scalarDefault;
    if (d === null || d === undefined) throw new Error(`${p.field.name}: no scalar default`);
    if (v.kind === 'enum') return enumValueExpr(this.names, v.enumDef, BigInt(d as bigint | boolean), this.module, v.enumDef.isUnion ? 'tag' : 'owned');
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
      w.line("table: ::flatbuffers::Table<'a>,");
    });
    w.gap();
    w.block(`impl<'a> ${t.reader}<'a> {`, () => {
      for (const m of members) {
        w.line(`/// vtable offset of \`${m.plan.field.name}\`.`);
        w.line(`pub const ${m.vt}: ::flatbuffers::VOffsetT = ${m.plan.offset};`);
      }
      for (const m of members) {
        w.gap();
        this.emitAccessor(w, m, o.shortName, byName);
      }
    });
    w.gap();
    w.block(`impl<'a> ::flatbuffers::Follow<'a> for ${t.reader}<'a> {`, () => {
      w.line('type Inner = Self;');
      w.line('#[inline]');
      w.block("unsafe fn follow(buf: &'a [u8], loc: usize) -> Self {", () => {
        w.block('Self {', () => {
          w.line('// SAFETY: the caller guarantees a verified table of this type at `loc`.');
          w.line('table: unsafe { ::flatbuffers::Table::new(buf, loc) },');
        });
      });
    });
    w.gap();
    w.block(`impl ::flatbuffers::Verifiable for ${t.reader}<'_> {`, () => {
      w.line('#[inline]');
      w.block('fn run_verifier(v: &mut ::flatbuffers::Verifier, pos: usize) -> Result<(), ::flatbuffers::InvalidFlatbuffer> {', () => {
        w.line('v.visit_table(pos)?');
        w.indent(() => {
          for (const m of members) this.emitVerify(w, m, byName);
          w.line('.finish();');
        });
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
    w.block(`pub struct ${t.owned} {`, () => {
      for (const m of ownedMembers) {
        w.all(docComments(m.plan.field.documentation));
        w.line(`pub ${m.ident}: ${this.ownedType(m.plan)},`);
      }
    });
    w.gap();
    if (!deriveDefault) {
      w.block(`impl Default for ${t.owned} {`, () => {
        w.line('/// The schema defaults.');
        w.block('fn default() -> Self {', () => {
          w.block('Self {', () => {
            for (const m of ownedMembers) w.line(`${m.ident}: ${this.ownedDefault(m.plan)},`);
          });
        });
      });
      w.gap();
    }
    w.block(`impl ${t.owned} {`, () => {
      this.emitPack(w, t.reader, ownedMembers, byName);
      w.gap();
      const ident = this.rootIdents.get(o.name);
      w.line(ident !== undefined ? `/// A finished buffer with this table as root (file identifier \`${ident}\`).` : '/// A finished buffer with this table as root.');
      w.block('pub fn encode(&self) -> Vec<u8> {', () => {
        w.line('let mut fbb = ::flatbuffers::FlatBufferBuilder::new();');
        w.line('let root = self.pack(&mut fbb);');
        w.line(ident !== undefined ? `fbb.finish(root, Some(${JSON.stringify(ident)}));` : 'fbb.finish_minimal(root);');
        w.line('fbb.finished_data().to_vec()');
      });
      w.gap();
      w.line('/// Verifies `bytes` (a finished buffer with this table as root), then copies it out.');
      w.block('pub fn decode(bytes: &[u8]) -> Result<Self, crate::DecodeError> {', () => {
        w.line(`Ok(::flatbuffers::root::<${t.reader}<'_>>(bytes)?.into())`);
      });
    });
    w.gap();
    w.block(`impl From<${t.reader}<'_>> for ${t.owned} {`, () => {
      w.block(`fn from(${ownedMembers.length === 0 ? '_r' : 'r'}: ${t.reader}<'_>) -> Self {`, () => {
        w.block('Self {', () => {
          for (const m of ownedMembers) w.line(`${m.ident}: ${this.fromReader(m)},`);
        });
      });
    });
    return w.toString();
  }

  private emitAccessor(w: CodeWriter, m: Member, table: string, byName: ReadonlyMap<string, Member>): void {
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
      w.block(`pub fn ${m.ident}(&self) -> ${reader}<'a> {`, () => {
        w.block(`match self.${partner.ident}() {`, () => {
          w.line(`${tag}::${consts[0]} => ${reader}::None,`);
          e.values.forEach((val, i) => {
            if (val.value === 0n) return;
            const object = val.unionType?.object ?? '';
            w.block(`${tag}::${consts[i]} => {`, () => {
              w.line(SAFETY_SLOT(table));
              w.line(
                `let value = unsafe { self.table.get::<::flatbuffers::ForwardsUOffset<${this.names.path(object, 'reader', this.module)}<'a>>>(Self::${m.vt}, None) };`,
              );
              w.line(`value.map_or(${reader}::None, ${reader}::${variants[i]})`);
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
        w.block(`pub fn ${m.ident}(&self) -> Option<${type}> {`, () => {
          w.line(SAFETY_SLOT(table));
          w.line(`unsafe { self.table.get::<${type}>(Self::${m.vt}, None) }`);
        });
      } else {
        const d = this.defaultExpr(p);
        w.block(`pub fn ${m.ident}(&self) -> ${type} {`, () => {
          w.line(SAFETY_SLOT(table));
          w.line(`unsafe { self.table.get::<${type}>(Self::${m.vt}, Some(${d})) }.unwrap_or(${d})`);
        });
      }
      return;
    }
    // Offsets and structs: Option even when required (the verifier guarantees Some).
    w.block(`pub fn ${m.ident}(&self) -> Option<${this.types.read(v)}> {`, () => {
      w.line(SAFETY_SLOT(table));
      w.line(`unsafe { self.table.get::<${this.types.follow(v)}>(Self::${m.vt}, None) }`);
    });
  }

  private emitVerify(w: CodeWriter, m: Member, byName: ReadonlyMap<string, Member>): void {
    const p = m.plan;
    const v = p.value;
    const name = JSON.stringify(p.field.name);
    if (p.field.type.base === 'UType' && p.partner !== undefined) return; // checked with its union
    if (v.kind === 'union') {
      const partner = byName.get(p.partner ?? '') as Member;
      const tag = this.names.path(v.enumDef.name, 'tag', this.module);
      const consts = enumConstNames(v.enumDef.values);
      w.line(
        `.visit_union::<${tag}, _>(${JSON.stringify(partner.plan.field.name)}, Self::${partner.vt}, ${name}, Self::${m.vt}, ${p.required}, |key, v, pos| match key {`,
      );
      w.indent(() => {
        v.enumDef.values.forEach((val, i) => {
          if (val.value === 0n) return;
          const reader = this.names.path(val.unionType?.object ?? '', 'reader', this.module);
          w.line(
            `${tag}::${consts[i]} => v.verify_union_variant::<::flatbuffers::ForwardsUOffset<${reader}<'_>>>(${JSON.stringify(`${v.enumDef.shortName}::${val.name}`)}, pos),`,
          );
        });
        w.line('_ => Ok(()),');
      });
      w.line('})?');
      return;
    }
    const type = v.kind === 'scalar' || v.kind === 'enum' ? this.types.owned(v) : this.types.verify(v);
    w.line(`.visit_field::<${type}>(${name}, Self::${m.vt}, ${p.required})?`);
  }

  /** Expression turning reader field `r.<ident>()` into the owned field. */
  private fromReader(m: Member): string {
    const p = m.plan;
    const v = p.value;
    const get = `r.${m.ident}()`;
    switch (v.kind) {
      case 'scalar':
      case 'enum':
        return get;
      case 'union':
        return `${get}.into()`;
      case 'string':
        return p.required ? `${get}.unwrap_or_default().to_owned()` : `${get}.map(str::to_owned)`;
      case 'struct':
        return p.required ? `${get}.unwrap_or_default()` : get;
      case 'table':
        return p.required ? `Box::new(${get}.map(Into::into).unwrap_or_default())` : `${get}.map(|t| Box::new(t.into()))`;
      case 'vector': {
        const e = v.element;
        const collect =
          e.kind === 'string'
            ? 'v.iter().map(str::to_owned).collect()'
            : e.kind === 'table'
              ? `v.iter().map(${this.types.owned(e)}::from).collect()`
              : 'v.iter().collect()';
        return p.required ? `${get}.map(|v| ${collect}).unwrap_or_default()` : `${get}.map(|v| ${collect})`;
      }
      case 'array':
        throw new Error('arrays are struct-only');
    }
  }

  /** `pack`: children first (strings, vectors, tables, unions), then the table, widest fields first. */
  private emitPack(w: CodeWriter, reader: string, members: readonly Member[], byName: ReadonlyMap<string, Member>): void {
    w.line('/// Builds this table (children first) into `fbb` and returns its offset.');
    w.block(`pub fn pack<'b>(&self, fbb: &mut ::flatbuffers::FlatBufferBuilder<'b>) -> ::flatbuffers::WIPOffset<${reader}<'b>> {`, () => {
      const children = members.filter((m) => isOffset(m.plan.value));
      for (const m of children) {
        const p = m.plan;
        const v = p.value;
        const self = `self.${m.ident}`;
        // `ref` is a reference to the owned value, `place` the value itself (for method calls).
        const build = (ref: string, place: string, vv: ValuePlan): string => {
          switch (vv.kind) {
            case 'string':
              return `fbb.create_string(${ref})`;
            case 'table':
              return `${place}.pack(fbb)`;
            case 'vector': {
              const e = vv.element;
              if (e.kind === 'string' || e.kind === 'table') {
                const item = e.kind === 'string' ? 'fbb.create_string(x)' : 'x.pack(fbb)';
                return `{ let items: Vec<_> = ${place}.iter().map(|x| ${item}).collect(); fbb.create_vector(&items) }`;
              }
              return `fbb.create_vector(${ref})`;
            }
            default:
              throw new Error(`not an offset: ${vv.kind}`);
          }
        };
        if (v.kind === 'union') w.line(`let ${m.ident} = ${self}.pack(fbb);`);
        else if (p.required) w.line(`let ${m.ident} = ${build(`&${self}`, self, v)};`);
        else w.line(`let ${m.ident} = ${self}.as_ref().map(|x| ${build('x', 'x', v)});`);
      }
      w.line('let start = fbb.start_table();');
      const ordered = [...members].sort((a, b) => b.plan.inlineSize - a.plan.inlineSize);
      for (const m of ordered) {
        const p = m.plan;
        const v = p.value;
        const vt = `${reader}::${m.vt}`;
        if (v.kind === 'union') continue; // written below with its discriminant
        if (isOffset(v)) {
          if (p.required) w.line(`fbb.push_slot_always(${vt}, ${m.ident});`);
          else w.block(`if let Some(x) = ${m.ident} {`, () => w.line(`fbb.push_slot_always(${vt}, x);`));
        } else if (v.kind === 'struct') {
          if (p.required) w.line(`fbb.push_slot_always(${vt}, self.${m.ident});`);
          else w.block(`if let Some(x) = self.${m.ident} {`, () => w.line(`fbb.push_slot_always(${vt}, x);`));
        } else if (p.optionalScalar) {
          w.block(`if let Some(x) = self.${m.ident} {`, () => w.line(`fbb.push_slot_always::<${this.types.owned(v)}>(${vt}, x);`));
        } else {
          const d = this.defaultExpr(p);
          const isFloat = v.kind === 'scalar' && (v.scalar === 'f32' || v.scalar === 'f64');
          // Floats compare by bits: -0.0 and NaN payloads are written, not folded into the default.
          const receiver = d.startsWith('-') ? `(${d})` : d;
          const differs =
            v.kind === 'scalar' && v.scalar === 'bool'
              ? (d === 'true' ? `!self.${m.ident}` : `self.${m.ident}`)
              : isFloat ? `self.${m.ident}.to_bits() != ${receiver}.to_bits()` : `self.${m.ident} != ${d}`;
          w.block(`if ${differs} {`, () => w.line(`fbb.push_slot_always::<${this.types.owned(v)}>(${vt}, self.${m.ident});`));
        }
      }
      for (const m of members) {
        if (m.plan.value.kind !== 'union') continue;
        const partner = byName.get(m.plan.partner ?? '');
        if (!partner) throw new Error(`${m.plan.field.name}: union without its _type field`);
        w.block(`if let Some(x) = ${m.ident} {`, () => {
          w.line(`fbb.push_slot_always(${reader}::${m.vt}, x);`);
          w.line(`fbb.push_slot_always(${reader}::${partner.vt}, self.${m.ident}.tag());`);
        });
      }
      w.line('let end = fbb.end_table(start);');
      w.line('::flatbuffers::WIPOffset::new(end.value())');
    });
  }
}

function isOffset(v: ValuePlan): boolean {
  return v.kind === 'string' || v.kind === 'table' || v.kind === 'vector' || v.kind === 'union';
}
