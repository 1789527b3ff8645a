import type { Reporter } from './diagnostics.js';
import type { SourceFile } from './source.js';

export const enum T {
  Ident,
  String,
  Integer,
  Float,
  Punct,
  Eof,
}

/** Token flags. */
export const HAS_VALUE = 1;
export const NON_TRIVIAL = 2;
export const HAS_DOCS = 4;

/**
 * All tokens of a file in parallel typed arrays: no object per token, so lexing allocates almost
 * nothing for the garbage collector (which dominated front-end time with token objects). Text is
 * sliced from the source on demand; decoded string values and stand-ins live in `values`.
 */
/** Token `i`, a `{`, comes first or right after a `;` or `}` (see TokenBuffer.braceAfterBoundary). */
function opensAfterBoundary(codes: Uint8Array, i: number): boolean {
  return i === 0 || codes[i - 1] === 59 || codes[i - 1] === 125;
}

export class TokenBuffer {
  count = 0;
  kinds: Uint8Array;
  /** Punctuation: the character's code (`;` for a supplied one); 0 for other tokens. */
  codes: Uint8Array;
  flags: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** Decoded string literals, stand-ins for malformed literals, supplied `;`. */
  readonly values = new Map<number, string>();
  /** `///` lines directly before a token. */
  readonly docs = new Map<number, DocBlock>();
  /**
   * A `{` came first or right after a `;` or `}`: JSON data may follow the schema (the parser's
   * `hasTopLevelBrace` then looks closer). Set while lexing, so a schema without one skips that scan.
   */
  braceAfterBoundary = false;

  constructor(capacity: number) {
    this.kinds = new Uint8Array(capacity);
    this.codes = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  push(kind: T, start: number, end: number, flags: number, code = 0): number {
    if (this.count === this.kinds.length) this.grow();
    const i = this.count++;
    if (code === 123 && opensAfterBoundary(this.codes, i)) this.braceAfterBoundary = true;
    this.kinds[i] = kind;
    this.codes[i] = code;
    this.flags[i] = flags;
    this.starts[i] = start;
    this.ends[i] = end;
    return i;
  }

  private grow(): void {
    this.kinds = doubled(this.kinds);
    this.codes = doubled(this.codes);
    this.flags = doubled(this.flags);
    this.starts = doubled(this.starts);
    this.ends = doubled(this.ends);
  }
}

/** A copy of a typed array with twice the room. */
function doubled<A extends Uint8Array | Int32Array>(a: A): A {
  const b = new (a.constructor as new (n: number) => A)(a.length * 2);
  b.set(a);
  return b;
}

/** `///` lines (text after the third slash, verbatim) and where they start. */
export interface DocBlock {
  readonly lines: readonly string[];
  readonly start: number;
}

/** Punctuation tokens: 1 at each character's code. */
const PUNCT_TABLE = new Uint8Array(128);
for (const ch of '{}()[]<>,:;=.+-') PUNCT_TABLE[ch.charCodeAt(0)] = 1;

/** ASCII character classes: 1 = identifier start, 2 = digit. */
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) CLASS[c] = 1;
  else if (c >= 48 && c <= 57) CLASS[c] = 2;
}
function isIdentStart(c: number): boolean {
  return c < 128 && CLASS[c] === 1;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isXDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Tokenises a whole file following flatc's `Parser::Next()`: contextual keywords (everything is an
 * identifier), signed numbers, hex floats, both quote styles, doc comments only on their own line.
 * Lexical errors are reported and skipped so that parsing can continue.
 * `binary` marks text decoded byte-per-char (the file was not valid UTF-8): string literals are
 * then validated and decoded here.
 */
export class Lexer {
  private readonly src: string;
  private readonly binary: boolean;
  private readonly n: number;
  private i = 0;
  private seenNewline = true;
  private docs: string[] | undefined;
  private docStart = -1;
  /** Position of the next \r at or after the last comment (n when there is none). */
  private nextCR = -1;
  readonly tokens: TokenBuffer;

