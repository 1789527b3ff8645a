import { relative, resolve } from 'node:path';
import {
  ABI_TYPES,
  ABI_VERSION,
  COMMON_EXPORTS,
  CONTRACT_VERSION_WORD,
  isDeferred,
  POINTER_ROLES,
  rpcExport,
  serviceChecksum,
  type AbiFunction,
} from '../../codegen/abi.js';
import { NO_INPUTS, stampText, type EmitContext } from '../../codegen/backend.js';
import type { Bindings } from '../../codegen/bindings.js';
import type { RpcCall, Service } from '../../ir/model.js';
import { rustSignatureParts } from './abi.js';
import { docComments } from './docs.js';
import { ARRAY_WIDTH, call, chain, fits, FN_CALL_WIDTH, signature } from './layout.js';
import { modulePath, Scope, valueIdent, type RustNaming } from './naming.js';

/**
 * Services (docs/ffi-abi.md, "Where the exports live"):
 * - in the contracts crate, one trait per `rpc_service` (in its namespace module) and `src/agent.rs`
 *   with the `Agent` trait, `AgentFactory`, the contract constants and one safe dispatch function
 *   per rpc (bytes in → verified decode → trait call → response finished in the caller's builder, or
 *   an `AgentError`);
 * - with `rust.agents` in hms-gen.json, the agent library `rust/agent-lib/` (package `hms-agent-lib`,
 *   cdylib): only the `extern "C"` exports, rendered from generator/src/codegen/abi.ts.
 *
 * Streaming rpcs have no trait method; their export exists (the ABI names every rpc) and returns
 * `Unimplemented` (the TypeScript clients have no method for them either).
 */

/** The module of the `Agent` trait and the dispatch functions (at the crate root). */
export const AGENT_MODULE = 'agent';

/** The Rust names of one service: its trait, its `Agent` accessor, per rpc the method and dispatch function. */
export interface ServiceNames {
  readonly service: Service;
  readonly accessor: string;
  readonly methods: ReadonlyMap<string, string>;
  readonly dispatch: ReadonlyMap<string, string>;
  readonly symbols: ReadonlyMap<string, string>;
}

/**
 * The Rust names of the services the set binds (codegen/bindings.ts; undefined without the agent
 * ABI): accessors, trait methods and dispatch functions.
 */
export function rustServiceNames(bindings: Bindings): readonly ServiceNames[] | undefined {
  if (!bindings.abi) return undefined;
  const accessors = new Scope(['health', 'send_message']);
  return bindings.services.map(({ service: s, symbols: syms }) => {
    const methodScope = new Scope();
    const methods = new Map<string, string>();
    const dispatch = new Map<string, string>();
    for (const c of s.calls) {
      dispatch.set(c.name, (syms.get(c.name) as string).slice('hms_'.length));
      methods.set(c.name, methodScope.claim(valueIdent(c.name), '_'));
    }
    return { service: s, accessor: accessors.claim(valueIdent(s.shortName), '_'), methods, dispatch, symbols: syms };
  });
}

function rustString(s: string): string {
  return JSON.stringify(s);
}

function callDocs(c: RpcCall): string[] {
  return docComments(c.documentation);
}

