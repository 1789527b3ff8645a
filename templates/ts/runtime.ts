/**
 * Support code of the generated codecs: bounds-checked reads for the `decode*` functions and
 * vector helpers for the `encode*`/`write*` functions. Not a public API of its own.
 */

/** Thrown by every generated `decode*` function when the bytes are not a valid buffer of the requested type. */
export class DecodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DecodeError';
  }
}

/** Thrown by the generated `encode*`/`write*` functions for a value the schema cannot represent. */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

/** Limits of the FlatBuffers verifier: decoding work stays bounded even for hostile buffers. */
const MAX_DEPTH = 64;
const MAX_TABLES = 1000000;

export type NumKind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'f32' | 'f64';
export type BigKind = 'i64' | 'u64';

const SIZE: Readonly<Record<NumKind | BigKind, number>> = {
  i8: 1,
  u8: 1,
  i16: 2,
  u16: 2,
  i32: 4,
  u32: 4,
  f32: 4,
  f64: 8,
  i64: 8,
  u64: 8,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** V8's longest string (`String.prototype.length` of at most 2^29 - 24). */
const MAX_STRING_LENGTH = 0x1fffffe8;

type ReadAt<T> = (r: Reader, pos: number) => T;

// Decoding from the same memory again and again (an FFI binding's scratch buffer) reuses one
// DataView instead of creating one per decode. Reads are still bounded by `bytes.length`.
// The same Uint8Array again (the bindings' cached result views) is recognised by identity first:
// reading `.buffer` costs more than the rest of a small decode. Only buffers up to
// `VIEW_CACHE_LIMIT` are remembered: a cached view keeps its buffer alive until the next decode,
// and a 200 MB response must not stay for the life of the process.
const VIEW_CACHE_LIMIT = 4 * 1024 * 1024;
let lastBytes: Uint8Array | undefined;
let lastBytesView: DataView | undefined;
let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;

function viewOf(bytes: Uint8Array): DataView {
  if (bytes === lastBytes) return lastBytesView as DataView;
  const view = viewOfBuffer(bytes);
  if (bytes.byteLength <= VIEW_CACHE_LIMIT) {
    lastBytes = bytes;
    lastBytesView = view;
  }
  return view;
}

function viewOfBuffer(bytes: Uint8Array): DataView {
  if (bytes.byteOffset === 0 && bytes.buffer === lastBuffer && lastView !== undefined) return lastView;
  const buffer = bytes.buffer;
  const view = new DataView(buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteOffset !== 0 || buffer.byteLength > VIEW_CACHE_LIMIT) return view;
  lastBuffer = buffer;
  // A prefix of a larger buffer (a result in a scratch buffer): cache a view of the whole buffer.
  lastView = bytes.byteLength === buffer.byteLength ? view : new DataView(buffer);
  return lastView;
}

/**
 * The ASCII bytes `b[p, p + n)` as a string: `String.fromCharCode` with up to 16 bytes as separate
 * arguments (V8 builds the string in one step), instead of a call and a concatenation per byte.
 */
function ascii(b: Uint8Array, p: number, n: number): string {
  let s = '';
  while (n > 16) {
    s += ascii16(b, p, 16);
    p += 16;
    n -= 16;
  }
  return s === '' ? ascii16(b, p, n) : s + ascii16(b, p, n);
}

function ascii16(b: Uint8Array, p: number, n: number): string {
  switch (n) {
    case 1:
      return String.fromCharCode(b[p] as number);
    case 2:
      return String.fromCharCode(b[p] as number, b[p + 1] as number);
    case 3:
      return String.fromCharCode(b[p] as number, b[p + 1] as number, b[p + 2] as number);
    case 4:
      return String.fromCharCode(b[p] as number, b[p + 1] as number, b[p + 2] as number, b[p + 3] as number);
    case 5:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
      );
    case 6:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
      );
    case 7:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
      );
    case 8:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
      );
    case 9:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
      );
    case 10:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
        b[p + 9] as number,
      );
    case 11:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
        b[p + 9] as number,
        b[p + 10] as number,
      );
    case 12:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
        b[p + 9] as number,
        b[p + 10] as number,
        b[p + 11] as number,
      );
    case 13:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
        b[p + 9] as number,
        b[p + 10] as number,
        b[p + 11] as number,
        b[p + 12] as number,
      );
    case 14:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
        b[p + 9] as number,
        b[p + 10] as number,
        b[p + 11] as number,
        b[p + 12] as number,
        b[p + 13] as number,
      );
    case 15:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
        b[p + 9] as number,
        b[p + 10] as number,
        b[p + 11] as number,
        b[p + 12] as number,
        b[p + 13] as number,
        b[p + 14] as number,
      );
    case 16:
      return String.fromCharCode(
        b[p] as number,
        b[p + 1] as number,
        b[p + 2] as number,
        b[p + 3] as number,
        b[p + 4] as number,
        b[p + 5] as number,
        b[p + 6] as number,
        b[p + 7] as number,
        b[p + 8] as number,
        b[p + 9] as number,
        b[p + 10] as number,
        b[p + 11] as number,
        b[p + 12] as number,
        b[p + 13] as number,
        b[p + 14] as number,
        b[p + 15] as number,
      );
    default:
      return '';
  }
}

