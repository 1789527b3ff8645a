'use strict';
// What the CLI bundle gets for `string-width` (scripts/build-generator aliases it here; yargs,
// cliui and wrap-ansi use it to lay out --help and error text). The package builds an
// Intl.Segmenter and several Unicode-property regular expressions when it is loaded: ~22 ms of
// every cold `hms-gen check`, whose command line yargs parses without measuring a single string.
// Loaded on the first call instead (esbuild initialises a require()d ES module on first use).
let stringWidth;
module.exports = function lazyStringWidth(string, options) {
  stringWidth ??= require('../../../node_modules/string-width/index.js').default;
  return stringWidth(string, options);
};
