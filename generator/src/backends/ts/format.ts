/**
 * Layout helpers that print the few statement shapes the TS backend emits exactly as Prettier 3
 * (printWidth 120, the repo's `.prettierrc.json`) would, so generated files pass `prettier --check`
 * without the generator depending on Prettier. Each returns lines relative to the caller's
 * indentation; `indent` is that indentation's width, needed to decide whether a line fits.
 */

export const PRINT_WIDTH = 120;
const INDENT = '  ';

const fits = (indent: number, text: string): boolean => indent + text.length <= PRINT_WIDTH;

/** `head(args)tail`, or when too wide one argument per line with a trailing comma. */
export function call(indent: number, head: string, args: readonly string[], tail: string): string[] {
  const one = `${head}(${args.join(', ')})${tail}`;
  if (args.length === 0 || fits(indent, one)) return [one];
  return [`${head}(`, ...args.map((a) => `${INDENT}${a},`), `)${tail}`];
}

/** `head(params): ret {`, or with one parameter per line. */
export function signature(indent: number, head: string, params: readonly string[], ret: string): string[] {
  return call(indent, head, params, `: ${ret} {`);
}

/**
 * `head { a; b } | { c; d };` for a union of object type literals (given as their entries), broken
 * as Prettier does: first onto the next line, then one member per line with a leading `|`, and a
 * member that is still too wide expanded to one entry per line.
 */
export function unionAlias(indent: number, head: string, members: readonly (readonly string[])[]): string[] {
  const literal = (entries: readonly string[]): string => `{ ${entries.join('; ')} }`;
  const one = `${head} ${members.map(literal).join(' | ')};`;
  if (members.length < 2 || fits(indent, one)) return [one];
  const next = `${members.map(literal).join(' | ')};`;
  if (fits(indent + INDENT.length, next)) return [head, `${INDENT}${next}`];
  return [
    head,
    ...members.flatMap((m, i) => {
      const end = i === members.length - 1 ? ';' : '';
      const line = `${INDENT}| ${literal(m)}${end}`;
      if (fits(indent, line)) return [line];
      return [`${INDENT}| {`, ...m.map((e) => `${INDENT.repeat(3)}${e};`), `${INDENT.repeat(2)}}${end}`];
    }),
  ];
}

/** A JSDoc block from `.fbs` doc comment lines (`/// text` arrives as ` text`). */
export function jsdoc(doc: readonly string[], extra: readonly string[] = []): string[] {
  const lines = doc.map((l) => (l.startsWith(' ') ? l.slice(1) : l).trimEnd().replace(/\*\//g, '*\\/'));
  if (lines.length > 0 && extra.length > 0) lines.push('');
  lines.push(...extra);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return [];
  if (lines.length === 1) return [`/** ${lines[0] as string} */`];
  return ['/**', ...lines.map((l) => (l === '' ? ' *' : ` * ${l}`)), ' */'];
}

/** Lines indented by `depth` levels, as one string ending in a newline (empty when no lines). */
export function block(lines: readonly string[], depth: number): string {
  const pad = INDENT.repeat(depth);
  return lines.map((l) => (l === '' ? '\n' : `${pad}${l}\n`)).join('');
}

/** `head{ a, b }tail` on one line when it fits (and `inline` allows), else one entry per line. */
export function objectLiteral(
  indent: number,
  head: string,
  entries: readonly string[],
  tail: string,
  inline: boolean,
): string[] {
  if (entries.length === 0) return [`${head}{}${tail}`];
  const one = `${head}{ ${entries.join(', ')} }${tail}`;
  if (inline && fits(indent, one)) return [one];
  return [`${head}{`, ...entries.map((e) => `${INDENT}${e},`), `}${tail}`];
}

/** Lines joined for a template slot, each indented by `depth` levels (no trailing newline). */
export function indented(lines: readonly string[], depth: number): string {
  return block(lines, depth).replace(/\n$/, '');
}
