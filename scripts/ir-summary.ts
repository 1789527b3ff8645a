// Summarises one hms-gen IR document (the JSON printed by `hms-gen ir`).
//
// Usage: node --import tsx scripts/ir-summary.ts [--label TEXT] [FILE]
//   FILE   IR JSON to read; stdin when absent or "-".
//   --label  what to call it in the output (default: FILE, or "<stdin>").
//
// The IR follows the shape of flatc's reflection schema (reflection.fbs) as JSON:
//   { objects: [{ name, fields, is_struct?, ... }],
//     enums:   [{ name, values, is_union?, ... }],
//     services: [{ name, calls: [{ name, request: { name, ... }, response: { name, ... },
//                                  attributes?: [{ key, value? }] }] }], ... }
// Like flatc's JSON output, false booleans and empty arrays may be omitted.
//
// Prints, e.g.:
//   idl/foo.fbs: 14 objects (2 structs, 12 tables), 6 enums (1 union), 1 service, 2 calls
//     service hms.foo.FooAgent
//       Ping(hms.PingRequest): hms.PingResponse
//       Watch(hms.WatchRequest): hms.Event [streaming: server]
//
// Exit codes: 0 printed, 1 unreadable or malformed IR, 2 bad usage.

import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface CallSummary {
  name: string;
  request: string;
  response: string;
  attributes: { key: string; value: string | undefined }[];
}

interface ServiceSummary {
  name: string;
  calls: CallSummary[];
}

interface IrSummary {
  tables: number;
  structs: number;
  enums: number;
  unions: number;
  services: ServiceSummary[];
}

class IrShapeError extends Error {}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectAt(value: Json | undefined, where: string): JsonObject {
  if (!isObject(value)) throw new IrShapeError(`${where}: expected an object`);
  return value;
}

/** An array member; absent means empty (flatc omits empty vectors). */
function arrayField(obj: JsonObject, key: string, where: string): Json[] {
  const value = obj[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new IrShapeError(`${where}.${key}: expected an array`);
  return value;
}

function stringField(obj: JsonObject, key: string, where: string): string {
  const value = obj[key];
  if (typeof value !== "string") throw new IrShapeError(`${where}.${key}: expected a string`);
  return value;
}

/** A boolean member; absent means false (flatc omits default values). */
function boolField(obj: JsonObject, key: string, where: string): boolean {
  const value = obj[key];
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new IrShapeError(`${where}.${key}: expected a boolean`);
  return value;
}

export function summarise(root: Json): IrSummary {
  const ir = objectAt(root, "IR");
  const summary: IrSummary = { tables: 0, structs: 0, enums: 0, unions: 0, services: [] };

  arrayField(ir, "objects", "IR").forEach((item, i) => {
    const where = `objects[${i}]`;
    const obj = objectAt(item, where);
    stringField(obj, "name", where);
    if (boolField(obj, "is_struct", where)) summary.structs++;
    else summary.tables++;
  });

  arrayField(ir, "enums", "IR").forEach((item, i) => {
    const where = `enums[${i}]`;
    const en = objectAt(item, where);
    stringField(en, "name", where);
    if (boolField(en, "is_union", where)) summary.unions++;
    else summary.enums++;
  });

  arrayField(ir, "services", "IR").forEach((item, i) => {
    const where = `services[${i}]`;
    const svc = objectAt(item, where);
    const calls = arrayField(svc, "calls", where).map((callItem, j): CallSummary => {
      const cw = `${where}.calls[${j}]`;
      const call = objectAt(callItem, cw);
      const attributes = arrayField(call, "attributes", cw).map((attrItem, k) => {
        const aw = `${cw}.attributes[${k}]`;
        const attr = objectAt(attrItem, aw);
        const value = attr["value"];
        return {
          key: stringField(attr, "key", aw),
          value: typeof value === "string" ? value : undefined,
        };
      });
      return {
        name: stringField(call, "name", cw),
        request: stringField(objectAt(call["request"], `${cw}.request`), "name", `${cw}.request`),
        response: stringField(objectAt(call["response"], `${cw}.response`), "name", `${cw}.response`),
        attributes,
      };
    });
    summary.services.push({ name: stringField(svc, "name", where), calls });
  });

  return summary;
}

function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function render(label: string, s: IrSummary): string {
  const callCount = s.services.reduce((n, svc) => n + svc.calls.length, 0);
  const enumParts = s.unions > 0 ? ` (${plural(s.unions, "union")})` : "";
  const lines = [
    `${label}: ${plural(s.tables + s.structs, "object")} ` +
      `(${plural(s.structs, "struct")}, ${plural(s.tables, "table")}), ` +
      `${plural(s.enums + s.unions, "enum")}${enumParts}, ` +
      `${plural(s.services.length, "service")}, ${plural(callCount, "call")}`,
  ];
  for (const svc of s.services) {
    lines.push(`  service ${svc.name}`);
    if (svc.calls.length === 0) lines.push("    (no calls)");
    for (const call of svc.calls) {
      const attrs = call.attributes
        .map((a) => (a.value === undefined || a.value === "" || a.value === "0" ? a.key : `${a.key}: ${a.value}`))
        .join(", ");
      lines.push(`    ${call.name}(${call.request}): ${call.response}${attrs ? ` [${attrs}]` : ""}`);
    }
  }
  return lines.join("\n");
}

function main(argv: string[]): number {
  let label: string | undefined;
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--label") {
      label = argv[++i];
      if (label === undefined) {
        process.stderr.write("ir-summary: --label needs a value\n");
        return 2;
      }
    } else if (arg === "-h" || arg === "--help") {
      process.stdout.write("usage: ir-summary.ts [--label TEXT] [FILE|-]\n");
      return 0;
    } else if (file === undefined) {
      file = arg;
    } else {
      process.stderr.write(`ir-summary: unexpected argument ${JSON.stringify(arg)}\n`);
      return 2;
    }
  }

  const fromStdin = file === undefined || file === "-";
  const name = label ?? (fromStdin ? "<stdin>" : (file ?? ""));
  let text: string;
  try {
    // File descriptor 0 reads all of stdin, piped or redirected.
    text = readFileSync(fromStdin ? 0 : (file ?? ""), "utf8");
  } catch (err) {
    process.stderr.write(`ir-summary: ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  try {
    const parsed = JSON.parse(text) as Json;
    process.stdout.write(render(name, summarise(parsed)) + "\n");
    return 0;
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof IrShapeError) {
      process.stderr.write(`ir-summary: ${name}: not a valid IR document: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

// Run only as a script, so tests can import summarise() and render().
const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))) {
  process.exitCode = main(process.argv.slice(2));
}
