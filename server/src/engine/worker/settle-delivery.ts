/**
 * The pure decisions of dispatch: which channels of a delivery to send on this attempt, and
 * what the delivery becomes once they answered. No I/O, so every rule is unit-tested.
 *
 * Mode of this version: send on every selected channel (parallel channels). A fallback chain
 * ("email, else SMS") is another `channelsToSend` rule over the same inputs.
 */
import type { SendResult } from '../../channels/types.ts';
import { canRetry, retryDelayMs, type RetryPolicy } from './retry-delay.ts';

/** A channel settled by an earlier attempt of the same delivery: sent, or failed for good. */
export type EarlierOutcome = { channel: string; status: 'sent' | 'failed'; error: string | null };

/** One channel's answer on this attempt. */
export type ChannelOutcome = { channel: string; result: SendResult };

export type Settlement =
  | { status: 'sent'; channel: string; reason: string | null }
  | { status: 'failed'; reason: string }
  | { status: 'queued'; retryAt: Date; reason: string };

/** The event each channel answer becomes: 'retrying' while a transient failure can still be retried. */
export type AttemptEventType = 'sent' | 'failed' | 'retrying';

/**
 * The channels to send on now: every selected channel that no earlier attempt settled.
 * A channel that already delivered is never sent again (one message per person and
 * channel); one that failed for good is not retried either.
 */
export function channelsToSend(channels: readonly string[], earlier: readonly EarlierOutcome[]): string[] {
  const settled = new Set(earlier.map((outcome) => outcome.channel));
  return [...new Set(channels)].filter((channel) => !settled.has(channel));
}

export type SettleInput = {
  channels: readonly string[];
  earlier: readonly EarlierOutcome[];
  outcomes: readonly ChannelOutcome[];
  /** this attempt's number, 1 for the first */
  attempt: number;
  policy: RetryPolicy;
  now: Date;
  random?: () => number;
};

/**
 * What the delivery becomes. Any transient failure that may still be retried requeues the
 * delivery (the channels that succeeded are skipped next time). Otherwise it is 'sent' if at
 * least one channel delivered — `channel` is the first of them in the delivery's order — and
 * 'failed' with every channel's reason if none did.
 */
export function settleDelivery(input: SettleInput): Settlement {
  const { channels, earlier, outcomes, attempt, policy, now } = input;
  const transient = outcomes.filter((o) => !o.result.ok && o.result.isTransient);
  if (transient.length > 0 && canRetry(attempt, policy)) {
    const delay = retryDelayMs(attempt, policy, input.random);
    return { status: 'queued', retryAt: new Date(now.getTime() + delay), reason: failureReasons(transient, attempt, false) };
  }

  const delivered = new Set([
    ...earlier.filter((o) => o.status === 'sent').map((o) => o.channel),
    ...outcomes.filter((o) => o.result.ok).map((o) => o.channel),
  ]);
  const failures = outcomes.filter((o) => !o.result.ok);
  const earlierFailures = earlier.filter((o) => o.status === 'failed');
  const reasons = [
    ...earlierFailures.map((o) => `${o.channel}: ${o.error ?? 'failed'}`),
    ...(failures.length > 0 ? [failureReasons(failures, attempt, true)] : []),
  ].join('; ');

  const firstDelivered = channels.find((channel) => delivered.has(channel)) ?? [...delivered][0];
  if (firstDelivered) return { status: 'sent', channel: firstDelivered, reason: reasons || null };
  return { status: 'failed', reason: reasons || 'no channel to send on' };
}

function failureReasons(failures: readonly ChannelOutcome[], attempt: number, isFinal: boolean): string {
  return failures.map(({ channel, result }) => {
    if (result.ok) return '';
    const gaveUp = isFinal && result.isTransient ? `gave up after ${attempt} attempts: ` : '';
    return `${channel}: ${gaveUp}${result.error}`;
  }).join('; ');
}

/** The event a channel's answer is recorded as, given what the delivery became. */
export function attemptEventType(result: SendResult, settlement: Settlement): AttemptEventType {
  if (result.ok) return 'sent';
  return result.isTransient && settlement.status === 'queued' ? 'retrying' : 'failed';
}