/** The trait of one service, as an item of its namespace module. */
export function emitServiceTrait(names: RustNaming, sn: ServiceNames): string {
  const s = sn.service;
  const module = modulePath(s.namespace).join('::');
  const error = names.path(ABI_TYPES.error, 'owned', module);
  const streaming = s.calls.filter((c) => c.streaming !== 'none');
  const lines = [...docComments(s.documentation)];
  if (s.documentation.length > 0) lines.push('///');
  lines.push(
    `/// The \`${s.name}\` service. An agent serves it by returning \`Some(self)\` from`,
    `/// \`crate::${AGENT_MODULE}::Agent::${sn.accessor}\`; calls arrive through \`crate::${AGENT_MODULE}::dispatch\`.`,
  );
  if (streaming.length > 0) {
    lines.push(
      '///',
      `/// Streaming rpcs are not supported over the agent ABI yet and have no method: ${streaming.map((c) => `\`${c.name}\``).join(', ')}.`,
    );
  }
  lines.push(`pub trait ${names.service(s.name).trait}: Send + Sync {`);
  for (const c of s.calls) {
    if (c.streaming !== 'none') continue;
    const req = names.path(c.request, 'owned', module);
    const resp = names.path(c.response, 'owned', module);
    const method = `fn ${sn.methods.get(c.name) as string}`;
    const docs = callDocs(c);
    if (isDeferred(c)) {
      if (docs.length > 0) docs.push('///');
      docs.push(
        '/// Deferred (`(deferred)` in the schema): answer through `reply`, at once or later from any',
        `/// thread; an async call waits without holding a worker thread (\`crate::${AGENT_MODULE}::Reply\`).`,
      );
      const sig = signature(
        4,
        method,
        ['&self', `req: ${req}`, `reply: crate::${AGENT_MODULE}::Reply<${resp}>`],
        '',
        ';',
      );
      lines.push(...[...docs, ...sig].map((l) => `    ${l}`));
      continue;
    }
    const sig = signature(4, method, ['&self', `req: ${req}`], ` -> Result<${resp}, ${error}>`, ';');
    lines.push(...[...docs, ...sig].map((l) => `    ${l}`));
  }
  lines.push('}');
  return lines.join('\n');
}

/** `SERVICE_CHECKSUMS` with its entries as rustfmt lays out the array (array_width 60). */
function checksumTable(entries: readonly string[]): string[] {
  const head = 'pub const SERVICE_CHECKSUMS: &[(&str, u64)] = &[';
  const joined = entries.join(', ');
  if (joined.length <= ARRAY_WIDTH && fits(0, `${head}${joined}];`)) return [`${head}${joined}];`];
  return [head, ...entries.map((e) => `    ${e},`), '];'];
}

/** Lines indented by `width` spaces. */
const indent = (width: number, lines: readonly string[]): string =>
  lines.map((l) => `${' '.repeat(width)}${l}`).join('\n');

/**
 * `src/agent.rs` of the contracts crate, from the `rust/agent.rs.hbs` template: the `Agent` trait,
 * `AgentServices`, `AgentFactory`, the contract constants, the `agents!` registration macro and
 * the `dispatch` module. This function computes the holes: type paths, the signatures and calls
 * whose layout depends on them (rustfmt's, via ./layout.ts), and one item per service or rpc.
 * (rustfmt leaves `macro_rules!` bodies as they are written: the macro's lines are laid out by hand.)
 */
