import type { EnumDef, ObjectDef, RpcCall, Service, TypeRef } from '../ir/model.js';
import { UnsupportedError } from './backend.js';
import { fnv1a64 } from './hash.js';
import { compareNames, markWords } from './naming.js';
import type { SchemaSet } from './schema-set.js';

/**
 * The agent ABI of docs/ffi-abi.md, described once and in no language: its versions, every export
 * with its parameters' roles and order, and the byte layouts of the result record and of a batch of
 * completions. Backends spell it (backends/rust/abi.ts the `extern "C"` signatures, backends/c/
 * prototypes.ts the C and koffi prototypes); the hand-written runtimes (hms-ffi, hms-runtime) keep
 * their own copies of the layouts, held to these by tests/abi-constants.test.ts.
 */

/** Version of docs/ffi-abi.md; `hms_abi_version()` returns it. */
export const ABI_VERSION = 3;

/**
 * Version of the generated contracts (`hms_contract_version()`): the IDL has no version syntax, so
 * the generator stamps 1.0 and the per-service checksums carry everything schema-specific.
 */
export const CONTRACT_VERSION = { major: 1, minor: 0 } as const;

/** The contract version as it crosses the ABI: `major << 16 | minor`. */
export const CONTRACT_VERSION_WORD = (CONTRACT_VERSION.major << 16) | CONTRACT_VERSION.minor;

/** A fixed-size little-endian integer of a layout. */
export type AbiInt = 'u32' | 'i32' | 'u64';

/** One field of a byte layout: its name, type and byte offset. */
export interface LayoutField {
  readonly name: string;
  readonly type: AbiInt;
  readonly offset: number;
}

/**
 * The result record at the end of the caller's result area (docs/ffi-abi.md, "The result area"),
 * little-endian: where the result went (`place`), its length and, for place 1, the library's
 * allocation holding it.
 */
export const RESULT_RECORD = {
  size: 16,
  fields: [
    { name: 'len', type: 'u32', offset: 0 },
    { name: 'place', type: 'u32', offset: 4 },
    { name: 'ptr', type: 'u64', offset: 8 },
  ],
  /** Values of `place`: the result is at the start of the area, or a library allocation at `ptr`. */
  places: { out: 0, allocated: 1 },
} as const satisfies { size: number; fields: readonly LayoutField[]; places: Record<string, number> };

/**
 * One completion in the batch `hms_wait_completions` returns (docs/ffi-abi.md, "Async calls"),
 * little-endian: a header, then `len` result bytes, then zero padding to a multiple of `align`.
 */
export const COMPLETION = {
  headerSize: 16,
  fields: [
    { name: 'id', type: 'u64', offset: 0 },
    { name: 'status', type: 'i32', offset: 8 },
    { name: 'len', type: 'u32', offset: 12 },
  ],
  align: 8,
} as const satisfies { headerSize: number; fields: readonly LayoutField[]; align: number };

/** A parameter's role; each role has one spelling per language (the backends' ABI modules). */
export type ParamRole =
  | 'handle' // uint64_t handle: an agent's, or a completion queue's
  | 'u32' // a plain uint32_t
  | 'bytesPtr' // const uint8_t *: borrowed input bytes, valid during the call
  | 'len' // uint32_t length of the preceding bytesPtr
  | 'outPtr' // uint8_t *: caller-owned result area: room for the result, then the result record
  | 'outCap' // uint32_t size of outPtr (at least the record's size)
  | 'outHandle' // uint64_t *: where a new handle is written
  | 'freePtr'; // uint8_t *: a buffer this library handed out, to free

/** The roles that are pointers: a function taking one is unsafe to call in Rust. */
export const POINTER_ROLES: ReadonlySet<ParamRole> = new Set(['bytesPtr', 'outPtr', 'outHandle', 'freePtr']);

export interface AbiParam {
  readonly name: string;
  readonly role: ParamRole;
}

