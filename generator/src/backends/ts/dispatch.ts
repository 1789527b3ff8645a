import { rpcSymbol } from '../../codegen/abi.js';
import type { Service } from '../../ir/model.js';
import { call, jsdoc, PRINT_WIDTH } from './format.js';
import { stringLiteral } from './naming.js';
import type { ModuleScope } from './scope.js';
import { methodNames, RUNTIME_PACKAGE } from './services.js';

/**
 * `<Service>Dispatch`: serves the service from a TypeScript implementation of its interface, the
 * way the agent library's dispatch serves it from a Rust one: per rpc its export symbol and method
 * id (the same the clients call) and a function that decodes the request with the generated
 * codec, calls the implementation and encodes its response. `LocalAgents` (hms-runtime) hosts
 * such agents, so the generated `…Client` calls a TypeScript agent exactly as it calls a Rust one.
 */
export function emitDispatch(
  s: Service,
  scope: ModuleScope,
  iface: string,
  dispatch: string,
  ids: ReadonlyMap<string, number>,
  identifiers: ReadonlyMap<string, string>,
): string {
  const type = scope.imports.type(RUNTIME_PACKAGE, 'ServiceDispatch');
  const methods = methodNames(s);
  const lines = [
    ...jsdoc([` \`${iface}\` served by a TypeScript implementation (hosted by \`LocalAgents\` from \`hms-runtime\`).`]),
    `export const ${dispatch}: ${type}<${iface}> = {`,
    `  service: ${stringLiteral(s.name)},`,
  ];
  const calls = s.calls.filter((c) => methods.has(c.name));
  if (calls.length === 0) lines.push('  calls: [],');
  else {
    lines.push('  calls: [');
    for (const c of calls) {
      const symbol = rpcSymbol(s, c);
      const id = ids.get(symbol);
      if (id === undefined) throw new Error(`no method id for ${s.name}.${c.name}`);
      const req = scope.decl(c.request);
      const resp = scope.decl(c.response);
      const ident = identifiers.get(c.response);
      const invoke = `impl.${(methods.get(c.name) as { sync: string }).sync}(${scope.ref(req, req.decode)}(request))`;
      const args = [invoke, scope.ref(resp, resp.write), ident === undefined ? 'undefined' : stringLiteral(ident)];
      const head = 'call: (impl, request) =>';
      const body = call(8, `${scope.rt()}.encode`, args, ',');
      lines.push('    {', `      symbol: ${stringLiteral(symbol)},`, `      methodId: ${id},`);
      // Prettier: the arrow's body on its line when it fits, else on the next line, broken further if need be.
      if (body.length === 1 && 6 + head.length + 1 + (body[0] as string).length <= PRINT_WIDTH)
        lines.push(`      ${head} ${body[0] as string}`);
      else lines.push(`      ${head}`, ...body.map((l) => `        ${l}`));
      lines.push('    },');
    }
    lines.push('  ],');
  }
  lines.push('};');
  return lines.join('\n');
}
