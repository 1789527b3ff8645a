import type { FieldPlan, ObjectPlan, ValuePlan } from '../../codegen/plan.js';
import type { Templates } from '../../codegen/templates.js';
import { enumLiteral } from './enums.js';
import { call, indented, jsdoc, signature } from './format.js';
import { bigintLiteral, numberLiteral, propertyNames, stringLiteral } from './naming.js';
import type { ModuleScope } from './scope.js';
import { builderWidth } from './structs.js';
import { fieldInitType, fieldType, isBig, numKind, valueType } from './types.js';

/** A call expression, printed by `call` so that it breaks as Prettier breaks it. */
interface Call {
  readonly head: string;
  readonly args: readonly string[];
}

const inline = (c: Call): string => `${c.head}(${c.args.join(', ')})`;

function typeArg(v: ValuePlan, scope: ModuleScope): string {
  return v.kind === 'enum' ? `<${valueType(scope, v)}>` : '';
}

/** The default an absent scalar field reads as, as a literal of the field's TS type. */
function scalarDefault(f: FieldPlan, scope: ModuleScope): string {
  const d = f.scalarDefault;
  const v = f.value;
  if (typeof d === 'boolean') return String(d);
  if (typeof d === 'bigint') {
    if (v.kind === 'enum') return enumLiteral(v.enumDef, d, scope);
    return v.kind === 'scalar' && isBig(v.scalar) ? bigintLiteral(d) : numberLiteral(Number(d));
  }
  if (typeof d === 'number') return numberLiteral(d);
  throw new Error(`${f.field.name}: no scalar default`);
}

/** The default as the Builder's `addField*` compares it: a plain number or bigint. */
function wireDefault(f: FieldPlan): string {
  const d = f.scalarDefault;
  if (d === null) return 'null';
  if (typeof d === 'boolean') return d ? '1' : '0';
  if (typeof d === 'bigint') return f.inlineSize === 8 ? bigintLiteral(d) : numberLiteral(Number(d));
  if (typeof d === 'number') return numberLiteral(d);
  throw new Error(`${f.field.name}: no scalar default`);
}

/** The reader call of one field, before required/default handling. */
function readCall(f: FieldPlan, slot: number, unionTypeSlot: number, scope: ModuleScope): Call {
  const v = f.value;
  switch (v.kind) {
    case 'scalar':
    case 'enum': {
      const kind = numKind(v.scalar);
      if (v.scalar === 'bool') {
        return f.optionalScalar
          ? { head: 't.boolOrNull', args: [`${slot}`] }
          : { head: 't.bool', args: [`${slot}`, scalarDefault(f, scope)] };
      }
      const fn = isBig(v.scalar) ? 'big' : 'num';
      if (f.optionalScalar) return { head: `t.${fn}OrNull${typeArg(v, scope)}`, args: [`${slot}`, kind] };
      if (fn === 'big') return { head: `t.big${typeArg(v, scope)}`, args: [`${slot}`, kind, scalarDefault(f, scope)] };
      // The per-kind reader (`t.f64(slot, dflt)`): no switch on the kind per read.
      const floating = kind === "'f32'" || kind === "'f64'";
      return {
        head: `t.${kind.slice(1, -1)}${floating ? '' : typeArg(v, scope)}`,
        args: [`${slot}`, scalarDefault(f, scope)],
      };
    }
    case 'string':
      return { head: 't.string', args: [`${slot}`] };
    case 'struct':
    case 'table': {
      const d = scope.decl(v.object.name);
      return { head: `t.${v.kind}`, args: [`${slot}`, scope.ref(d, d.read)] };
    }
    case 'union': {
      const d = scope.decl(v.enumDef.name);
      return { head: 't.union', args: [`${unionTypeSlot}`, `${slot}`, scope.ref(d, d.read)] };
    }
    case 'vector': {
      const e = v.element;
      switch (e.kind) {
        case 'scalar':
        case 'enum':
          if (e.kind === 'scalar' && e.scalar === 'u8') return { head: 't.bytes', args: [`${slot}`] };
          if (e.scalar === 'bool') return { head: 't.booleans', args: [`${slot}`] };
          return {
            head: `t.${isBig(e.scalar) ? 'bigints' : 'numbers'}${typeArg(e, scope)}`,
            args: [`${slot}`, numKind(e.scalar)],
          };
        case 'string':
          return { head: 't.strings', args: [`${slot}`] };
        case 'struct': {
          const d = scope.decl(e.object.name);
          return { head: 't.structs', args: [`${slot}`, `${e.object.bytesize}`, scope.ref(d, d.read)] };
        }
        case 'table': {
          const d = scope.decl(e.object.name);
          return { head: 't.tables', args: [`${slot}`, scope.ref(d, d.read)] };
        }
        default:
          throw new Error(`vector of ${e.kind}`);
      }
    }
    case 'array':
      throw new Error('fixed-size array in a table');
  }
}

