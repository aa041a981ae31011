/**
 * The rows a settled batch writes: one `delivery_attempts` row per channel send, one event
 * per channel answer, one new state per delivery. Pure, so the batch is written by one
 * statement (record-results.ts) and the shapes are tested without a database.
 */
import type { ClaimedDelivery } from './claim-deliveries.ts';
import { attemptEventType, type ChannelOutcome, type Settlement } from './settle-delivery.ts';

export type DeliveryResult = { delivery: ClaimedDelivery; outcomes: ChannelOutcome[]; settlement: Settlement };

export type AttemptRow = {
  delivery_id: number;
  channel: string;
  attempt: number;
  status: 'sent' | 'failed';
  is_transient: boolean | null;
  error: string | null;
  provider_message_id: string | null;
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
  status: Settlement['status'];
  channel: string | null;
  reason: string | null;
  retry_at: string | null;
};

export type ResultRows = { attempts: AttemptRow[]; events: EventRow[]; settlements: SettlementRow[] };

/** Turns settled deliveries into the rows to write. */
export function buildResultRows(results: readonly DeliveryResult[]): ResultRows {
  const rows: ResultRows = { attempts: [], events: [], settlements: [] };
  for (const { delivery, outcomes, settlement } of results) {
    const where = { delivery_id: delivery.id, run_id: delivery.runId, schedule_id: delivery.scheduleId, recipient_id: delivery.recipientId };
    for (const { channel, result } of outcomes) {
      rows.attempts.push({
        delivery_id: delivery.id,
        channel,
        attempt: delivery.attempts,
        status: result.ok ? 'sent' : 'failed',
        is_transient: result.ok ? null : result.isTransient,
        error: result.ok ? null : result.error,
        provider_message_id: result.ok ? result.providerMessageId ?? null : null,
      });
      const type = attemptEventType(result, settlement);
      rows.events.push({
        type,
        ...where,
        channel,
        data: {
          attempt: delivery.attempts,
          ...(result.ok ? {} : { error: result.error }),
          ...(type === 'retrying' && settlement.status === 'queued' ? { retryAt: settlement.retryAt.toISOString() } : {}),
        },
      });
    }
    // A delivery that failed without any channel answering (nothing to send on) still leaves a trace.
    if (settlement.status === 'failed' && outcomes.length === 0) {
      rows.events.push({ type: 'failed', ...where, channel: null, data: { attempt: delivery.attempts, error: settlement.reason } });
    }
    rows.settlements.push({
      id: delivery.id,
      status: settlement.status,
      channel: settlement.status === 'sent' ? settlement.channel : null,
      reason: settlement.reason,
      retry_at: settlement.status === 'queued' ? settlement.retryAt.toISOString() : null,
    });
  }
  return rows;
}
