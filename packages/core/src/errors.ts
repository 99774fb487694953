// Every error routebench raises on purpose carries a stable code (as undici's errors do), so callers and the
// CLI branch on the code, never on message text. `field` names the option or config path that was wrong.
export const ROUTEBENCH_ERROR_CODES = {
  /** An option, scenario, load or claim field is invalid: nothing was sent. */
  RB_CONFIG_INVALID: 'RB_CONFIG_INVALID',
  /** A file the user named cannot be read or is not what it should be (summary.json, a config file). */
  RB_INPUT_INVALID: 'RB_INPUT_INVALID',
  /** The output folder already holds a run (pass force to overwrite). */
  RB_OUTPUT_EXISTS: 'RB_OUTPUT_EXISTS',
  /** The target could not be reached or opened (connection refused, bad preset, cluster failed to start). */
  RB_TARGET_UNREACHABLE: 'RB_TARGET_UNREACHABLE',
  /** The run itself failed (a worker died, the workload threw). */
  RB_RUN_FAILED: 'RB_RUN_FAILED',
} as const;
export type RoutebenchErrorCode = keyof typeof ROUTEBENCH_ERROR_CODES;

export class RoutebenchError extends Error {
  readonly code: RoutebenchErrorCode;
  /** Option or config path the error is about (`load.rate`, `claims.0.minShare`, `--out`). */
  readonly field: string | undefined;
  constructor(code: RoutebenchErrorCode, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RoutebenchError';
    this.code = code;
    this.field = opts.field;
  }
}

export function isRoutebenchError(e: unknown, code?: RoutebenchErrorCode): e is RoutebenchError {
  return e instanceof RoutebenchError && (code === undefined || e.code === code);
}
