import koffi, { type LibraryHandle } from 'koffi';
import type { AgentTransport } from '../agents/local.js';
import { ContractMismatchError, ErrorCodes, RustError, type AgentErrorInfo } from './errors.js';
import {
  COMPLETION_ALIGN,
  COMPLETION_HEADER,
  COMPLETION_ID_AT,
  COMPLETION_LEN_AT,
  COMPLETION_STATUS_AT,
  PLACE_ALLOCATED,
  RECORD_LEN_AT,
  RECORD_PLACE_AT,
  RECORD_PTR_AT,
  RECORD_SIZE,
} from './layout.js';

/**
 * One loaded agent library (a Rust cdylib built from `generated/rust/agent-lib`), called through
 * koffi as docs/ffi-abi.md describes. The generated bindings supply the declarations (from
 * `generator/src/codegen/abi.ts`) and the contract they were generated from; this class does the
 * parts that are the same for every library: loading, the contract check, the result area, the
 * error channel and the guard that makes calls after `close()` fail cleanly.
 */

/** What the bindings were generated from; compared with the library at load. */
export interface LibraryContract {
  readonly abiVersion: number;
  /** `major << 16 | minor`. */
  readonly contractVersion: number;
  /** Service checksums by qualified service name. */
  readonly services: Readonly<Record<string, bigint>>;
}

/** koffi prototypes (`int32_t hms_x(uint64_t handle, ...)`): the common exports and one per rpc. */
export interface LibraryDeclarations {
  readonly common: readonly string[];
  readonly rpcs: readonly string[];
}

/** A handle to an agent inside a library (a plain number below 2^53, docs/ffi-abi.md "Handles"). */
export type AgentHandle = number & { readonly __brand: 'AgentHandle' };

type Fn = ((...args: unknown[]) => unknown) & {
  async?: (...args: unknown[]) => void;
};

interface Pending {
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (e: Error) => void;
}

/** How long one `hms_wait_completions` blocks before it returns empty and is re-issued. */
const WAIT_MS = 1000;
/** The largest scratch buffer an instance grows to for its sync results. */
const MAX_SCRATCH_BYTES = 2 * 1024 * 1024;
/** Room for one batch of async completions (a larger completion arrives as an allocation). */
const ASYNC_BATCH_BYTES = 256 * 1024;

/** What a contract mismatch asks for: both sides rebuilt from the current .fbs, generator first. */
const STALE_FIX =
  'The library and the bindings were generated from different contracts: run `hms-gen generate` ' +
  '(regenerates the bindings and the library sources from the .fbs files), then `cargo build` (rebuilds the library), ' +
  'then load it again.';

export interface LibraryOptions {
  /** Decodes an `hms.AgentError` buffer (generated code supplies it). */
  readonly decodeError: (bytes: Uint8Array) => AgentErrorInfo;
  /** Initial size of the scratch buffer results are written into (default 64 KiB). */
  readonly scratchBytes?: number;
}

/**
 * Whether `h` can be an agent handle (docs/ffi-abi.md "Handles": an integer in [1, 2^53)). koffi
 * would pass 1.5 as 1 and wrap larger numbers, reaching another agent; Rust checks the rest
 * (destroyed, reused slot, never created).
 */
function isHandle(h: number): boolean {
  return Number.isSafeInteger(h) && h > 0;
}