/** Little-endian reads over one buffer; every read is checked against the buffer's bounds. */
export class Reader {
  /** Little-endian view of `bytes` (the generated fast paths read through it after their own checks). */
  readonly view: DataView;
  private depth = 0;
  private tables = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = viewOf(bytes);
  }

  check(pos: number, length: number, what: string): void {
    if (pos < 0 || length < 0 || pos + length > this.bytes.length) {
      const size = this.bytes.length;
      throw new DecodeError(`${what} at offset ${pos} (${length} bytes) lies outside the ${size}-byte buffer`);
    }
  }

  num<T extends number = number>(pos: number, kind: NumKind): T {
    this.check(pos, SIZE[kind], kind);
    const v = this.view;
    switch (kind) {
      case 'i8':
        return v.getInt8(pos) as T;
      case 'u8':
        return v.getUint8(pos) as T;
      case 'i16':
        return v.getInt16(pos, true) as T;
      case 'u16':
        return v.getUint16(pos, true) as T;
      case 'i32':
        return v.getInt32(pos, true) as T;
      case 'u32':
        return v.getUint32(pos, true) as T;
      case 'f32':
        return v.getFloat32(pos, true) as T;
      case 'f64':
        return v.getFloat64(pos, true) as T;
    }
  }

  big<T extends bigint = bigint>(pos: number, kind: BigKind): T {
    this.check(pos, 8, kind);
    return (kind === 'i64' ? this.view.getBigInt64(pos, true) : this.view.getBigUint64(pos, true)) as T;
  }

  bool(pos: number): boolean {
    return this.num(pos, 'u8') !== 0;
  }

  /** The position the unsigned offset stored at `pos` points to. */
  deref(pos: number): number {
    return pos + this.num(pos, 'u32');
  }

  string(pos: number): string {
    const length = this.num(pos, 'u32');
    // The verifier also requires the terminating zero byte to be inside the buffer.
    this.check(pos + 4, length + 1, 'string');
    // Short ASCII strings (names, ids, tags) are built directly: TextDecoder's call costs more than
    // the bytes. Anything else goes through the validating decoder.
    if (length <= 64) {
      const b = this.bytes;
      const start = pos + 4;
      let all = 0;
      for (let i = 0; i < length; i++) all |= b[start + i] as number;
      if (all < 0x80) return ascii(b, start, length);
    }
    try {
      return utf8.decode(this.bytes.subarray(pos + 4, pos + 4 + length));
    } catch (e) {
      // TextDecoder throws a TypeError for bad UTF-8; anything else is V8 refusing the string's
      // size (`Cannot create a string longer than 0x1fffffe8 characters`, ERR_STRING_TOO_LONG).
      if (e instanceof TypeError) throw new DecodeError(`string at offset ${pos} is not valid UTF-8`);
      throw new DecodeError(
        `string at offset ${pos} (${length} bytes) is longer than a JavaScript string can be ` +
          `(${MAX_STRING_LENGTH} UTF-16 units): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** The length of the vector at `pos` (its elements start at `pos + 4`), checked against the buffer. */
  vector(pos: number, elementSize: number, what: string): number {
    const length = this.num(pos, 'u32');
    this.check(pos + 4, length * elementSize, what);
    return length;
  }

  nums<T extends number = number>(pos: number, kind: NumKind, length: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < length; i++) out.push(this.num<T>(pos + i * SIZE[kind], kind));
    return out;
  }

  bigs<T extends bigint = bigint>(pos: number, kind: BigKind, length: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < length; i++) out.push(this.big<T>(pos + i * 8, kind));
    return out;
  }

  bools(pos: number, length: number): boolean[] {
    const out: boolean[] = [];
    for (let i = 0; i < length; i++) out.push(this.bool(pos + i));
    return out;
  }

  structs<T>(pos: number, size: number, length: number, read: ReadAt<T>): T[] {
    const out: T[] = [];
    for (let i = 0; i < length; i++) out.push(read(this, pos + i * size));
    return out;
  }

  /** Enters the table at `pos`; its reader calls `leave()` when done. */
  table(pos: number, what: string): Table {
    if (++this.depth > MAX_DEPTH) throw new DecodeError(`${what}: tables nested deeper than ${MAX_DEPTH}`);
    if (++this.tables > MAX_TABLES) throw new DecodeError(`${what}: more than ${MAX_TABLES} tables`);
    // Direct reads, each after the bounds check it needs (tables are the most frequent read).
    const n = this.bytes.length;
    if (pos < 0 || pos + 4 > n) this.check(pos, 4, what);
    const vtable = pos - this.view.getInt32(pos, true);
    if (vtable < 0 || vtable + 4 > n) this.check(vtable, 4, `${what} vtable`);
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0) {
      throw new DecodeError(`${what} at offset ${pos}: invalid vtable size ${vtableSize}`);
    }
    if (vtable + vtableSize > n) this.check(vtable, vtableSize, `${what} vtable`);
    if (pos + (tableSize > 4 ? tableSize : 4) > n) this.check(pos, Math.max(tableSize, 4), what);
    return new Table(this, pos, vtable, vtableSize);
  }

  leave(): void {
    this.depth--;
  }
}

/** The fields of one table, by vtable offset. */
export class Table {
  constructor(
    private readonly r: Reader,
    readonly pos: number,
    private readonly vtable: number,
    private readonly vtableSize: number,
  ) {}

  /** Position of the field at vtable offset `slot`, or null when it is absent. */
  field(slot: number): number | null {
    if (slot >= this.vtableSize) return null;
    // The whole vtable was bounds-checked when the table was entered.
    const rel = this.r.view.getUint16(this.vtable + slot, true);
    return rel === 0 ? null : this.pos + rel;
  }

  // One method per scalar kind (the generated readers call these): no switch on the kind per read.
  i8<T extends number = number>(slot: number, dflt: T): T {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 1, 'i8');
    return this.r.view.getInt8(p) as T;
  }

  u8<T extends number = number>(slot: number, dflt: T): T {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 1, 'u8');
    return this.r.view.getUint8(p) as T;
  }

  i16<T extends number = number>(slot: number, dflt: T): T {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 2, 'i16');
    return this.r.view.getInt16(p, true) as T;
  }

  u16<T extends number = number>(slot: number, dflt: T): T {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 2, 'u16');
    return this.r.view.getUint16(p, true) as T;
  }

  i32<T extends number = number>(slot: number, dflt: T): T {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 4, 'i32');
    return this.r.view.getInt32(p, true) as T;
  }

  u32<T extends number = number>(slot: number, dflt: T): T {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 4, 'u32');
    return this.r.view.getUint32(p, true) as T;
  }

  f32(slot: number, dflt: number): number {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 4, 'f32');
    return this.r.view.getFloat32(p, true);
  }

  f64(slot: number, dflt: number): number {
    const p = this.field(slot);
    if (p === null) return dflt;
    this.r.check(p, 8, 'f64');
    return this.r.view.getFloat64(p, true);
  }

  /** The position an offset field points to, or null when it is absent. */
  offset(slot: number): number | null {
    const p = this.field(slot);
    return p === null ? null : this.r.deref(p);
  }

  num<T extends number = number>(slot: number, kind: NumKind, dflt: T): T {
    const p = this.field(slot);
    return p === null ? dflt : this.r.num<T>(p, kind);
  }

  numOrNull<T extends number = number>(slot: number, kind: NumKind): T | null {
    const p = this.field(slot);
    return p === null ? null : this.r.num<T>(p, kind);
  }

  big<T extends bigint = bigint>(slot: number, kind: BigKind, dflt: T): T {
    const p = this.field(slot);
    return p === null ? dflt : this.r.big<T>(p, kind);
  }

  bigOrNull<T extends bigint = bigint>(slot: number, kind: BigKind): T | null {
    const p = this.field(slot);
    return p === null ? null : this.r.big<T>(p, kind);
  }

  bool(slot: number, dflt: boolean): boolean {
    const p = this.field(slot);
    return p === null ? dflt : this.r.bool(p);
  }

  boolOrNull(slot: number): boolean | null {
    const p = this.field(slot);
    return p === null ? null : this.r.bool(p);
  }

  string(slot: number): string | null {
    const p = this.offset(slot);
    return p === null ? null : this.r.string(p);
  }

  struct<T>(slot: number, read: ReadAt<T>): T | null {
    const p = this.field(slot);
    return p === null ? null : read(this.r, p);
  }

  table<T>(slot: number, read: ReadAt<T>): T | null {
    const p = this.offset(slot);
    return p === null ? null : read(this.r, p);
  }

  union<T>(typeSlot: number, slot: number, read: (r: Reader, type: number, pos: number | null) => T): T {
    return read(this.r, this.num(typeSlot, 'u8', 0), this.offset(slot));
  }

  bytes(slot: number): Uint8Array | null {
    const p = this.offset(slot);
    if (p === null) return null;
    const length = this.r.vector(p, 1, 'vector');
    return this.r.bytes.slice(p + 4, p + 4 + length);
  }

  numbers<T extends number = number>(slot: number, kind: NumKind): T[] | null {
    const p = this.offset(slot);
    return p === null ? null : this.r.nums<T>(p + 4, kind, this.r.vector(p, SIZE[kind], 'vector'));
  }

  bigints<T extends bigint = bigint>(slot: number, kind: BigKind): T[] | null {
    const p = this.offset(slot);
    return p === null ? null : this.r.bigs<T>(p + 4, kind, this.r.vector(p, 8, 'vector'));
  }

  booleans(slot: number): boolean[] | null {
    const p = this.offset(slot);
    return p === null ? null : this.r.bools(p + 4, this.r.vector(p, 1, 'vector'));
  }

  structs<T>(slot: number, size: number, read: ReadAt<T>): T[] | null {
    const p = this.offset(slot);
    return p === null ? null : this.r.structs(p + 4, size, this.r.vector(p, size, 'vector'), read);
  }

  strings(slot: number): string[] | null {
    return this.tables(slot, (r, pos) => r.string(pos));
  }

  tables<T>(slot: number, read: ReadAt<T>): T[] | null {
    const p = this.offset(slot);
    if (p === null) return null;
    const length = this.r.vector(p, 4, 'vector');
    const out: T[] = [];
    for (let i = 0; i < length; i++) out.push(read(this.r, this.r.deref(p + 4 + i * 4)));
    return out;
  }
}

/** A present value, or a DecodeError naming the missing required field. */
export function need<T>(value: T | null, what: string): T {
  if (value === null) throw new DecodeError(`${what}: required field is missing`);
  return value;
}

/** `value`, or `dflt` when the field is absent (defaulted strings and vectors). */
export function or<T>(value: T | null, dflt: T): T {
  return value === null ? dflt : value;
}

/** The union member reader's error for a discriminant it does not know. */
export function unknownMember(union: string, type: number): DecodeError {
  return new DecodeError(`${union}: unknown union member ${type}`);
}

/** Decodes the root table of a finished buffer; any failure becomes a DecodeError. */
export function decode<T>(bytes: Uint8Array, read: ReadAt<T>, identifier: string | null): T {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected a Uint8Array');
  if (bytes.length < 8) throw new DecodeError(`a buffer of ${bytes.length} bytes is too short for a FlatBuffer`);
  if (identifier !== null) {
    const found = String.fromCharCode(...bytes.subarray(4, 8));
    if (found !== identifier) {
      throw new DecodeError(`file identifier is ${JSON.stringify(found)}, expected "${identifier}"`);
    }
  }
  const r = new Reader(bytes);
  try {
    return read(r, r.deref(0));
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`invalid buffer: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** What a generated union writer returns: the discriminant and the member's offset. */
export interface UnionRef {
  readonly type: number;
  readonly offset: number;
}

/**
 * The builder methods the generated `write*` functions call. The runtime's `Builder` has them, and
 * so has the npm `flatbuffers` package's `Builder`: a generated table can be written into a buffer
 * that code generated by flatc is building (the bytes are the same either way, tests/emit-ts.test.ts).
 */
export interface FlatBuilder {
  prep(size: number, additional: number): void;
  pad(n: number): void;
  writeInt8(value: number): void;
  writeInt16(value: number): void;
  writeInt32(value: number): void;
  writeInt64(value: bigint): void;
  writeFloat32(value: number): void;
  writeFloat64(value: number): void;
  addOffset(offset: number): void;
  offset(): number;
  startObject(slots: number): void;
  addFieldInt8(slot: number, value: number, dflt: number | null): void;
  addFieldInt16(slot: number, value: number, dflt: number | null): void;
  addFieldInt32(slot: number, value: number, dflt: number | null): void;
  addFieldInt64(slot: number, value: bigint, dflt: bigint | null): void;
  addFieldFloat32(slot: number, value: number, dflt: number | null): void;
  addFieldFloat64(slot: number, value: number, dflt: number | null): void;
  addFieldOffset(slot: number, offset: number, dflt: number): void;
  addFieldStruct(slot: number, offset: number, dflt: number): void;
  endObject(): number;
  startVector(elementSize: number, length: number, alignment: number): void;
  endVector(): number;
  createString(value: string): number;
  createByteVector(value: Uint8Array): number;
}

type Write<T> = (builder: FlatBuilder, value: T) => number;

const utf8Encoder = new TextEncoder();

/**
 * Builds a FlatBuffer back to front, as the reference builders do (the npm `flatbuffers` Builder
 * and flatc's): children before their parents, fields of a table between `startObject` and
 * `endObject`, vtables shared between tables with identical ones. Offsets are counted from the
 * end of the buffer, so they stay valid when it grows.
 *
 * The generated writers call it the way they would call the npm `Builder` and it produces the same
 * bytes; it exists because that Builder cost more than an FFI call per small message
 * (docs/ffi-performance.md): byte-wise writes, a fresh vtable list per buffer, a view allocated for
 * the result. This one writes through one DataView, keeps its vtable array, and its finished bytes
 * are a cached view of its own buffer.
 */
export class Builder implements FlatBuilder {
  private bytes: Uint8Array;
  private view: DataView;
  /** Start of the written part: bytes `[head, bytes.length)` hold the buffer built so far. */
  private head: number;
  private minalign = 1;
  /** Per field slot of the open table: the offset its value was written at, 0 when absent. */
  private vtable = new Int32Array(16);
  private slots = 0;
  private objectStart = -1;
  /** Offsets of the vtables written so far (the candidates for sharing). */
  private vtables: number[] = [];
  private vtableCount = 0;
  private vectorLength = 0;
  // Views of the finished buffer, one per start position: a new view per encode cost more than
  // the encoding of a small message. Dropped when the buffer grows.
  private tails: Uint8Array[] = [];
  private utf8Scratch = new Uint8Array(256);

  private readonly initialSize: number;

  constructor(initialSize = 1024) {
    this.initialSize = initialSize;
    this.bytes = new Uint8Array(initialSize);
    this.view = new DataView(this.bytes.buffer);
    this.head = initialSize;
  }

  /**
   * Gives back memory an oversized buffer left behind: a buffer (or UTF-8 scratch, or vtable list)
   * grown past `keep` bytes goes back to its initial size, so one 100 MB message does not hold
   * ~3x that for the life of the process. Clears the builder.
   */
  shrink(keep: number): void {
    if (this.bytes.length > keep) {
      this.bytes = new Uint8Array(this.initialSize);
      this.view = new DataView(this.bytes.buffer);
      this.tails = [];
    }
    if (this.utf8Scratch.length > keep) this.utf8Scratch = new Uint8Array(256);
    if (this.vtables.length * 8 > keep) this.vtables = [];
    this.clear();
  }

  /** Whether `view` is a view of this builder's buffer. */
  owns(view: Uint8Array): boolean {
    return view.buffer === this.bytes.buffer;
  }

  /** Bytes of memory this builder holds (its buffer and UTF-8 scratch). */
  get retainedBytes(): number {
    return this.bytes.length + this.utf8Scratch.length;
  }

  /** Forgets everything written; the memory is kept for the next buffer. */
  clear(): void {
    this.head = this.bytes.length;
    this.minalign = 1;
    this.slots = 0;
    this.objectStart = -1;
    this.vtableCount = 0;
    this.vectorLength = 0;
  }

  /** The offset of what was written last (its distance from the end of the buffer). */
  offset(): number {
    return this.bytes.length - this.head;
  }

  /** Pads so that `size` bytes written after `additional` more bytes are aligned to `size`. */
  prep(size: number, additional: number): void {
    if (size > this.minalign) this.minalign = size;
    const alignSize = (~(this.bytes.length - this.head + additional) + 1) & (size - 1);
    if (this.head < alignSize + size + additional) this.grow(alignSize + size + additional);
    for (let i = 0; i < alignSize; i++) this.bytes[--this.head] = 0;
  }

  private grow(needed: number): void {
    const old = this.bytes;
    let size = old.length * 2;
    while (size - old.length + this.head < needed) size *= 2;
    if (size > 0x7fffffff) throw new EncodeError('a FlatBuffer cannot grow beyond 2 GiB');
    const bytes = new Uint8Array(size);
    bytes.set(old, size - old.length);
    this.head += size - old.length;
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
    this.tails = [];
  }

  pad(n: number): void {
    for (let i = 0; i < n; i++) this.bytes[--this.head] = 0;
  }

  // Raw writes: the caller prepared the room (`prep`).
  writeInt8(value: number): void {
    this.bytes[--this.head] = value;
  }

  writeInt16(value: number): void {
    this.view.setInt16((this.head -= 2), value, true);
  }

  writeInt32(value: number): void {
    this.view.setInt32((this.head -= 4), value, true);
  }

  writeInt64(value: bigint): void {
    this.view.setBigInt64((this.head -= 8), value, true);
  }

  writeFloat32(value: number): void {
    this.view.setFloat32((this.head -= 4), value, true);
  }

  writeFloat64(value: number): void {
    this.view.setFloat64((this.head -= 8), value, true);
  }

  /** An offset to something written earlier, relative to where it is stored. */
  addOffset(offset: number): void {
    this.prep(4, 0);
    this.writeInt32(this.offset() - offset + 4);
  }

  startObject(slots: number): void {
    if (this.objectStart >= 0) throw new EncodeError('a table cannot be written inside another one');
    if (slots > this.vtable.length) this.vtable = new Int32Array(slots);
    // A loop, not fill(): for the few slots of a table the builtin's call costs more.
    const vtable = this.vtable;
    for (let i = 0; i < slots; i++) vtable[i] = 0;
    this.slots = slots;
    this.objectStart = this.offset();
  }

  // Fields of the open table; a value equal to its default is left out, as the reference builders
  // do (floats compare by bits, so -0 is kept when the default is 0).
  addFieldInt8(slot: number, value: number, dflt: number | null): void {
    if (value === dflt) return;
    this.prep(1, 0);
    this.bytes[--this.head] = value;
    this.vtable[slot] = this.offset();
  }

  addFieldInt16(slot: number, value: number, dflt: number | null): void {
    if (value === dflt) return;
    this.prep(2, 0);
    this.view.setInt16((this.head -= 2), value, true);
    this.vtable[slot] = this.offset();
  }

  addFieldInt32(slot: number, value: number, dflt: number | null): void {
    if (value === dflt) return;
    this.prep(4, 0);
    this.view.setInt32((this.head -= 4), value, true);
    this.vtable[slot] = this.offset();
  }

  addFieldInt64(slot: number, value: bigint, dflt: bigint | null): void {
    if (value === dflt) return;
    this.prep(8, 0);
    this.view.setBigInt64((this.head -= 8), value, true);
    this.vtable[slot] = this.offset();
  }

  addFieldFloat32(slot: number, value: number, dflt: number | null): void {
    if (value === dflt && (value !== 0 || 1 / value === 1 / dflt)) return;
    this.prep(4, 0);
    this.view.setFloat32((this.head -= 4), value, true);
    this.vtable[slot] = this.offset();
  }

  addFieldFloat64(slot: number, value: number, dflt: number | null): void {
    if (value === dflt && (value !== 0 || 1 / value === 1 / dflt)) return;
    this.prep(8, 0);
    this.view.setFloat64((this.head -= 8), value, true);
    this.vtable[slot] = this.offset();
  }

  addFieldOffset(slot: number, offset: number, dflt: number): void {
    if (offset === dflt) return;
    this.addOffset(offset);
    this.vtable[slot] = this.offset();
  }

  /** A struct field: the struct was just written in place (its writer returned `offset`). */
  addFieldStruct(slot: number, offset: number, dflt: number): void {
    if (offset === dflt) return;
    if (offset !== this.offset()) throw new EncodeError('a struct field must be written inside its table');
    this.vtable[slot] = offset;
  }

  /** Closes the open table: writes its vtable (or points it at an identical earlier one). */
  endObject(): number {
    if (this.objectStart < 0) throw new EncodeError('endObject without startObject');
    const vtable = this.vtable;
    let n = this.slots;
    while (n > 0 && vtable[n - 1] === 0) n--;
    const size = (n + 2) * 2;
    // Room for the table's soffset (4-aligned) and the vtable below it; after the soffset the head
    // is 4-aligned, so the vtable's 2-byte entries need no padding. Byte stores, not DataView
    // calls: measured 3x faster here.
    this.prep(4, 0);
    if (this.head < 4 + size) this.grow(4 + size);
    const bytes = this.bytes;
    const end = bytes.length;
    const head = this.head - 4;
    const tableOffset = end - head;
    const vt = head - size;
    const objectSize = tableOffset - this.objectStart;
    bytes[vt] = size;
    bytes[vt + 1] = size >> 8;
    bytes[vt + 2] = objectSize;
    bytes[vt + 3] = objectSize >> 8;
    for (let i = 0; i < n; i++) {
      const at = vtable[i] as number;
      const rel = at === 0 ? 0 : tableOffset - at;
      bytes[vt + 4 + 2 * i] = rel;
      bytes[vt + 5 + 2 * i] = rel >> 8;
    }
    // An identical vtable written earlier is shared instead.
    let shared = 0;
    const count = this.vtableCount;
    const vtables = this.vtables;
    for (let i = 0; i < count; i++) {
      const other = vtables[i] as number;
      const o = end - other;
      let j = 0;
      while (j < size && bytes[o + j] === bytes[vt + j]) j++;
      if (j === size) {
        shared = other;
        break;
      }
    }
    let soffset: number;
    if (shared !== 0) {
      soffset = shared - tableOffset;
      this.head = head;
    } else {
      const own = end - vt;
      if (count === vtables.length) vtables.push(own);
      else vtables[count] = own;
      this.vtableCount = count + 1;
      soffset = own - tableOffset;
      this.head = vt;
    }
    bytes[head] = soffset;
    bytes[head + 1] = soffset >> 8;
    bytes[head + 2] = soffset >> 16;
    bytes[head + 3] = soffset >> 24;
    this.objectStart = -1;
    return tableOffset;
  }

  /** Prepares a vector of `length` elements of `elementSize` bytes; its elements follow, last first. */
  startVector(elementSize: number, length: number, alignment: number): void {
    this.vectorLength = length;
    this.prep(4, elementSize * length);
    this.prep(alignment, elementSize * length);
  }

  endVector(): number {
    this.prep(4, 0);
    this.view.setUint32((this.head -= 4), this.vectorLength, true);
    return this.offset();
  }

  /** A string: UTF-8 bytes with their length before and a zero byte after them. */
  createString(value: string): number {
    const n = value.length;
    const before = this.offset();
    this.prep(4, n + 1);
    // Optimistically ASCII, one pass: each charCodeAt costs more than the byte written with it.
    const bytes = this.bytes;
    let head = this.head - n - 1;
    let all = 0;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      all |= c;
      bytes[head + i] = c;
    }
    if (all > 0x7f) {
      this.head = bytes.length - before;
      return this.createUtf8(value);
    }
    bytes[head + n] = 0;
    head -= 4;
    this.view.setUint32(head, n, true);
    this.head = head;
    return bytes.length - head;
  }

  private createUtf8(value: string): number {
    // At most 3 bytes per UTF-16 unit.
    if (value.length * 3 > this.utf8Scratch.length) this.utf8Scratch = new Uint8Array(value.length * 3);
    const { written } = utf8Encoder.encodeInto(value, this.utf8Scratch);
    return this.createByteString(this.utf8Scratch, written, true);
  }

  /** The first `length` bytes of `source` as a vector of bytes (`[ubyte]`, or a string's UTF-8 with its zero byte). */
  private createByteString(source: Uint8Array, length: number, zeroTerminated: boolean): number {
    this.prep(4, length + (zeroTerminated ? 1 : 0));
    if (zeroTerminated) this.bytes[--this.head] = 0;
    this.head -= length;
    this.bytes.set(length === source.length ? source : source.subarray(0, length), this.head);
    this.view.setUint32((this.head -= 4), length, true);
    return this.offset();
  }

  createByteVector(value: Uint8Array): number {
    return this.createByteString(value, value.length, false);
  }

  /** Writes the root offset (after the file identifier, when given): the buffer is complete. */
  finish(root: number, identifier: string | undefined): void {
    if (identifier !== undefined) {
      if (identifier.length !== 4)
        throw new EncodeError(`file identifier ${JSON.stringify(identifier)} is not 4 characters`);
      this.prep(this.minalign, 8);
      for (let i = 3; i >= 0; i--) this.bytes[--this.head] = identifier.charCodeAt(i);
    }
    this.prep(this.minalign, 4);
    this.addOffset(root);
  }

  /** The finished buffer: a view of this builder's memory, valid until it is cleared. */
  finished(): Uint8Array {
    const length = this.bytes.length - this.head;
    if (length > 4096) return this.bytes.subarray(this.head);
    let view = this.tails[length];
    if (view === undefined) this.tails[length] = view = this.bytes.subarray(this.head);
    return view;
  }
}

/**
 * One builder reused by every encode: allocating a fresh builder (and its backing store) per call
 * cost more than the encoding itself. Encoding is synchronous, so it is never used by two at once.
 */
const shared = new Builder(64 * 1024);

/**
 * What the shared builder (and the vector-offset stack) may keep between encodes. A larger message
 * is copied out and the builder shrunk back at once: the copy costs little next to encoding that
 * much, and the memory is garbage as soon as the caller is done with it.
 */
export const KEEP_ENCODER_BYTES = 1024 * 1024;

/** Encodes `value` as the root of a finished buffer (with `identifier` when given). */
export function encode<T>(value: T, write: Write<T>, identifier: string | undefined): Uint8Array {
  const bytes = encodeTransient(value, write, identifier);
  return shared.owns(bytes) ? bytes.slice() : bytes;
}

/**
 * `encode` without the copy: a view of the shared builder, valid only until the next encode.
 * For the FFI bindings, which hand the bytes to Rust (which copies what it keeps) right away. An
 * oversized message comes back as a copy of its own (see `KEEP_ENCODER_BYTES`).
 */
export function encodeTransient<T>(value: T, write: Write<T>, identifier: string | undefined): Uint8Array {
  shared.clear();
  let bytes: Uint8Array;
  try {
    shared.finish(write(shared, value), identifier);
    bytes = shared.finished();
  } catch (e) {
    releaseEncoderMemory();
    throw e;
  }
  if (shared.retainedBytes <= KEEP_ENCODER_BYTES && offsetStack.length * 4 <= KEEP_ENCODER_BYTES) return bytes;
  const own = bytes.slice();
  releaseEncoderMemory();
  return own;
}

/** Shrinks the shared builder and the offset stack back to their usual size (see `KEEP_ENCODER_BYTES`). */
function releaseEncoderMemory(): void {
  shared.shrink(KEEP_ENCODER_BYTES);
  if (offsetStack.length * 4 > KEEP_ENCODER_BYTES) offsetStack = new Int32Array(1024);
}

/** Bytes the shared encoder keeps between encodes (its builder and offset stack), for memory accounting. */
export function encoderRetainedBytes(): number {
  return shared.retainedBytes + offsetStack.byteLength;
}

// ---------------------------------------------------------------------------------------------
// Checks of the values the encoders are given. TypeScript callers cannot pass a wrong type, but
// plain JS (or `as any`) can: each value is checked where it is written, with the fast test first
// (`(v >>> 0) === v` for a uint accepts exactly the integers in its range, and nothing that is not
// a number); the message is built only when a check fails. Unknown enum values in range are
// accepted (FlatBuffers enums are open: a newer schema may have more members), and so are NaN and
// the infinities for floats (a float is narrowed to 32 bits as flatc's builders do).

/**
 * Thrown by the generated `encode*`/`write*` functions (and the clients) for a value that does not
 * fit the schema: a wrong type, an integer out of its type's range or not an integer, a missing
 * required field. The message starts with the path of the value from the type being encoded:
 * `hms.metrics.RecordSampleRequest.sample.labels[2].key: expected a string, got number`.
 */
export class EncodeTypeError extends TypeError {
  /** The type the path starts from (`hms.metrics.RecordSampleRequest`). */
  root: string;
  /** The path of the value below `root`, as properties and indexes (`.sample.labels[2].key`). */
  path: string;
  /** What is wrong (`expected a string, got number`). */
  readonly problem: string;

  constructor(root: string, path: string, problem: string) {
    super(`${root}${path}: ${problem}`);
    this.name = 'EncodeTypeError';
    this.root = root;
    this.path = path;
    this.problem = problem;
  }

  /** Re-roots the error at an enclosing value: `where` is `Type.property`, `index` an element's `[i]` or empty. */
  within(where: string, index: string): void {
    const dot = where.lastIndexOf('.');
    const old = this.message;
    this.root = where.slice(0, dot);
    this.path = `${where.slice(dot)}${index}${this.path}`;
    this.message = `${this.root}${this.path}: ${this.problem}`;
    if (typeof this.stack === 'string') this.stack = this.stack.replace(old, this.message);
  }
}

/** How a wrong value is named in a message: its type, with the value when it is a short scalar. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'number':
    case 'boolean':
      return `${typeof v} ${v}`;
    case 'bigint':
      return `bigint ${v}n`;
    case 'string':
      return v.length <= 40 ? `string ${JSON.stringify(v)}` : 'string';
    case 'object':
      return v instanceof Uint8Array ? 'a Uint8Array' : 'an object';
    default:
      return typeof v;
  }
}

/** The error for `v` at `where` (`Type.property`, with `index` an element's `[i]` or empty). */
function invalid(where: string, index: string, expected: string, v: unknown): never {
  const dot = where.lastIndexOf('.');
  throw new EncodeTypeError(
    where.slice(0, dot),
    `${where.slice(dot)}${index}`,
    `expected ${expected}, got ${describe(v)}`,
  );
}

/** Re-roots `e` (an EncodeTypeError of a nested value) at `where`, or rethrows anything else as is. */
function within(e: unknown, where: string, index: string): never {
  if (e instanceof EncodeTypeError) e.within(where, index);
  throw e;
}

function missing(where: string, v: unknown): never {
  const dot = where.lastIndexOf('.');
  throw new EncodeTypeError(where.slice(0, dot), where.slice(dot), `required field is missing (got ${describe(v)})`);
}

type Kind = NumKind | BigKind | 'bool';

/** A scalar check's `dflt`: the default, null (an optional scalar) or undefined (no default: required). */
type Dflt<T> = T | null | undefined;

/** The schema's name of each scalar kind and the values it takes, for messages. */
const EXPECTED: Readonly<Record<Kind, readonly [string, string]>> = {
  i8: ['a byte', 'an integer in -128..127'],
  u8: ['a ubyte', 'an integer in 0..255'],
  i16: ['a short', 'an integer in -32768..32767'],
  u16: ['a ushort', 'an integer in 0..65535'],
  i32: ['an int', 'an integer in -2147483648..2147483647'],
  u32: ['a uint', 'an integer in 0..4294967295'],
  f32: ['a float', 'a number'],
  f64: ['a double', 'a number'],
  i64: ['a long', 'a bigint in -9223372036854775808n..9223372036854775807n'],
  u64: ['a ulong', 'a bigint in 0n..18446744073709551615n'],
  bool: ['a bool', 'true or false'],
};

function expected(kind: Kind, type: string | undefined): string {
  const [name, values] = EXPECTED[kind];
  return type === undefined ? `${name} (${values})` : `a ${type} (${name.slice(name.indexOf(' ') + 1)}: ${values})`;
}

/**
 * A scalar that failed its check: its default when absent (`dflt` a value), null when absent from
 * an optional field (`dflt` null), else an error (`dflt` undefined: a struct member is required).
 */
function absent(v: unknown, dflt: unknown, where: string, kind: Kind, type: string | undefined): unknown {
  if (v === undefined && dflt !== undefined) return dflt;
  if (v === null && dflt === null) return null;
  return invalid(where, '', expected(kind, type), v);
}

/** What a scalar check returns: the value, or null when absent from an optional field. */
type Checked<T, D> = T | (D & null);

// One check per scalar kind, for table fields (`dflt`: the default, or null for an optional
// scalar) and struct members (`dflt` undefined); `type` names an enum in messages.
export function i8<D extends Dflt<number>>(v: unknown, dflt: D, where: string, type?: string): Checked<number, D> {
  return ((v as number) << 24) >> 24 === v ? (v as number) : (absent(v, dflt, where, 'i8', type) as Checked<number, D>);
}

export function u8<D extends Dflt<number>>(v: unknown, dflt: D, where: string, type?: string): Checked<number, D> {
  return ((v as number) & 0xff) === v ? (v as number) : (absent(v, dflt, where, 'u8', type) as Checked<number, D>);
}

export function i16<D extends Dflt<number>>(v: unknown, dflt: D, where: string, type?: string): Checked<number, D> {
  return ((v as number) << 16) >> 16 === v
    ? (v as number)
    : (absent(v, dflt, where, 'i16', type) as Checked<number, D>);
}

export function u16<D extends Dflt<number>>(v: unknown, dflt: D, where: string, type?: string): Checked<number, D> {
  return ((v as number) & 0xffff) === v ? (v as number) : (absent(v, dflt, where, 'u16', type) as Checked<number, D>);
}

export function i32<D extends Dflt<number>>(v: unknown, dflt: D, where: string, type?: string): Checked<number, D> {
  return ((v as number) | 0) === v ? (v as number) : (absent(v, dflt, where, 'i32', type) as Checked<number, D>);
}

export function u32<D extends Dflt<number>>(v: unknown, dflt: D, where: string, type?: string): Checked<number, D> {
  return (v as number) >>> 0 === v ? (v as number) : (absent(v, dflt, where, 'u32', type) as Checked<number, D>);
}

export function f32<D extends Dflt<number>>(v: unknown, dflt: D, where: string): Checked<number, D> {
  return typeof v === 'number' ? v : (absent(v, dflt, where, 'f32', undefined) as Checked<number, D>);
}

export function f64<D extends Dflt<number>>(v: unknown, dflt: D, where: string): Checked<number, D> {
  return typeof v === 'number' ? v : (absent(v, dflt, where, 'f64', undefined) as Checked<number, D>);
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

export function i64<D extends Dflt<bigint>>(v: unknown, dflt: D, where: string, type?: string): Checked<bigint, D> {
  return typeof v === 'bigint' && v >= I64_MIN && v <= I64_MAX
    ? v
    : (absent(v, dflt, where, 'i64', type) as Checked<bigint, D>);
}

export function u64<D extends Dflt<bigint>>(v: unknown, dflt: D, where: string, type?: string): Checked<bigint, D> {
  return typeof v === 'bigint' && v >= 0n && v <= U64_MAX
    ? v
    : (absent(v, dflt, where, 'u64', type) as Checked<bigint, D>);
}

export function bool<D extends Dflt<boolean>>(v: unknown, dflt: D, where: string): Checked<boolean, D> {
  return typeof v === 'boolean' ? v : (absent(v, dflt, where, 'bool', undefined) as Checked<boolean, D>);
}

/** Whether `v` is a value of kind `kind` (the elements of vectors and arrays). */
function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'i8':
      return ((v as number) << 24) >> 24 === v;
    case 'u8':
      return ((v as number) & 0xff) === v;
    case 'i16':
      return ((v as number) << 16) >> 16 === v;
    case 'u16':
      return ((v as number) & 0xffff) === v;
    case 'i32':
      return ((v as number) | 0) === v;
    case 'u32':
      return (v as number) >>> 0 === v;
    case 'f32':
    case 'f64':
      return typeof v === 'number';
    case 'i64':
      return typeof v === 'bigint' && v >= I64_MIN && v <= I64_MAX;
    case 'u64':
      return typeof v === 'bigint' && v >= 0n && v <= U64_MAX;
    case 'bool':
      return typeof v === 'boolean';
  }
}

/** The value a table or struct writer is given must be an object (`what`: its type). */
export function object(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EncodeTypeError(what, '', `expected an object, got ${describe(value)}`);
  }
}

