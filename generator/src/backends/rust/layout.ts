/**
 * Layout helpers that print the statement shapes the Rust backend emits exactly as rustfmt
 * (edition 2021, default style: max_width 100, 4-space indent, default width heuristics) would,
 * so the generator needs no rustfmt. Each returns lines relative to the caller's indentation;
 * `indent` is that indentation's width, needed to decide whether a line fits.
 */

export const MAX_WIDTH = 100;
/** rustfmt's `fn_call_width`: the arguments of a call on one line, at most. */
export const FN_CALL_WIDTH = 60;
/** rustfmt's `chain_width`: a method chain on one line, at most. */
const CHAIN_WIDTH = 60;
/** rustfmt's `array_width`: the elements of an array on one line, at most. */
export const ARRAY_WIDTH = 60;
/** rustfmt's `struct_lit_width`: the fields of a struct literal on one line, at most. */
const STRUCT_LIT_WIDTH = 18;
const IND = '    ';

export const fits = (indent: number, text: string): boolean => indent + text.length <= MAX_WIDTH;

/**
 * The outer name and top-level generic arguments of `Outer<A, B<C>>`, or undefined when the type
 * does not end with its outermost argument list.
 */
export function splitGeneric(type: string): { outer: string; args: string[] } | undefined {
  const lt = type.indexOf('<');
  if (lt < 0 || !type.endsWith('>')) return undefined;
  const args: string[] = [];
  let depth = 0;
  let start = lt + 1;
  for (let i = lt; i < type.length; i++) {
    const c = type[i];
    if (c === '<') depth++;
    else if (c === '>' && type[i - 1] !== '-') {
      depth--;
      if (depth === 0) {
        if (i !== type.length - 1) return undefined;
        args.push(type.slice(start, i).trim());
      }
    } else if (c === ',' && depth === 1) {
      args.push(type.slice(start, i).trim());
      start = i + 1;
    }
  }
  return { outer: type.slice(0, lt), args };
}

/**
 * A type as rustfmt prints it: on one line when `used` (what precedes it on its first line, past
 * `indent`), the type and `reserve` (what must follow it) fit, else its outermost generic argument
 * list broken open, one argument per line (each laid out the same way) with a trailing comma.
 */
export function typeLines(indent: number, used: number, type: string, reserve: number): string[] {
  if (indent + used + type.length + reserve <= MAX_WIDTH) return [type];
  const g = splitGeneric(type);
  if (!g) return [type];
  return [
    `${g.outer}<`,
    ...g.args.flatMap((a) => withLast(typeLines(indent + 4, 0, a, 1), ',').map((l) => IND + l)),
    '>',
  ];
}

function withLast(lines: string[], tail: string): string[] {
  lines[lines.length - 1] += tail;
  return lines;
}

/**
 * `head(params)ret {` (ret with its leading ` -> `) as rustfmt's fn signature: on one line when it
 * fits; for `;` items exactly max_width wide, the return type on the next line; else one parameter
 * per line with a trailing comma, then `) -> ret` (its generic arguments broken open when the
 * return type alone does not fit), the brace on its own line when `) -> ret {` is too wide.
 */
export function signature(indent: number, head: string, params: readonly string[], ret: string, end = ' {'): string[] {
  const retText = ret === '' ? '' : ret.slice(1); // `-> T`
  const retMulti = retText !== '' && indent + retText.length > MAX_WIDTH;
  const joined = params.join(', ');
  if (!retMulti) {
    const used = indent + head.length + retText.length + (retText === '' ? 2 : 3) + (end === ';' ? 1 : 2);
    const budget = MAX_WIDTH - used;
    if (budget > 0 && joined.length <= budget) {
      const first = `${head}(${joined})`;
      if (params.length > 0 && retText !== '' && first.length + indent + retText.length + 3 > MAX_WIDTH)
        return [first, `${IND}${retText}${end}`];
      return [`${first}${ret}${end}`];
    }
  }
  const lines = [`${head}(`, ...params.map((p) => `${IND}${p},`)];
  if (!retMulti) {
    const last = `)${ret}`;
    if (end === ' {' && 2 * indent + last.length + 2 > MAX_WIDTH) return [...lines, last, '{'];
    return [...lines, last + end];
  }
  const type = retText.slice(3);
  const g = splitGeneric(type);
  if (!g) return [...lines, `)${ret}${end}`];
  return [
    ...lines,
    `) -> ${g.outer}<`,
    ...g.args.flatMap((a) => withLast(typeLines(indent + 4, 0, a, 1), ',').map((l) => IND + l)),
    `>${end}`,
  ];
}

/** rustfmt's is_simple_expr (literals, single-segment paths, field accesses, references). */
const SIMPLE_ARG =
  /^&?(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|"(?:[^"\\]|\\.)*"|-?[0-9][0-9A-Za-z_.]*)$/;
/** rustfmt's `short_array_element_width_threshold`. */
const SHORT_ITEM = 10;

/**
 * `head(args)tail` for simple arguments (no closures or blocks), or one argument per line (as
 * many per line as fit when every argument is simple and short: rustfmt's mixed layout).
 */
