/**
 * One batch of the worker: claim, load, plan each delivery's attempt, take rate-limit tokens
 * and frequency-cap places for the whole batch, render and send what may go (bounded
 * concurrency), then write every result in one statement and complete the runs that are done.
 * Per batch the database sees a fixed handful of statements, whatever the batch size.
 * Three stages (claimBatch, sendBatch, recordBatch), so that the worker can overlap one
 * batch's sends with the next one's claim and the previous one's record.
 */
import type { Channel, DeliverySettings, RetryPolicy } from '@herald/shared';
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
import { holdForQuietHours } from '../limits/hold-for-quiet-hours.ts';
import { takeTokens, type TokenRequest } from '../limits/take-tokens.ts';
import { claimDeliveries, releaseDeliveries, type ClaimedDelivery } from './claim-deliveries.ts';
import { loadBatch, type BatchData, type BatchRecipient, type BatchRun } from './load-batch.ts';
import { recordResults } from './record-results.ts';
import type { RunCompletion } from './run-completion.ts';
import { readsUnsubscribeUrl, renderContextOf, renderMessage, unsubscribeUrl } from './render-message.ts';
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
  /** reads the delivery settings, perhaps from a cache (default: a read per batch) */
  readSettings?: () => Promise<DeliverySettings>;
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
export type Sendable = { delivery: ClaimedDelivery; recipient: BatchRecipient; run: BatchRun; history: DeliveryHistory; channels: string[] };

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

/** What sending on `channel` came to. */
async function outcomeOn(channel: string, senders: ChannelSenders, input: SendInput): Promise<ChannelOutcome> {
  return { channel, result: isChannel(channel) ? await sendOn(channel, senders, input) : permanentFailure(`"${channel}" is not a channel`) };
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
  // Signed only if the content of a channel sent now may show it: most never do.
  const isUnsubscribeShown = sendable.channels.some((channel) => isChannel(channel) && readsUnsubscribeUrl(run.content, channel));
  const renderContext = renderContextOf(recipient, run, isUnsubscribeShown ? unsubscribeUrl(context.config.publicUrl, context.secrets.signingKey, delivery.id) : '');
  const input: SendInput = { delivery, recipient, run, renderContext };
  // Most attempts send on one channel: no Promise.all for them.
  const outcomes: ChannelOutcome[] = sendable.channels.length === 1
    ? [await outcomeOn(sendable.channels[0]!, senders, input)]
    : await Promise.all(sendable.channels.map((channel) => outcomeOn(channel, senders, input)));
  const settledAt = new Date();
  return { delivery, outcomes, settlement: settleDelivery({ ...history, outcomes, now: settledAt }), settledAt };
}

/** A bug while processing one delivery must not sink the batch: retry it later like a transient failure. */
function unexpectedFailure(delivery: ClaimedDelivery, error: unknown, policy: RetryPolicy): DeliveryResult {
  const reason = `internal error: ${(error as Error).message}`;
  const settlement = canRetry(delivery.attempts, policy)
    ? { status: 'queued' as const, retryAt: new Date(Date.now() + retryDelayMs(delivery.attempts, policy)), reason, retrying: [] }
    : { status: 'failed' as const, reason };
  return { delivery, outcomes: [], settlement };
}

/**
 * Runs `task` until it succeeds, pausing 100 ms, 200 ms … at most 2 s between tries, for as
 * long as `withinMs` allows; then throws the last error. For writes that must not be lost
 * to a database that is away for a few seconds (a restart, a failover).
 */
