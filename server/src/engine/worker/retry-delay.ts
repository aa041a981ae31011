/** When to try a channel again after a transient failure. */
import type { RetryPolicy } from '@herald/shared';

/**
 * The pause before the next attempt, after `attempt` attempts of the channel failed:
 * exponential (base · factor^(attempt-1), capped at the maximum), then spread by ±jitter
 * (a fraction of it) so a burst of failures (a relay restarting) comes back spread out
 * instead of as a burst. Never longer than the maximum. `random` returns [0, 1).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * policy.factor ** Math.max(0, attempt - 1));
  const spread = step * policy.jitter * (2 * random() - 1);
  return Math.round(1000 * Math.min(policy.maxDelaySeconds, Math.max(0, step + spread)));
}

/** True when the channel may be tried again after `attempt` attempts. */
export function canRetry(attempt: number, policy: RetryPolicy): boolean {
  return attempt < policy.maxAttempts;
}
