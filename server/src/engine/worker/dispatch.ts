/**
 * One batch of the worker: claim, load, plan each delivery's attempt, take rate-limit tokens
 * and frequency-cap places for the whole batch, render and send what may go (bounded
 * concurrency), then write every result in one statement and complete the runs that are done.
 * Per batch the database sees a fixed handful of statements, whatever the batch size.
 */
import type { Channel, RetryPolicy } from '@herald/shared';
import type { HeraldContext } from '../../context.ts';
import {
  isChannel,
  permanentFailure,
  stableMessageId,
  transientFailure,
  type ChannelSenders,
  type SendResult,
} from '../../channels/types.ts';
import type { RenderContext } from '../../rendering/liquid.ts';
import { takeTokens, type TokenRequest } from '../limits/take-tokens.ts';
import { claimDeliveries, releaseDeliveries, type ClaimedDelivery } from './claim-deliveries.ts';
import { loadBatch, type BatchData, type BatchRecipient, type BatchRun } from './load-batch.ts';
import { completeSettledRuns, recordResults } from './record-results.ts';
import { renderContextOf, renderMessage, unsubscribeUrl } from './render-message.ts';
import { buildResultRows, type DeliveryResult } from './result-rows.ts';
import { canRetry, retryDelayMs } from './retry-delay.ts';
import { runPool } from './run-pool.ts';
import { planAttempt, settleDelivery, type ChannelOutcome, type DeliveryHistory } from './settle-delivery.ts';

export type DispatchOptions = {
  workerId: string;
  batchSize: number;
  /** deliveries being rendered and sent at once */
  concurrency: number;
  leaseMs: number;
  /** multiplies the length of every rate-limit and frequency-cap window (1 in production) */
  limitWindowScale: number;
  /** replaces parts of the settings' default retry policy */
  defaultRetryPolicy?: Partial<RetryPolicy>;
};

export type BatchReport = {
  claimed: number;
  /** deliveries whose new state was written */
  settled: number;
  /** claimed but handed back unstarted, because the worker is stopping */
  released: number;
  /** put back in the queue by a rate limit or the frequency cap */
  deferred: number;
  /** the earliest time a delivery was deferred to, if any: the worker wakes up then */
  nextDeferredAt: Date | null;
  completedRuns: string[];
};

/** Hooks the worker uses to know which claimed rows are still being worked on (for lease renewal). */
export type InFlight = { add: (ids: readonly number[]) => void; remove: (ids: readonly number[]) => void };

type SendInput = { delivery: ClaimedDelivery; recipient: BatchRecipient; run: BatchRun; renderContext: RenderContext };

/** A delivery whose attempt sends on `channels`. */
type Sendable = { delivery: ClaimedDelivery; recipient: BatchRecipient; run: BatchRun; history: DeliveryHistory; channels: string[] };

async function sendOn<C extends Channel>(channel: C, senders: ChannelSenders, input: SendInput): Promise<SendResult> {
  const sender = senders[channel];
  if (!sender) return permanentFailure(`this Herald cannot send ${channel} messages yet`);
  const rendered = await renderMessage(input.run.content, channel, input.renderContext);
  if (!rendered.ok) return permanentFailure(rendered.error);
  const { delivery, recipient } = input;
  try {
    return await sender.send({
      channel,
      deliveryId: delivery.id,
      runId: delivery.runId,
      scheduleId: delivery.scheduleId,
      messageId: stableMessageId(delivery.id, delivery.runId),
      attempt: delivery.attempts,
      recipient,
      content: rendered.content,
    });
  } catch (error) {
    // A sender should report, not throw; if one throws, retrying beats losing the message.
    return transientFailure(`the ${channel} sender failed: ${(error as Error).message}`);
  }
}