  constructor(
    private readonly file: SourceFile,
    private readonly reporter: Reporter,
  ) {
    this.binary = file.binary;
    this.src = file.text;
    this.n = this.src.length;
    // At most one token per character, plus Eof (a supplied `;` follows a string of at least one
    // character): the arrays never need to grow while lexing.
    this.tokens = new TokenBuffer(this.n + 2);
    // UTF-8 BOM (decoded as U+FEFF, or as three bytes in binary mode).
    const c0 = this.src.charCodeAt(0);
    if (c0 === 0xfeff) this.i = 1;
    else if (this.binary && this.src.startsWith('\u00ef\u00bb\u00bf')) this.i = 3;
    else if (this.binary ? c0 === 0xef : c0 >= 0xf000 && c0 <= 0xffff) {
      // flatc's SkipByteOrderMark: a first byte 0xEF must start EF BB BF (in valid UTF-8 the
      // byte leads U+F000..U+FFFF). The bytes of the broken mark are skipped.
      const end = this.binary && this.src.charCodeAt(1) === 0xbb ? 2 : 1;
      this.err('E001', 0, end, 'invalid utf-8 byte order mark');
      this.i = end;
    }
  }

  private err(
    code: 'E001' | 'E002' | 'E003' | 'E004' | 'E005' | 'E006',
    start: number,
    end: number,
    msg: string,
  ): void {
    this.reporter.report(code, { file: this.file, start, end }, msg);
  }

  /** `value` is kept only where the text is not the source slice (string values, stand-ins). */
  push(kind: T, value: string | undefined, start: number, end: number, trivial = true): void {
    let flags = trivial ? 0 : NON_TRIVIAL;
    if (value !== undefined) flags |= HAS_VALUE;
    if (this.docs !== undefined) flags |= HAS_DOCS;
    const code = kind !== T.Punct ? 0 : start === end ? 59 : this.src.charCodeAt(start);
    const i = this.tokens.push(kind, start, end, flags, code);
    if (value !== undefined) this.tokens.values.set(i, value);
    if (this.docs !== undefined) {
      this.tokens.docs.set(i, { lines: this.docs, start: this.docStart });
      this.docs = undefined;
    }
    this.seenNewline = false;
  }

  /** Lexes the whole file (lexical errors are reported and skipped); the last token is Eof. */
  // Written for a cold start (a one-shot `hms-gen check` runs mostly in V8's interpreter): one
  // loop over the file, the token arrays and state in locals, and the common tokens (names,
  // punctuation, numbers) stored inline. The arrays have room for every token a file can hold
  // (at most one per character, plus Eof), so they never move; the rare paths (doc comments,
  // strings, errors) go through push() with `count`/`seenNewline` synced around the call.
  tokenize(): TokenBuffer {
    const src = this.src;
    const n = this.n;
    const tb = this.tokens;
    const kinds = tb.kinds;
    const codes = tb.codes;
    const flags = tb.flags;
    const starts = tb.starts;
    const ends = tb.ends;
    let k = tb.count;
    let nl = this.seenNewline;
    let i = this.i;
    while (i < n) {
      const c = src.charCodeAt(i);
      // (a local copy of `this.docs === undefined` measured slower: keep the field read)
      if (c <= 32 && (c === 32 || c === 9 || c === 13 || c === 10)) {
        if (c === 10) nl = true;
        i++;
        while (i < n) {
          const e = src.charCodeAt(i);
          if (e === 32 || e === 9 || e === 13) i++;
          else if (e === 10) {
            nl = true;
            i++;
          } else break;
        }
        continue;
      }
      if (c < 128 && CLASS[c] === 1) {
        const start = i++;
        while (i < n) {
          const e = src.charCodeAt(i);
          if (e < 128 && CLASS[e] !== 0) i++;
          else break;
        }
        const e = src.charCodeAt(i);
        if (e >= 128 || WORD_JUNK[e] === 1) i = this.junkInName(start, i);
        if (this.docs === undefined) {
          // (kind, code and flags are 0, the arrays' initial value)
          starts[k] = start;
          ends[k] = i;
          k++;
          nl = false;
        } else {
          tb.count = k;
          this.push(T.Ident, undefined, start, i);
          k = tb.count;
          nl = false;
        }
        continue;
      }
      if (c < 128 && PUNCT_TABLE[c] === 1 && !((c === 43 || c === 45 || c === 46) && startsNumberOrSign(src, i))) {
        if (this.docs === undefined) {
          if (c === 123 && opensAfterBoundary(codes, k)) tb.braceAfterBoundary = true;
          kinds[k] = T.Punct;
          codes[k] = c;
          starts[k] = i;
          ends[k] = i + 1;
          k++;
          nl = false;
        } else {
          tb.count = k;
          this.push(T.Punct, undefined, i, i + 1);
          k = tb.count;
          nl = false;
        }
        i++;
        continue;
      }
      if (c >= 48 && c <= 57 && this.docs === undefined) {
        const end = lexNumber(src, i);
        if (numberKind !== -1 && end > i) {
          kinds[k] = numberKind;
          starts[k] = i;
          ends[k] = end;
          k++;
          nl = false;
          i = end;
          continue;
        }
      }
      // Everything else is rare: comments, strings, signs, malformed input, tokens after docs.
      tb.count = k;
      this.seenNewline = nl;
      i = this.rare(c, i);
      k = tb.count;
      nl = this.seenNewline;
    }
    tb.count = k;
    this.seenNewline = nl;
    this.push(T.Eof, undefined, n, n);
    this.i = n;
    return tb;
  }

