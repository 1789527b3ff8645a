import type { AbiFunction, AbiReturn, ParamRole } from '../../codegen/abi.js';

/**
 * The C spelling of the agent ABI (generator/src/codegen/abi.ts): the prototype the C header must
 * declare for each export, which is also what the TypeScript bindings hand koffi (it parses C-like
 * prototypes), so the header and the bindings cannot disagree.
 */

const C_TYPES: Readonly<Record<ParamRole, string>> = {
  handle: 'uint64_t',
  u32: 'uint32_t',
  bytesPtr: 'const uint8_t *',
  len: 'uint32_t',
  outPtr: 'uint8_t *',
  outCap: 'uint32_t',
  outHandle: 'uint64_t *',
  freePtr: 'uint8_t *',
};
const C_RETURNS: Readonly<Record<AbiReturn, string>> = {
  status: 'int32_t',
  u32: 'uint32_t',
  u64: 'uint64_t',
  void: 'void',
};

/**
 * The C (and koffi) prototype of a function. Out-pointers are plain pointers: the binding passes
 * preallocated typed arrays, the fastest form measured (ffi-koffi.md §4.1).
 */
export function cPrototype(f: AbiFunction): string {
  const params = f.params.map((p) => `${C_TYPES[p.role]}${C_TYPES[p.role].endsWith('*') ? '' : ' '}${p.name}`);
  return `${C_RETURNS[f.ret]} ${f.name}(${params.join(', ')})`;
}
