import {
  ABI_TYPES,
  ABI_VERSION,
  abiExports,
  COMMON_EXPORTS,
  CONTRACT_VERSION_WORD,
  hasAgentAbi,
  rpcSymbol,
  rpcSymbols,
  serviceChecksum,
} from '../../codegen/abi.js';
import { UnsupportedError, type EmitContext } from '../../codegen/backend.js';
import { claimUnderscored } from '../../codegen/naming.js';
import type { Service } from '../../ir/model.js';
import { cPrototype } from '../c/prototypes.js';
import { call, jsdoc, signature } from './format.js';
import { emitDispatch } from './dispatch.js';
import { camelCase, importPath, stringLiteral, type NameTable } from './naming.js';
import type { ModuleScope } from './scope.js';

/**
 * Services: per `rpc_service` a TypeScript interface and a `…Client` class that implements it by
 * calling the Rust agent library, plus `ts/_ffi.ts` with the koffi declarations (rendered from
 * generator/src/codegen/abi.ts, the same description the Rust exports come from) and the contract
 * the bindings were generated from. The hand-written part (loading, result area, errors) is the
 * `hms-runtime` package.
 */

/** The FFI module, relative to `ts/`. */
export const FFI_MODULE = '_ffi.ts';
/** The package with the hand-written FFI runtime. */
export const RUNTIME_PACKAGE = 'hms-runtime';

/** Unary rpcs get methods; streaming ones are not callable over the ABI yet (their Rust exports answer Unimplemented). */
const unary = (s: Service): Service['calls'] => s.calls.filter((c) => c.streaming === 'none');

/**
 * Method names of one service (camelCase; `library`/`handle` are the client's own): the sync name
 * and the Promise-returning `…Async` name of each rpc, all distinct.
 */
export function methodNames(s: Service): Map<string, { sync: string; async: string }> {
  const used = new Set(['library', 'handle', 'constructor']);
  const take = (wanted: string): string => claimUnderscored(used, wanted);
  const calls = unary(s);
  const sync = calls.map((c) => take(camelCase(c.name)));
  const out = new Map<string, { sync: string; async: string }>();
  calls.forEach((c, i) => out.set(c.name, { sync: sync[i] as string, async: take(`${sync[i] as string}Async`) }));
  return out;
}

