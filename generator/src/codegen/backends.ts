import type { Backend } from './backend.js';
import { LANGS, type Lang } from './langs.js';
import { cBackend } from '../backends/c/index.js';
import { jsBackend } from '../backends/js/index.js';
import { rustBackend } from '../backends/rust/index.js';
import { tsBackend } from '../backends/ts/index.js';

/** The backend of each registered language (codegen/langs.ts: what each depends on). */
const BY_LANG: { readonly [L in Lang]: Backend<L> } = {
  rust: rustBackend,
  ts: tsBackend,
  c: cBackend,
  js: jsBackend,
};

/** Every backend, in the order they run: the registry's (a language after those it depends on). */
export const BACKENDS: readonly Backend[] = LANGS.map((l) => BY_LANG[l]);