export type AbiReturn = 'status' | 'u32' | 'u64' | 'void';

export interface AbiFunction {
  /** The exported symbol. */
  readonly name: string;
  readonly doc: string;
  readonly params: readonly AbiParam[];
  readonly ret: AbiReturn;
}

const RESULT_PARAMS: readonly AbiParam[] = [
  { name: 'out', role: 'outPtr' },
  { name: 'out_cap', role: 'outCap' },
];

/** Exports every agent library has, whatever its contracts. */
export const COMMON_EXPORTS: readonly AbiFunction[] = [
  { name: 'hms_abi_version', doc: 'Version of the ABI (docs/ffi-abi.md).', params: [], ret: 'u32' },
  {
    name: 'hms_contract_version',
    doc: 'Version of the generated contracts: `major << 16 | minor`.',
    params: [],
    ret: 'u32',
  },
  {
    name: 'hms_service_checksum',
    doc: "Checksum of the named service's contract (FNV-1a 64 of its layout); 0 for an unknown service.",
    params: [
      { name: 'name', role: 'bytesPtr' },
      { name: 'name_len', role: 'len' },
    ],
    ret: 'u64',
  },
  {
    name: 'hms_agent_type_id',
    doc: 'The type id of the named agent type (as the agent library registers it); 0 for an unknown name.',
    params: [
      { name: 'name', role: 'bytesPtr' },
      { name: 'name_len', role: 'len' },
    ],
    ret: 'u32',
  },
  {
    name: 'hms_agent_create',
    doc: 'Creates an agent of the given type from its configuration bytes and writes its handle.',
    params: [
      { name: 'type_id', role: 'u32' },
      { name: 'config', role: 'bytesPtr' },
      { name: 'config_len', role: 'len' },
      { name: 'out_handle', role: 'outHandle' },
      ...RESULT_PARAMS,
    ],
    ret: 'status',
  },
  {
    name: 'hms_agent_destroy',
    doc: 'Destroys an agent; its handle (and any copy of it) becomes invalid.',
    params: [{ name: 'handle', role: 'handle' }],
    ret: 'status',
  },
  {
    name: 'hms_agent_send_message',
    doc: 'Delivers an `hms.AgentMessage`; the result is the reply message.',
    params: [
      { name: 'handle', role: 'handle' },
      { name: 'msg', role: 'bytesPtr' },
      { name: 'msg_len', role: 'len' },
      ...RESULT_PARAMS,
    ],
    ret: 'status',
  },
  {
    name: 'hms_agent_health',
    doc: "The agent's `hms.AgentHealth`.",
    params: [{ name: 'handle', role: 'handle' }, ...RESULT_PARAMS],
    ret: 'status',
  },
  {
    name: 'hms_queue_open',
    doc: "Opens a completion queue for the caller's async calls; returns its handle (0 when too many are open).",
    params: [],
    ret: 'u64',
  },
  {
    name: 'hms_queue_close',
    doc: 'Closes a completion queue: its wait returns at once, its uncollected and later completions are dropped.',
    params: [{ name: 'queue', role: 'handle' }],
    ret: 'status',
  },
  {
    name: 'hms_submit',
    doc: "Queues an rpc (by method id) on the library's worker pool, its completion for `queue`; returns the request id (0: no such queue).",
    params: [
      { name: 'queue', role: 'handle' },
      { name: 'handle', role: 'handle' },
      { name: 'method_id', role: 'u32' },
      { name: 'req', role: 'bytesPtr' },
      { name: 'req_len', role: 'len' },
    ],
    ret: 'u64',
  },
  {
    name: 'hms_wait_completions',
    doc: "Blocks up to `timeout_ms` for `queue`'s finished async calls; the result is a batch of (id, status, bytes) records.",
    params: [{ name: 'queue', role: 'handle' }, { name: 'timeout_ms', role: 'u32' }, ...RESULT_PARAMS],
    ret: 'status',
  },
  {
    name: 'hms_release_caches',
    doc: 'Frees the response builders the library keeps between calls; returns how many there were.',
    params: [],
    ret: 'u32',
  },
  {
    name: 'hms_free_buffer',
    doc: 'Frees a result this library handed over (result record place 1).',
    params: [
      { name: 'ptr', role: 'freePtr' },
      { name: 'len', role: 'len' },
    ],
    ret: 'void',
  },
];

