/**
 * The naming toolkit every backend shares: the name order, word boundaries, and the two ways a
 * wanted name that is taken becomes a free one. A backend's own naming module (its keywords, its
 * case conventions) builds on these; none re-implements them.
 */

export { compareNames } from '../ir/model.js';

/** `HTTPServer2Go` → `HTTP_Server2_Go`: `_` at each lower→upper, digit→upper and acronym→word change. */
export function markWords(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2');
}

/** `wanted`, or `wanted` with `_` appended until `isTaken` says it is free. */
export function underscoreFree(wanted: string, isTaken: (name: string) => boolean): string {
  let n = wanted;
  while (isTaken(n)) n += '_';
  return n;
}

/**
 * Claims a name in `used`: `wanted`, or with `_` appended until it is neither in `used` nor
 * `alsoTaken` (first come keeps the name).
 */
export function claimUnderscored(
  used: Set<string>,
  wanted: string,
  alsoTaken: (name: string) => boolean = () => false,
): string {
  const n = underscoreFree(wanted, (c) => used.has(c) || alsoTaken(c));
  used.add(n);
  return n;
}

/** Hands out names within one scope, appending a number on collision (first come keeps the name). */
export class NumberedScope {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.taken.add(r);
  }

  /** `wanted`, else `wanted<separator>2`, `…3`, … whichever is free first. */
  claim(wanted: string, separator = ''): string {
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) name = `${wanted}${separator}${n}`;
    this.taken.add(name);
    return name;
  }
}