/** The array of a vector field, or null when absent (`required`: an error then). */
function array(value: unknown, where: string, required: boolean | undefined): readonly unknown[] | null {
  if (Array.isArray(value)) return value;
  if (value == null && required !== true) return null;
  return value == null ? missing(where, value) : invalid(where, '', 'an array', value);
}

export function string(
  builder: FlatBuilder,
  value: string | null | undefined,
  where: string,
  required?: boolean,
): number {
  if (typeof value === 'string') return builder.createString(value);
  if (value == null && required !== true) return 0;
  return value == null ? missing(where, value) : invalid(where, '', 'a string', value);
}

export function table<T>(
  builder: FlatBuilder,
  value: T | null | undefined,
  write: Write<T>,
  where: string,
  required?: boolean,
): number {
  if (value == null) return required === true ? missing(where, value) : 0;
  try {
    return write(builder, value);
  } catch (e) {
    return within(e, where, '');
  }
}

/** A struct field or member: written in place by `write` (which checks its members). */
export function struct<T>(builder: FlatBuilder, value: T | null | undefined, write: Write<T>, where: string): number {
  if (value == null) return missing(where, value);
  try {
    return write(builder, value);
  } catch (e) {
    return within(e, where, '');
  }
}

const NONE: UnionRef = { type: 0, offset: 0 };

