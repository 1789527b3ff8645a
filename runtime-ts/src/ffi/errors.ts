/**
 * Errors that cross the Rust boundary (docs/ffi-abi.md, "Status codes"). Codes are `hms.ErrorCode`
 * values; the ones the ABI itself raises are named here so callers can test for them.
 */
export const ErrorCodes = {
  InvalidArgument: 1,
  NotFound: 2,
  ResourceExhausted: 8,
  Unimplemented: 9,
  Internal: 10,
  Panic: 100,
  ContractMismatch: 101,
  InvalidHandle: 102,
  DecodeFailed: 103,
  EncodeFailed: 104,
} as const;

/** The decoded `hms.AgentError` of a failed call. */
export interface AgentErrorInfo {
  readonly code: number;
  readonly message: string;
  readonly details?: string | null;
  readonly retryable?: boolean;
  readonly retryAfterMs?: number | null;
  readonly agentId?: string | null;
}

/** A Rust agent (or the ABI around it) reported an error; `code` is an `hms.ErrorCode` value. */
export class RustError extends Error {
  readonly code: number;
  readonly details: string | null;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;
  readonly agentId: string | null;

  constructor(info: AgentErrorInfo) {
    super(info.message);
    this.name = 'RustError';
    this.code = info.code;
    this.details = info.details ?? null;
    this.retryable = info.retryable ?? false;
    this.retryAfterMs = info.retryAfterMs ?? null;
    this.agentId = info.agentId ?? null;
  }
}

/** The library was built from other contracts than the binding (thrown at load, before any call). */
export class ContractMismatchError extends RustError {
  constructor(message: string) {
    super({ code: ErrorCodes.ContractMismatch, message });
    this.name = 'ContractMismatchError';
  }
}
