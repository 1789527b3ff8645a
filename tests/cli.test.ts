import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hmsGen, REPO } from './support/cli.js';

const fx = (name: string) => join('tests', 'fixtures', 'cli', name);

test('--version prints the package version and exits 0', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'generator', 'package.json'), 'utf8')) as { version: string };
  const r = hmsGen(['--version']);
  assert.is(r.status, 0);
  assert.is(r.stdout.trim(), `hms-gen ${pkg.version}`);
});

test('check: a valid schema exits 0 silently', () => {
  const r = hmsGen(['check', fx('ok.fbs')]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test('check: schema errors exit 1, all reported with location, source line and caret', () => {
  const r = hmsGen(['check', fx('two_errors.fbs')]);
  assert.is(r.status, 1);
  const lines = r.stderr.split('\n');
  const first = lines.findIndex((l) => l.startsWith(`${fx('two_errors.fbs')}:6:18: error[E071]: unknown enum value: Purple`));
  assert.ok(first >= 0, r.stderr);
  assert.is(lines[first + 2], '6 |   color: Color = Purple;');
  assert.is(lines[first + 3], '  |                  ^^^^^^');
  assert.match(r.stderr, `${fx('two_errors.fbs')}:7:17: error[E061]: invalid number: "300", constant does not fit [0; 255]`);
  assert.match(r.stderr, '2 errors, 0 warnings');
  assert.not.match(r.stderr, /\n\s+at /);
});

test('check --json: machine-readable diagnostics on stdout', () => {
  const r = hmsGen(['check', '--json', fx('two_errors.fbs')]);
  assert.is(r.status, 1);
  const out = JSON.parse(r.stdout) as { errorCount: number; diagnostics: { code: string; line: number; column: number; file: string }[] };
  assert.is(out.errorCount, 2);
  assert.equal(out.diagnostics.map((d) => [d.code, d.line, d.column]), [['E071', 6, 18], ['E061', 7, 17]]);
  assert.is(out.diagnostics[0]?.file, fx('two_errors.fbs'));
});

test('usage errors exit 2 with one clear line', () => {
  const cases: [string[], RegExp][] = [
    [['check'], /no input file/],
    [['frobnicate', 'x.fbs'], /unknown command: frobnicate \(expected check, ir, generate or new\)/],
    [['--json', 'generate'], /generate: options go after the command/],
    [['-I', 'idl', 'new', 'service', 'x'], /new: options go after the command/],
    [['check', '--bogus', fx('ok.fbs')], /unknown option: --bogus/],
    [['check', 'does/not/exist.fbs'], /cannot read file: does\/not\/exist.fbs/],
    [['check', '-I', 'no/such/dir', fx('ok.fbs')], /include directory not found: no\/such\/dir/],
    [['check', '-I'], /option -I needs a value/],
    [['ir', fx('ok.fbs'), fx('ok.fbs')], /exactly one input file/],
    [[], /missing command \(expected check, ir, generate or new\)/],
    [['generate', '--bogus'], /unknown option: --bogus/],
    [['generate', '--lang', 'cobol'], /--lang: unknown language cobol/],
    [['generate', 'does/not/exist.fbs'], /cannot read file: does\/not\/exist.fbs/],
  ];
  for (const [args, re] of cases) {
    const r = hmsGen(args);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0] ?? '', re);
    assert.ok(r.stderr.trim().split('\n').length <= 2, r.stderr);
    assert.match(r.stderr, /^hms-gen: /);
    assert.not.match(r.stderr, /hms-gen: hms-gen/, 'the prefix once');
  }
});

test('--help and generate --help list every command and every exit code', () => {
  const top = hmsGen(['--help']);
  assert.is(top.status, 0, top.stderr);
  for (const c of ['check', 'ir', 'generate', 'new']) assert.match(top.stdout, new RegExp(`^  ${c} `, 'm'), c);
  const gen = hmsGen(['generate', '--help']);
  assert.is(gen.status, 0, gen.stderr);
  for (const help of [top.stdout, gen.stdout]) {
    for (const code of [0, 1, 2, 3]) assert.match(help, new RegExp(`^  ${code}  \\S`, 'm'), `exit code ${code} in:\n${help}`);
    assert.match(help, /3 {2}a required tool is missing or failed \(cbindgen/);
  }
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  for (const code of [0, 1, 2, 3]) assert.match(readme, `\`${code}\``, `README documents exit code ${code}`);
});

test('new reaches its own command (usage and exit codes from hms-gen new)', () => {
  const help = hmsGen(['new', '--help']);
  assert.is(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: hms-gen new /);
  const bad = hmsGen(['new']);
  assert.is(bad.status, 2, bad.stderr);
  assert.not.match(bad.stderr, /unknown command/);
  assert.not.match(bad.stderr, /hms-gen: hms-gen/);
});

test('generate: a bad hms-gen.json is one usage line, its name once after the prefix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-cli-'));
  writeFileSync(join(dir, 'hms-gen.json'), '{"rust":{"agent":{}}}\n');
  const r = hmsGen(['generate', join(REPO, fx('ok.fbs'))], dir);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr.split('\n')[0], 'hms-gen: hms-gen.json: unknown key rust.agent');
});