/** The retry policy of a channel of this run: the schedule's, else the channel's, else the default. */
function retryPolicyFor(batch: BatchData, run: BatchRun | undefined, channel: string): RetryPolicy {
  const { retryPolicies } = batch.settings;
  return run?.retryPolicy ?? (isChannel(channel) ? retryPolicies.channels[channel] : undefined) ?? retryPolicies.default;
}

/** The history a delivery's decisions are made from. */
function historyOf(batch: BatchData, delivery: ClaimedDelivery, recipient: BatchRecipient, run: BatchRun): DeliveryHistory {
  return {
    channels: delivery.channels,
    mode: run.channelMode,
    earlier: batch.earlier.get(delivery.id) ?? [],
    policyFor: (channel) => retryPolicyFor(batch, run, channel),
    optedOut: recipient.optedOutChannels,
    isUnsubscribed: recipient.isUnsubscribed,
  };
}

/** Renders and sends one delivery on the channels of its attempt, and decides what it becomes. */
export async function processDelivery(context: HeraldContext, senders: ChannelSenders, sendable: Sendable): Promise<DeliveryResult> {
  const { delivery, recipient, run, history } = sendable;
  const renderContext = renderContextOf(recipient, run, unsubscribeUrl(context.config.publicUrl, context.secrets.signingKey, delivery.id));
  const input: SendInput = { delivery, recipient, run, renderContext };
  const outcomes: ChannelOutcome[] = await Promise.all(sendable.channels.map(async (channel) => ({
    channel,
    result: isChannel(channel) ? await sendOn(channel, senders, input) : permanentFailure(`"${channel}" is not a channel`),
  })));
  return { delivery, outcomes, settlement: settleDelivery({ ...history, outcomes, now: new Date() }) };
}

/** A bug while processing one delivery must not sink the batch: retry it later like a transient failure. */
function unexpectedFailure(delivery: ClaimedDelivery, error: unknown, policy: RetryPolicy): DeliveryResult {
  const reason = `internal error: ${(error as Error).message}`;
  const settlement = canRetry(delivery.attempts, policy)
    ? { status: 'queued' as const, retryAt: new Date(Date.now() + retryDelayMs(delivery.attempts, policy)), reason, retrying: [] }
    : { status: 'failed' as const, reason };
  return { delivery, outcomes: [], settlement };
}