/** `n` as a `uint32_t` argument: koffi would silently truncate a float or wrap a larger number. */
function u32(n: number, what: string): number {
  if (Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
  throw new RustError({ code: ErrorCodes.InvalidArgument, message: `${what} ${String(n)} is not a uint32` });
}

/** The record at the end of a result area (docs/ffi-abi.md, "The result area"). */
function recordOf(area: Uint8Array): DataView {
  return new DataView(area.buffer, area.byteOffset + area.length - RECORD_SIZE, RECORD_SIZE);
}

export class AgentLibrary implements AgentTransport {
  readonly path: string;
  private lib: LibraryHandle | undefined;
  private readonly fns = new Map<string, Fn>();
  private readonly decodeError: (bytes: Uint8Array) => AgentErrorInfo;
  // The result area of sync calls: room for the result, then the record (docs/ffi-abi.md).
  private scratch: Uint8Array;
  private recordView: DataView;
  private readonly handleOut = new BigUint64Array(1);
  // The agents this instance created: what close() destroys. (Other instances of the same library
  // may call them: the library's handle table is one per process, and Rust rejects stale handles.)
  private readonly agents = new Set<number>();
  // Async calls: this instance's completion queue (opened by the first async call; 0 until then),
  // requests by id, and the buffers of the single wait in flight (never touched meanwhile).
  private queue = 0;
  private readonly pending = new Map<number, Pending>();
  private waiting = false;
  private readonly asyncOut = new Uint8Array(ASYNC_BATCH_BYTES + RECORD_SIZE);

  private constructor(path: string, decl: LibraryDeclarations, options: LibraryOptions) {
    this.path = path;
    this.decodeError = options.decodeError;
    this.scratch = new Uint8Array((options.scratchBytes ?? 64 * 1024) + RECORD_SIZE);
    this.recordView = recordOf(this.scratch);
    this.lib = koffi.load(path);
    this.bind(decl.common);
  }

  private bind(prototypes: readonly string[]): void {
    const lib = this.lib as LibraryHandle;
    for (const proto of prototypes) {
      const name = /([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(proto)?.[1];
      if (name === undefined) throw new Error(`not a prototype: ${proto}`);
      this.fns.set(name, lib.func(proto) as Fn);
    }
  }

  /** Loads the library and checks that it was built from `contract`; throws ContractMismatchError otherwise. */
  static open(
    path: string,
    decl: LibraryDeclarations,
    contract: LibraryContract,
    options: LibraryOptions,
  ): AgentLibrary {
    const lib = new AgentLibrary(path, decl, options);
    try {
      lib.checkContract(contract);
      // Only after the check: a library from other contracts may lack some rpc exports.
      lib.bind(decl.rpcs);
    } catch (e) {
      lib.close();
      throw e;
    }
    return lib;
  }

  private fn(name: string): Fn {
    if (this.lib === undefined) throw this.closedError();
    const f = this.fns.get(name);
    if (f === undefined)
      throw new RustError({ code: ErrorCodes.Unimplemented, message: `${this.path} has no export ${name}` });
    return f;
  }

  private closedError(): RustError {
    return new RustError({ code: ErrorCodes.InvalidHandle, message: `agent library ${this.path} is closed` });
  }

  /** The error for a call with `handle` (see `isHandle`): closed library, or a value that is no handle. */
  private refuse(handle: number): RustError {
    if (this.lib === undefined) return this.closedError();
    return new RustError({
      code: ErrorCodes.InvalidHandle,
      message: `${this.path}: ${String(handle)} is not an agent handle (an integer in [1, 2^53))`,
    });
  }

  private checkContract(c: LibraryContract): void {
    const abi = this.fn('hms_abi_version')() as number;
    if (abi !== c.abiVersion) {
      throw new ContractMismatchError(
        `${this.path}: ABI version ${abi}, the bindings expect ${c.abiVersion}. ${STALE_FIX}`,
      );
    }
    const version = this.fn('hms_contract_version')() as number;
    if (version !== c.contractVersion) {
      const v = (x: number): string => `${x >>> 16}.${x & 0xffff}`;
      throw new ContractMismatchError(
        `${this.path}: contract version ${v(version)}, the bindings expect ${v(c.contractVersion)}. ${STALE_FIX}`,
      );
    }
    const checksum = this.fn('hms_service_checksum');
    for (const [service, expected] of Object.entries(c.services)) {
      const name = Buffer.from(service, 'utf8');
      const actual = BigInt(checksum(name, name.length) as number | bigint);
      if (actual !== expected) {
        const hex = (x: bigint): string => x.toString(16).padStart(16, '0');
        throw new ContractMismatchError(
          actual === 0n
            ? `${this.path}: service ${service} is missing from the library (bindings checksum ${hex(expected)}): ` +
                `the library was built before the service was added to the contracts; rebuild it with \`cargo build\`` +
                ` (after \`hms-gen generate\`, if generated/ is not up to date either).`
            : `${this.path}: service ${service} differs: library checksum ${hex(actual)}, bindings checksum ${hex(expected)}. ` +
                STALE_FIX,
        );
      }
    }
  }

  /** The result of the last call: its bytes from the scratch buffer or from a Rust allocation (freed here). */
  private take(status: number): Uint8Array {
    return this.takeView(status).slice();
  }

  /** `take` without the copy when the result is in the scratch buffer: valid until the next call. */
  private takeView(status: number): Uint8Array {
    const view = this.recordView;
    const len = view.getUint32(RECORD_LEN_AT, true);
    let bytes: Uint8Array;
    if (view.getUint32(RECORD_PLACE_AT, true) === PLACE_ALLOCATED) {
      bytes = this.resultBytes(this.scratch);
      // Results this big will come again: grow the scratch buffer for the next call, up to a
      // bound (a scratch buffer is kept for the life of the instance; larger results keep coming
      // through an allocation, whose copy costs little next to producing that much).
      if (bytes.length > this.scratch.length - RECORD_SIZE && bytes.length <= MAX_SCRATCH_BYTES / 2) {
        this.setScratch(new Uint8Array(bytes.length * 2 + RECORD_SIZE));
      }
    } else {
      bytes = this.prefix(len);
    }
    if (status !== 0) throw new RustError(this.decodeErrorSafely(status, bytes));
    return bytes;
  }

  // Views of the scratch buffer's first `len` bytes, made once per length: a new view per call
  // was a measurable part of a call.
  private prefixes: Uint8Array[] = [];

  private prefix(len: number): Uint8Array {
    if (len > 4096) return this.scratch.subarray(0, len);
    let v = this.prefixes[len];
    if (v === undefined) this.prefixes[len] = v = this.scratch.subarray(0, len);
    return v;
  }

  private setScratch(scratch: Uint8Array): void {
    this.scratch = scratch;
    this.recordView = recordOf(scratch);
    this.prefixes = [];
  }

  /**
   * `callView` bound to one export, for the generated clients: the function is looked up once,
   * not per call. The closed-library guard still runs on every call.
   */
  rpc(symbol: string): (handle: AgentHandle, request: Uint8Array) => Uint8Array {
    const f = this.fn(symbol);
    return (handle, request) => {
      if (this.lib === undefined || !isHandle(handle)) throw this.refuse(handle);
      return this.invoke(f, handle, request);
    };
  }

  /** The result in the area `out`: copied out of it, or out of a Rust allocation that is then freed. */
  private resultBytes(out: Uint8Array): Uint8Array {
    const view = recordOf(out);
    const len = view.getUint32(RECORD_LEN_AT, true);
    if (view.getUint32(RECORD_PLACE_AT, true) !== PLACE_ALLOCATED) return out.slice(0, len);
    const ptr = view.getBigUint64(RECORD_PTR_AT, true);
    // Copy, then free through the library that allocated it (ffi-koffi.md §5).
    const bytes = new Uint8Array(koffi.decode(ptr, 'uint8_t', len) as number[]);
    this.fn('hms_free_buffer')(ptr, len);
    return bytes;
  }

  private decodeErrorSafely(status: number, bytes: Uint8Array): AgentErrorInfo {
    try {
      const info = this.decodeError(bytes);
      return info.code === status ? info : { ...info, code: status };
    } catch {
      return {
        code: status,
        message: `${this.path}: error ${status} with an undecodable AgentError (${bytes.length} bytes)`,
      };
    }
  }

  /** Calls an rpc export: request bytes in, response bytes out; a failure throws RustError. */
  call(symbol: string, handle: AgentHandle, request: Uint8Array): Uint8Array {
    return this.callView(symbol, handle, request).slice();
  }

  /**
   * `call` without copying the response out of the scratch buffer: the view is valid only until the
   * next call on this library (the generated clients decode it at once). Copying ~100 bytes into a
   * new typed array costs more than the whole native call on Node 20.
   */
  callView(symbol: string, handle: AgentHandle, request: Uint8Array): Uint8Array {
    const f = this.fn(symbol);
    if (!isHandle(handle)) throw this.refuse(handle);
    return this.invoke(f, handle, request);
  }

  /** One rpc export called with the library's result area (the scratch buffer and its record). */
  private invoke(f: Fn, handle: AgentHandle, request: Uint8Array): Uint8Array {
    const status = f(handle, request, request.length, this.scratch, this.scratch.length) as number;
    return this.takeView(status);
  }

  /**
   * The async variant of `call`: the request is queued on the library's worker pool (`hms_submit`)
   * and the promise settles when its completion arrives. One `hms_wait_completions`, run on koffi's
   * worker, collects completions while any call is pending (which keeps Node alive); no Rust thread
   * ever calls into JavaScript (docs/ffi-abi.md, "Async calls").
   */
  callAsync(methodId: number, handle: AgentHandle, request: Uint8Array): Promise<Uint8Array> {
    let id: number;
    try {
      const submit = this.fn('hms_submit');
      if (!isHandle(handle)) throw this.refuse(handle);
      u32(methodId, 'method id');
      id = Number(submit(this.openQueue(), handle, methodId, request, request.length) as number | bigint);
      if (id === 0)
        throw new RustError({ code: ErrorCodes.Internal, message: `${this.path}: hms_submit refused the call` });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.pump();
    });
  }

  /** Number of async calls submitted and not yet settled. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  /** This instance's completion queue: opened on the first async call. */
  private openQueue(): number {
    if (this.queue !== 0) return this.queue;
    const q = Number(this.fn('hms_queue_open')() as number | bigint);
    if (q === 0)
      throw new RustError({
        code: ErrorCodes.ResourceExhausted,
        message: `${this.path}: no completion queue available`,
      });
    return (this.queue = q);
  }

  private pump(): void {
    if (this.waiting || this.pending.size === 0 || this.lib === undefined) return;
    const wait = this.fn('hms_wait_completions').async;
    if (wait === undefined) throw new Error('koffi function without .async');
    this.waiting = true;
    wait(this.queue, WAIT_MS, this.asyncOut, this.asyncOut.length, (err: unknown, status: number) => {
      this.waiting = false;
      if (this.lib === undefined) return; // closed meanwhile: close() rejected what was pending
      if (err !== null && err !== undefined) {
        const e = err instanceof Error ? err : new Error(String(err));
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
        return;
      }
      if (status === 0) this.settle(this.resultBytes(this.asyncOut));
      this.pump();
    });
  }

  /** Settles the calls of one batch: per completion `id: u64, status: i32, len: u32`, bytes, padding to 8. */
  private settle(batch: Uint8Array): void {
    const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    let at = 0;
    while (at + COMPLETION_HEADER <= batch.length) {
      const id = Number(view.getBigUint64(at + COMPLETION_ID_AT, true));
      const status = view.getInt32(at + COMPLETION_STATUS_AT, true);
      const len = view.getUint32(at + COMPLETION_LEN_AT, true);
      const bytes = batch.slice(at + COMPLETION_HEADER, at + COMPLETION_HEADER + len);
      at += COMPLETION_HEADER + ((len + COMPLETION_ALIGN - 1) & ~(COMPLETION_ALIGN - 1));
      const p = this.pending.get(id);
      if (p === undefined) continue;
      this.pending.delete(id);
      if (status === 0) p.resolve(bytes);
      else p.reject(new RustError(this.decodeErrorSafely(status, bytes)));
    }
  }

  /** The type id of a named agent type; throws NotFound for a name the library does not know. */
  typeId(name: string): number {
    const n = Buffer.from(name, 'utf8');
    const id = this.fn('hms_agent_type_id')(n, n.length) as number;
    if (id === 0)
      throw new RustError({
        code: ErrorCodes.NotFound,
        message: `${this.path} has no agent type ${JSON.stringify(name)}`,
      });
    return id;
  }

  /** Creates an agent (by type name or id) from its configuration bytes. */
  create(type: string | number, config: Uint8Array = new Uint8Array(0)): AgentHandle {
    const id = typeof type === 'number' ? u32(type, 'agent type id') : this.typeId(type);
    const status = this.fn('hms_agent_create')(
      id,
      config,
      config.length,
      this.handleOut,
      this.scratch,
      this.scratch.length,
    ) as number;
    this.take(status);
    const handle = Number(this.handleOut[0]);
    this.agents.add(handle);
    return handle as AgentHandle;
  }

  /** Destroys an agent this instance created; its handle becomes invalid. */
  destroy(handle: AgentHandle): void {
    const destroy = this.fn('hms_agent_destroy');
    if (!isHandle(handle)) throw this.refuse(handle);
    this.agents.delete(handle);
    const status = destroy(handle) as number;
    if (status !== 0) {
      throw new RustError({
        code: status,
        message: `${this.path}: cannot destroy agent handle ${handle} (status ${status})`,
      });
    }
  }

  /** The agent's `hms.AgentHealth` bytes. */
  health(handle: AgentHandle): Uint8Array {
    const health = this.fn('hms_agent_health');
    if (!isHandle(handle)) throw this.refuse(handle);
    const status = health(handle, this.scratch, this.scratch.length) as number;
    return this.take(status);
  }

  /** Delivers an `hms.AgentMessage`; returns the reply message bytes. */
  sendMessage(handle: AgentHandle, message: Uint8Array): Uint8Array {
    const send = this.fn('hms_agent_send_message');
    if (!isHandle(handle)) throw this.refuse(handle);
    const status = send(handle, message, message.length, this.scratch, this.scratch.length) as number;
    return this.take(status);
  }

  /**
   * Frees what the library keeps between calls (its response builders); returns how many. For a
   * host retiring a library generation, and for memory accounting. Later calls work as before.
   */
  releaseCaches(): number {
    return this.fn('hms_release_caches')() as number;
  }

  /** Handles of the live agents this instance created. */
  get liveAgents(): readonly AgentHandle[] {
    return [...this.agents] as AgentHandle[];
  }

  /**
   * Stops using the library: destroys the agents this instance created (calls already running on
   * them finish first), closes its completion queue and rejects its pending async calls; later calls
   * throw RustError(InvalidHandle) without touching native code. The library stays mapped
   * (docs/ffi-abi.md, "Library generations": never dlclose code that may still run).
   */
  close(): void {
    if (this.lib !== undefined) {
      const destroy = this.fns.get('hms_agent_destroy');
      // A library refused at load has no agents and may lack these exports (another ABI).
      if (destroy !== undefined) for (const h of this.agents) destroy(h);
      const closeQueue = this.fns.get('hms_queue_close');
      if (this.queue !== 0 && closeQueue !== undefined) closeQueue(this.queue);
    }
    this.agents.clear();
    this.queue = 0;
    this.lib = undefined;
    this.fns.clear();
    const closed = new RustError({
      code: ErrorCodes.InvalidHandle,
      message: `agent library ${this.path} was closed with the call pending`,
    });
    for (const p of this.pending.values()) p.reject(closed);
    this.pending.clear();
  }

  get closed(): boolean {
    return this.lib === undefined;
  }
}
