import type { Backend } from '../../codegen/backend.js';

export const tsBackend: Backend = {
  lang: 'ts',
  emit() {
    // filled in by the TypeScript emitter
  },
};
