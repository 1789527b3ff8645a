import type { Backend } from '../../codegen/backend.js';

export const rustBackend: Backend = {
  lang: 'rust',
  emit() {
    // filled in by the Rust emitter
  },
};