/**
 * Whether an rpc is deferred (`(deferred)`, declared in idl/hms/common.fbs): its handler answers
 * through a reply, at once or later from any thread, so an async call can park without holding one
 * of the library's worker threads (docs/ffi-abi.md, "Deferred rpcs"). The wire is the same.
 */
export function isDeferred(call: RpcCall): boolean {
  return call.streaming === 'none' && call.attributes.some((a) => a.key === 'deferred');
}

/** `HealthMonitor` → `health_monitor`, `register_agent` → `register_agent`, `getHTTPStatus` → `get_http_status`. */
export function snakeCase(name: string): string {
  return markWords(name).toLowerCase();
}

/**
 * The exported symbol of an rpc: `hms_<service>_<rpc>` in snake_case (`hms_health_monitor_heartbeat`).
 * Both emitters call this, so the Rust export and the koffi declaration always agree; two services
 * whose symbols collide are rejected by the emitters.
 */
export function rpcSymbol(service: Service, call: RpcCall): string {
  return `hms_${snakeCase(service.shortName)}_${snakeCase(call.name)}`;
}

/**
 * Method ids for `hms_submit`: 1-based, services in name order, rpcs in declaration order. Both
 * emitters number rpcs with this function.
 */
export function methodIds(services: readonly Service[]): Map<string, number> {
  const ids = new Map<string, number>();
  const sorted = [...services].sort((a, b) => compareNames(a.name, b.name));
  for (const s of sorted) for (const c of s.calls) ids.set(rpcSymbol(s, c), ids.size + 1);
  return ids;
}

/** The ABI's own types (idl/hms/common.fbs): a set binds its services only when it has all of them. */
export const ABI_TYPES = {
  error: 'hms.AgentError',
  errorCode: 'hms.ErrorCode',
  health: 'hms.AgentHealth',
  message: 'hms.AgentMessage',
} as const;

/** Whether the set can be served over the agent ABI: the rule every backend applies. */
export function hasAgentAbi(set: SchemaSet): boolean {
  return Object.values(ABI_TYPES).every((n) => set.objectByName.has(n) || set.enumByName.has(n));
}

/**
 * The export symbol of every rpc (by service, then rpc name). An rpc whose symbol is another
 * rpc's or a common export's is a located E200: the library could not export both.
 */
export function rpcSymbols(services: readonly Service[]): Map<Service, Map<string, string>> {
  const taken = new Map<string, string>(COMMON_EXPORTS.map((f) => [f.name, f.name]));
  const out = new Map<Service, Map<string, string>>();
  for (const s of services) {
    const syms = new Map<string, string>();
    for (const c of s.calls) {
      const sym = rpcSymbol(s, c);
      const other = taken.get(sym);
      if (other !== undefined)
        throw new UnsupportedError(c.location, `${s.name}.${c.name}: its export ${sym} collides with ${other}`);
      taken.set(sym, `${s.name}.${c.name}`);
      syms.set(c.name, sym);
    }
    out.set(s, syms);
  }
  return out;
}

/** Every export of a library serving `services`, in library order: the common ones, then one per rpc. */
export function abiExports(services: readonly Service[]): AbiFunction[] {
  return [...COMMON_EXPORTS, ...services.flatMap((s) => s.calls.map((c) => rpcExport(rpcSymbol(s, c), c)))];
}

