import { ABI_VERSION, abiExports, RESULT_RECORD, type AbiFunction } from '../../codegen/abi.js';
import { stampText, type Backend, type EmitContext } from '../../codegen/backend.js';
import { CBINDGEN_VERSION, requireCbindgen, runCbindgen } from './cbindgen.js';
import { cPrototype } from './prototypes.js';

/**
 * The C backend: `c/hms_agent.h`, cbindgen's header of the generated agent library
 * (`rust/agent-lib/src/lib.rs`, docs/ffi-abi.md "Where the exports live"). It exists only when the
 * Rust backend emits that library (the set has the ABI types and hms-gen.json names `rust.agents`);
 * otherwise this backend emits nothing.
 *
 * The library source comes from this run's Rust output, or, with `--lang c` alone, from a scratch run
 * of the Rust backend (same bytes, nothing written): C depends on Rust (codegen/langs.ts). cbindgen is pinned (cbindgen.ts) so the header is
 * deterministic; after it ran, every export of generator/src/codegen/abi.ts is checked to be in the
 * header with its koffi prototype, so an export cbindgen could not see fails here, not in a C build.
 */

export const HEADER_FILE = 'c/hms_agent.h';
const AGENT_LIB_SOURCE = 'rust/agent-lib/src/lib.rs';

/** A TOML basic string (JSON escapes are TOML escapes; control characters and DEL as \u). */
function tomlString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text safe inside a C block comment. */
function commentText(s: string): string {
  return s.replace(/\*\//g, '*\\/');
}

const AFTER_INCLUDES = [
  '',
  '/*',
  ' * The agent ABI (docs/ffi-abi.md). Every export that can fail returns a status: 0, or an',
  ' * hms.ErrorCode. The result (the response on 0, an encoded hms.AgentError otherwise) lands in the',
  " * caller's result area `out` (`out_cap` bytes): the result at its start, and in its last",
  ` * HMS_RESULT_RECORD_SIZE bytes the record (${RESULT_RECORD.fields.map((f) => `${f.name}: ${f.type}`).join(', ')}, little-endian). With`,
  ` * place ${RESULT_RECORD.places.allocated} the result did not fit and is a library allocation at ptr: copy it, then free it with`,
  ' * hms_free_buffer(ptr, len).',
  ' */',
  `#define HMS_ABI_VERSION ${ABI_VERSION}`,
  `#define HMS_RESULT_RECORD_SIZE ${RESULT_RECORD.size}`,
].join('\n');

/** `uint8_t *out` / `const uint8_t* out` → one spelling: single spaces, none around `*`, `()` for `(void)`. */
export function normalizePrototype(p: string): string {
  return p
    .replace(/\s+/g, ' ')
    .replace(/\s*([*(),])\s*/g, '$1')
    .replace(/\(void\)/, '()')
    .replace(/;$/, '')
    .trim();
}

/** Fails when an export of the ABI is missing from the header or declared with other types. */
function checkHeader(header: string, exports: readonly AbiFunction[]): void {
  const declared = new Map<string, string>();
  // Prototypes are the declarations outside comments and preprocessor lines, up to `;`.
  const code = header.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*(#|\/\/).*$/gm, '');
  for (const m of code.matchAll(/([A-Za-z_][\w\s*]*?\b(hms_\w+)\s*\([^;{}]*\))\s*;/g)) {
    declared.set(m[2] as string, normalizePrototype(m[1] as string));
  }
  const problems: string[] = [];
  for (const f of exports) {
    const want = normalizePrototype(cPrototype(f));
    const got = declared.get(f.name);
    if (got === undefined) problems.push(`  missing  ${f.name}`);
    else if (got !== want) problems.push(`  differs  ${got}  (abi.ts: ${want})`);
  }
  if (problems.length > 0) {
    const list = problems.join('\n');
    throw new Error(`cbindgen's header of ${AGENT_LIB_SOURCE} does not match generator/src/codegen/abi.ts:\n${list}`);
  }
}

function emit(ctx: EmitContext): void {
  if (!ctx.bindings.agentLibrary) return;
  requireCbindgen(); // before any work, so a missing cbindgen is the error reported
  // The Rust backend's library source (this run's, or a scratch run's when `rust` was not selected).
  const source = ctx.emitted.get(AGENT_LIB_SOURCE);
  if (source === undefined) return;
  const config = ctx.templates.render('c/cbindgen.toml.hbs', {
    header: tomlString(`/* ${commentText(stampText(ctx, ctx.deps.abi()))} */`),
    afterIncludes: tomlString(AFTER_INCLUDES),
    cbindgenVersion: CBINDGEN_VERSION,
  });
  const header = runCbindgen(source, config);
  checkHeader(header, abiExports(ctx.set.services));
  ctx.out.add(HEADER_FILE, header);
}

export const cBackend: Backend<'c'> = { lang: 'c', emit };
