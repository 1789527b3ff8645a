import { ErrorCodes, RustError } from '../ffi/errors.js';
import type { AgentHandle } from '../ffi/library.js';

/**
 * TypeScript agents in this process, behind the same calls as a Rust agent library: the generated
 * `…Client` classes take either (both are an `AgentTransport`), and a call goes over the same wire
 * (the request encoded by the client, decoded by the generated `…Dispatch`, the response encoded
 * back), so one client and one conformance suite serve agents of both languages.
 */

/** What a generated client calls through: an `AgentLibrary` (Rust agents) or `LocalAgents`. */
export interface AgentTransport {
  /** The function calling the rpc export `symbol` (bound once per client). */
  rpc(symbol: string): (handle: AgentHandle, request: Uint8Array) => Uint8Array;
  /** The rpc with method id `methodId`, settled later. */
  callAsync(methodId: number, handle: AgentHandle, request: Uint8Array): Promise<Uint8Array>;
}

/** One rpc of a generated `…Dispatch`: its export symbol, method id, and the call over the wire. */
export interface ServiceCall<S> {
  readonly symbol: string;
  readonly methodId: number;
  /** Decodes the request, calls the implementation, encodes its response. */
  readonly call: (impl: S, request: Uint8Array) => Uint8Array;
}

/** A service served by a TypeScript implementation `S` of its generated interface. */
export interface ServiceDispatch<S> {
  /** Fully qualified service name. */
  readonly service: string;
  readonly calls: readonly ServiceCall<S>[];
}

/** One TypeScript agent type: its name, how to create one, the services it serves. */
export interface AgentType<A = unknown> {
  /** The type name agents are created by (`create('greeter')`), unique among the registered types. */
  readonly name: string;
  /** Creates an agent from its configuration bytes (their format is the type's own). */
  readonly create: (config: Uint8Array) => A;
  /** The generated dispatch of every service the agent serves. */
  readonly serves: readonly ServiceDispatch<A>[];
}

/**
 * An agent type, typed so that wiring mistakes are compile errors: each dispatch in `serves` must
 * be for a service the created agent implements (`ServiceDispatch<Greeter>` needs an `A` that is a
 * `Greeter`).
 */
export function agentType<A>(t: AgentType<A>): AgentType {
  return t as AgentType;
}

interface Live {
  readonly type: AgentType;
  readonly agent: unknown;
}

/** Handles start here: clearly not a Rust library's (which start at 1), easy to tell in logs. */
const FIRST_HANDLE = 1 << 20;

/** Hosts TypeScript agents of the given types; throws at once on two types with one name. */
export class LocalAgents implements AgentTransport {
  private readonly types = new Map<string, AgentType>();
  private readonly agents = new Map<number, Live>();
  /** Per rpc symbol: the call, for each agent type that serves it. */
  private readonly bySymbol = new Map<string, Map<AgentType, ServiceCall<unknown>>>();
  /** Rpc symbol by method id (for callAsync). */
  private readonly symbolOf = new Map<number, string>();
  private nextHandle = FIRST_HANDLE;

  constructor(types: readonly AgentType[]) {
    for (const t of types) {
      if (this.types.has(t.name))
        throw new Error(`two TypeScript agent types are named ${JSON.stringify(t.name)}: rename one`);
      this.types.set(t.name, t);
      for (const d of t.serves) {
        for (const c of d.calls) {
          let m = this.bySymbol.get(c.symbol);
          if (!m) this.bySymbol.set(c.symbol, (m = new Map()));
          m.set(t, c as ServiceCall<unknown>);
          this.symbolOf.set(c.methodId, c.symbol);
        }
      }
    }
  }

  /** The registered type names. */
  typeNames(): string[] {
    return [...this.types.keys()];
  }

  /** Creates an agent of the named type; `NotFound` for an unknown name. */
  create(typeName: string, config: Uint8Array = new Uint8Array(0)): AgentHandle {
    const type = this.types.get(typeName);
    if (!type) {
      throw new RustError({
        code: ErrorCodes.NotFound,
        message: `no TypeScript agent type ${JSON.stringify(typeName)}`,
      });
    }
    const agent = guard(() => type.create(config), `${typeName}: create`);
    const handle = this.nextHandle++;
    this.agents.set(handle, { type, agent });
    return handle as AgentHandle;
  }

  destroy(handle: AgentHandle): void {
    if (!this.agents.delete(handle)) throw invalidHandle(handle);
  }

  rpc(symbol: string): (handle: AgentHandle, request: Uint8Array) => Uint8Array {
    const served = this.bySymbol.get(symbol);
    return (handle, request) => {
      const live = this.agents.get(handle);
      if (!live) throw invalidHandle(handle);
      const c = served?.get(live.type);
      if (!c) {
        throw new RustError({ code: ErrorCodes.Unimplemented, message: `${live.type.name} does not serve ${symbol}` });
      }
      return guard(() => c.call(live.agent, request), `${live.type.name}: ${symbol}`);
    };
  }

  callAsync(methodId: number, handle: AgentHandle, request: Uint8Array): Promise<Uint8Array> {
    const symbol = this.symbolOf.get(methodId);
    // The request may be a view of the client's shared builder: copied before the call is deferred.
    const bytes = request.slice();
    return Promise.resolve().then(() => {
      if (symbol === undefined)
        throw new RustError({ code: ErrorCodes.InvalidArgument, message: `unknown method id ${methodId}` });
      return this.rpc(symbol)(handle, bytes);
    });
  }
}

function invalidHandle(handle: number): RustError {
  return new RustError({ code: ErrorCodes.InvalidHandle, message: `no live TypeScript agent with handle ${handle}` });
}

/**
 * Runs agent code: an agent's own error (a `RustError`, e.g. `unimplemented(...)`) passes as it is;
 * anything else it throws is a bug, reported as `Panic` with its message (as a Rust panic is),
 * and an encoder's refusal of the agent's response as `EncodeFailed`.
 */
function guard<T>(f: () => T, where: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RustError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const code = e instanceof Error && e.name === 'EncodeError' ? ErrorCodes.EncodeFailed : ErrorCodes.Panic;
    throw new RustError({ code, message: `${where}: ${message}` });
  }
}

/** The error of an rpc an agent does not implement (yet): throw it from the method. */
export function unimplemented(rpc: string): RustError {
  return new RustError({ code: ErrorCodes.Unimplemented, message: `${rpc} is not implemented` });
}
