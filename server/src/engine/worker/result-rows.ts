/**
 * The rows a settled batch writes: one `delivery_attempts` row per channel send, one event
 * per channel answer, one event for each delivery that changed state without a send (failed
 * or skipped with nothing left to try, put back by a limit or quiet hours: `deferred`, or
 * retried after an internal error: `retrying`), and one new state per delivery. Pure, so the
 * batch is written by one statement (record-results.ts) and the shapes are tested without a
 * database. docs/tracking.md lists every event.
 */
import type { ClaimedDelivery } from './claim-deliveries.ts';
import { attemptEventType, type ChannelOutcome, type Settlement } from './settle-delivery.ts';

export type DeliveryResult = {
  delivery: ClaimedDelivery;
  outcomes: ChannelOutcome[];
  settlement: Settlement;
  /**
   * When the channels' answers were settled: the instant a retry's delay counts from, and so
   * the time its attempts are recorded at (the record may come later, behind other batches).
   * Set wherever there are outcomes.
   */
  settledAt?: Date;
};

export type AttemptRow = {
  delivery_id: number;
  channel: string;
  attempt: number;
  status: 'sent' | 'failed';
  is_transient: boolean | null;
  error: string | null;
  provider_message_id: string | null;
  /** ISO time of the settlement; null: the time of the record */
  at: string | null;
};

export type EventRow = {
  type: string;
  delivery_id: number;
  run_id: string;
  schedule_id: string;
  recipient_id: string;
  channel: string | null;
  data: Record<string, unknown>;
};

export type SettlementRow = {
  id: number;
  status: 'sent' | 'failed' | 'skipped' | 'queued';
  channel: string | null;
  reason: string | null;
  retry_at: string | null;
  /** what this attempt's delivered messages cost; null when none was delivered */
  cost: number | null;
  /** put back unsent (a limit): the attempt the claim counted is taken back */
  is_deferred: boolean;
};

/** The cost of one message per channel (the delivery settings' `costs`). */
export type ChannelCosts = Partial<Record<string, number>>;

export type ResultRows = { attempts: AttemptRow[]; events: EventRow[]; settlements: SettlementRow[] };

/** Turns settled deliveries into the rows to write. */
export function buildResultRows(results: readonly DeliveryResult[], costs: ChannelCosts = {}): ResultRows {
  const rows: ResultRows = { attempts: [], events: [], settlements: [] };
  for (const { delivery, outcomes, settlement, settledAt } of results) {
    const where = { delivery_id: delivery.id, run_id: delivery.runId, schedule_id: delivery.scheduleId, recipient_id: delivery.recipientId };
    let cost: number | null = null;
    for (const { channel, result } of outcomes) {
      const messageCost = result.ok ? costs[channel] : undefined;
      if (messageCost !== undefined) cost = (cost ?? 0) + messageCost;
      rows.attempts.push({
        delivery_id: delivery.id,
        channel,
        attempt: delivery.attempts,
        status: result.ok ? 'sent' : 'failed',
        is_transient: result.ok ? null : result.isTransient,
        error: result.ok ? null : result.error,
        provider_message_id: result.ok ? result.providerMessageId ?? null : null,
        at: settledAt?.toISOString() ?? null,
      });
      const type = attemptEventType(channel, result, settlement);
      rows.events.push({
        type,
        ...where,
        channel,
        data: {
          attempt: delivery.attempts,
          ...(result.ok ? {} : { error: result.error }),
          ...(messageCost !== undefined ? { cost: messageCost } : {}),
          ...(type === 'retrying' && settlement.status === 'queued' ? { retryAt: settlement.retryAt.toISOString() } : {}),
        },
      });
    }
    // A delivery that changed state without any channel answering still leaves a trace: it
    // ended (nothing left to send on, the recipient unsubscribed meanwhile), went back to the
    // queue unsent (a rate limit, the frequency cap, quiet hours), or is retried after an
    // internal error.
    if (outcomes.length === 0) {
      const event = eventWithoutSend(delivery, settlement);
      if (event) rows.events.push({ ...event, ...where, channel: null });
    }
    rows.settlements.push(settlementRow(delivery.id, settlement, cost));
  }
  return rows;
}

/** The event of a settlement that no channel answer explains; null for one that needs none. */
function eventWithoutSend(delivery: ClaimedDelivery, settlement: Settlement): Pick<EventRow, 'type' | 'data'> | null {
  switch (settlement.status) {
    case 'failed':
    case 'skipped':
      return { type: settlement.status, data: { attempt: delivery.attempts, error: settlement.reason } };
    case 'deferred':
      // not an attempt: the claim's count is taken back
      return { type: 'deferred', data: { until: settlement.until.toISOString(), reason: settlement.reason } };
    case 'queued':
      return { type: 'retrying', data: { attempt: delivery.attempts, error: settlement.reason, retryAt: settlement.retryAt.toISOString() } };
    default:
      return null;
  }
}

function settlementRow(id: number, settlement: Settlement, cost: number | null): SettlementRow {
  const base = { id, channel: null, reason: settlement.reason, retry_at: null, cost, is_deferred: false };
  switch (settlement.status) {
    case 'sent':
      return { ...base, status: 'sent', channel: settlement.channel };
    case 'queued':
      return { ...base, status: 'queued', retry_at: settlement.retryAt.toISOString() };
    case 'deferred':
      return { ...base, status: 'queued', retry_at: settlement.until.toISOString(), is_deferred: true };
    default:
      return { ...base, status: settlement.status };
  }
}
