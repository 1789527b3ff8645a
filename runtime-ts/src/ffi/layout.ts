/**
 * The byte layouts of docs/ffi-abi.md this runtime reads, little-endian. They are the ABI's
 * (generator/src/codegen/abi.ts `RESULT_RECORD` and `COMPLETION`): tests/abi-constants.test.ts
 * holds each of these to it.
 */

/** The result record at the end of a result area: `len: u32`, `place: u32`, `ptr: u64`. */
export const RECORD_SIZE = 16;
export const RECORD_LEN_AT = 0;
export const RECORD_PLACE_AT = 4;
export const RECORD_PTR_AT = 8;
/** `place` of a result that did not fit: a library allocation at `ptr`, freed with `hms_free_buffer`. */
export const PLACE_ALLOCATED = 1;

/** One completion of a batch: `id: u64`, `status: i32`, `len: u32`, the bytes, zero padding to 8. */
export const COMPLETION_HEADER = 16;
export const COMPLETION_ID_AT = 0;
export const COMPLETION_STATUS_AT = 8;
export const COMPLETION_LEN_AT = 12;
export const COMPLETION_ALIGN = 8;
