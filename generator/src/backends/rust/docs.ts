/** Schema doc comments as rustdoc line bodies (what follows `///`). */
export function docLines(documentation: readonly string[]): string[] {
  // A body must not start a new comment form (`///!`, `////`) or carry a carriage return.
  return documentation.map((d) => d.replace(/\r/g, '').replace(/^([/!])/, ' $1'));
}

/** `///` lines for `documentation`. */
export function docComments(documentation: readonly string[]): string[] {
  return docLines(documentation).map((d) => `///${d}`);
}