export function union<T>(
  builder: FlatBuilder,
  value: T | null | undefined,
  write: (builder: FlatBuilder, value: T) => UnionRef,
  where: string,
  required?: boolean,
): UnionRef {
  if (value == null) return required === true ? missing(where, value) : NONE;
  try {
    return write(builder, value);
  } catch (e) {
    return within(e, where, '');
  }
}

/** A union's table member (discriminant `type`): the table, required (`where` names the union's `value`). */
export function member<T>(type: number, builder: FlatBuilder, value: T, write: Write<T>, where: string): UnionRef {
  return { type, offset: table(builder, value, write, where, true) };
}

/** A union's string member. */
export function stringMember(type: number, builder: FlatBuilder, value: string, where: string): UnionRef {
  return { type, offset: string(builder, value, where, true) };
}

/** A union writer's error for a `type` that names no member (`members`: the names it takes). */
export function unknownType(value: unknown, union: string, members: string): EncodeTypeError {
  const type = (value as { type?: unknown }).type;
  return new EncodeTypeError(union, '.type', `expected one of ${members}, got ${describe(type)}`);
}

export function bytes(
  builder: FlatBuilder,
  value: Uint8Array | null | undefined,
  where: string,
  required?: boolean,
): number {
  if (value instanceof Uint8Array) return builder.createByteVector(value);
  if (value == null && required !== true) return 0;
  return value == null ? missing(where, value) : invalid(where, '', 'a Uint8Array', value);
}