export function emitAgentModule(
  ctx: EmitContext,
  names: RustNaming,
  services: readonly ServiceNames[],
  stamp: string,
): string {
  const at = AGENT_MODULE;
  const error = names.path(ABI_TYPES.error, 'owned', at);
  const code = names.path(ABI_TYPES.errorCode, 'owned', at);
  const health = names.path(ABI_TYPES.health, 'owned', at);
  const message = names.path(ABI_TYPES.message, 'owned', at);
  const listed = services.map((s) => `${s.accessor} (${s.service.name})`).join(', ');
  const dispatchSignature = (fn: string, params: readonly string[]): string =>
    indent(
      4,
      signature(4, `pub fn ${fn}`, ['agent: &dyn Agent', ...params, 'out: &mut Builder'], ` -> Result<(), ${error}>`),
    );
  const dispatchBySymbol = new Map<string, string>();
  const rpcDispatch: string[] = [];
  const deferredDispatch: string[] = [];
  const deferredSymbols = new Set<string>();
  for (const s of services) {
    for (const c of s.service.calls) {
      const fn = s.dispatch.get(c.name) as string;
      const symbol = s.symbols.get(c.name) as string;
      dispatchBySymbol.set(symbol, fn);
      const what = `${s.service.name}.${c.name}`;
      const body: string[] = [];
      if (c.streaming !== 'none') {
        const msg = rustString(`${what} is a ${c.streaming}-streaming rpc, not supported over the agent ABI yet`);
        body.push('let _ = (agent, req, out);', ...call(8, 'Err(error', [`${code}::UNIMPLEMENTED`, msg], ')'));
      } else {
        body.push(
          ...call(
            8,
            'let req = decode',
            ['req', `${names.path(c.request, 'owned', at)}::decode`, rustString(c.request)],
            '?;',
          ),
          ...chain(
            8,
            'let service = ',
            'agent',
            [`.${s.accessor}()`, `.ok_or_else(|| unimplemented(${rustString(s.service.name)}))?`],
            ';',
          ),
        );
        const method = s.methods.get(c.name) as string;
        if (isDeferred(c)) {
          deferredSymbols.add(symbol);
          // The sync export waits for the reply; the async path answers through `done` (below).
          body.push(
            'let (reply, answer) = super::Reply::pair();',
            `service.${method}(req, reply);`,
            'answer.wait()?.encode_into(out);',
            'Ok(())',
          );
          const resp = names.path(c.response, 'owned', at);
          deferredDispatch.push(
            [
              `        /// \`${symbol}\` answered through \`done\` when the agent sends its reply.`,
              indent(8, signature(8, `pub fn ${fn}`, ['agent: &dyn Agent', 'req: &[u8]', 'done: Done'], '')),
              indent(12, [
                ...call(12, 'let reply = Reply::to_done', ['done', `${resp}::encode_into`], ';'),
                `let Some(service) = agent.${s.accessor}() else {`,
                ...call(16, '    let e = unimplemented', [rustString(s.service.name)], ';'),
                '    return reply.send(Err(e));',
                '};',
                ...call(
                  12,
                  'let req = decode',
                  ['req', `${names.path(c.request, 'owned', at)}::decode`, rustString(c.request)],
                  ';',
                ),
                'match req {',
                `    Ok(req) => service.${method}(req, reply),`,
                '    Err(e) => reply.send(Err(e)),',
                '}',
              ]),
              '        }',
            ].join('\n'),
          );
        } else {
          body.push(...call(8, `service.${method}(req)?.encode_into`, ['out'], ';'), 'Ok(())');
        }
      }
      rpcDispatch.push(
        [
          `    /// \`${symbol}\`: \`${what}\`, \`${c.request}\` in, \`${c.response}\` out.`,
          dispatchSignature(fn, ['req: &[u8]']),
          indent(8, body),
          '    }',
        ].join('\n'),
      );
    }
  }
  return ctx.templates.render('rust/agent.rs.hbs', {
    stamp,
    abiVersion: ABI_VERSION,
    contractVersion: CONTRACT_VERSION_WORD,
    checksums: checksumTable(
      services.map(
        (s) =>
          `(${rustString(s.service.name)}, 0x${serviceChecksum(ctx.set, s.service).toString(16).padStart(16, '0')})`,
      ),
    ).join('\n'),
    error,
    code,
    health,
    message,
    sendMessageSignature: indent(
      4,
      signature(4, 'fn send_message', ['&self', `msg: ${message}`], ` -> Result<${message}, ${error}>`),
    ),
    sendMessageDefault: indent(
      8,
      call(8, 'Err(error', [`${code}::UNIMPLEMENTED`, '"this agent does not handle messages"'], ')'),
    ),
    accessors: services.map((s) =>
      [
        `    /// The agent's \`${s.service.name}\` service, if it serves it.`,
        indent(
          4,
          signature(4, `fn ${s.accessor}`, ['&self'], ` -> Option<&dyn ${names.servicePath(s.service.name, at)}>`),
        ),
        '        None',
        '    }',
      ].join('\n'),
    ),
    serveArms: services.map((s) =>
      [
        `    (@serve ${s.accessor}) => {`,
        `        fn ${s.accessor}(&self) -> Option<&dyn $crate::${names.servicePath(s.service.name, at).replace(/^crate::/, '')}> {`,
        '            Some(self)',
        '        }',
        '    };',
      ].join('\n'),
    ),
    servicesListed: JSON.stringify(
      `\` is not a service of these contracts; the services are: ${listed === '' ? '(none)' : listed}`,
    ),
    errorSignature: signature(0, 'pub fn error', [`code: ${code}`, 'message: impl Into<String>'], ` -> ${error}`).join(
      '\n',
    ),
    createAgentSignature: signature(
      0,
      'pub fn create_agent',
      ['factories: &[AgentFactory]', 'type_id: u32', 'config: &[u8]'],
      ` -> Result<Box<dyn Agent>, ${error}>`,
    ).join('\n'),
    sendMessageDispatchSignature: dispatchSignature('send_message', ['msg: &[u8]']),
    rpcDispatch,
    byMethodIdSignature: dispatchSignature('by_method_id', ['method_id: u32', 'req: &[u8]']),
    byMethodIdDeferredSignature: indent(
      4,
      signature(
        4,
        'pub fn by_method_id_deferred',
        ['agent: &dyn Agent', 'method_id: u32', 'req: &[u8]', 'done: Done'],
        '',
      ),
    ),
    deferredDispatch,
    deferredArms: [...ctx.bindings.methodIds]
      .filter(([sym]) => deferredSymbols.has(sym))
      .map(([sym, id]) => `${id} => deferred::${dispatchBySymbol.get(sym) as string}(agent, req, done),`),
    methodArms: [...ctx.bindings.methodIds].map(
      ([sym, id]) => `${id} => ${dispatchBySymbol.get(sym) as string}(agent, req, out),`,
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// The agent library

function exportHeader(f: AbiFunction): string[] {
  const unsafe = f.params.some((p) => POINTER_ROLES.has(p.role));
  const lines = [`/// ${f.doc}`];
  if (unsafe) {
    lines.push(
      '///',
      '/// # Safety',
      '/// Every pointer is null or valid as docs/ffi-abi.md says for the call: input bytes for reads',
      '/// of their length, `out` for writes of `out_cap` bytes (the result area, its record at the end).',
    );
  }
  const { name, params, ret } = rustSignatureParts(f);
  const head = `pub ${unsafe ? 'unsafe ' : ''}extern "C" fn ${name}`;
  lines.push('#[no_mangle]', ...signature(0, head, params, ret));
  return lines;
}

const AREA = [
  "    // SAFETY: `out`/`out_cap` are the caller's result area (this function's contract).",
  '    let area = unsafe { ResultArea::new(out, out_cap) };',
];

/**
 * The result area and the input bytes from the caller's pointers in one `unsafe` block (both are
 * this function's contract; the pointer checks themselves are in hms-ffi's `ResultArea::new` and
 * `input::borrow`).
 */
function areaAndInput(ptr: string, len: string): string[] {
  return [
    `    // SAFETY: \`out\`/\`out_cap\` are the caller's result area and \`${ptr}\` is null or valid for`,
    `    // reads of \`${len}\` bytes during the call (this function's contract).`,
    `    let (area, ${ptr}) = unsafe { (ResultArea::new(out, out_cap), input(${ptr}, ${len})) };`,
  ];
}

function input(ptr: string, len: string): string[] {
  return [
    `    // SAFETY: \`${ptr}\` is null or valid for reads of \`${len}\` bytes during the call (this function's contract).`,
    `    let ${ptr} = unsafe { input(${ptr}, ${len}) };`,
  ];
}

/**
 * `respond(area, move || f(args))` (or `reply(area, move |out| f(args, out))`) at fn-body level:
 * rustfmt keeps the closure on the line when it fits the last argument's budget (fn_call_width
 * less `area, `), else gives it a block.
 */
function respond(f: string, args: readonly string[], helper: 'respond' | 'reply' = 'respond'): string[] {
  const closure = helper === 'reply' ? 'move |out| ' : 'move || ';
  const body = call(8, f, helper === 'reply' ? [...args, 'out'] : args, '');
  const one = `${helper}(area, ${closure}${body[0] as string})`;
  if (body.length === 1 && `${closure}${body[0] as string}`.length <= FN_CALL_WIDTH - 'area, '.length && fits(4, one))
    return [`    ${one}`];
  return [`    ${helper}(area, ${closure}{`, ...body.map((l) => `        ${l}`), '    })'];
}

/** Bodies of the common exports (their signatures come from abi.ts). */
const BODIES: Readonly<Record<string, readonly string[]>> = {
  hms_abi_version: ['    agent::ABI_VERSION'],
  hms_contract_version: ['    agent::CONTRACT_VERSION'],
  hms_service_checksum: [
    ...input('name', 'name_len'),
    '    guarded(move || name.map_or(0, agent::service_checksum)).unwrap_or(0)',
  ],
  hms_agent_type_id: [
    ...input('name', 'name_len'),
    '    guarded(move || name.map_or(0, |n| agent::agent_type_id(factories(), n))).unwrap_or(0)',
  ],
  hms_agent_create: [
    ...areaAndInput('config', 'config_len'),
    '    respond(area, move || {',
    '        let config = bytes(config, "config")?;',
    '        if out_handle.is_null() {',
    '            return Err(agent::error(',
    '                ErrorCode::INVALID_ARGUMENT,',
    '                "out_handle is null",',
    '            ));',
    '        }',
    '        let created = agent::create_agent(factories(), type_id, config)?;',
    '        let handle = AGENTS',
    '            .insert(created)',
    '            .map_err(|_| agent::error(ErrorCode::RESOURCE_EXHAUSTED, "too many live agents"))?;',
    '        // SAFETY: `out_handle` is not null (checked above) and valid for an 8-byte write (this',
    "        // function's contract); unaligned because the caller's buffer may sit at any offset.",
    '        unsafe { out_handle.write_unaligned(handle) };',
    '        Ok(Vec::new())',
    '    })',
  ],
  hms_agent_destroy: [
    '    match guarded(move || AGENTS.remove(handle).map(drop)) {',
    '        Ok(Some(())) => status::OK,',
    '        Ok(None) => status::INVALID_HANDLE,',
    '        Err(_) => status::PANIC,',
    '    }',
  ],
  hms_agent_send_message: [
    ...areaAndInput('msg', 'msg_len'),
    ...respond('dispatch::send_message', ['&**agent_of(handle)?', 'bytes(msg, "msg")?'], 'reply'),
  ],
  hms_agent_health: [...AREA, ...respond('dispatch::health', ['&**agent_of(handle)?'], 'reply')],
  hms_submit: [
    ...input('req', 'req_len'),
    '    // The request is copied: the job runs after this call returns.',
    '    let req = req.map(<[u8]>::to_vec);',
    '    let job = move |completer: Completer| {',
    '        let pending = Pending(Some(completer));',
    '        let done: agent::Done = Box::new(move |encode| pending.answer(encode));',
    '        let target = agent_of(handle).and_then(|a| Ok((a, bytes(req.as_deref(), "req")?)));',
    '        // Guarded like every call (a panic is not printed; its reply, dropped while unwinding,',
    '        // answers `Panic`). AssertUnwindSafe: nothing of the call is used after a panic.',
    '        let _ = guarded(AssertUnwindSafe(move || match target {',
    '            // A deferred rpc answers through `done` when its reply is sent; the others at once.',
    '            Ok((agent, req)) => dispatch::by_method_id_deferred(&**agent, method_id, req, done),',
    '            Err(e) => {',
    '                let mut e = Some(e);',
    '                done(&mut |_| Err(e.take().unwrap_or_default()));',
    '            }',
    '        }));',
    '    };',
    '    guarded(move || POOL.submit(queue, Box::new(job)).unwrap_or(0)).unwrap_or(0)',
  ],
  hms_queue_open: ['    guarded(|| POOL.open_queue().unwrap_or(0)).unwrap_or(0)'],
  hms_queue_close: [
    '    match guarded(move || POOL.close_queue(queue)) {',
    '        Ok(Ok(())) => status::OK,',
    '        Ok(Err(_)) => status::INVALID_HANDLE,',
    '        Err(_) => status::PANIC,',
    '    }',
  ],
  hms_wait_completions: [
    ...AREA,
    '    respond(area, move || {',
    '        let timeout = Duration::from_millis(u64::from(timeout_ms));',
    '        let batch = POOL',
    '            .wait(queue, out_cap as usize, timeout)',
    '            .map_err(|e| agent::error(ErrorCode::INVALID_HANDLE, e.to_string()))?;',
    '        Ok(encode_batch(&batch))',
    '    })',
  ],
  hms_release_caches: ['    guarded(|| u32::try_from(BUILDERS.clear()).unwrap_or(u32::MAX)).unwrap_or(0)'],
  hms_free_buffer: [
    '    // SAFETY: the caller hands back a buffer this library delivered with place 1, with its',
    "    // delivered length, once (this function's contract); null is ignored.",
    '    let _ = guarded(move || unsafe { free_buffer(ptr, len) });',
  ],
};

/** The agent library's files (`rust/agent-lib/`), or none without `rust.agents` in hms-gen.json. */
export function emitAgentLib(
  ctx: EmitContext,
  services: readonly ServiceNames[],
  stamp: string,
  version: string,
): Map<string, string> {
  const files = new Map<string, string>();
  const library = ctx.bindings.agentLibrary;
  if (!library) return files;
  const dir = resolve(ctx.outDir, 'rust', 'agent-lib');
  const rel = (p: string): string => relative(dir, p).split('\\').join('/');
  const ffi = resolve(ctx.templates.dir, '..', 'runtime-rs', 'hms-ffi');
  const several = library.agents.length > 1;
  files.set(
    'rust/agent-lib/Cargo.toml',
    // The manifest names crates and paths (hms-gen.json), nothing of the schemas.
    ctx.templates.render('rust/agent-lib.Cargo.toml.hbs', {
      stamp: stampText(ctx, NO_INPUTS),
      version,
      crate: library.crate,
      ident: library.ident,
      agentsList: englishList(library.agents.map((a) => a.crate)),
      agents: library.agents.map((a) => ({ crate: a.crate, path: rel(resolve(a.path)) })),
      ffiPath: rel(ffi),
    }),
  );
  const exports: string[] = [];
  for (const f of COMMON_EXPORTS) {
    const body = BODIES[f.name];
    if (!body) throw new Error(`no Rust body for the export ${f.name}`);
    exports.push([...exportHeader(f), ...body, '}'].join('\n'));
  }
  for (const s of services) {
    for (const c of s.service.calls) {
      const f = rpcExport(s.symbols.get(c.name) as string, c);
      exports.push(
        [
          ...exportHeader(f),
          ...areaAndInput('req', 'req_len'),
          ...respond(
            `dispatch::${s.dispatch.get(c.name) as string}`,
            ['&**agent_of(handle)?', 'bytes(req, "req")?'],
            'reply',
          ),
          '}',
        ].join('\n'),
      );
    }
  }
  files.set(
    'rust/agent-lib/src/lib.rs',
    ctx.templates.render('rust/agent-lib.rs.hbs', {
      stamp,
      several,
      agentsList: englishList(library.agents.map((a) => `\`${a.crate}\``)),
      agents: library.agents,
      exports: exports.join('\n\n'),
    }),
  );
  return files;
}

/** `a`, `a and b`, `a, b and c`. */
function englishList(items: readonly string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
}