async function withRetries<T>(attempts: number, task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

type Prepared = { settled: DeliveryResult[]; sendable: Sendable[] };

/** Splits the batch into deliveries that settle without sending and those with channels to send on. */
function prepareBatch(batch: BatchData, claimed: readonly ClaimedDelivery[]): Prepared {
  const prepared: Prepared = { settled: [], sendable: [] };
  for (const delivery of claimed) {
    const recipient = batch.recipients.get(delivery.recipientId);
    const run = batch.runs.get(delivery.runId);
    if (!recipient || !run) {
      prepared.settled.push({ delivery, outcomes: [], settlement: { status: 'failed', reason: 'the recipient or the run no longer exists' } });
      continue;
    }
    const history = historyOf(batch, delivery, recipient, run);
    const plan = planAttempt(history);
    if (plan.kind === 'settle') prepared.settled.push({ delivery, outcomes: [], settlement: plan.settlement });
    else prepared.sendable.push({ delivery, recipient, run, history, channels: plan.channels });
  }
  return prepared;
}

/** Asks the limits for the sendable deliveries (most urgent first); the refused come back deferred. */
async function applyLimits(context: HeraldContext, batch: BatchData, sendable: readonly Sendable[], scale: number): Promise<{ granted: Sendable[]; deferred: DeliveryResult[] }> {
  const requests: TokenRequest[] = sendable.map(({ delivery, channels }) => ({
    deliveryId: delivery.id,
    recipientId: delivery.recipientId,
    scheduleId: delivery.scheduleId,
    channels,
    priority: delivery.priority,
    isCounted: delivery.isCounted,
    wasDeferred: delivery.wasDeferred,
  }));
  const scheduleLimits = new Map(sendable.map(({ delivery, run }) => [delivery.scheduleId, run.rateLimit]));
  const decisions = await takeTokens(context.database, requests, { settings: batch.settings, scheduleLimits, scale });
  const granted: Sendable[] = [];
  const deferred: DeliveryResult[] = [];
  for (const item of sendable) {
    const decision = decisions.get(item.delivery.id);
    if (!decision || decision.isGranted) granted.push(item);
    else deferred.push({ delivery: item.delivery, outcomes: [], settlement: { status: 'deferred', until: new Date(decision.until), reason: decision.reason } });
  }
  return { granted, deferred };
}

/** Claims and dispatches one batch; resolves once its results are written. */
export async function dispatchBatch(context: HeraldContext, senders: ChannelSenders, options: DispatchOptions, isStopping: () => boolean, inFlight: InFlight): Promise<BatchReport> {
  const { database, logger, metrics } = context;
  const claimed = await claimDeliveries(database, options.workerId, options.batchSize, options.leaseMs);
  if (claimed.length === 0) return { claimed: 0, settled: 0, released: 0, deferred: 0, nextDeferredAt: null, completedRuns: [] };
  const ids = claimed.map((d) => d.id);
  inFlight.add(ids);
  try {
    let batch: BatchData;
    let prepared: Prepared;
    let limited: { granted: Sendable[]; deferred: DeliveryResult[] };
    try {
      batch = await loadBatch(database.db, claimed);
      if (options.defaultRetryPolicy) {
        const { retryPolicies } = batch.settings;
        batch.settings = { ...batch.settings, retryPolicies: { ...retryPolicies, default: { ...retryPolicies.default, ...options.defaultRetryPolicy } } };
      }
      prepared = prepareBatch(batch, claimed);
      limited = await applyLimits(context, batch, prepared.sendable, options.limitWindowScale);
    } catch (error) {
      // Nothing was sent: hand the batch back now rather than when the leases expire.
      await releaseDeliveries(database, options.workerId, ids).catch(() => 0);
      throw error;
    }
    const results: DeliveryResult[] = [...prepared.settled, ...limited.deferred];
    const pool = await runPool(limited.granted, options.concurrency, isStopping, async (sendable) => {
      try {
        results.push(await processDelivery(context, senders, sendable));
      } catch (error) {
        results.push(unexpectedFailure(sendable.delivery, error, batch.settings.retryPolicies.default));
      }
    });
    const released = await releaseDeliveries(database, options.workerId, pool.notStarted.map((s) => s.delivery.id));

    const rows = buildResultRows(results, batch.settings.costs);
    // The sends happened: try hard to record them. If the database stays away, the leases
    // expire and the deliveries are sent again under the same Message-ID / inbox key.
    const settled = await withRetries(3, () => recordResults(database, options.workerId, rows));
    for (const event of rows.events) {
      if (event.type === 'sent') metrics.deliveriesSent.inc({ channel: event.channel ?? 'none' });
      else if (event.type === 'failed') metrics.deliveriesFailed.inc({ channel: event.channel ?? 'none' });
    }
    const completedRuns = await completeSettledRuns(database, [...new Set(results.map((r) => r.delivery.runId))]);
    if (settled < results.length) logger.warn({ lost: results.length - settled }, 'some deliveries were taken over by another worker before their results were written');
    const deferred = limited.deferred.length;
    const deferredTimes = limited.deferred.flatMap(({ settlement }) => (settlement.status === 'deferred' ? [settlement.until.getTime()] : []));
    const nextDeferredAt = deferredTimes.length > 0 ? new Date(Math.min(...deferredTimes)) : null;
    logger.debug({ claimed: claimed.length, settled, released, deferred, completedRuns: completedRuns.length }, 'worker batch done');
    return { claimed: claimed.length, settled, released, deferred, nextDeferredAt, completedRuns };
  } finally {
    inFlight.remove(ids);
  }
}
