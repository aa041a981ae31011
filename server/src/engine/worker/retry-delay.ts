/** When to try a delivery again after a transient failure. */

export type RetryPolicy = {
  /** the pause after the first failed attempt */
  baseDelayMs: number;
  /** no pause is longer than this */
  maxDelayMs: number;
  /** attempts in all, the first included; a transient failure on the last one is final */
  maxAttempts: number;
};

export const defaultRetryPolicy: RetryPolicy = { baseDelayMs: 30_000, maxDelayMs: 60 * 60_000, maxAttempts: 5 };

/**
 * The pause before the next attempt, after `attempt` attempts failed: exponential
 * (base · 2^(attempt-1), capped) with "equal jitter": half of it fixed, half random, so a
 * burst of failures (a relay restarting) spreads out instead of returning as a burst, and
 * no retry comes back sooner than half its step. `random` returns [0, 1).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}

/** True when another attempt is allowed after `attempt` attempts. */
export function canRetry(attempt: number, policy: RetryPolicy): boolean {
  return attempt < policy.maxAttempts;
}