export function call(indent: number, head: string, args: readonly string[], tail: string): string[] {
  const joined = args.join(', ');
  const one = `${head}(${joined})${tail}`;
  if (args.length === 0 || (fits(indent, one) && joined.length <= FN_CALL_WIDTH)) return [one];
  if (args.every((a) => a.length <= SHORT_ITEM && SIMPLE_ARG.test(a))) {
    const rows: string[] = [];
    let row = '';
    for (const a of args) {
      const next = row === '' ? `${a},` : `${row} ${a},`;
      if (row === '' || fits(indent + 4, next)) row = next;
      else {
        rows.push(row);
        row = `${a},`;
      }
    }
    rows.push(row);
    return [`${head}(`, ...rows.map((r) => IND + r), `)${tail}`];
  }
  return [`${head}(`, ...args.flatMap((a) => argLines(indent + 4, a)), `)${tail}`];
}

/** One argument of a call printed one per line: `a,`, or a too-wide `f(x)` broken open as `f(` / `x,` / `),`. */
function argLines(indent: number, a: string): string[] {
  if (fits(indent, `${a},`)) return [`${IND}${a},`];
  const m = /^([A-Za-z_][A-Za-z0-9_:]*)\((.*)\)$/.exec(a);
  if (!m || /[(),]/.test(m[2] as string)) return [`${IND}${a},`];
  return [`${IND}${m[1] as string}(`, `${IND}${IND}${m[2] as string},`, `${IND}),`];
}

/**
 * A generic method call `head::<T>(args)tail` as a chain element: one line, else one argument per
 * line, else `T`'s outermost generic argument list broken open. rustfmt lays `T` out in the
 * element's shape: it breaks when longer than `typeWidth` (by default: when even `head::<T>(` is
 * too wide).
 */
export function genericCall(
  indent: number,
  head: string,
  type: string,
  args: readonly string[],
  tail: string,
  typeWidth?: number,
): string[] {
  const open = `${head}::<${type}>`;
  const one = call(indent, open, args, tail);
  if (typeWidth !== undefined ? type.length <= typeWidth : one.length === 1 || fits(indent, `${open}(`)) return one;
  // `Outer<A, B>`: break inside the outermost type's argument list.
  const g = splitGeneric(type);
  if (!g) return one;
  return [
    `${head}::<${g.outer}<`,
    ...g.args.flatMap((a) => withLast(typeLines(indent + 4, 0, a, 1), ',').map((l) => IND + l)),
    ...call(indent, '>>', args, tail),
  ];
}

/**
 * `prefix root.a().b() suffix` as rustfmt prints a method chain: on one line when it fits and is
 * at most chain_width wide, else each element on its own line one level deeper. A root no wider
 * than the indent width less the prefix takes the next element along.
 * Elements must each fit on their line (they are printed as given).
 */
export function chain(
  indent: number,
  prefix: string,
  root: string,
  elems: readonly string[],
  suffix: string,
): string[] {
  const text = root + elems.join('');
  if (text.length <= CHAIN_WIDTH && fits(indent, prefix + text + suffix)) return [prefix + text + suffix];
  let head = root;
  let rest = [...elems];
  // rustfmt: while the root is no wider than the indent width less what precedes it on the line
  // (`t: r` leaves 1), the next element joins it.
  const tabWidth = Math.max(0, IND.length - prefix.length);
  while (head.length <= tabWidth && rest.length > 0) {
    head += rest[0] as string;
    rest = rest.slice(1);
  }
  const lines = [prefix + head, ...rest.map((e) => IND + e)];
  lines[lines.length - 1] += suffix;
  return lines;
}

/** `head{ a: x, b: y }tail` on one line when the fields are at most struct_lit_width wide, else one field per line. */
export function structLit(indent: number, head: string, fields: readonly string[], tail: string): string[] {
  if (fields.length === 0) return [`${head}{}${tail}`];
  const joined = fields.join(', ');
  const one = `${head}{ ${joined} }${tail}`;
  if (joined.length <= STRUCT_LIT_WIDTH && fits(indent, one) && !fields.some((f) => f.includes('\n'))) return [one];
  return [
    `${head}{`,
    ...fields.flatMap((f) => f.split('\n').map((l, i, all) => `${IND}${l}${i === all.length - 1 ? ',' : ''}`)),
    `}${tail}`,
  ];
}

/** A match arm `pat => expr,` on one line when it fits, else rustfmt's block form. */
export function arm(indent: number, pat: string, expr: string): string[] {
  const one = `${pat} => ${expr},`;
  if (fits(indent, one)) return [one];
  return [`${pat} => {`, `${IND}${expr}`, '}'];
}

/** A struct field `head: type,` on one line when it fits, else the type on the next line, one level deeper. */
export function fieldDecl(indent: number, head: string, type: string): string[] {
  const one = `${head}: ${type},`;
  if (fits(indent, one)) return [one];
  return [`${head}:`, ...withLast(typeLines(indent + 4, 0, type, 1), ',').map((l) => IND + l)];
}

/** An enum's tuple variant `Name(Type),` on one line when it fits, else its field on its own line. */
export function tupleVariant(indent: number, name: string, type: string): string[] {
  const one = `${name}(${type}),`;
  if (fits(indent, one)) return [one];
  return [`${name}(`, ...withLast(typeLines(indent + 4, 0, type, 1), ',').map((l) => IND + l), '),'];
}
