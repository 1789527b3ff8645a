import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where hms-gen's own files are, found from this module's location (dist/codegen/ when built,
 * src/codegen/ under tsx): one place for the paths the CLI, the cache and the templates need.
 * A light module on purpose: the warm-run path of `generate` imports it.
 */

/** The generator's code: generator/dist or generator/src. */
export function generatorCodeDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

/** `templates/` of this checkout, beside `generator/`. */
export function defaultTemplatesDir(): string {
  return join(generatorCodeDir(), '..', '..', 'templates');
}
