/** A loaded schema file and fast offset → line/column mapping. */
export class SourceFile {
  readonly path: string;
  readonly text: string;
  /**
   * The file was not valid UTF-8 and `text` holds one character per byte: the lexer then validates
   * and decodes string literals and doc comments itself.
   */
  readonly binary: boolean;
  /** Offsets where lines start; computed on first use (a clean `check` never needs them). */
  private starts: Int32Array | undefined;
  private lastLine = 0;

  constructor(path: string, text: string, binary = false) {
    this.path = path;
    this.text = text;
    this.binary = binary;
  }

  private get lineStarts(): Int32Array {
    if (this.starts !== undefined) return this.starts;
    const text = this.text;
    let lines = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    const starts = new Int32Array(lines);
    let k = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
    this.starts = starts;
    return starts;
  }

  /** 1-based line and column (columns count UTF-16 code units, like editors do). */
  position(offset: number): { line: number; column: number } {
    const line = this.lineIndex(offset);
    return { line: line + 1, column: offset - (this.lineStarts[line] as number) + 1 };
  }

  /** 0-based line of an offset. */
  private lineIndex(offset: number): number {
    const starts = this.lineStarts;
    // Positions are mostly asked for in source order: try the line of the previous answer first.
    const last = this.lastLine;
    if ((starts[last] as number) <= offset && (last + 1 >= starts.length || (starts[last + 1] as number) > offset)) {
      return last;
    }
    if (last + 2 < starts.length && (starts[last + 1] as number) <= offset && (starts[last + 2] as number) > offset) {
      this.lastLine = last + 1;
      return last + 1;
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.lastLine = lo;
    return lo;
  }

  /** `position` plus the file: the IR's location record, in one object. */
  locate(offset: number): { readonly file: string; readonly line: number; readonly column: number } {
    const line = this.lineIndex(offset);
    return { file: this.path, line: line + 1, column: offset - (this.lineStarts[line] as number) + 1 };
  }

  /** The text of a 1-based line without its terminator; undefined past the last line. */
  lineText(line: number): string | undefined {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return undefined;
    const next = this.lineStarts[line];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}

/** A position inside a file; offsets are converted lazily, only when a diagnostic needs them. */
export interface Span {
  readonly file: SourceFile;
  readonly start: number;
  readonly end: number;
}
