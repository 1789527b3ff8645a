import type { Backend } from './backend.js';
import { cBackend } from '../backends/c/index.js';
import { rustBackend } from '../backends/rust/index.js';
import { tsBackend } from '../backends/ts/index.js';

/** Every backend, in the order they run (C after Rust: its header is cbindgen's view of the Rust agent library). */
export const BACKENDS: readonly Backend[] = [rustBackend, tsBackend, cBackend];
