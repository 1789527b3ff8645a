/**
 * Layout helpers that print the statement shapes the Rust backend emits exactly as rustfmt
 * (edition 2021, default style: max_width 100, 4-space indent, default width heuristics) would,
 * so the generator needs no rustfmt. Each returns lines relative to the caller's indentation;
 * `indent` is that indentation's width, needed to decide whether a line fits.
 */

export const MAX_WIDTH = 100;
/** rustfmt's `fn_call_width`: the arguments of a call on one line, at most. */
const FN_CALL_WIDTH = 60;
/** rustfmt's `chain_width`: a method chain on one line, at most. */
const CHAIN_WIDTH = 60;
/** rustfmt's `struct_lit_width`: the fields of a struct literal on one line, at most. */
const STRUCT_LIT_WIDTH = 18;
const IND = '    ';

export const fits = (indent: number, text: string): boolean => indent + text.length <= MAX_WIDTH;

/** `head(params)ret {` (ret with its leading ` -> `), or one parameter per line with a trailing comma. */
export function signature(indent: number, head: string, params: readonly string[], ret: string, end = ' {'): string[] {
  const one = `${head}(${params.join(', ')})${ret}${end}`;
  if (fits(indent, one)) return [one];
  return [`${head}(`, ...params.map((p) => `${IND}${p},`), `)${ret}${end}`];
}

/** `head(args)tail` for simple arguments (no closures or blocks), or one argument per line. */
export function call(indent: number, head: string, args: readonly string[], tail: string): string[] {
  const joined = args.join(', ');
  const one = `${head}(${joined})${tail}`;
  if (args.length === 0 || (fits(indent, one) && joined.length <= FN_CALL_WIDTH)) return [one];
  return [`${head}(`, ...args.map((a) => `${IND}${a},`), `)${tail}`];
}

/**
 * A generic method call `head::<T>(args)tail` as a chain element: one line, else one argument per
 * line, else (when even `head::<T>(` is too wide) `T`'s last generic argument list broken open.
 */
export function genericCall(indent: number, head: string, type: string, args: readonly string[], tail: string): string[] {
  const open = `${head}::<${type}>`;
  const one = call(indent, open, args, tail);
  if (one.length === 1 || fits(indent, `${open}(`)) return one;
  // `Outer<Inner>`: break inside the outermost type's argument list.
  const lt = type.indexOf('<');
  const outer = type.slice(0, lt);
  const inner = type.slice(lt + 1, -1);
  return [`${head}::<${outer}<`, `${IND}${inner},`, ...call(indent, '>>', args, tail)];
}

/**
 * `prefix root.a().b() suffix` as rustfmt prints a method chain: on one line when it fits and is
 * at most chain_width wide, else each element on its own line one level deeper. A root no wider
 * than the indent width (and at the start of the line) takes its first element along.
 * Elements must each fit on their line (they are printed as given).
 */
export function chain(indent: number, prefix: string, root: string, elems: readonly string[], suffix: string): string[] {
  const text = root + elems.join('');
  if (text.length <= CHAIN_WIDTH && fits(indent, prefix + text + suffix)) return [prefix + text + suffix];
  let head = root;
  let rest = [...elems];
  if (prefix === '' && head.length <= IND.length && rest.length > 0) {
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
  return [`${head}{`, ...fields.flatMap((f) => f.split('\n').map((l, i, all) => `${IND}${l}${i === all.length - 1 ? ',' : ''}`)), `}${tail}`];
}
