'use strict';
// What the CLI bundle gets for `assert` (scripts/build-generator aliases it here): yargs checks two
// internal invariants with it, and loading node:assert costs ~2 ms of every cold run. The real
// module is loaded only to report a failed check, with its own message.
module.exports = {
  strictEqual(actual, expected, message) {
    if (!Object.is(actual, expected)) require('node:assert').strictEqual(actual, expected, message);
  },
  notStrictEqual(actual, expected, message) {
    if (Object.is(actual, expected)) require('node:assert').notStrictEqual(actual, expected, message);
  },
};
