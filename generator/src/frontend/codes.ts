/**
 * The diagnostic catalogue. Codes are stable: never renumber, only append. A code no longer
 * reported keeps its row, its title marked "(retired: now Wxxx)" (never reused).
 * docs/diagnostics.md is checked against this table by a test.
 */
export interface CodeInfo {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly title: string;
}

const table = [
  // Lexical
  ['E001', 'error', 'illegal character'],
  ['E002', 'error', 'unterminated string literal'],
  ['E003', 'error', 'invalid escape sequence or string encoding'],
  ['E004', 'error', 'unterminated block comment'],
  ['E005', 'error', 'documentation comment not on a line of its own'],
  ['E006', 'error', 'malformed number literal'],
  ['E007', 'error', 'input file is empty'],
  ['E008', 'error', 'input file appears to be binary (NUL byte)'],
  // Syntax
  ['E010', 'error', 'unexpected token'],
  ['E011', 'error', 'unexpected end of file'],
  ['E012', 'error', 'declaration expected'],
  ['E013', 'error', 'nesting too deep'],
  ['E014', 'error', 'JSON data without a root_type'],
  ['E015', 'error', 'JSON data does not match the root type'],
  // Files and includes
  ['E020', 'error', 'include after a declaration'],
  ['E021', 'error', 'include file not found'],
  ['E022', 'error', 'file cannot be read'],
  // Names and lookup
  ['E030', 'error', 'type referenced but not defined'],
  ['E031', 'error', 'enum or union used before its declaration'],
  ['E032', 'error', 'type already declared'],
  ['E033', 'error', 'field already declared'],
  ['E034', 'error', 'enum value name already declared'],
  ['E035', 'error', 'enum value repeated'],
  ['E036', 'error', 'union member already declared'],
  ['E037', 'error', 'rpc method already declared'],
  ['E038', 'error', 'field name clashes with a generated accessor'],
  ['E039', 'error', 'field name equals a table or struct name'],
  // Kinds
  ['E040', 'error', 'nested vector'],
  ['E041', 'error', 'fixed-length array outside a struct'],
  ['E042', 'error', 'struct member of a non-struct kind'],
  ['E043', 'error', 'enum without an integral underlying type'],
  ['E044', 'error', 'union member of an illegal kind'],
  ['E045', 'error', 'rpc request or response is not a table'],
  ['E046', 'error', 'root_type is not a known table'],
  ['E047', 'error', 'struct member of an incomplete or recursive struct type'],
  ['E048', 'error', 'struct without fields'],
  ['E049', 'error', 'union used where only tables may hold it'],
  ['E050', 'error', 'illegal fixed-length array element type'],
  ['E051', 'error', 'rpc_service without methods'],
  ['E052', 'error', 'union NONE redeclared'],
  ['E053', 'error', 'file_identifier is not 4 bytes'],
  ['E054', 'error', 'illegal type syntax'],
  ['E055', 'error', 'union underlying type is not integral'],
  // Ranges
  ['E060', 'error', 'enum value out of range'],
  ['E061', 'error', 'default value out of range'],
  ['E062', 'error', 'fixed-length array length out of range'],
  ['E063', 'error', 'field ids not consecutive from 0'],
  ['E064', 'error', 'bit_flags bit position out of range'],
  ['E065', 'error', 'invalid force_align'],
  ['E066', 'error', 'field id is not a valid non-negative number'],
  ['E067', 'error', 'too many fields (retired: now W012)'],
  // Defaults
  ['E070', 'error', 'default value on a type that takes none'],
  ['E071', 'error', 'enum default is not a member of the enum'],
  ['E072', 'error', 'default value of the wrong form'],
  ['E073', 'error', 'null default where no optional is possible'],
  ['E074', 'error', 'union default other than NONE'],
  ['E075', 'error', 'vector default other than []'],
  ['E076', 'error', 'optional and required together'],
  // Attributes
  ['E080', 'error', 'attribute not declared'],
  ['E081', 'error', 'attribute value of the wrong kind'],
  ['E082', 'error', "'required' on a scalar or struct field"],
  ['E083', 'error', "'key' on an unsupported type"],
  ['E084', 'error', "more than one 'key' field"],
  ['E085', 'error', "'hash' on an unsupported type or unknown hash"],
  ['E086', 'error', "'shared' on a non-string field"],
  ['E087', 'error', "invalid 'nested_flatbuffer'"],
  ['E088', 'error', "'flexbuffer' on a field that is not [ubyte]"],
  ['E089', 'error', "'id' on some fields but not all"],
  ['E090', 'error', "union field with 'id' 0"],
  ['E091', 'error', "invalid 'streaming' value (retired: now W007)"],
  ['E092', 'error', 'deprecated field in a struct'],
  ['E093', 'error', "'native_inline' on an unsupported type"],
  ['E094', 'error', "'cpp_type' without 'hash'"],
  ['E095', 'error', "'native_custom_alloc' on a field"],
  ['E096', 'error', 'optional scalar in a struct'],
  ['E097', 'error', "'force_align' on an enum (retired: now W008)"],
  ['E098', 'error', 'attribute only valid in another position'],
  // Limits
  ['E099', 'error', 'too many errors; stopped'],
  // Code generation (hms-gen generate)
  ['E200', 'error', 'construct not supported by the code generators'],
  // Warnings
  ['W001', 'warning', 'field name is not snake_case'],
  ['W002', 'warning', 'bit_flags on a signed underlying type'],
  ['W003', 'warning', 'attribute repeated'],
  ['W004', 'warning', 'include cycle'],
  ['W005', 'warning', 'documentation comment not attached to a declaration'],
  ['W006', 'warning', 'NUL byte in an included file: the rest of it is ignored'],
  ['W007', 'warning', "unknown 'streaming' value (treated as none)"],
  ['W008', 'warning', "'force_align' on an enum or union (ignored)"],
  ['W009', 'warning', 'union members with the same value'],
  ['W010', 'warning', 'rpc request or response is a struct defined after the service'],
  ['W011', 'warning', 'struct that contains itself'],
  ['W012', 'warning', 'too many fields for a vtable'],
] as const;

export type DiagnosticCode = (typeof table)[number][0];

export const CODES: ReadonlyMap<string, CodeInfo> = new Map(
  table.map(([code, severity, title]) => [code, { code, severity, title }]),
);

export function codeInfo(code: DiagnosticCode): CodeInfo {
  return CODES.get(code) as CodeInfo;
}