export async function retryFor<T>(withinMs: number, task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 2_000)) {
    try {
      return await task();
    } catch (error) {
      const left = deadline - Date.now();
      if (left <= 0) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
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

/**
 * Asks the limits for the sendable deliveries (most urgent first); the refused come back
 * deferred. Quiet hours first: a delivery held for the night takes no token and no place
 * under the frequency cap.
 */
async function applyLimits(context: HeraldContext, batch: BatchData, candidates: readonly Sendable[], scale: number): Promise<{ granted: Sendable[]; deferred: DeliveryResult[] }> {
  const held = holdForQuietHours(candidates.map(({ delivery, recipient }) => ({
    deliveryId: delivery.id,
    priority: delivery.priority,
    timezone: recipient.timezone,
    quietHours: recipient.quietHours,
  })), batch.settings.quietHours, new Date());
  const deferred: DeliveryResult[] = [];
  const sendable: Sendable[] = [];
  for (const item of candidates) {
    const hold = held.get(item.delivery.id);
    if (hold) deferred.push({ delivery: item.delivery, outcomes: [], settlement: { status: 'deferred', until: hold.until, reason: hold.reason } });
    else sendable.push(item);
  }
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
  for (const item of sendable) {
    const decision = decisions.get(item.delivery.id);
    if (!decision || decision.isGranted) granted.push(item);
    else deferred.push({ delivery: item.delivery, outcomes: [], settlement: { status: 'deferred', until: new Date(decision.until), reason: decision.reason } });
  }
  return { granted, deferred };
}

/** A batch claimed, loaded, planned and limited: what is left is to send what may go, then record it all. */
export type ClaimedBatch = {
  claimed: ClaimedDelivery[];
  batch: BatchData;
  /** settled without a send, deferred by a limit, and (once sent) every sent delivery */
  results: DeliveryResult[];
  /** what may be sent now, most urgent first */
  granted: Sendable[];
  deferred: number;
  /** the earliest time a delivery was deferred to, if any */
  nextDeferredAt: Date | null;
};

const idsOf = (claimed: readonly ClaimedDelivery[]) => claimed.map((d) => d.id);

/**
 * Claims up to a batch of due deliveries, loads what they need, plans each attempt and takes
 * the batch's limits. Null when nothing is due. The claimed rows are in `inFlight` (their
 * leases renewed) until recordBatch or releaseBatch is done with them.
 */
export async function claimBatch(context: HeraldContext, options: DispatchOptions, inFlight: InFlight): Promise<ClaimedBatch | null> {
  const { database } = context;
  const claimed = await claimDeliveries(database, options.workerId, options.batchSize, options.leaseMs);
  if (claimed.length === 0) return null;
  const ids = idsOf(claimed);
  inFlight.add(ids);
  try {
    const batch = await loadBatch(database.db, claimed, options.readSettings);
    if (options.defaultRetryPolicy) {
      const { retryPolicies } = batch.settings;
      batch.settings = { ...batch.settings, retryPolicies: { ...retryPolicies, default: { ...retryPolicies.default, ...options.defaultRetryPolicy } } };
    }
    const prepared = prepareBatch(batch, claimed);
    const limited = await applyLimits(context, batch, prepared.sendable, options.limitWindowScale);
    const deferredTimes = limited.deferred.flatMap(({ settlement }) => (settlement.status === 'deferred' ? [settlement.until.getTime()] : []));
    return {
      claimed,
      batch,
      results: [...prepared.settled, ...limited.deferred],
      granted: limited.granted,
      deferred: limited.deferred.length,
      nextDeferredAt: deferredTimes.length > 0 ? new Date(Math.min(...deferredTimes)) : null,
    };
  } catch (error) {
    // Nothing was sent: hand the batch back now rather than when the leases expire.
    await releaseDeliveries(database, options.workerId, ids).catch(() => 0);
    inFlight.remove(ids);
    throw error;
  }
}

/**
 * Renders and sends what the batch may send, `concurrency` at a time, adding each outcome to
 * its results. Once `isStopping()` turns true nothing more starts; returns what never started.
 */
export async function sendBatch(context: HeraldContext, senders: ChannelSenders, options: DispatchOptions, claimed: ClaimedBatch, isStopping: () => boolean): Promise<ClaimedDelivery[]> {
  const pool = await runPool(claimed.granted, options.concurrency, isStopping, async (sendable) => {
    try {
      claimed.results.push(await processDelivery(context, senders, sendable));
    } catch (error) {
      claimed.results.push(unexpectedFailure(sendable.delivery, error, claimed.batch.settings.retryPolicies.default));
    }
  });
  return pool.notStarted.map((s) => s.delivery);
}

/** Writes a sent batch's results, hands back what never started, and completes its runs that are done or leaves them for a later check (run-completion.ts). */
export async function recordBatch(context: HeraldContext, options: DispatchOptions, claimed: ClaimedBatch, notStarted: readonly ClaimedDelivery[], inFlight: InFlight, runs: RunCompletion): Promise<BatchReport> {
  const { database, logger, metrics } = context;
  const { results } = claimed;
  try {
    const rows = buildResultRows(results, claimed.batch.settings.costs);
    // The sends happened: keep trying to record them for half the lease. The heartbeat keeps
    // renewing the leases meanwhile (once the database is back), and half the lease ends well
    // before they could expire, so a database away for seconds costs neither a repeat nor a
    // stall. Away for longer, the leases expire and the deliveries are sent again under the
    // same Message-ID / inbox key.
    const settled = await retryFor(options.leaseMs / 2, () => recordResults(database, options.workerId, rows));
    for (const event of rows.events) {
      if (event.type === 'sent') metrics.deliveriesSent.inc({ channel: event.channel ?? 'none' });
      else if (event.type === 'failed') metrics.deliveriesFailed.inc({ channel: event.channel ?? 'none' });
    }
    // Unsent, so nothing is lost if this fails: their leases run out and they go back to the queue.
    const released = await releaseDeliveries(database, options.workerId, idsOf(notStarted)).catch((error: unknown) => {
      logger.warn({ err: error, deliveries: notStarted.length }, 'could not hand back unstarted deliveries; they return when their leases expire');
      return 0;
    });
    // After the results committed (see completeSettledRuns); a run whose last batch this is
    // stays open until it is marked, so this is retried like the results. A full batch says
    // more is waiting: its runs may wait for a later check (run-completion.ts).
    const isQueueBusy = claimed.claimed.length >= options.batchSize;
    const completedRuns = await retryFor(options.leaseMs / 2, () => runs.recorded(results.map((r) => r.delivery.runId), isQueueBusy));
    if (settled < results.length) logger.warn({ lost: results.length - settled }, 'some deliveries were taken over by another worker before their results were written');
    const report = { claimed: claimed.claimed.length, settled, released, deferred: claimed.deferred, nextDeferredAt: claimed.nextDeferredAt, completedRuns };
    logger.debug({ ...report, completedRuns: completedRuns.length }, 'worker batch done');
    return report;
  } finally {
    inFlight.remove(idsOf(claimed.claimed));
  }
}

/** Hands back a claimed batch none of which was sent (the worker is stopping). */
export async function releaseBatch(context: HeraldContext, options: DispatchOptions, claimed: ClaimedBatch, inFlight: InFlight): Promise<number> {
  const ids = idsOf(claimed.claimed);
  try {
    return await releaseDeliveries(context.database, options.workerId, ids);
  } finally {
    inFlight.remove(ids);
  }
}