/** Writes one scalar (the builder has room for it: the caller prepared the space). */
export function writeNum(builder: FlatBuilder, kind: NumKind, value: number): void {
  switch (kind) {
    case 'i8':
    case 'u8':
      return builder.writeInt8(value);
    case 'i16':
    case 'u16':
      return builder.writeInt16(value);
    case 'i32':
    case 'u32':
      return builder.writeInt32(value);
    case 'f32':
      return builder.writeFloat32(value);
    case 'f64':
      return builder.writeFloat64(value);
  }
}

/** Element `i` of a vector or array of `kind` (checked). */
function element<T>(kind: Kind, value: readonly unknown[], i: number, where: string): T {
  const v = value[i];
  if (!fits(kind, v)) invalid(where, `[${i}]`, expected(kind, undefined), v);
  return v as T;
}

export function numbers(
  builder: FlatBuilder,
  kind: NumKind,
  value: readonly number[] | null | undefined,
  where: string,
  required?: boolean,
): number {
  const a = array(value, where, required);
  if (a === null) return 0;
  const size = SIZE[kind];
  builder.startVector(size, a.length, size);
  for (let i = a.length - 1; i >= 0; i--) writeNum(builder, kind, element<number>(kind, a, i, where));
  return builder.endVector();
}

export function bigints(
  builder: FlatBuilder,
  kind: BigKind,
  value: readonly bigint[] | null | undefined,
  where: string,
  required?: boolean,
): number {
  const a = array(value, where, required);
  if (a === null) return 0;
  builder.startVector(8, a.length, 8);
  for (let i = a.length - 1; i >= 0; i--) builder.writeInt64(element<bigint>(kind, a, i, where));
  return builder.endVector();
}

