// Builds generator/dist/hms-gen.cjs, the bundled CLI the bin runs (called by scripts/build-generator).
// What is bundled differently from the packages as published, each for the cold start of every
// `hms-gen check` (docs/frontend-performance.md, "The CLI on yargs"):
// - yargs is ESM and reads import.meta.url (createRequire for its locale files): in the CJS bundle
//   that is the bundle's own URL;
// - string-width and assert are loaded on first use (generator/src/cli/lazy-*.cjs): string-width
//   builds an Intl.Segmenter and Unicode-property regular expressions when loaded (~22 ms), and
//   node:assert costs ~2 ms to load, for yargs' help layout and two invariant checks;
// - yargs' platform shim reads `process.stdout.columns` when loaded, which creates the stdout
//   stream (~2 ms) on runs that print nothing: it is read when yargs asks for it instead;
// - every yargs() instance starts with a --version option whose version it guesses by searching
//   the directories above the main script for a package.json and parsing it; hms-gen turns that
//   option off (`.version(false)`, it answers --version itself), so the instance starts without it.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

/**
 * An esbuild plugin replacing the one occurrence of `from` with `to` in the files `filter` matches:
 * a release of the package that changes the line fails the build instead of bundling it unchanged.
 */
function patch(name, filter, from, to) {
  return {
    name,
    setup(b) {
      b.onLoad({ filter }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (text.split(from).length !== 2) throw new Error(`${args.path}: not one "${from}" to patch (${name})`);
        return { contents: text.replace(from, to), loader: 'js' };
      });
    },
  };
}

const STD_COLUMNS = "stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null";

const plugins = [
  // yargs' platform shim: `stdColumns` a getter.
  patch(
    'lazy-std-columns',
    /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/,
    STD_COLUMNS,
    `get ${STD_COLUMNS.replace(': ', '() { return ')}; }`,
  ),
  // yargs' factory: no default --version option.
  patch(
    'no-default-version',
    /[\\/]yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/,
    'yargs.version();',
    'yargs.version(false);',
  ),
];

await build({
  entryPoints: ['generator/src/cli/bundle.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { 'import.meta.url': '__hms_bundle_url' },
  alias: {
    'string-width': './generator/src/cli/lazy-string-width.cjs',
    assert: './generator/src/cli/lazy-assert.cjs',
  },
  banner: { js: "const __hms_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  outfile: 'generator/dist/hms-gen.cjs',
  logLevel: 'warning',
  plugins,
});
