import type { Service } from '../ir/model.js';
import { hasAgentAbi, methodIds, rpcSymbols } from './abi.js';
import { agentLibrary, type AgentLibraryConfig, type GeneratorConfig } from './config.js';
import type { SchemaSet } from './schema-set.js';

/**
 * What the set binds over the agent ABI, decided once per run and handed to every backend
 * (`EmitContext.bindings`): which services are served, their rpcs' export symbols and method ids,
 * the root file identifiers, and whether there is an agent library. Backends read these; none
 * derives them again.
 */

/** A service the set serves over the agent ABI, with its rpcs' export symbols (by rpc name). */
export interface BoundService {
  readonly service: Service;
  readonly symbols: ReadonlyMap<string, string>;
}

export interface Bindings {
  /** The set has the ABI's own types (abi.ts `hasAgentAbi`): its services are served over the ABI. */
  readonly abi: boolean;
  /** Every service of the set when `abi`, none otherwise, in name order. */
  readonly services: readonly BoundService[];
  /** `hms_submit` method ids by export symbol (abi.ts `methodIds`). */
  readonly methodIds: ReadonlyMap<string, number>;
  /** `file_identifier` of each table that is the `root_type` of an input schema (first input wins). */
  readonly rootIdentifiers: ReadonlyMap<string, string>;
  /**
   * The agent library (`rust/agent-lib/`, its C header `c/hms_agent.h`): present when the set has
   * the ABI types and hms-gen.json names at least one agents crate (`rust.agents`).
   */
  readonly agentLibrary: AgentLibraryConfig | undefined;
}

/** The bindings of `set` under `config`; an rpc whose export symbol collides is a located E200. */
export function bindingsOf(set: SchemaSet, config: GeneratorConfig): Bindings {
  const rootIdentifiers = rootIdentifiersOf(set);
  if (!hasAgentAbi(set))
    return { abi: false, services: [], methodIds: new Map(), rootIdentifiers, agentLibrary: undefined };
  const symbols = rpcSymbols(set.services);
  return {
    abi: true,
    services: set.services.map((service) => ({ service, symbols: symbols.get(service) as Map<string, string> })),
    methodIds: methodIds(set.services),
    rootIdentifiers,
    agentLibrary: agentLibrary(config),
  };
}

/** `Bindings.rootIdentifiers`: the `file_identifier` of each input's `root_type` table, the first input winning. */
export function rootIdentifiersOf(set: SchemaSet): Map<string, string> {
  const rootIdentifiers = new Map<string, string>();
  for (const s of set.schemas) {
    if (s.rootTable !== undefined && s.fileIdent !== '' && !rootIdentifiers.has(s.rootTable))
      rootIdentifiers.set(s.rootTable, s.fileIdent);
  }
  return rootIdentifiers;
}
