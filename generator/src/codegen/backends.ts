import type { Backend } from './backend.js';
import { cBackend } from '../backends/c/index.js';
import { jsBackend } from '../backends/js/index.js';
import { rustBackend } from '../backends/rust/index.js';
import { tsBackend } from '../backends/ts/index.js';

/**
 * Every backend, in the order they run (C after Rust: its header is cbindgen's view of the Rust agent
 * library; JavaScript after TypeScript: it compiles the TypeScript modules).
 */
export const BACKENDS: readonly Backend[] = [rustBackend, tsBackend, jsBackend, cBackend];