export function booleans(
  builder: FlatBuilder,
  value: readonly boolean[] | null | undefined,
  where: string,
  required?: boolean,
): number {
  const a = array(value, where, required);
  if (a === null) return 0;
  builder.startVector(1, a.length, 1);
  for (let i = a.length - 1; i >= 0; i--) builder.writeInt8(element<boolean>('bool', a, i, where) ? 1 : 0);
  return builder.endVector();
}

export function structs<T>(
  builder: FlatBuilder,
  value: readonly T[] | null | undefined,
  size: number,
  align: number,
  write: Write<T>,
  where: string,
  required?: boolean,
): number {
  const a = array(value, where, required) as readonly T[] | null;
  if (a === null) return 0;
  builder.startVector(size, a.length, align);
  let i = a.length - 1;
  try {
    for (; i >= 0; i--) write(builder, a[i] as T);
  } catch (e) {
    within(e, where, `[${i}]`);
  }
  return builder.endVector();
}

// Offsets of a vector's elements, written before the vector itself: kept in one growing array.
let offsetStack = new Int32Array(1024);
let offsetTop = 0;

function offsets<T>(builder: FlatBuilder, value: readonly T[], write: Write<T>, where: string): number {
  const n = value.length;
  const base = offsetTop;
  if (base + n > offsetStack.length) {
    const grown = new Int32Array(Math.max(offsetStack.length * 2, base + n));
    grown.set(offsetStack.subarray(0, base));
    offsetStack = grown;
  }
  offsetTop = base + n;
  let i = 0;
  try {
    // Elements are written first to last (the reference builders' order), each below the last.
    for (; i < n; i++) {
      // Not `offsetStack[...] = write(...)`: a nested vector may replace offsetStack meanwhile.
      const offset = write(builder, value[i] as T);
      offsetStack[base + i] = offset;
    }
    builder.startVector(4, n, 4);
    for (let j = n - 1; j >= 0; j--) builder.addOffset(offsetStack[base + j] as number);
    return builder.endVector();
  } catch (e) {
    return within(e, where, `[${i}]`);
  } finally {
    offsetTop = base;
  }
}

