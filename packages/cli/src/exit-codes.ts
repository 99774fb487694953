// Exit codes of every routebench command (documented in the README).
export const EXIT = {
  /** Everything ran; every claim of the main run passed (or there were none). */
  ok: 0,
  /** A claim of the main run failed (or was inconclusive with --strict). */
  claimFailed: 1,
  /** Usage or configuration error: nothing was sent. */
  usage: 2,
  /** The run itself failed (target unreachable, crash); outputs written so far are kept. */
  runError: 3,
} as const;

/** An error that is the user's to fix (bad flag, bad file): printed without a stack, exit 2. */
export class UsageError extends Error {}
