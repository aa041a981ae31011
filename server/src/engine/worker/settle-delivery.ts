/**
 * The pure decisions of dispatch: which channels of a delivery to send on this attempt, and
 * what the delivery becomes once they answered. No I/O, so every rule is unit-tested.
 *
 * Two channel modes, over the same history of the delivery's earlier attempts:
 * - all: send on every selected channel; a retry sends only the channels neither delivered
 *   nor failed for good (one message per person and channel).
 * - fallback: send on the first channel, in order, that has not failed for good; a permanent
 *   failure (or a transient one that used up the channel's retries) moves to the next channel
 *   at once; the first success ends it.
 * A channel's retries are its own: each channel has a retry policy (the schedule's, else the
 * channel's, else the default), and its attempts are counted separately.
 */
import type { ChannelMode, RetryPolicy } from '@herald/shared';
import type { SendResult } from '../../channels/types.ts';
import { canRetry, retryDelayMs } from './retry-delay.ts';

/** An earlier channel send of the same delivery. */
export type EarlierOutcome = { channel: string; status: 'sent' | 'failed'; isTransient: boolean | null; error: string | null };

/** One channel's answer on this attempt. */
export type ChannelOutcome = { channel: string; result: SendResult };

export type Settlement =
  | { status: 'sent'; channel: string; reason: string | null }
  | { status: 'failed'; reason: string }
  | { status: 'skipped'; reason: string }
  /** tried again at retryAt; `retrying` names the channels whose transient failure is retried */
  | { status: 'queued'; retryAt: Date; reason: string; retrying: string[] }
  /** not tried at all (a rate limit or the frequency cap): back in the queue until then, the attempt not counted */
  | { status: 'deferred'; until: Date; reason: string };

/** The event each channel answer becomes: 'retrying' while its transient failure will be retried. */
export type AttemptEventType = 'sent' | 'failed' | 'retrying';

export type DeliveryHistory = {
  /** the delivery's channels, in order */
  channels: readonly string[];
  mode: ChannelMode;
  earlier: readonly EarlierOutcome[];
  policyFor: (channel: string) => RetryPolicy;
  /** channels the recipient opted out of since the delivery was queued */
  optedOut: readonly string[];
  isUnsubscribed: boolean;
};

type ChannelState = { isDelivered: boolean; failures: number; isDead: boolean; lastError: string | null; gaveUp: boolean };

function channelStates(history: DeliveryHistory): Map<string, ChannelState> {
  const states = new Map<string, ChannelState>();
  for (const channel of new Set(history.channels)) states.set(channel, { isDelivered: false, failures: 0, isDead: false, lastError: null, gaveUp: false });
  for (const outcome of history.earlier) {
    const state = states.get(outcome.channel);
    if (!state) continue;
    if (outcome.status === 'sent') {
      state.isDelivered = true;
      continue;
    }
    state.failures += 1;
    state.lastError = outcome.error;
    if (outcome.isTransient === false) state.isDead = true;
  }
  for (const [channel, state] of states) {
    if (!state.isDead && state.failures > 0 && !canRetry(state.failures, history.policyFor(channel))) {
      state.isDead = true;
      state.gaveUp = true;
    }
  }
  return states;
}

export type AttemptPlan = { kind: 'send'; channels: string[] } | { kind: 'settle'; settlement: Settlement };

/**
 * What this attempt does: the channels to send on, or, when nothing is left to send, what the
 * delivery becomes without sending.
 */
export function planAttempt(history: DeliveryHistory): AttemptPlan {
  const states = channelStates(history);
  const optedOut = new Set(history.optedOut);
  const delivered = [...states].filter(([, state]) => state.isDelivered).map(([channel]) => channel);
  const open = [...states].filter(([channel, state]) => !state.isDelivered && !state.isDead && !optedOut.has(channel)).map(([channel]) => channel);

  if (history.isUnsubscribed && delivered.length === 0) return { kind: 'settle', settlement: { status: 'skipped', reason: 'unsubscribed' } };
  if (history.mode === 'fallback' && delivered.length > 0) return { kind: 'settle', settlement: { status: 'sent', channel: delivered[0]!, reason: earlierReasons(states) } };
  if (open.length === 0 || history.isUnsubscribed) return { kind: 'settle', settlement: finalSettlement(history, states) };
  return { kind: 'send', channels: history.mode === 'fallback' ? [open[0]!] : open };
}

