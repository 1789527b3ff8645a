import type { EnumDef } from '../../ir/model.js';
import type { Templates } from '../../codegen/templates.js';
import { indented, jsdoc } from './format.js';
import { bigintLiteral, enumMemberName } from './naming.js';
import type { ModuleScope } from './scope.js';
import { isBigEnum } from './types.js';

const FLAGS_NOTE = 'Bit flags: values combine with `|`.';

function docOf(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** An enum declaration: a TS `enum` up to 32 bits, a const object of bigints plus a type for 64 bits. */
export function emitEnum(e: EnumDef, scope: ModuleScope, templates: Templates): string {
  const d = scope.decl(e.name);
  const note = e.bitFlags ? [FLAGS_NOTE] : [];
  const members = e.values.map((v) => {
    const name = enumMemberName(v.name);
    const value = isBigEnum(e) ? `${name}: ${bigintLiteral(v.value)},` : `${name} = ${v.value},`;
    return indented([...jsdoc(v.documentation), value], 1);
  });
  if (!isBigEnum(e)) {
    return templates.render('ts/enum.ts.hbs', { doc: docOf(jsdoc(e.documentation, note)), name: d.type, members });
  }
  // A bit_flags value may combine members (or be 0), so its type is any bigint.
  const typeExpr = e.bitFlags ? 'bigint' : `(typeof ${d.type})[keyof typeof ${d.type}]`;
  return templates.render('ts/bigint-enum.ts.hbs', {
    doc: docOf(jsdoc(e.documentation, note)),
    name: d.type,
    members,
    typeDoc: docOf(jsdoc([], [`A value of \`${e.name}\`.`])),
    typeExpr,
  });
}

/** The literal of enum value `value` of `e` as seen from `scope`: a member reference when one matches. */
export function enumLiteral(e: EnumDef, value: bigint, scope: ModuleScope): string {
  const d = scope.decl(e.name);
  const type = scope.ref(d, d.type);
  const member = e.values.find((v) => v.value === value);
  if (member) return `${type}.${enumMemberName(member.name)}`;
  return isBigEnum(e) ? `${bigintLiteral(value)} as ${type}` : `${value} as ${type}`;
}
