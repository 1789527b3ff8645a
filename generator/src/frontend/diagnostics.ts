import { codeInfo, type DiagnosticCode } from './codes.js';
import { SourceFile, type Span } from './source.js';

export type Severity = 'error' | 'warning';

/** A located message; `line`/`column` are 1-based. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Width of the offending text, for the caret underline (≥ 1). */
  readonly length: number;
}

/** Thrown to abandon the current file once the error cap is reached. */
export class TooManyErrors extends Error {}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  errorCount = 0;
  constructor(readonly maxErrors: number) {}

  report(code: DiagnosticCode, span: Span, message: string): void {
    const info = codeInfo(code);
    const { line, column } = span.file.position(span.start);
    const lineEnd = span.file.text.indexOf('\n', span.start);
    const maxLen = (lineEnd < 0 ? span.file.text.length : lineEnd) - span.start;
    const length = Math.max(1, Math.min(span.end - span.start, maxLen));
    this.diagnostics.push({
      code,
      severity: info.severity,
      message: clipWords(message),
      file: span.file.path,
      line,
      column,
      length,
    });
    if (info.severity === 'error') {
      this.errorCount++;
      if (this.errorCount >= this.maxErrors) {
        this.diagnostics.push({
          code: 'E099',
          severity: 'error',
          message: `too many errors (${this.maxErrors}); stopped`,
          file: span.file.path,
          line,
          column,
          length: 1,
        });
        throw new TooManyErrors();
      }
    }
  }
}

/** Names quoted in messages can be megabytes long (fuzzed input); keep messages readable. */
function clipWords(message: string): string {
  return message.length <= 400
    ? message
    : message.replace(/[^\s]{81,}/g, (w) => `${w.slice(0, 60)}…(${w.length} chars)`);
}

/** `path:line:col: error[E0xx]: message`, then the source line and a caret under the column. */
/**
 * Text safe for a terminal: control characters other than tab (ESC, BEL, CR, ...) become their
 * Unicode control pictures (U+2400-U+241F, U+2421 for DEL), one character each, so a schema cannot
 * drive the terminal and the caret under the source line stays in place.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, (c) =>
    String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)),
  );
}

export function renderDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const head = `${printable(d.file)}:${d.line}:${d.column}: ${d.severity}[${d.code}]: ${printable(d.message)}`;
  const text = sources.get(d.file);
  if (text === undefined) return head;
  const line = lineOf(d.file, text, d.line);
  if (line === undefined) return head;
  const clipped = line.length > 200 ? clip(line, d.column) : { text: line, column: d.column };
  const shown = { text: printable(clipped.text), column: clipped.column };
  const gutter = String(d.line);
  const pad = ' '.repeat(gutter.length);
  const prefix = shown.text.slice(0, shown.column - 1).replace(/[^\t]/g, ' ');
  const width = Math.max(1, Math.min(d.length, shown.text.length - shown.column + 1, 200));
  return `${head}\n${pad} |\n${gutter} | ${shown.text}\n${pad} | ${prefix}${'^'.repeat(width)}`;
}

/** Line starts of the text rendered last: a run renders many diagnostics of the same file. */
/** The file rendered last: a run renders many diagnostics of the same file. */
let cached: SourceFile | undefined;

function lineOf(path: string, text: string, line: number): string | undefined {
  if (cached?.text !== text) cached = new SourceFile(path, text);
  return cached.lineText(line);
}

/** Very long lines (1 MB identifiers) are shown as a window around the column. */
function clip(line: string, column: number): { text: string; column: number } {
  const from = Math.max(0, column - 1 - 80);
  const to = Math.min(line.length, column - 1 + 80);
  const lead = from > 0 ? '…' : '';
  const tail = to < line.length ? '…' : '';
  return { text: lead + line.slice(from, to) + tail, column: column - from + lead.length };
}

/**
 * Diagnostics as hms-gen prints them: each rendered, then the counts (`2 errors, 1 warning`); ''
 * when there are none. One string, written at once (many small writes to a pipe cost more than a compile).
 */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): string {
  if (diagnostics.length === 0) return '';
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const lines = diagnostics.map((d) => renderDiagnostic(d, sources));
  lines.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return lines.join('\n');
}