export type SettleInput = DeliveryHistory & { outcomes: readonly ChannelOutcome[]; now: Date; random?: () => number };

/** What the delivery becomes once this attempt's channels answered. */
export function settleDelivery(input: SettleInput): Settlement {
  const states = channelStates(input);
  const retrying: Array<{ channel: string; attempt: number; error: string; retryAfterMs: number | undefined }> = [];
  for (const { channel, result } of input.outcomes) {
    const state = states.get(channel) ?? { isDelivered: false, failures: 0, isDead: false, lastError: null, gaveUp: false };
    states.set(channel, state);
    if (result.ok) {
      state.isDelivered = true;
      continue;
    }
    state.failures += 1;
    state.lastError = result.error;
    if (result.isTransient && canRetry(state.failures, input.policyFor(channel))) {
      retrying.push({ channel, attempt: state.failures, error: result.error, retryAfterMs: result.retryAfterMs });
    } else {
      state.isDead = true;
      state.gaveUp = result.isTransient;
    }
  }

  if (retrying.length > 0) {
    // One retry time for the delivery: the latest the retried channels ask for (their policy's
    // backoff, or longer when the receiver said Retry-After), so none is hurried.
    const delay = Math.max(...retrying.map(({ channel, attempt, retryAfterMs }) => retryDelayMs(attempt, input.policyFor(channel), input.random, retryAfterMs)));
    return {
      status: 'queued',
      retryAt: new Date(input.now.getTime() + delay),
      reason: retrying.map(({ channel, error }) => `${channel}: ${error}`).join('; '),
      retrying: retrying.map(({ channel }) => channel),
    };
  }

  if (input.mode === 'fallback' && ![...states.values()].some((s) => s.isDelivered)) {
    const optedOut = new Set(input.optedOut);
    const next = [...states].find(([channel, state]) => !state.isDead && !optedOut.has(channel));
    if (next && !input.isUnsubscribed) {
      // Straight on to the next channel: the next claim sends it (and takes its tokens).
      return { status: 'queued', retryAt: input.now, reason: `${earlierReasons(states) ?? 'failed'}; falling back to ${next[0]}`, retrying: [] };
    }
  }
  return finalSettlement(input, states);
}

/** Sent when any channel delivered (on the first of them, in order), else failed or skipped with every reason. */
function finalSettlement(history: DeliveryHistory, states: Map<string, ChannelState>): Settlement {
  const reasons = earlierReasons(states);
  const firstDelivered = [...states].find(([, state]) => state.isDelivered)?.[0];
  if (firstDelivered) return { status: 'sent', channel: firstDelivered, reason: reasons };
  if (history.isUnsubscribed) return { status: 'skipped', reason: 'unsubscribed' };
  const optedOut = new Set(history.optedOut);
  const isAllOptedOut = [...states.keys()].every((channel) => optedOut.has(channel) || states.get(channel)!.isDead);
  if (!reasons && isAllOptedOut && states.size > 0) return { status: 'skipped', reason: 'opted_out' };
  return { status: 'failed', reason: reasons ?? 'no channel to send on' };
}

/** "email: 550 no such user; sms: gave up after 3 attempts: 503 busy" for the channels that failed for good. */
function earlierReasons(states: Map<string, ChannelState>): string | null {
  const reasons = [...states]
    .filter(([, state]) => state.isDead && state.lastError !== null)
    .map(([channel, state]) => `${channel}: ${state.gaveUp ? `gave up after ${state.failures} ${state.failures === 1 ? 'attempt' : 'attempts'}: ` : ''}${state.lastError}`);
  return reasons.length > 0 ? reasons.join('; ') : null;
}

/** The event a channel's answer is recorded as, given what the delivery became. */
export function attemptEventType(channel: string, result: SendResult, settlement: Settlement): AttemptEventType {
  if (result.ok) return 'sent';
  return settlement.status === 'queued' && settlement.retrying.includes(channel) ? 'retrying' : 'failed';
}
