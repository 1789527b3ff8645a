import type { Templates } from '../../codegen/templates.js';
import { SCALAR_OF, SCALAR_SIZE, type ScalarKind } from '../../codegen/plan.js';
import type { EnumDef } from '../../ir/model.js';
import { CodeWriter } from '../../codegen/writer.js';
import { docLines } from './docs.js';
import { ARRAY_WIDTH, arm, fits, genericCall, signature, tupleVariant } from './layout.js';
import { scalarLiteral } from './literals.js';
import { enumConstNames, unionVariantNames, type RustNaming } from './naming.js';

/** Enums and bit_flags enums as newtypes; unions as a discriminant newtype plus two Rust enums. */

export function enumScalar(e: EnumDef): ScalarKind {
  const s = SCALAR_OF[e.underlying.base];
  if (s === undefined || s === 'bool' || s === 'f32' || s === 'f64')
    throw new Error(`enum ${e.name}: bad underlying type`);
  return s;
}

/** The value `Default` gives: zero when declared (or for flags), else the first declared value. */
export function enumDefaultValue(e: EnumDef): bigint {
  if (e.bitFlags || e.isUnion || e.values.some((v) => v.value === 0n)) return 0n;
  return e.values[0]?.value ?? 0n;
}

/**
 * An enum value as a Rust expression seen from `module`: the named const when the schema declares
 * it, else the newtype around the number (bit_flags combinations, undeclared defaults).
 */
export function enumValueExpr(
  names: RustNaming,
  e: EnumDef,
  value: bigint,
  module: string,
  which: 'owned' | 'tag' = 'owned',
): string {
  const type = names.path(e.name, which, module);
  const idents = enumConstNames(e.values);
  const i = e.values.findIndex((v) => v.value === value);
  return i >= 0 ? `${type}::${idents[i]}` : `${type}(${scalarLiteral(value, enumScalar(e))})`;
}

/** The newtype of an enum (or of a union's discriminant), from the `enum.rs.hbs` template. */
export function emitEnumNewtype(templates: Templates, names: RustNaming, e: EnumDef): string {
  const t = names.of(e.name);
  const scalar = enumScalar(e);
  const idents = enumConstNames(e.values);
  const def = enumDefaultValue(e);
  // The bit_flags `Debug` loop header, its array as rustfmt lays it out (array_width 60).
  const flags = e.values.map((v) => `(${scalarLiteral(v.value, scalar)}, "${v.name}")`);
  const head = '        for (bit, name) in ';
  const flagsLoop =
    flags.join(', ').length <= ARRAY_WIDTH && fits(0, `${head}[${flags.join(', ')}] {`)
      ? `${head}[${flags.join(', ')}] {`
      : [`${head}[`, ...flags.map((f) => `            ${f},`), '        ] {'].join('\n');
  return templates.render('rust/enum.rs.hbs', {
    flagsLoop,
    docs: e.isUnion ? [` Discriminant of the union [\`${t.owned}\`].`] : docLines(e.documentation),
    name: e.isUnion ? t.tag : t.owned,
    repr: scalar,
    size: SCALAR_SIZE[scalar],
    bitFlags: e.bitFlags,
    deriveDefault: def === 0n,
    defaultLiteral: scalarLiteral(def, scalar),
    values: e.values.map((v, i) => ({
      ident: idents[i],
      literal: scalarLiteral(v.value, scalar),
      schemaName: v.name,
      docs: docLines(v.documentation),
    })),
  });
}

