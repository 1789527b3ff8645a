/**
 * The resolved, immutable schema model that every backend consumes. It knows nothing of source
 * text beyond locations, and nothing of any target language. Names are fully qualified
 * (`hms.health.AgentHealth`); `namespace` + `shortName` give the parts.
 */

export type BaseType =
  | 'None'
  | 'UType'
  | 'Bool'
  | 'Byte'
  | 'UByte'
  | 'Short'
  | 'UShort'
  | 'Int'
  | 'UInt'
  | 'Long'
  | 'ULong'
  | 'Float'
  | 'Double'
  | 'String'
  | 'Vector'
  | 'Obj'
  | 'Union'
  | 'Array'
  | 'Vector64';

/**
 * Inline size in bytes of each base type as FlatBuffers lays it out (an offset for strings, vectors,
 * tables and unions; flatc's SizeOf). Struct and array sizes come from the ObjectDef/fixedLength.
 */
export const BASE_SIZE: Readonly<Record<BaseType, number>> = {
  None: 1,
  UType: 1,
  Bool: 1,
  Byte: 1,
  UByte: 1,
  Short: 2,
  UShort: 2,
  Int: 4,
  UInt: 4,
  Long: 8,
  ULong: 8,
  Float: 4,
  Double: 8,
  String: 4,
  Vector: 4,
  Obj: 4,
  Union: 4,
  Array: 4,
  Vector64: 8,
};

/** The IR's name order: byte-wise, as flatc's std::string keys (names are ASCII). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Where a declaration's text is in its file (`location.file`): UTF-16 offsets of its keyword and
 * just past its closing brace. Its documentation comes before it (`documentation`). Absent for IR
 * built in memory.
 */
export interface Extent {
  readonly start: number;
  readonly end: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface TypeRef {
  readonly base: BaseType;
  /** Element type of a Vector/Array, else 'None'. */
  readonly element: BaseType;
  /** Qualified name of the referenced table/struct (Obj, or Vector/Array of Obj). */
  readonly object?: string;
  /** Qualified name of the referenced enum or union (enum scalars, Union, UType, vectors of them). */
  readonly enum?: string;
  /** Length of a fixed-size array, else 0. */
  readonly fixedLength: number;
}

export type DefaultValue =
  | { readonly kind: 'none' }
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  /** `= null`: an optional scalar. */
  | { readonly kind: 'null' }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'emptyVector' };

export interface Field {
  readonly name: string;
  readonly type: TypeRef;
  /** Slot index for tables (vtable slot), declaration index for structs. */
  readonly id: number;
  /** vtable offset (4 + 2·id) for tables, byte offset for structs. */
  readonly offset: number;
  readonly default: DefaultValue;
  readonly deprecated: boolean;
  readonly required: boolean;
  readonly key: boolean;
  /** True for optional scalars and for non-required, non-defaulted strings/vectors/tables/structs/unions in tables. */
  readonly optional: boolean;
  /** Bytes of padding after this struct member. */
  readonly padding: number;
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  /** For the hidden `X_type` field of a union `X` (and the union field itself): the partner's name. */
  readonly unionPartner?: string;
  /** True for the hidden `X_type` companion field that the schema did not declare. */
  readonly synthetic: boolean;
  readonly location: Location;
}

export interface ObjectDef {
  readonly name: string;
  readonly namespace: readonly string[];
  readonly shortName: string;
  readonly isStruct: boolean;
  readonly minalign: number;
  /** Struct size in bytes; 0 for tables. */
  readonly bytesize: number;
  /** Fields in slot order (tables) or memory order (structs). */
  readonly fields: readonly Field[];
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  /** Path of the declaring file relative to the main file's directory. */
  readonly declarationFile: string;
  readonly location: Location;
  readonly extent?: Extent;
}

export interface EnumVal {
  readonly name: string;
  readonly value: bigint;
  /** Union members only: the member's type (Obj or String). */
  readonly unionType?: TypeRef;
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  readonly location: Location;
}

export interface EnumDef {
  readonly name: string;
  readonly namespace: readonly string[];
  readonly shortName: string;
  readonly isUnion: boolean;
  readonly bitFlags: boolean;
  /** UType for plain unions, else the integral underlying type. */
  readonly underlying: TypeRef;
  /** Sorted by value (a union's NONE = 0 first). */
  readonly values: readonly EnumVal[];
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  readonly declarationFile: string;
  readonly location: Location;
  readonly extent?: Extent;
}

export type Streaming = 'none' | 'client' | 'server' | 'bidi';

export interface RpcCall {
  readonly name: string;
  readonly request: string;
  readonly response: string;
  readonly streaming: Streaming;
  readonly idempotent: boolean;
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  readonly location: Location;
}

export interface Service {
  readonly name: string;
  readonly namespace: readonly string[];
  readonly shortName: string;
  /** In declaration order. */
  readonly calls: readonly RpcCall[];
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  readonly declarationFile: string;
  readonly location: Location;
  readonly extent?: Extent;
}

export type AdvancedFeature =
  'AdvancedArrayFeatures' | 'AdvancedUnionFeatures' | 'OptionalScalars' | 'DefaultVectorsAndStrings';

export interface SchemaFile {
  readonly filename: string;
  readonly includedFilenames: readonly string[];
}

export interface Schema {
  /** Tables and structs of the main and included files, sorted by qualified name. */
  readonly objects: readonly ObjectDef[];
  /** Enums and unions, sorted by qualified name. */
  readonly enums: readonly EnumDef[];
  readonly services: readonly Service[];
  readonly fileIdent: string;
  readonly fileExt: string;
  readonly rootTable: string | undefined;
  readonly advancedFeatures: readonly AdvancedFeature[];
  readonly fbsFiles: readonly SchemaFile[];
  /** Relative name of the main file (declarationFile of its own declarations). */
  readonly mainFile: string;
  /** `native_include` paths of the main file, in order. */
  readonly nativeIncludes: readonly string[];
}