/**
 * The call creating the field's child object before `startObject` (strings, vectors, tables,
 * unions), checking the value: `where` names the field in errors, a required one must be given.
 */
function childCall(f: FieldPlan, expr: string, where: string, scope: ModuleScope): Call | undefined {
  const v = f.value;
  const rt = scope.rt();
  const tail = f.required ? [where, 'true'] : [where];
  switch (v.kind) {
    case 'string':
      return { head: `${rt}.string`, args: ['builder', expr, ...tail] };
    case 'table': {
      const d = scope.decl(v.object.name);
      return { head: `${rt}.table`, args: ['builder', expr, scope.ref(d, d.write), ...tail] };
    }
    case 'union': {
      const d = scope.decl(v.enumDef.name);
      return { head: `${rt}.union`, args: ['builder', expr, scope.ref(d, d.write), ...tail] };
    }
    case 'vector': {
      const e = v.element;
      switch (e.kind) {
        case 'scalar':
        case 'enum':
          if (e.kind === 'scalar' && e.scalar === 'u8')
            return { head: `${rt}.bytes`, args: ['builder', expr, ...tail] };
          if (e.scalar === 'bool') return { head: `${rt}.booleans`, args: ['builder', expr, ...tail] };
          if (isBig(e.scalar)) return { head: `${rt}.bigints`, args: ['builder', numKind(e.scalar), expr, ...tail] };
          return { head: `${rt}.numbers`, args: ['builder', numKind(e.scalar), expr, ...tail] };
        case 'string':
          return { head: `${rt}.strings`, args: ['builder', expr, ...tail] };
        case 'struct': {
          const d = scope.decl(e.object.name);
          const o = e.object;
          return {
            head: `${rt}.structs`,
            args: ['builder', expr, `${o.bytesize}`, `${o.minalign}`, scope.ref(d, d.write), ...tail],
          };
        }
        case 'table': {
          const d = scope.decl(e.object.name);
          return { head: `${rt}.tables`, args: ['builder', expr, scope.ref(d, d.write), ...tail] };
        }
        default:
          throw new Error(`vector of ${e.kind}`);
      }
    }
    default:
      return undefined;
  }
}

/** The check of a scalar field's value: the value, its default when left out (null for an optional scalar). */
function scalarCheck(f: FieldPlan, expr: string, where: string, scope: ModuleScope): Call {
  const v = f.value;
  if (v.kind !== 'scalar' && v.kind !== 'enum') throw new Error(`${f.field.name}: not a scalar`);
  const dflt = f.optionalScalar ? 'null' : scalarDefault(f, scope);
  const args = [expr, dflt, where];
  if (v.kind === 'enum') args.push(stringLiteral(v.enumDef.name));
  return { head: `${scope.rt()}.${v.scalar}`, args };
}

