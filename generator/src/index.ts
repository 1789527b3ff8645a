export { compileFile, compileText, type CompileOptions, type CompileResult } from './frontend/compile.js';
export { renderDiagnostic, type Diagnostic, type Severity } from './frontend/diagnostics.js';
export { CODES, type CodeInfo, type DiagnosticCode } from './frontend/codes.js';
export { toReflection, toJson, type Json } from './ir/reflection.js';
export type * from './ir/model.js';
export { VERSION } from './version.js';
// The in-process API (README "hms-gen in process"): what the CLI itself runs.
export {
  compile,
  generate,
  Generator,
  HmsGenError,
  ToolError,
  UsageError,
  type CompileFilesOptions,
  type CompileOutput,
  type Drift,
  type GenerateOptions,
  type GenerateOutput,
  type GeneratorConfig,
  type Lang,
} from './api.js';
