import type { Backend } from './backend.js';
import { rustBackend } from '../backends/rust/index.js';
import { tsBackend } from '../backends/ts/index.js';

/** Every backend, in the order they run. */
export const BACKENDS: readonly Backend[] = [rustBackend, tsBackend];