/** `builder.addFieldStruct(id, struct(...), 0);`, the inner call broken too when it does not fit (Prettier's layout). */
function addStruct(indent: number, id: number, struct: Call): string[] {
  const one = call(indent, 'builder.addFieldStruct', [`${id}`, inline(struct), '0'], ';');
  if (one.length === 1) return one;
  const inner = call(indent + 2, struct.head, struct.args, ',').map((l) => `  ${l}`);
  return ['builder.addFieldStruct(', `  ${id},`, ...inner, '  0,', ');'];
}

const slotOf = (f: FieldPlan): number => (f.offset - 4) / 2;

/**
 * A table's properties: its live fields (not deprecated; the hidden `_type` field of a union is part
 * of the union's value, not a property of its own) and their property names.
 */
export function tableProperties(plan: ObjectPlan): {
  readonly live: readonly FieldPlan[];
  readonly props: ReadonlyMap<string, string>;
} {
  const live = plan.fields.filter((f) => !f.deprecated && !(f.value.kind === 'enum' && f.value.enumDef.isUnion));
  return { live, props: propertyNames(live.map((f) => f.field.name)) };
}

/** A table: its interface, reader, writer, and the `encode`/`decode` pair for whole buffers. */
export function emitTable(
  plan: ObjectPlan,
  scope: ModuleScope,
  templates: Templates,
  identifier: string | undefined,
): string {
  const o = plan.object;
  const d = scope.decl(o.name);
  const rt = scope.rt();
  const byName = new Map(plan.fields.map((f) => [f.field.name, f]));
  const { live, props } = tableProperties(plan);
  const prop = (f: FieldPlan): string => props.get(f.field.name) as string;
  const partnerSlot = (f: FieldPlan): number => {
    const p = f.partner !== undefined ? byName.get(f.partner) : undefined;
    if (!p) throw new Error(`${o.name}.${f.field.name}: union without its _type field`);
    return p.offset;
  };

  const body = ['{'];
  for (const f of live) {
    body.push(...jsdoc(f.field.documentation).map((l) => `  ${l}`), `  ${prop(f)}: ${fieldType(scope, f)};`);
  }
  body.push('}');

  // The input type: the same fields, optional unless required (fieldInitType).
  const initBody = ['{'];
  for (const f of live) {
    const t = fieldInitType(scope, f);
    initBody.push(
      ...jsdoc(f.field.documentation).map((l) => `  ${l}`),
      `  ${prop(f)}${t.optional ? '?' : ''}: ${t.type};`,
    );
  }
  initBody.push('}');

  // Reader: one property per live field; required fields are checked, defaulted strings/vectors filled in.
  const readBody: string[] = [];
  if (live.length === 0) {
    readBody.push(`r.table(pos, ${stringLiteral(o.name)});`, 'r.leave();', 'return {};');
  } else {
    readBody.push(`const t = r.table(pos, ${stringLiteral(o.name)});`, `const value: ${d.type} = {`);
    for (const f of live) {
      let c = readCall(f, f.offset, f.value.kind === 'union' ? partnerSlot(f) : 0, scope);
      const dv = f.field.default;
      if (f.required) c = { head: `${rt}.need`, args: [inline(c), stringLiteral(`${o.name}.${f.field.name}`)] };
      else if (dv.kind === 'string') c = { head: `${rt}.or`, args: [inline(c), stringLiteral(dv.value)] };
      else if (dv.kind === 'emptyVector') {
        const empty = c.head === 't.bytes' ? 'new Uint8Array(0)' : '[]';
        c = { head: `${rt}.or`, args: [inline(c), empty] };
      }
      readBody.push(...call(4, `${prop(f)}: ${c.head}`, c.args, ',').map((l) => `  ${l}`));
    }
    readBody.push('};', 'r.leave();', 'return value;');
  }

  // Writer: the value checked and its children written first (they cannot be created inside an
  // open table), then the fields, largest first. Struct fields are written (and checked) in place.
  const writes: string[] = [`${rt}.object(value, ${stringLiteral(o.name)});`];
  const local = (f: FieldPlan): string => `${prop(f)}$`;
  const where = (f: FieldPlan): string => stringLiteral(`${o.name}.${prop(f)}`);
  for (const f of live) {
    const v = f.value;
    const c =
      v.kind === 'scalar' || v.kind === 'enum'
        ? scalarCheck(f, `value.${prop(f)}`, where(f), scope)
        : childCall(f, `value.${prop(f)}`, where(f), scope);
    if (c) writes.push(...call(2, `const ${local(f)} = ${c.head}`, c.args, ';'));
  }
  const slots = Math.max(0, ...plan.fields.map((f) => slotOf(f) + 1));
  writes.push(`builder.startObject(${slots});`);
  const ordered = [...live].sort((a, b) => b.inlineSize - a.inlineSize || a.offset - b.offset);
  for (const f of ordered) {
    const v = f.value;
    const id = slotOf(f);
    if (v.kind === 'scalar' || v.kind === 'enum') {
      const arg = v.scalar === 'bool' ? `Number(${local(f)})` : local(f);
      const add = call(2, `builder.addField${builderWidth(v.scalar)}`, [`${id}`, arg, wireDefault(f)], ';');
      if (f.optionalScalar) writes.push(`if (${local(f)} !== null) {`, ...add.map((l) => `  ${l}`), '}');
      else writes.push(...add);
    } else if (v.kind === 'struct') {
      const sd = scope.decl(v.object.name);
      const expr = `value.${prop(f)}`;
      const struct: Call = { head: `${rt}.struct`, args: ['builder', expr, scope.ref(sd, sd.write), where(f)] };
      if (f.required) writes.push(...addStruct(2, id, struct));
      else writes.push(`if (${expr} != null) {`, ...addStruct(4, id, struct).map((l) => `  ${l}`), '}');
    } else if (v.kind === 'union') {
      const typeId = (partnerSlot(f) - 4) / 2;
      writes.push(`builder.addFieldInt8(${typeId}, ${local(f)}.type, 0);`);
      writes.push(`builder.addFieldOffset(${id}, ${local(f)}.offset, 0);`);
    } else {
      writes.push(`builder.addFieldOffset(${id}, ${local(f)}, 0);`);
    }
  }

  const ident = identifier === undefined ? undefined : stringLiteral(identifier);
  return templates.render('ts/table.ts.hbs', {
    doc: jsdoc(o.documentation)
      .map((l) => `${l}\n`)
      .join(''),
    name: d.type,
    qualified: o.name,
    body: body.length === 2 ? '{}' : body.join('\n'),
    init: d.init,
    writeName: d.write,
    encodeName: d.encode,
    initBody: initBody.length === 2 ? '{}' : initBody.join('\n'),
    readSignature: indented(signature(0, `export function ${d.read}`, [`r: ${rt}.Reader`, 'pos: number'], d.type), 0),
    readBody: indented(readBody, 1),
    writeSignature: indented(
      signature(0, `export function ${d.write}`, [`builder: ${rt}.FlatBuilder`, `value: ${d.init}`], 'number'),
      0,
    ),
    writes: indented(writes, 1),
    identifierNote: identifier === undefined ? '' : ` (file identifier "${identifier}")`,
    encodeSignature: indented(signature(0, `export function ${d.encode}`, [`value: ${d.init}`], 'Uint8Array'), 0),
    encodeBody: indented(call(2, `return ${rt}.encode`, ['value', d.write, ident ?? 'undefined'], ';'), 1),
    decodeSignature: indented(signature(0, `export function ${d.decode}`, ['bytes: Uint8Array'], d.type), 0),
    decodeBody: indented(call(2, `return ${rt}.decode`, ['bytes', d.read, ident ?? 'null'], ';'), 1),
  });
}