export function strings(
  builder: FlatBuilder,
  value: readonly string[] | null | undefined,
  where: string,
  required?: boolean,
): number {
  const a = array(value, where, required) as readonly string[] | null;
  return a === null ? 0 : offsets(builder, a, writeString, where);
}

function writeString(builder: FlatBuilder, value: string): number {
  if (typeof value !== 'string') throw new EncodeTypeError('', '', `expected a string, got ${describe(value)}`);
  return builder.createString(value);
}

export function tables<T>(
  builder: FlatBuilder,
  value: readonly T[] | null | undefined,
  write: Write<T>,
  where: string,
  required?: boolean,
): number {
  const a = array(value, where, required) as readonly T[] | null;
  return a === null ? 0 : offsets(builder, a, write, where);
}

/** A fixed-size array of a struct (`where` names it): an array of exactly `length` elements. */
function fixed(value: unknown, length: number, where: string): readonly unknown[] {
  if (!Array.isArray(value)) return invalid(where, '', `an array of ${length} elements`, value);
  if (value.length !== length) {
    const dot = where.lastIndexOf('.');
    const problem = `expected an array of ${length} elements, got ${value.length} elements`;
    throw new EncodeTypeError(where.slice(0, dot), where.slice(dot), problem);
  }
  return value;
}

