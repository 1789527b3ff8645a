import type { ScalarKind } from '../../codegen/plan.js';

/** Rust literals for scalar values (defaults, enum values), typed so no inference is needed. */

/** A float as the shortest literal that reads back as the same value of its width. */
function floatLiteral(value: number, scalar: 'f32' | 'f64'): string {
  if (Number.isNaN(value)) return `${scalar}::NAN`;
  if (value === Infinity) return `${scalar}::INFINITY`;
  if (value === -Infinity) return `${scalar}::NEG_INFINITY`;
  let text = String(value);
  if (scalar === 'f32') {
    // Shortest decimal that rounds to the same f32 (avoids clippy's excessive_precision).
    const target = Math.fround(value);
    for (let p = 1; p <= 9; p++) {
      const t = Number(target.toPrecision(p));
      if (Math.fround(t) === target) {
        text = String(t);
        break;
      }
    }
  }
  if (Object.is(value, -0)) text = '-0';
  text = text.replace('e+', 'e');
  if (!/[.e]/.test(text)) text += '.0';
  else if (/^-?\d+e/.test(text)) text = text.replace('e', '.0e');
  return `${text}${scalar}`;
}

/** `value` as a Rust literal of type `scalar` (suffixed, e.g. `150i16`, `true`, `3.5f32`). */
export function scalarLiteral(value: bigint | number | boolean, scalar: ScalarKind): string {
  if (scalar === 'bool')
    return value === true || (typeof value !== 'boolean' && Number(value) !== 0) ? 'true' : 'false';
  if (scalar === 'f32' || scalar === 'f64') return floatLiteral(Number(value), scalar);
  const v = typeof value === 'bigint' ? value : BigInt(typeof value === 'boolean' ? Number(value) : Math.trunc(value));
  return `${v}${scalar}`;
}

/** Whether `value` is what `T::default()` gives for this scalar (0, false, +0.0). */
export function isZero(value: bigint | number | boolean): boolean {
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'bigint') return value === 0n;
  return Object.is(value, 0);
}
