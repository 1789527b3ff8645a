/**
 * The errors hms-gen throws (schema problems are never thrown: they are diagnostics, as data).
 * Each carries the exit code the CLI reports for it, so the CLI and the in-process API agree.
 */
export class HmsGenError extends Error {
  constructor(
    message: string,
    /** 2: usage (arguments, files, hms-gen.json, output directory); 3: a tool or the file system failed. */
    readonly exitCode: 2 | 3,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A mistake in how hms-gen was called: arguments, missing files, a bad hms-gen.json, an unusable `--out`. */
export class UsageError extends HmsGenError {
  constructor(message: string) {
    super(message, 2);
  }
}

/**
 * A tool the generators run is missing or failed (cbindgen): reported in one line with what to do,
 * exit code 3. The message is a sentence without the `hms-gen:` prefix the CLI adds.
 */
export class ToolError extends HmsGenError {
  constructor(message: string) {
    super(message, 3);
  }
}

/**
 * The exit code of an HmsGenError, also one thrown by another copy of this module (the bundled CLI
 * loads `generate` from the unbundled build, so `instanceof` cannot be relied on); else undefined.
 */
export function exitCodeOf(e: unknown): 2 | 3 | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as Partial<HmsGenError>).exitCode;
  return ['HmsGenError', 'UsageError', 'ToolError'].includes(e.name) && (code === 2 || code === 3) ? code : undefined;
}