  /** A name with illegal characters in it (`héalth`, `$mana`) is reported once and still read as one name, so the parser does not cascade. */
  private junkInName(start: number, from: number): number {
    const src = this.src;
    const n = this.n;
    let i = from;
    let badAt = -1;
    while (i < n) {
      const e = src.charCodeAt(i);
      if (e < 128 && CLASS[e] !== 0) i++;
      else if (isWordJunk(e) && (i > start || wordFollows(src, i))) {
        if (badAt < 0) badAt = i;
        i += e >= 0xd800 && e <= 0xdbff ? 2 : 1;
      } else break;
    }
    if (badAt >= 0) {
      const cp = src.codePointAt(badAt) as number;
      const shown = cp >= 32 && cp <= 126 ? String.fromCharCode(cp) : `code: ${cp}`;
      this.err('E001', badAt, badAt + (cp > 0xffff ? 2 : 1), `illegal character: ${shown}`);
    }
    return i;
  }

  /** One token (or comment, or run of junk) starting at `i` that the inline paths of tokenize() left; returns where it ends. */
  private rare(c: number, i: number): number {
    const src = this.src;
    const n = this.n;
    if (c === 47 /* / */) {
      const d = src.charCodeAt(i + 1);
      if (d === 47) {
        const start = i;
        // The comment ends at the line's \n or \r (found natively; the next \r is remembered,
        // so a file without any stays linear).
        let j = src.indexOf('\n', i + 2);
        if (j < 0) j = n;
        if (this.nextCR < i) {
          this.nextCR = src.indexOf('\r', i);
          if (this.nextCR < 0) this.nextCR = n;
        }
        if (this.nextCR < j) j = this.nextCR;
        if (src.charCodeAt(i + 2) === 47) {
          if (!this.seenNewline) {
            this.err('E005', start, j, 'a documentation comment should be on a line on its own');
          } else {
            if (this.docs === undefined) {
              this.docs = [];
              this.docStart = start;
            }
            this.docs.push(this.binary ? decodeLatin1Utf8(src.slice(i + 3, j)) : src.slice(i + 3, j));
          }
        }
        return j;
      }
      if (d === 42) {
        const close = src.indexOf('*/', i + 2);
        if (close < 0) {
          this.err('E004', i, i + 2, 'end of file in comment');
          return n;
        }
        const nl = src.indexOf('\n', i + 2);
        if (nl >= 0 && nl < close) this.seenNewline = true;
        return close + 2;
      }
    }
    if (isWordJunk(c) && wordFollows(src, i)) {
      const end = this.junkInName(i, i);
      this.push(T.Ident, undefined, i, end);
      return end;
    }
    if (c === 34 || c === 39) {
      // The usual literal (printable ASCII, no escapes) is its own source text; anything else
      // goes through lexString, which decodes escapes and reports what is wrong.
      const close = src.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close > 0 && isPlainAscii(src, i + 1, close)) {
        this.push(T.String, src.slice(i + 1, close), i, close + 1);
        return close + 1;
      }
      // An unterminated string produces no token: the loop then continues.
      return lexString(src, i, this.file, this.reporter, this.binary, this);
    }
    const hasSign = c === 43 || c === 45;
    if (hasSign && isIdentStart(src.charCodeAt(i + 1))) {
      // A sign before a name (-inf, -nan, -Enum) is its own token, as in flatc.
      this.push(T.Punct, undefined, i, i + 1);
      return i + 1;
    }
    if (isDigit(c) || hasSign || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
      const end = Math.max(lexNumber(src, i), i + 1);
      if (numberKind === -1) {
        this.err('E006', i, end, `invalid number: ${src.slice(i, end)}`);
        // Stand-in value so the parser and resolver do not report the same literal again.
        this.push(T.Integer, '0', i, end);
      } else {
        this.push(numberKind, undefined, i, end);
      }
      return end;
    }
    if (c < 128 && PUNCT_TABLE[c] === 1) {
      this.push(T.Punct, undefined, i, i + 1);
      return i + 1;
    }
    const ch = src[i] as string;
    // Skip a whole run of junk with one diagnostic (binary garbage would otherwise flood the cap).
    const start = i;
    const cp = src.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    const shown = cp >= 32 && cp <= 126 ? ch : `code: ${cp}`;
    this.err('E001', start, i, `illegal character: ${shown}`);
    while (i < n && isJunk(src.charCodeAt(i))) i++;
    return i;
  }
}

