export { compileFile, compileText, type CompileOptions, type CompileResult } from './frontend/compile.js';
export { renderDiagnostic, type Diagnostic, type Severity } from './frontend/diagnostics.js';
export { CODES, type CodeInfo, type DiagnosticCode } from './frontend/codes.js';
export { toReflection, toJson, type Json } from './ir/reflection.js';
export type * from './ir/model.js';
export { VERSION } from './version.js';
