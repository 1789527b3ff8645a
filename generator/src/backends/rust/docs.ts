/**
 * Schema doc comments as rustdoc line bodies (what follows `///`). Schema docs are plain text, but
 * rustdoc reads Markdown: outside `code spans`, `[x]` would be an (unresolved) intra-doc link and
 * `<x>` an HTML tag, so both are escaped; a Markdown link `[text](url)` and an autolink `<https://…>`
 * are kept.
 */
export function docLines(documentation: readonly string[]): string[] {
  // A body must not start a new comment form (`///!`, `////`) or carry a carriage return.
  return documentation.map((d) => escapeMarkdown(d.replace(/\r/g, '')).replace(/^([/!])/, ' $1'));
}

function escapeMarkdown(line: string): string {
  // Odd segments of a split on backticks are code spans: left alone.
  return line
    .split('`')
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/(?<!\\)\[([^\]]*)\](?!\()/g, '\\[$1\\]').replace(/(?<!\\)<(?!https?:\/\/)/g, '\\<'),
    )
    .join('`');
}

/** `///` lines for `documentation`. */
export function docComments(documentation: readonly string[]): string[] {
  return docLines(documentation).map((d) => `///${d}`);
}
