import { RoutebenchError, type RoutebenchErrorCode } from '@routebench/core';
// Exit codes of every routebench command (documented in the README).
export const EXIT = {
  /** Everything ran; every claim of the main run passed (or there were none). */
  ok: 0,
  /** A claim of the main run failed. */
  claimFailed: 1,
  /** Usage or configuration error: nothing was sent. */
  usage: 2,
  /** The run itself failed (target unreachable, crash, no measured request succeeded); outputs written so far are kept. */
  runError: 3,
  /** No claim failed, but at least one was Inconclusive (more requests, or the missing evidence, would decide it). */
  inconclusive: 4,
} as const;

/** A bad flag or argument of the CLI itself: a RoutebenchError RB_CONFIG_INVALID (exit 2) naming the flag. */
export class UsageError extends RoutebenchError {
  constructor(message: string, field?: string) {
    super('RB_CONFIG_INVALID', message, { field });
    this.name = 'UsageError';
  }
}

/** Exit code of each error code: the user's to fix (nothing sent) → 2; the run failed → 3. */
export const EXIT_OF_CODE: Record<RoutebenchErrorCode, number> = {
  RB_CONFIG_INVALID: EXIT.usage,
  RB_INPUT_INVALID: EXIT.usage,
  RB_OUTPUT_EXISTS: EXIT.usage,
  RB_TARGET_UNREACHABLE: EXIT.runError,
  RB_RUN_FAILED: EXIT.runError,
};
