/** Numeric literal handling with flatc's rules (no octal, hex with 0x, signed, ranges per type). */

export type IntKind = 'bool' | 'byte' | 'ubyte' | 'short' | 'ushort' | 'int' | 'uint' | 'long' | 'ulong';

export const INT_RANGES: Readonly<Record<IntKind, readonly [bigint, bigint]>> = {
  bool: [0n, 255n], // flatc stores bool as uint8_t and accepts any byte value
  byte: [-128n, 127n],
  ubyte: [0n, 255n],
  short: [-32768n, 32767n],
  ushort: [0n, 65535n],
  int: [-2147483648n, 2147483647n],
  uint: [0n, 4294967295n],
  long: [-9223372036854775808n, 9223372036854775807n],
  ulong: [0n, 18446744073709551615n],
};

const DEC = /^[+-]?[0-9]+$/;
const HEX = /^[+-]?0[xX][0-9a-fA-F]+$/;

/** Parses an integer literal; undefined when it is not one. Leading zeros are decimal, as in flatc. */
export function parseIntLiteral(text: string): bigint | undefined {
  if (DEC.test(text)) return BigInt(text.startsWith('+') ? text.slice(1) : text);
  if (HEX.test(text)) {
    const neg = text.startsWith('-');
    const digits = text.replace(/^[+-]?0[xX]/, '');
    const v = BigInt(`0x${digits}`);
    return neg ? -v : v;
  }
  return undefined;
}

export function isHexIntLiteral(text: string): boolean {
  return HEX.test(text);
}

export function intervalString(kind: IntKind): string {
  const [lo, hi] = INT_RANGES[kind];
  return `[${lo}; ${hi}]`;
}

export function fitsInt(v: bigint, kind: IntKind): boolean {
  const range = INT_RANGES[kind];
  return v >= range[0] && v <= range[1];
}

const FLOAT_DEC = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const FLOAT_HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/;
const FLOAT_SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** strtod-compatible parse of the forms flatc accepts; undefined for anything else. */
export function parseFloatLiteral(text: string): number | undefined {
  const s = text.trim();
  if (FLOAT_DEC.test(s)) return Number(s);
  const sp = FLOAT_SPECIAL.exec(s);
  if (sp) {
    if ((sp[2] as string).toLowerCase() === 'nan') return NaN;
    return sp[1] === '-' ? -Infinity : Infinity;
  }
  const hx = FLOAT_HEX.exec(s);
  if (hx) {
    const int = hx[2] ?? '';
    const frac = hx[3] ?? '';
    if (int.length + frac.length === 0) return undefined;
    let mant = 0;
    for (const ch of int + frac) mant = mant * 16 + parseInt(ch, 16);
    const v = mant * 2 ** (Number(hx[4]) - 4 * frac.length);
    return hx[1] === '-' ? -v : v;
  }
  if (DEC.test(s) || HEX.test(s)) return Number(parseIntLiteral(s));
  return undefined;
}
