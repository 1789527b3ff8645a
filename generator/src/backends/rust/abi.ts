import type { AbiFunction, AbiReturn, ParamRole } from '../../codegen/abi.js';

/** The Rust spelling of the agent ABI (generator/src/codegen/abi.ts): `extern "C" fn` signatures. */

const RUST_TYPES: Readonly<Record<ParamRole, string>> = {
  handle: 'u64',
  u32: 'u32',
  bytesPtr: '*const u8',
  len: 'u32',
  outPtr: '*mut u8',
  outCap: 'u32',
  outHandle: '*mut u64',
  freePtr: '*mut u8',
};
const RUST_RETURNS: Readonly<Record<AbiReturn, string>> = {
  status: ' -> i32',
  u32: ' -> u32',
  u64: ' -> u64',
  void: '',
};

/** A signature's parts: the name, each `name: Type` parameter, the ` -> R` return (or ''). */
export function rustSignatureParts(f: AbiFunction): { name: string; params: string[]; ret: string } {
  return {
    name: f.name,
    params: f.params.map((p) => `${p.name}: ${RUST_TYPES[p.role]}`),
    ret: RUST_RETURNS[f.ret],
  };
}

/** `name(a: T, ...) -> R` for a Rust `extern "C" fn`. */
export function rustSignature(f: AbiFunction): string {
  const { name, params, ret } = rustSignatureParts(f);
  return `${name}(${params.join(', ')})${ret}`;
}