/** Every character in [from, to) is printable ASCII other than a backslash. */
function isPlainAscii(src: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const e = src.charCodeAt(k);
    if (e < 32 || e > 126 || e === 92) return false;
  }
  return true;
}

/** `+`, `-` or `.` that the slow path must look at: a sign (of a number or before a name) or a leading-dot number. */
function startsNumberOrSign(src: string, i: number): boolean {
  const c = src.charCodeAt(i);
  const d = src.charCodeAt(i + 1);
  if (c === 46) return d >= 48 && d <= 57;
  return true;
}

/** A character that cannot start any token. */
function isJunk(c: number): boolean {
  if (c !== c) return false; // NaN: end of input
  if (c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 || c === 47) return false;
  if (isIdentStart(c) || isDigit(c)) return false;
  return PUNCT_TABLE[c] !== 1;
}
/** Junk that may sit inside a name: non-ASCII letters, `$`, `@`, `#`, `?`, `!`, `` ` ``, `~`, `|`, `&`, `^`, `%`, `*`, `\\`. */
function isWordJunk(c: number): boolean {
  return isJunk(c) && c > 32 && c !== 127;
}
/** isWordJunk for ASCII, as a table (every non-ASCII code unit is word junk). */
const WORD_JUNK = new Uint8Array(128);
for (let c = 0; c < 128; c++) WORD_JUNK[c] = isWordJunk(c) ? 1 : 0;
function wordFollows(src: string, i: number): boolean {
  const e = src.charCodeAt(i + 1);
  return isIdentStart(e) || isDigit(e);
}

/** Kind of the number lexNumber() last read: T.Integer, T.Float, or -1 when malformed (no result object: the lexer runs cold). */
let numberKind: T.Integer | T.Float | -1 = -1;

/** Mirrors flatc's number scanner: decimal/hex integers, decimal and hex floats, optional sign. Returns the end; the kind is in `numberKind`. */
function lexNumber(src: string, pos: number): number {
  let i = pos;
  let c = src.charCodeAt(i++);
  let dotLvl = c === 46 ? 0 : 1;
  let startDigits = !isDigit(c) ? i : i - 1;
  if (!isDigit(c) && isDigit(src.charCodeAt(i))) {
    startDigits = i;
    c = src.charCodeAt(i++);
  }
  const useHex = dotLvl === 1 && c === 48 && (src.charCodeAt(i) | 32) === 120;
  if (useHex) startDigits = ++i;
  for (;;) {
    if (useHex) while (isXDigit(src.charCodeAt(i))) i++;
    else while (isDigit(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) === 46) {
      i++;
      if (--dotLvl >= 0) continue;
    }
    break;
  }
  if (dotLvl >= 0 && i > startDigits) {
    if (useHex && dotLvl === 0) startDigits = i;
    const e = src.charCodeAt(i) | 32;
    if ((useHex && e === 112) || (!useHex && e === 101)) {
      dotLvl = 0;
      i++;
      const s = src.charCodeAt(i);
      if (s === 43 || s === 45) i++;
      startDigits = i;
      while (isDigit(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) === 46) {
        i++;
        dotLvl = -1;
      }
    }
  }
  // A number glued to letters (12abc) is one malformed literal, not a number and a name.
  if (dotLvl >= 0 && i > startDigits && !isIdentStart(src.charCodeAt(i))) {
    numberKind = dotLvl ? T.Integer : T.Float;
    return i;
  }
  while (isIdentStart(src.charCodeAt(i)) || isDigit(src.charCodeAt(i))) i++;
  numberKind = -1;
  return i;
}