/** The owned and reader Rust enums of a union whose members are all tables. */
export function emitUnionEnums(names: RustNaming, e: EnumDef, module: string): string {
  const t = names.of(e.name);
  const variants = unionVariantNames(e.values);
  const idents = enumConstNames(e.values);
  const members = e.values
    .map((v, i) => ({ v, variant: variants[i] as string, ident: idents[i] as string }))
    .filter((m) => m.v.value !== 0n);
  const objectOf = (m: (typeof members)[number]): string => m.v.unionType?.object ?? '';
  const w = new CodeWriter('    ');
  w.all(docLines(e.documentation).map((d) => `///${d}`));
  w.line('///');
  w.line(`/// Owned form; the discriminant is [\`${t.tag}\`].`);
  w.line('#[derive(Debug, Clone, PartialEq, Default)]');
  w.block(`pub enum ${t.owned} {`, () => {
    w.line('/// No value (`NONE`).');
    w.line('#[default]');
    w.line('None,');
    for (const m of members) {
      w.all(docLines(m.v.documentation).map((d) => `///${d}`));
      w.all(tupleVariant(4, m.variant, `Box<${names.path(objectOf(m), 'owned', module)}>`));
    }
    w.line('/// A member this code does not know (a newer schema). Its value cannot be re-encoded:');
    w.line('/// `pack` writes neither the value nor the discriminant.');
    w.line('Unknown(u8),');
  });
  w.gap();
  w.block(`impl ${t.owned} {`, () => {
    w.line('/// The discriminant of this value.');
    w.block(`pub fn tag(&self) -> ${t.tag} {`, () => {
      w.block('match self {', () => {
        w.line(`Self::None => ${t.tag}::${idents[0]},`);
        for (const m of members) w.all(arm(12, `Self::${m.variant}(_)`, `${t.tag}::${m.ident}`));
        w.line(`Self::Unknown(tag) => ${t.tag}(*tag),`);
      });
    });
    w.gap();
    w.line('/// Builds the member table into `fbb`; `None` when there is nothing to write.');
    const pack = signature(
      4,
      'pub fn pack',
      // A union without members never writes (unused parameters are warnings).
      ['&self', `${members.length === 0 ? '_fbb' : 'fbb'}: &mut ::flatbuffers::FlatBufferBuilder<'_>`],
      ' -> Option<::flatbuffers::WIPOffset<::flatbuffers::UnionWIPOffset>>',
    );
    w.all(pack.slice(0, -1));
    w.block(pack[pack.length - 1] as string, () => {
      w.block('match self {', () => {
        w.line('Self::None | Self::Unknown(_) => None,');
        for (const m of members) w.all(arm(12, `Self::${m.variant}(value)`, 'Some(value.pack(fbb).as_union_value())'));
      });
    });
  });
  w.gap();
  w.line(`/// Reader form of [\`${t.owned}\`].`);
  w.line('#[derive(Debug, Clone, Copy)]');
  w.block(`pub enum ${t.reader}<'a> {`, () => {
    w.line('/// No value (`NONE`).');
    w.line('None,');
    for (const m of members) w.all(tupleVariant(4, m.variant, `${names.path(objectOf(m), 'reader', module)}<'a>`));
    w.line('/// A discriminant this code does not know.');
    w.line('Unknown(u8),');
    if (members.length === 0) {
      // Without members nothing uses `'a`, which Rust rejects; this variant cannot be constructed.
      w.line('#[doc(hidden)]');
      w.line('Never(');
      w.line("    ::core::marker::PhantomData<&'a ()>,");
      w.line('    ::core::convert::Infallible,');
      w.line('),');
    }
  });
  w.gap();
  // The verifier's union callback, once per union (every field of this union type passes it).
  w.block(`impl ${t.reader}<'_> {`, () => {
    w.line("/// Verifies the member at `pos` with discriminant `key` (the table verifier's union");
    w.line('/// callback); a discriminant this code does not know is accepted as it is.');
    w.all(
      signature(
        4,
        'pub fn verify',
        ['key: u8', 'v: &mut ::flatbuffers::Verifier', 'pos: usize'],
        ' -> Result<(), ::flatbuffers::InvalidFlatbuffer>',
      ),
    );
    w.indent(() => {
      if (members.length === 0) {
        w.all(['let _ = (key, v, pos);', 'Ok(())']);
        return;
      }
      w.block(`match ${t.tag}(key) {`, () => {
        for (const m of members) {
          const reader = names.path(objectOf(m), 'reader', module);
          const type = `::flatbuffers::ForwardsUOffset<${reader}<'_>>`;
          const args = [JSON.stringify(`${e.shortName}::${m.v.name}`), 'pos'];
          w.all(verifyArm(12, `${t.tag}::${m.ident} => `, type, args));
        }
        w.line('_ => Ok(()),');
      });
    });
    w.line('}');
  });
  w.gap();
  w.block(`impl From<${t.reader}<'_>> for ${t.owned} {`, () => {
    w.block(`fn from(r: ${t.reader}<'_>) -> Self {`, () => {
      w.block('match r {', () => {
        w.line(`${t.reader}::None => Self::None,`);
        for (const m of members)
          w.all(arm(12, `${t.reader}::${m.variant}(t)`, `Self::${m.variant}(Box::new(t.into()))`));
        w.line(`${t.reader}::Unknown(tag) => Self::Unknown(tag),`);
        if (members.length === 0) w.line(`${t.reader}::Never(_, never) => match never {},`);
      });
    });
  });
  return w.toString();
}

/**
 * `head v.verify_union_variant::<type>(args),` as rustfmt lays out a match arm at `indent`: on one
 * line; else alone on a line in a block; else the call on the arm's line with its arguments
 * broken; else the call on the next line as a chain element (its type whole); else the type's
 * generic arguments broken on the arm's line; else the arm as a block.
 */
function verifyArm(indent: number, head: string, type: string, args: readonly string[]): string[] {
  const method = 'verify_union_variant';
  const body = `v.${method}::<${type}>(${args.join(', ')})`;
  if (fits(indent, `${head}${body},`)) return [`${head}${body},`];
  // rustfmt prefers the body alone on a line in a block to a body broken over lines.
  if (fits(indent + 4, body)) return [`${head}{`, `    ${body}`, '}'];
  if (fits(indent, `${head}v.${method}::<${type}>(`))
    return [`${head}v.${method}::<${type}>(`, ...args.map((a) => `    ${a},`), '),'];
  // (Observed: with a pattern so long that even `head v.method::<` does not fit, rustfmt takes the block.)
  if (fits(indent + 4, `.${method}::<${type}>(`) && fits(indent, `${head}v.${method}::<`)) {
    return [`${head}v`, ...genericCall(indent + 4, `.${method}`, type, args, ',').map((l) => `    ${l}`)];
  }
  const outer = type.slice(0, type.indexOf('<') + 1);
  if (fits(indent, `${head}v.${method}::<${outer}`)) {
    const lines = genericCall(indent, `v.${method}`, type, args, ',');
    return [`${head}${lines[0] as string}`, ...lines.slice(1)];
  }
  return [`${head}{`, ...genericCall(indent + 4, `v.${method}`, type, args, '').map((l) => `    ${l}`), '}'];
}
