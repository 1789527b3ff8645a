/**
 * FNV-1a 64 over the UTF-8 bytes of a string, as lowercase hex (16 digits). The same function as
 * `hms_ffi::fnv1a64` in runtime-rs, so a checksum computed here can be compared with one computed
 * in Rust.
 */
export function fnv1a64Hex(text: string): string {
  return fnv1a64(Buffer.from(text, 'utf8')).toString(16).padStart(16, '0');
}

const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function fnv1a64(bytes: Uint8Array): bigint {
  // Two 32-bit halves instead of BigInt arithmetic per byte: 64-bit multiply modulo 2^64 done by hand.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ (bytes[i] as number)) >>> 0;
    // (hi:lo) * 0x100000001b3 = (hi:lo) * 0x1b3 + lo * 2^40 (mod 2^64); every term stays below 2^53.
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    const newLo = loMul >>> 0;
    hi = (hi * 0x1b3 + carry + lo * 256) >>> 0;
    lo = newLo;
  }
  return ((BigInt(hi) << 32n) | BigInt(lo)) & MASK;
}

/** Reference implementation (BigInt), for tests. */
export function fnv1a64Slow(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  return h;
}