/** Writes a fixed-size array of numbers (or enums) of `kind` in place, last element first. */
export function numArray(
  builder: FlatBuilder,
  kind: NumKind,
  value: readonly number[],
  length: number,
  where: string,
): void {
  const a = fixed(value, length, where);
  for (let i = length - 1; i >= 0; i--) writeNum(builder, kind, element<number>(kind, a, i, where));
}

export function bigArray(
  builder: FlatBuilder,
  kind: BigKind,
  value: readonly bigint[],
  length: number,
  where: string,
): void {
  const a = fixed(value, length, where);
  for (let i = length - 1; i >= 0; i--) builder.writeInt64(element<bigint>(kind, a, i, where));
}

export function boolArray(builder: FlatBuilder, value: readonly boolean[], length: number, where: string): void {
  const a = fixed(value, length, where);
  for (let i = length - 1; i >= 0; i--) builder.writeInt8(element<boolean>('bool', a, i, where) ? 1 : 0);
}

export function structArray<T>(
  builder: FlatBuilder,
  value: readonly T[],
  length: number,
  write: Write<T>,
  where: string,
): void {
  const a = fixed(value, length, where) as readonly T[];
  let i = length - 1;
  try {
    for (; i >= 0; i--) write(builder, a[i] as T);
  } catch (e) {
    within(e, where, `[${i}]`);
  }
}