test('generate: an output directory that cannot be written is a usage error (exit 2), no stack trace', () => {
  const r = hmsGen(['generate', '--lang', 'ts', '--out', '/dev/null/out']);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^hms-gen: --out \/dev\/null\/out: \/dev\/null is a file, not a directory\n/);
  assert.is(r.stderr.trim().split('\n').length, 2, r.stderr); // and the --help hint
});

test('check: a built-in type as rpc response is "must be tables", not an undefined type', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-cli-'));
  writeFileSync(join(dir, 's.fbs'), 'table Req { a: int; }\nrpc_service S { M(Req):string; }\n');
  const r = hmsGen(['check', join(dir, 's.fbs')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, ':2:24: error[E045]: rpc request and response types must be tables: string is a built-in type');
  assert.not.match(r.stderr, 'not defined');
});

test('check: a missing `;` before a documented field is one error, no doc-comment warning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-cli-'));
  writeFileSync(join(dir, 'semi.fbs'), 'table T {\n  a:int\n  /// doc\n  b:int;\n}\n');
  const r = hmsGen(['check', join(dir, 'semi.fbs')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, ':4:3: error[E010]: expecting: ; instead got: b');
  assert.not.match(r.stderr, 'W005');
  assert.match(r.stderr, '1 error, 0 warnings');
});

test('ir: deterministic reflection-shaped JSON', () => {
  const a = hmsGen(['ir', fx('ok.fbs')]);
  const b = hmsGen(['ir', fx('ok.fbs')]);
  assert.is(a.status, 0, a.stderr);
  assert.is(a.stdout, b.stdout);
  const ir = JSON.parse(a.stdout) as {
    objects: { name: string; documentation: string[]; fields: { name: string; required: boolean; documentation: string[] }[] }[];
    services: { name: string; calls: { name: string; attributes: { key: string; value: string }[]; documentation: string[] }[] }[];
    root_table: { name: string };
  };
  assert.equal(ir.objects.map((o) => o.name), ['demo.Hello']);
  assert.equal(ir.objects[0]?.documentation, [' A greeting.']);
  assert.equal(ir.objects[0]?.fields[0], { ...ir.objects[0]?.fields[0], name: 'name', required: true, documentation: [' Who to greet.'] });
  assert.is(ir.services[0]?.name, 'demo.Greeter');
  assert.equal(ir.services[0]?.calls[0]?.attributes, [{ key: 'idempotent', value: '0' }]);
  assert.is(ir.root_table.name, 'demo.Hello');
});

test('-I resolves includes; a missing include is a located error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-cli-'));
  writeFileSync(join(dir, 'main.fbs'), 'include "lib.fbs";\ntable T { h: demo.Hello; }\n');
  let r = hmsGen(['check', join(dir, 'main.fbs')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, ':1:9: error[E021]: unable to locate include file: lib.fbs');
  writeFileSync(join(dir, 'lib.fbs'), readFileSync(join(REPO, fx('ok.fbs')), 'utf8'));
  r = hmsGen(['check', join(dir, 'main.fbs')]);
  assert.is(r.status, 0, r.stderr);
  r = hmsGen(['check', '-I', join(REPO, 'tests', 'fixtures', 'cli'), join(dir, 'main.fbs')]);
  assert.is(r.status, 0, r.stderr);
});

test('--warnings-as-errors turns warnings into exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-cli-'));
  writeFileSync(join(dir, 'w.fbs'), 'table T { camelCase: int; }\n');
  assert.is(hmsGen(['check', join(dir, 'w.fbs')]).status, 0);
  const r = hmsGen(['check', '--warnings-as-errors', join(dir, 'w.fbs')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, 'warning[W001]');
});

test('check over idl/ passes', () => {
  const r = hmsGen(['check', '-I', 'idl', 'idl/hms/common.fbs', 'idl/health_monitor.fbs', 'idl/genetic_engine.fbs',
    'idl/circuit_breaker.fbs', 'idl/recovery.fbs', 'idl/configuration_manager.fbs', 'idl/metrics_collector.fbs', 'idl/consensus.fbs']);
  assert.is(r.status, 0, r.stderr);
});

test.run();
