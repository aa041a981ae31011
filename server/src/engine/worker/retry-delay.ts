/** When to try a channel again after a transient failure. */
import type { RetryPolicy } from '@herald/shared';

/** The longest a receiver's Retry-After is honoured, whatever the policy allows. */
export const maxRetryAfterMs = 86_400_000;

/**
 * The pause before the next attempt, after `attempt` attempts of the channel failed:
 * exponential (base · factor^(attempt-1), capped at the maximum), then spread by ±jitter
 * (a fraction of it) so a burst of failures (a relay restarting) comes back spread out
 * instead of as a burst. Never longer than the maximum. `random` returns [0, 1).
 *
 * When the receiver said how long to wait (`retryAfterMs`, from HTTP Retry-After), the pause
 * is at least that long: asking again sooner only earns another refusal and spends an
 * attempt. Its wish is honoured up to the policy's maximum delay and never beyond a day, so a
 * receiver cannot park a message for a year, and an admin's "never wait more than a minute"
 * still holds.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterMs?: number): number {
  const step = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * policy.factor ** Math.max(0, attempt - 1));
  const spread = step * policy.jitter * (2 * random() - 1);
  const backoffMs = Math.round(1000 * Math.min(policy.maxDelaySeconds, Math.max(0, step + spread)));
  if (retryAfterMs === undefined) return backoffMs;
  return Math.max(backoffMs, Math.min(retryAfterMs, 1000 * policy.maxDelaySeconds, maxRetryAfterMs));
}

/** True when the channel may be tried again after `attempt` attempts. */
export function canRetry(attempt: number, policy: RetryPolicy): boolean {
  return attempt < policy.maxAttempts;
}
