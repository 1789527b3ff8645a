import type { ObjectPlan, ScalarKind, ValuePlan } from '../../codegen/plan.js';
import type { Templates } from '../../codegen/templates.js';
import { call, indented, jsdoc, signature } from './format.js';
import { propertyNames, stringLiteral } from './naming.js';
import type { ModuleScope } from './scope.js';
import { isBig, numKind, valueType } from './types.js';

/** The Builder method suffix writing a scalar of kind `s` (`Int8` for `u8` and `bool`). */
export function builderWidth(s: ScalarKind): string {
  switch (s) {
    case 'bool':
    case 'i8':
    case 'u8':
      return 'Int8';
    case 'i16':
    case 'u16':
      return 'Int16';
    case 'i32':
    case 'u32':
      return 'Int32';
    case 'i64':
    case 'u64':
      return 'Int64';
    case 'f32':
      return 'Float32';
    case 'f64':
      return 'Float64';
  }
}

/** `<Color>` for enum values (so the runtime's generic read returns the enum type), else nothing. */
function typeArg(v: ValuePlan, scope: ModuleScope): string {
  return v.kind === 'enum' ? `<${valueType(scope, v)}>` : '';
}

function structSize(v: ValuePlan): number {
  return v.kind === 'struct' ? v.object.bytesize : 0;
}

/** The expression reading value `v` stored inline at `at` (a struct member). */
function readInline(v: ValuePlan, at: string, scope: ModuleScope): string {
  switch (v.kind) {
    case 'scalar':
    case 'enum':
      if (v.scalar === 'bool') return `r.bool(${at})`;
      return isBig(v.scalar)
        ? `r.big${typeArg(v, scope)}(${at}, ${numKind(v.scalar)})`
        : `r.num${typeArg(v, scope)}(${at}, ${numKind(v.scalar)})`;
    case 'struct': {
      const d = scope.decl(v.object.name);
      return `${scope.ref(d, d.read)}(r, ${at})`;
    }
    case 'array': {
      const e = v.element;
      if (e.kind === 'struct') {
        const d = scope.decl(e.object.name);
        return `r.structs(${at}, ${structSize(e)}, ${v.length}, ${scope.ref(d, d.read)})`;
      }
      if ((e.kind === 'scalar' || e.kind === 'enum') && e.scalar === 'bool') return `r.bools(${at}, ${v.length})`;
      if (e.kind === 'scalar' || e.kind === 'enum') {
        const fn = isBig(e.scalar) ? 'bigs' : 'nums';
        return `r.${fn}${typeArg(e, scope)}(${at}, ${numKind(e.scalar)}, ${v.length})`;
      }
      throw new Error(`array of ${e.kind} in a struct`);
    }
    default:
      throw new Error(`${v.kind} in a struct`);
  }
}

/** The check of a scalar member: its value, or an EncodeTypeError (`where` names it). */
function scalarCheck(v: ValuePlan, expr: string, where: string, scope: ModuleScope): { head: string; args: string[] } {
  if (v.kind !== 'scalar' && v.kind !== 'enum') throw new Error(`${v.kind}: not a scalar`);
  const args = [expr, 'undefined', where];
  if (v.kind === 'enum') args.push(stringLiteral(v.enumDef.name));
  return { head: `${scope.rt()}.${v.scalar}`, args };
}

/**
 * Statements writing member value `v` at the builder's current position: `checked` holds a scalar
 * already checked, `expr` the member's value otherwise; `where` names it in errors.
 */