function lexString(
  src: string,
  pos: number,
  file: SourceFile,
  reporter: Reporter,
  binary: boolean,
  lexer: Lexer,
): number {
  const push = (kind: T, text: string, start: number, end: number, trivial?: boolean): void =>
    lexer.push(kind, text, start, end, trivial);
  const quote = src.charCodeAt(pos);
  let i = pos + 1;
  // The literal is assembled as UTF-8 bytes (flatc's \xHH inserts raw bytes) and validated at the end.
  const bytes: number[] = [];
  let trivial = true;
  let high = -1;
  let highAt = -1;
  let bad = false;
  const fail = (code: 'E002' | 'E003', at: number, end: number, msg: string) => {
    if (!bad) reporter.report(code, { file, start: at, end }, msg);
    bad = true;
  };
  const addCodePoint = (cp: number) => {
    if (cp < 0x80) bytes.push(cp);
    else for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
  };
  for (;;) {
    // An unterminated string still becomes a (empty) string token, so parsing goes on quietly.
    if (i >= src.length || src.charCodeAt(i) === 10) {
      return unterminated(src, pos, i, file, reporter, push);
    }
    const c = src.charCodeAt(i);
    if (c === quote) break;
    if (c < 32) {
      fail('E003', i, i + 1, 'illegal character in string constant');
      i++;
      continue;
    }
    if (c === 92 /* \ */) {
      trivial = false;
      const e = src[i + 1];
      if (high !== -1 && e !== 'u')
        fail('E003', highAt, highAt + 6, 'illegal Unicode sequence (unpaired high surrogate)');
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
        continue;
      }
      if (e === 'x') {
        const hex = src.slice(i + 2, i + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
          fail('E003', i, i + 2, 'escape code must be followed by 2 hex digits');
          i += 2;
          continue;
        }
        bytes.push(parseInt(hex, 16));
        i += 4;
        continue;
      }
      if (e === 'u') {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          fail('E003', i, i + 2, 'escape code must be followed by 4 hex digits');
          i += 2;
          continue;
        }
        const v = parseInt(hex, 16);
        if (v >= 0xd800 && v <= 0xdbff) {
          if (high !== -1) fail('E003', i, i + 6, 'illegal Unicode sequence (multiple high surrogates)');
          high = v;
          highAt = i;
        } else if (v >= 0xdc00 && v <= 0xdfff) {
          if (high === -1) fail('E003', i, i + 6, 'illegal Unicode sequence (unpaired low surrogate)');
          else {
            addCodePoint(0x10000 + ((high & 0x3ff) << 10) + (v & 0x3ff));
            high = -1;
          }
        } else {
          addCodePoint(v);
        }
        i += 6;
        continue;
      }
      fail('E003', i, i + 2, 'unknown escape code in string constant');
      i += 2;
      continue;
    }
    if (high !== -1) fail('E003', highAt, highAt + 6, 'illegal Unicode sequence (unpaired high surrogate)');
    if (c > 126) trivial = false;
    if (binary || c < 0x80) {
      bytes.push(c);
      i++;
    } else {
      const cp = src.codePointAt(i) as number;
      addCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  if (high !== -1) fail('E003', highAt, highAt + 6, 'illegal Unicode sequence (unpaired high surrogate)');
  i++;
  let text = '';
  if (!bad) {
    try {
      text = utf8.decode(Uint8Array.from(bytes));
    } catch {
      fail('E003', pos, i, 'illegal UTF-8 sequence');
    }
  }
  push(T.String, text, pos, i, trivial && !bad);
  return i;
}

/**
 * An unterminated string is assumed to end at the end of its line. A `;` ending that line is
 * given back to the parser; otherwise a zero-width `;` is supplied. Either way the declaration
 * ends there and nothing else is reported for this one mistake.
 */
function unterminated(
  src: string,
  pos: number,
  eol: number,
  file: SourceFile,
  reporter: Reporter,
  push: (kind: T, text: string, start: number, end: number, trivial?: boolean) => void,
): number {
  reporter.report('E002', { file, start: pos, end: eol }, 'unterminated string constant');
  let end = eol;
  while (end > pos + 1 && /[ \t\r]/.test(src[end - 1] as string)) end--;
  // The raw text stands in for the value, so the mistake is not reported again (e.g. as a bad length).
  if (src[end - 1] === ';' && end - 1 > pos) {
    push(T.String, src.slice(pos + 1, end - 1), pos, end - 1, false);
    return end - 1;
  }
  push(T.String, src.slice(pos + 1, eol).replace(/\r$/, ''), pos, eol, false);
  push(T.Punct, ';', eol, eol);
  return eol;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  n: 10,
  t: 9,
  r: 13,
  b: 8,
  f: 12,
  '"': 34,
  "'": 39,
  '\\': 92,
  '/': 47,
};

function decodeLatin1Utf8(s: string): string {
  try {
    return utf8.decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}