/** The interface and client class of one service, as module-level declarations. */
export function emitService(
  s: Service,
  scope: ModuleScope,
  names: NameTable,
  ids: ReadonlyMap<string, number>,
  identifiers: ReadonlyMap<string, string>,
): string[] {
  const { iface, ifaceAsync, client, dispatch } = names.service(s.name);
  const methods = methodNames(s);
  // What the client calls through: an agent library (Rust agents) or LocalAgents (TypeScript ones).
  const library = scope.imports.type(RUNTIME_PACKAGE, 'AgentTransport');
  const handle = scope.imports.type(RUNTIME_PACKAGE, 'AgentHandle');
  const out: string[] = [];

  const streaming = s.calls.filter((c) => c.streaming !== 'none').map((c) => `\`${c.name}\` (${c.streaming})`);
  const note =
    streaming.length === 0 ? [] : [`Streaming rpcs, not callable through the agent ABI yet: ${streaming.join(', ')}.`];
  const lines: string[] = [...jsdoc(s.documentation, note), `export interface ${iface} {`];
  for (const c of unary(s)) {
    const req = scope.ref(scope.decl(c.request), scope.decl(c.request).type);
    const resp = scope.ref(scope.decl(c.response), scope.decl(c.response).type);
    lines.push(...jsdoc(c.documentation).map((l) => `  ${l}`));
    lines.push(`  ${methods.get(c.name)?.sync as string}(request: ${req}): ${resp};`);
  }
  lines.push('}');
  out.push(lines.join('\n'));

  const asyncLines: string[] = [
    ...jsdoc([` \`${iface}\` with every rpc returning a Promise (run on the agent library's worker pool).`]),
    `export interface ${ifaceAsync} {`,
  ];
  for (const c of unary(s)) {
    const req = scope.ref(scope.decl(c.request), scope.decl(c.request).type);
    const resp = scope.ref(scope.decl(c.response), scope.decl(c.response).type);
    asyncLines.push(...jsdoc(c.documentation).map((l) => `  ${l}`));
    asyncLines.push(`  ${methods.get(c.name)?.async as string}(request: ${req}): Promise<${resp}>;`);
  }
  asyncLines.push('}');
  out.push(asyncLines.join('\n'));

  const cls: string[] = [
    ...jsdoc([
      ` \`${iface}\` served by an agent: a Rust one of an agent library (see \`openAgentLibrary\` in \`${FFI_MODULE.replace('.ts', '')}\`),`,
      ` or a TypeScript one hosted by \`LocalAgents\` (with \`${dispatch}\`). Failures throw \`RustError\` (from \`hms-runtime\`)`,
      " with the `hms.ErrorCode` and message of the agent's `AgentError`.",
    ]),
    `export class ${client} implements ${iface}, ${ifaceAsync} {`,
  ];
  // Each export bound once (AgentLibrary.rpc): no lookup per call. Private fields, named after
  // the methods, cannot collide with anything the interfaces declare.
  const calls = unary(s);
  const bound = (c: Service['calls'][number]): string => `#${(methods.get(c.name) as { sync: string }).sync}`;
  for (const c of calls) cls.push(`  readonly ${bound(c)}: (handle: ${handle}, request: Uint8Array) => Uint8Array;`);
  if (calls.length > 0) cls.push('');
  cls.push('  constructor(', `    readonly library: ${library},`, `    readonly handle: ${handle},`);
  if (calls.length === 0) cls.push('  ) {}');
  else {
    cls.push('  ) {');
    for (const c of calls) {
      cls.push(
        ...call(4, `this.${bound(c)} = library.rpc`, [stringLiteral(rpcSymbol(s, c))], ';').map((l) => `    ${l}`),
      );
    }
    cls.push('  }');
  }
  for (const c of calls) {
    const reqDecl = scope.decl(c.request);
    const respDecl = scope.decl(c.response);
    const req = scope.ref(reqDecl, reqDecl.init);
    const resp = scope.ref(respDecl, respDecl.type);
    cls.push('');
    cls.push(...jsdoc(c.documentation).map((l) => `  ${l}`));
    const m = methods.get(c.name) as { sync: string; async: string };
    // The request is encoded into the shared builder and the response decoded straight from the
    // library's scratch buffer: both are consumed at once, so neither is copied (docs/ffi-abi.md).
    const ident = identifiers.get(c.request);
    const encode = `${scope.rt()}.encodeTransient(request, ${scope.ref(reqDecl, reqDecl.write)}, ${ident === undefined ? 'undefined' : stringLiteral(ident)})`;
    cls.push(...signature(2, m.sync, [`request: ${req}`], resp).map((l) => `  ${l}`));
    cls.push(...call(4, `const bytes = this.${bound(c)}`, ['this.handle', encode], ';').map((l) => `    ${l}`));
    cls.push(`    return ${scope.ref(respDecl, respDecl.decode)}(bytes);`);
    cls.push('  }');
    cls.push('');
    cls.push(...jsdoc(c.documentation).map((l) => `  ${l}`));
    cls.push(...signature(2, `async ${m.async}`, [`request: ${req}`], `Promise<${resp}>`).map((l) => `  ${l}`));
    const id = ids.get(rpcSymbol(s, c));
    if (id === undefined) throw new Error(`no method id for ${s.name}.${c.name}`);
    cls.push(
      ...call(4, 'const bytes = await this.library.callAsync', [String(id), 'this.handle', encode], ';').map(
        (l) => `    ${l}`,
      ),
    );
    cls.push(`    return ${scope.ref(respDecl, respDecl.decode)}(bytes);`);
    cls.push('  }');
  }
  cls.push('}');
  out.push(cls.join('\n'));
  out.push(emitDispatch(s, scope, iface, dispatch, ids, identifiers));
  return out;
}

/** `ts/_ffi.ts` (from `ts/ffi.ts.hbs`): koffi declarations, the contract, and `openAgentLibrary`. */
export function emitFfiModule(ctx: EmitContext, services: readonly Service[], names: NameTable, stamp: string): string {
  const errorDecl = names.decl(ABI_TYPES.error);
  // koffi parses C prototypes: the C header's spelling (backends/c/prototypes.ts).
  const exports = abiExports(services).map((f) => stringLiteral(cPrototype(f)));
  return ctx.templates.render('ts/ffi.ts.hbs', {
    stamp,
    runtimePackage: RUNTIME_PACKAGE,
    decodeError: errorDecl.decode,
    errorModule: importPath(FFI_MODULE, errorDecl.module.path),
    abiVersion: ABI_VERSION,
    contractVersion: CONTRACT_VERSION_WORD,
    services: services.map((s) => `${stringLiteral(s.name)}: 0x${serviceChecksum(ctx.set, s).toString(16)}n`),
    common: exports.slice(0, COMMON_EXPORTS.length),
    rpcs: exports.slice(COMMON_EXPORTS.length),
  });
}