function writeInline(v: ValuePlan, checked: string, expr: string, where: string, scope: ModuleScope): string[] {
  const rt = scope.rt();
  switch (v.kind) {
    case 'scalar':
    case 'enum': {
      const arg = v.scalar === 'bool' ? `Number(${checked})` : checked;
      return [`builder.write${builderWidth(v.scalar)}(${arg});`];
    }
    case 'struct': {
      const d = scope.decl(v.object.name);
      return call(2, `${rt}.struct`, ['builder', expr, scope.ref(d, d.write), where], ';');
    }
    case 'array': {
      const e = v.element;
      const n = String(v.length);
      if (e.kind === 'struct') {
        const d = scope.decl(e.object.name);
        return call(2, `${rt}.structArray`, ['builder', expr, n, scope.ref(d, d.write), where], ';');
      }
      if (e.kind !== 'scalar' && e.kind !== 'enum') throw new Error(`array of ${e.kind} in a struct`);
      if (e.scalar === 'bool') return call(2, `${rt}.boolArray`, ['builder', expr, n, where], ';');
      const fn = isBig(e.scalar) ? 'bigArray' : 'numArray';
      return call(2, `${rt}.${fn}`, ['builder', numKind(e.scalar), expr, n, where], ';');
    }
    default:
      throw new Error(`${v.kind} in a struct`);
  }
}

/** A struct: an interface, its reader, and its in-place writer (`builder.prep`, then members last to first). */
export function emitStruct(plan: ObjectPlan, scope: ModuleScope, templates: Templates): string {
  const o = plan.object;
  const d = scope.decl(o.name);
  const rt = scope.rt();
  const props = propertyNames(plan.fields.map((f) => f.field.name));
  const prop = (name: string): string => props.get(name) as string;

  const body = ['{'];
  for (const f of plan.fields) {
    body.push(
      ...jsdoc(f.field.documentation).map((l) => `  ${l}`),
      `  ${prop(f.field.name)}: ${valueType(scope, f.value)};`,
    );
  }
  body.push('}');

  const reads = plan.fields.flatMap((f) => {
    const at = f.offset === 0 ? 'pos' : `pos + ${f.offset}`;
    const expr = readInline(f.value, at, scope);
    return [`  ${prop(f.field.name)}: ${expr},`];
  });
  const readObject = plan.fields.length === 0 ? '{}' : ['{', ...reads.map((l) => `  ${l}`), '  }'].join('\n');

  // The value and its scalar members are checked before anything is written; nested structs and
  // arrays while they are written.
  const writes: string[] = [`${rt}.object(value, ${stringLiteral(o.name)});`];
  const local = (name: string): string => `${prop(name)}$`;
  const where = (name: string): string => stringLiteral(`${o.name}.${prop(name)}`);
  for (const f of plan.fields) {
    if (f.value.kind !== 'scalar' && f.value.kind !== 'enum') continue;
    const c = scalarCheck(f.value, `value.${prop(f.field.name)}`, where(f.field.name), scope);
    writes.push(...call(2, `const ${local(f.field.name)} = ${c.head}`, c.args, ';'));
  }
  writes.push(`builder.prep(${o.minalign}, ${o.bytesize});`);
  let end = o.bytesize;
  for (const f of [...plan.fields].reverse()) {
    const pad = end - (f.offset + f.inlineSize);
    if (pad > 0) writes.push(`builder.pad(${pad});`);
    const name = f.field.name;
    writes.push(...writeInline(f.value, local(name), `value.${prop(name)}`, where(name), scope));
    end = f.offset;
  }
  if (end > 0) writes.push(`builder.pad(${end});`);

  return templates.render('ts/struct.ts.hbs', {
    doc: jsdoc(o.documentation)
      .map((l) => `${l}\n`)
      .join(''),
    name: d.type,
    qualified: o.name,
    size: o.bytesize,
    body: body.length === 2 ? '{}' : body.join('\n'),
    readSignature: indented(signature(0, `export function ${d.read}`, [`r: ${rt}.Reader`, 'pos: number'], d.type), 0),
    readObject,
    writeSignature: indented(
      signature(0, `export function ${d.write}`, [`builder: ${rt}.FlatBuilder`, `value: ${d.type}`], 'number'),
      0,
    ),
    writes: indented(writes, 1),
  });
}