/** The export of one rpc; `symbol` is the language-neutral snake_case name both emitters use. */
export function rpcExport(symbol: string, call: RpcCall): AbiFunction {
  return {
    name: symbol,
    doc: `\`${call.name}\`: \`${call.request}\` in, \`${call.response}\` out (or an \`hms.AgentError\`).`,
    params: [
      { name: 'handle', role: 'handle' },
      { name: 'req', role: 'bytesPtr' },
      { name: 'req_len', role: 'len' },
      ...RESULT_PARAMS,
    ],
    ret: 'status',
  };
}

// ---------------------------------------------------------------------------------------------
// Contract checksums

function typeText(t: TypeRef): string {
  return [t.base, t.element, t.object ?? '-', t.enum ?? '-', t.fixedLength].join('/');
}

function describeObject(o: ObjectDef): string[] {
  const lines = [`${o.isStruct ? 'struct' : 'table'} ${o.name} size=${o.bytesize} align=${o.minalign}`];
  for (const f of o.fields) {
    const d = f.default;
    const def =
      d.kind === 'integer'
        ? `int:${d.value}`
        : d.kind === 'float'
          ? `float:${d.value}`
          : d.kind === 'string'
            ? `str:${JSON.stringify(d.value)}`
            : d.kind;
    lines.push(
      `  field ${f.name} id=${f.id} offset=${f.offset} type=${typeText(f.type)} default=${def}` +
        ` deprecated=${f.deprecated} required=${f.required} optional=${f.optional} key=${f.key}`,
    );
  }
  return lines;
}

function describeEnum(e: EnumDef): string[] {
  const lines = [
    `${e.isUnion ? 'union' : 'enum'} ${e.name} underlying=${typeText(e.underlying)} bit_flags=${e.bitFlags}`,
  ];
  for (const v of e.values)
    lines.push(`  value ${v.name}=${v.value}${v.unionType ? ` type=${typeText(v.unionType)}` : ''}`);
  return lines;
}

/**
 * The canonical text a service checksum is computed from: its rpcs in order and the full layout of
 * every type reachable from their requests and responses (docs excluded: they do not change bytes).
 */
export function serviceContractText(set: SchemaSet, service: Service): string {
  const lines = [`service ${service.name}`];
  for (const c of service.calls) lines.push(`  rpc ${c.name} ${c.request} -> ${c.response} streaming=${c.streaming}`);
  const objects = new Set<string>();
  const enums = new Set<string>();
  const visitType = (t: TypeRef): void => {
    if (t.object !== undefined) visitObject(t.object);
    if (t.enum !== undefined && !enums.has(t.enum)) {
      enums.add(t.enum);
      const e = set.enumByName.get(t.enum);
      for (const v of e?.values ?? []) if (v.unionType) visitType(v.unionType);
    }
  };
  const visitObject = (name: string): void => {
    if (objects.has(name)) return;
    objects.add(name);
    for (const f of set.objectByName.get(name)?.fields ?? []) visitType(f.type);
  };
  for (const c of service.calls) {
    visitObject(c.request);
    visitObject(c.response);
  }
  for (const n of [...objects].sort()) {
    const o = set.objectByName.get(n);
    if (o) lines.push(...describeObject(o));
  }
  for (const n of [...enums].sort()) {
    const e = set.enumByName.get(n);
    if (e) lines.push(...describeEnum(e));
  }
  return `${lines.join('\n')}\n`;
}

/** Checksums computed for a set (both emitters ask for every service's). */
const checksums = new WeakMap<SchemaSet, Map<Service, bigint>>();

/** FNV-1a 64 of the service's canonical contract text. */
export function serviceChecksum(set: SchemaSet, service: Service): bigint {
  let bySet = checksums.get(set);
  if (!bySet) checksums.set(set, (bySet = new Map()));
  let sum = bySet.get(service);
  if (sum === undefined) {
    sum = fnv1a64(Buffer.from(serviceContractText(set, service), 'utf8'));
    bySet.set(service, sum);
  }
  return sum;
}
