/**
 * One batch of the worker: claim, load, render and send (bounded concurrency), then write
 * every result in one statement and complete the runs that are done. Per batch the database
 * sees a fixed handful of statements, whatever the batch size.
 */
import type { Channel } from '@herald/shared';
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
import { claimDeliveries, releaseDeliveries, type ClaimedDelivery } from './claim-deliveries.ts';
import { loadBatch, type BatchData } from './load-batch.ts';
import { completeSettledRuns, recordResults } from './record-results.ts';
import { renderContextOf, renderMessage, unsubscribeUrl, type RecipientRow, type RunInfo } from './render-message.ts';
import { buildResultRows, type DeliveryResult } from './result-rows.ts';
import { canRetry, retryDelayMs, type RetryPolicy } from './retry-delay.ts';
import { runPool } from './run-pool.ts';
import { channelsToSend, settleDelivery, type ChannelOutcome } from './settle-delivery.ts';

export type DispatchOptions = {
  workerId: string;
  batchSize: number;
  /** deliveries being rendered and sent at once */
  concurrency: number;
  leaseMs: number;
  retryPolicy: RetryPolicy;
};

export type BatchReport = {
  claimed: number;
  /** deliveries whose new state was written */
  settled: number;
  /** claimed but handed back unstarted, because the worker is stopping */
  released: number;
  completedRuns: string[];
};

/** Hooks the worker uses to know which claimed rows are still being worked on (for lease renewal). */
export type InFlight = { add: (ids: readonly number[]) => void; remove: (ids: readonly number[]) => void };

type SendInput = { delivery: ClaimedDelivery; recipient: RecipientRow; run: RunInfo; renderContext: RenderContext };

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

/** Renders and sends one delivery on every channel it still needs, and decides what it becomes. */
export async function processDelivery(context: HeraldContext, senders: ChannelSenders, batch: BatchData, delivery: ClaimedDelivery, retryPolicy: RetryPolicy): Promise<DeliveryResult> {
  const recipient = batch.recipients.get(delivery.recipientId);
  const run = batch.runs.get(delivery.runId);
  if (!recipient || !run) {
    return { delivery, outcomes: [], settlement: { status: 'failed', reason: 'the recipient or the run no longer exists' } };
  }
  const earlier = batch.earlier.get(delivery.id) ?? [];
  const renderContext = renderContextOf(recipient, run, unsubscribeUrl(context.config.publicUrl, context.secrets.signingKey, delivery.id));
  const input: SendInput = { delivery, recipient, run, renderContext };
  const outcomes: ChannelOutcome[] = await Promise.all(channelsToSend(delivery.channels, earlier).map(async (channel) => ({
    channel,
    result: isChannel(channel) ? await sendOn(channel, senders, input) : permanentFailure(`"${channel}" is not a channel`),
  })));
  const settlement = settleDelivery({ channels: delivery.channels, earlier, outcomes, attempt: delivery.attempts, policy: retryPolicy, now: new Date() });
  return { delivery, outcomes, settlement };
}

/** A bug while processing one delivery must not sink the batch: retry it later like a transient failure. */
function unexpectedFailure(delivery: ClaimedDelivery, error: unknown, policy: RetryPolicy): DeliveryResult {
  const reason = `internal error: ${(error as Error).message}`;
  const settlement = canRetry(delivery.attempts, policy)
    ? { status: 'queued' as const, retryAt: new Date(Date.now() + retryDelayMs(delivery.attempts, policy)), reason }
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

/** Claims and dispatches one batch; resolves once its results are written. */
export async function dispatchBatch(context: HeraldContext, senders: ChannelSenders, options: DispatchOptions, isStopping: () => boolean, inFlight: InFlight): Promise<BatchReport> {
  const { database, logger, metrics } = context;
  const claimed = await claimDeliveries(database, options.workerId, options.batchSize, options.leaseMs);
  if (claimed.length === 0) return { claimed: 0, settled: 0, released: 0, completedRuns: [] };
  const ids = claimed.map((d) => d.id);
  inFlight.add(ids);
  try {
    let batch: BatchData;
    try {
      batch = await loadBatch(database.db, claimed);
    } catch (error) {
      // Nothing was sent: hand the batch back now rather than when the leases expire.
      await releaseDeliveries(database, options.workerId, ids).catch(() => 0);
      throw error;
    }
    const results: DeliveryResult[] = [];
    const pool = await runPool(claimed, options.concurrency, isStopping, async (delivery) => {
      try {
        results.push(await processDelivery(context, senders, batch, delivery, options.retryPolicy));
      } catch (error) {
        results.push(unexpectedFailure(delivery, error, options.retryPolicy));
      }
    });
    const released = await releaseDeliveries(database, options.workerId, pool.notStarted.map((d) => d.id));

    const rows = buildResultRows(results);
    // The sends happened: try hard to record them. If the database stays away, the leases
    // expire and the deliveries are sent again under the same Message-ID / inbox key.
    const settled = await withRetries(3, () => recordResults(database, options.workerId, rows));
    for (const event of rows.events) {
      if (event.type === 'sent') metrics.deliveriesSent.inc({ channel: event.channel ?? 'none' });
      else if (event.type === 'failed') metrics.deliveriesFailed.inc({ channel: event.channel ?? 'none' });
    }
    const completedRuns = await completeSettledRuns(database, [...new Set(results.map((r) => r.delivery.runId))]);
    if (settled < results.length) logger.warn({ lost: results.length - settled }, 'some deliveries were taken over by another worker before their results were written');
    logger.debug({ claimed: claimed.length, settled, released, completedRuns: completedRuns.length }, 'worker batch done');
    return { claimed: claimed.length, settled, released, completedRuns };
  } finally {
    inFlight.remove(ids);
  }
}
