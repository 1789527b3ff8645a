// Writes a synthetic FlatBuffers schema with N "services" (default 300), for benchmarks.
//
//   node --import tsx scripts/gen-synthetic-schema.ts [N] [-o FILE]     (stdout without -o)
//
// Each service i lives in namespace `synth.svc<i>` and declares an enum, a struct, two tables
// (strings, vectors of scalars/strings/structs/enums/tables, nested tables, defaults) and an
// rpc_service with two methods. Request<i> refers to the previous service's Response, so lookups
// cross namespaces. The output is a pure function of N, and is valid for both hms-gen and
// flatc 2.0.8 (`flatc -b --schema FILE`).

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const UNDERLYING = ['ubyte', 'byte', 'short', 'ushort', 'int', 'uint', 'long', 'ulong'] as const;
const SCALARS = ['int', 'uint', 'short', 'long', 'float', 'double', 'ubyte', 'bool'] as const;

export interface SyntheticSchema {
  readonly text: string;
  /** Type and service declarations: N enums + N structs + 2N tables + N rpc_services. */
  readonly declarations: number;
  readonly services: number;
}

export function syntheticSchema(n = 300): SyntheticSchema {
  const out: string[] = [];
  let decls = 0;
  out.push('// Synthetic schema written by scripts/gen-synthetic-schema.ts; do not edit.');
  out.push(`// ${n} services: each an enum, a struct, two tables and an rpc_service.`);
  out.push('');
  out.push('file_identifier "SYNT";');
  out.push('file_extension "synt";');
  for (let i = 0; i < n; i++) {
    const ns = `synth.svc${i}`;
    const ut = UNDERLYING[i % UNDERLYING.length] as string;
    const sc = SCALARS[i % SCALARS.length] as string;
    const prev = i > 0 ? `synth.svc${i - 1}.Response` : 'Response';
    out.push('');
    out.push(`namespace ${ns};`);
    out.push('');
    out.push(`/// Colour of service ${i}.`);
    out.push(`enum Color : ${ut} {`);
    out.push('  Red = 0,');
    out.push('  Green,');
    out.push(`  Blue = ${2 + (i % 50)},`);
    out.push('  /// The last one.');
    out.push(`  Black = ${60 + (i % 60)}`);
    out.push('}');
    out.push('');
    out.push(`/// A small fixed-size value of service ${i}.`);
    out.push('struct Vec3 {');
    out.push('  x:float;');
    out.push('  y:float;');
    out.push('  z:float;');
    out.push(`  w:${sc === 'bool' ? 'ubyte' : sc};`);
    out.push('  color:Color;');
    out.push('}');
    out.push('');
    out.push(`/// Request message of service ${i}.`);
    out.push('table Request {');
    out.push('  id:ulong (key);');
    out.push('  name:string (required);');
    out.push('  tags:[string];');
    out.push('  color:Color = Green;');
    out.push('  pos:Vec3;');
    out.push(`  samples:[${sc}];`);
    out.push(`  count:int = ${i};`);
    out.push(`  ratio:double = ${(i % 7) + 0.25};`);
    out.push('  enabled:bool = true;');
    out.push(`  parent:${prev};`);
    out.push('  old_name:string (deprecated);');
    out.push('}');
    out.push('');
    out.push(`/// Response message of service ${i}.`);
    out.push('table Response {');
    out.push(`  status:short = -${1 + (i % 100)};`);
    out.push('  message:string;');
    out.push('  request:Request;');
    out.push('  items:[Request];');
    out.push('  colors:[Color];');
    out.push('  points:[Vec3];');
    out.push(`  total:long = ${9000000000 + i};`);
    out.push('  scale:float = 1.5;');
    out.push(`  mode:Color = Blue;`);
    out.push('  payload:[ubyte];');
    out.push('}');
    out.push('');
    out.push(`/// Service ${i}.`);
    out.push('rpc_service Service {');
    out.push('  Get(Request):Response;');
    out.push('  Watch(Request):Response (streaming: "server");');
    out.push('}');
    decls += 5;
  }
  out.push('');
  out.push(`root_type synth.svc${Math.max(0, n - 1)}.Response;`);
  out.push('');
  return { text: out.join('\n'), declarations: decls, services: n };
}

function main(argv: readonly string[]): void {
  let n = 300;
  let outFile: string | undefined;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k] as string;
    if (a === '-o') outFile = argv[++k];
    else if (/^[0-9]+$/.test(a)) n = Number(a);
    else {
      process.stderr.write('usage: gen-synthetic-schema.ts [N] [-o FILE]\n');
      process.exit(2);
    }
  }
  if (n < 1) {
    process.stderr.write('gen-synthetic-schema: N must be at least 1\n');
    process.exit(2);
  }
  const s = syntheticSchema(n);
  if (outFile === undefined) process.stdout.write(s.text);
  else {
    writeFileSync(outFile, s.text);
    process.stderr.write(`wrote ${outFile}: ${s.services} services, ${s.declarations} declarations, ${s.text.length} bytes\n`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
