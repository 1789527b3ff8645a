import type { EnumDef, EnumVal } from '../../ir/model.js';
import type { Templates } from '../../codegen/templates.js';
import { call, indented, jsdoc, objectLiteral, signature, unionAlias } from './format.js';
import { stringLiteral } from './naming.js';
import type { ModuleScope } from './scope.js';

const nest = (line: string): string => `  ${line}`;

/**
 * How one union member is read and written: a table or a string (struct members are rejected up
 * front). `write` is the call returning the member's UnionRef (the value checked, `where` naming it).
 */
function memberCode(
  v: EnumVal,
  where: string,
  scope: ModuleScope,
): { type: string; init: string; read: string; write: { head: string; args: string[] } } {
  const t = v.unionType;
  const rt = scope.rt();
  const tag = String(v.value);
  if (t?.base === 'String') {
    return {
      type: 'string',
      init: 'string',
      read: 'r.string(at)',
      write: { head: `${rt}.stringMember`, args: [tag, 'builder', 'value.value', where] },
    };
  }
  if (t?.base !== 'Obj' || t.object === undefined) throw new Error(`union member ${v.name} has no type`);
  const d = scope.decl(t.object);
  return {
    type: scope.ref(d, d.type),
    init: scope.ref(d, d.init),
    read: `${scope.ref(d, d.read)}(r, at)`,
    write: { head: `${rt}.member`, args: [tag, 'builder', 'value.value', scope.ref(d, d.write), where] },
  };
}

/**
 * A union: a discriminated union type `{ type: 'Member'; value: Member }` (null stands for NONE),
 * plus the reader and writer the tables holding it call.
 */
export function emitUnion(e: EnumDef, scope: ModuleScope, templates: Templates): string {
  const d = scope.decl(e.name);
  const rt = scope.rt();
  const members = e.values.filter((v) => v.value !== 0n);
  const where = stringLiteral(`${e.name}.value`);
  const codes = members.map((v) => ({ v, tag: stringLiteral(v.name), ...memberCode(v, where, scope) }));
  // A union without members (legal, if useless) only ever holds NONE.
  const alias =
    codes.length === 0
      ? [`export type ${d.type} = never;`]
      : unionAlias(
          0,
          `export type ${d.type} =`,
          codes.map((c) => [`type: ${c.tag}`, `value: ${c.type}`]),
        );
  const initAlias =
    codes.length === 0
      ? [`export type ${d.init} = never;`]
      : unionAlias(
          0,
          `export type ${d.init} =`,
          codes.map((c) => [`type: ${c.tag}`, `value: ${c.init}`]),
        );
  const memberDocs = members.flatMap((v) =>
    v.documentation.length > 0 ? [`- \`${v.name}\`:${v.documentation.join('')}`] : [],
  );
  const readCases = codes.map((c) =>
    indented(
      [
        `case ${c.v.value}:`,
        ...objectLiteral(6, 'return ', [`type: ${c.tag}`, `value: ${c.read}`], ';', true).map(nest),
      ],
      2,
    ),
  );
  const writeCases = codes.map((c) =>
    indented([`case ${c.tag}:`, ...call(6, `return ${c.write.head}`, c.write.args, ';').map(nest)], 2),
  );
  const names = codes.map((c) => `'${c.v.name}'`).join(', ');
  return templates.render('ts/union.ts.hbs', {
    doc: indented(jsdoc(e.documentation, memberDocs), 0) + (e.documentation.length + memberDocs.length > 0 ? '\n' : ''),
    alias: indented(alias, 0),
    initAlias: indented(initAlias, 0),
    init: d.init,
    unknownType: indented(
      call(6, `throw ${rt}.unknownType`, ['value', stringLiteral(e.name), stringLiteral(names)], ';'),
      3,
    ),
    qualified: e.name,
    empty: codes.length === 0,
    rt,
    readSignature: indented(
      signature(
        0,
        `export function ${d.read}`,
        [`r: ${rt}.Reader`, 'type: number', 'pos: number | null'],
        `${d.type} | null`,
      ),
      0,
    ),
    readCases,
    writeSignature: indented(
      signature(0, `export function ${d.write}`, [`builder: ${rt}.FlatBuilder`, `value: ${d.init}`], `${rt}.UnionRef`),
      0,
    ),
    writeCases,
  });
}
