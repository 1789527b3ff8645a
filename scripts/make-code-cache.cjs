'use strict';
// Writes generator/dist/hms-gen.cache: V8's code cache for the bundled CLI after a warm-up that
// runs its paths (valid schemas with includes, the IR and its JSON, errors and their rendering), so
// the cache holds their bytecode. Run by scripts/build-generator after the bundle is built.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { load } = require(path.join(root, 'generator', 'bin', 'hms-gen.cjs'));
const { script, exports: cli } = load(false);

const idl = path.join(root, 'idl');
const files = fs.readdirSync(idl).filter((f) => f.endsWith('.fbs')).map((f) => path.join(idl, f));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hms-cache-'));
const broken = path.join(tmp, 'broken.fbs');
fs.writeFileSync(broken, [
  'namespace warm;',
  'enum E : ubyte { A, B }',
  'struct S { x: float; y: [int:2]; }',
  'table T { a: E = C; b: ubyte = 300; c: S; d: [string]; e: int (id: 9); u: U; }',
  'union U { T }',
  'table R { $bad: int; s: string = "unterminated',
  '}',
  '',
].join('\n'));
try {
  for (let round = 0; round < 3; round++) {
    for (const f of files) {
      const checked = cli.compileFile(f, { includePaths: [idl], validateOnly: true });
      const full = cli.compileFile(f, { includePaths: [idl] });
      if (checked.errorCount || !full.schema) throw new Error(`warm-up schema ${f} has errors`);
      cli.toJson(cli.toReflection(full.schema));
    }
    const r = cli.compileFile(broken, {});
    for (const d of r.diagnostics) cli.renderDiagnostic(d, r.sources);
  }
  const out = path.join(root, 'generator', 'dist', 'hms-gen.cache');
  fs.writeFileSync(out, script.createCachedData());
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
