/**
 * The fan-out statement: one set-based INSERT … SELECT turns a run's audience into delivery
 * rows, queued or skipped with a reason.
 *
 * Why it is safe under concurrency:
 * - It runs in the transaction that inserted the run row, and only the process whose INSERT
 *   into runs won the (schedule_id, occurrence_at) unique key gets there. Until that
 *   transaction commits, no other process can even see the run, so nobody else can add
 *   deliveries to it.
 * - ON CONFLICT (run_id, recipient_id) DO NOTHING makes the statement idempotent anyway: a
 *   recipient can never hold two deliveries of one run, whatever calls it twice.
 * - The audience is read from one snapshot (one statement), so a recipient added or edited
 *   meanwhile is either wholly in or wholly out. If a recipient is deleted between the snapshot
 *   and the insert, the foreign key fails the statement, the transaction rolls back with the
 *   run row, and the next tick fires the occurrence again from scratch.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Channel } from '@herald/shared';
import { rowsOf, type DbOrTx } from '../../db/client.ts';
import { quietHoursColumns, quietHoursReason } from '../limits/quiet-hours-due-at.ts';
import { channelsWithoutAddress, isOptedOutOfAll, receivableChannels, type Addressing } from './channels.ts';

export type InsertDeliveriesInput = {
  runId: string;
  scheduleId: string;
  /** SQL predicate over recipients `r` */
  audience: SQL;
  channels: readonly Channel[];
  addressing?: Addressing;
  /** 0 critical … 3 low */
  priority: number;
  dueAt: Date;
};

export type FanOutCounts = { audienceSize: number; queued: number; skipped: number };

/** Inserts one delivery per audience member (never a second one) and counts what it did. */
export async function insertDeliveries(tx: DbOrTx, input: InsertDeliveriesInput): Promise<FanOutCounts> {
  const { channels, addressing } = input;
  const [counts] = await rowsOf<{ audience_size: number; queued: number; skipped: number }>(tx, sql`
    WITH audience AS (
      SELECT r.id AS recipient_id,
             r.unsubscribed_at IS NOT NULL AS is_unsubscribed,
             ${receivableChannels(channels, addressing)} AS channels,
             ${channelsWithoutAddress(channels, addressing)} AS missing_address,
             ${isOptedOutOfAll(channels)} AS is_opted_out_of_all,
             ${quietHoursColumns(input.dueAt, input.priority)}
        FROM recipients r
       WHERE ${input.audience}
    ),
    inserted AS (
      INSERT INTO deliveries (run_id, schedule_id, recipient_id, status, priority, due_at, channels, reason)
      SELECT ${input.runId}::uuid,
             ${input.scheduleId}::uuid,
             recipient_id,
             CASE WHEN is_unsubscribed OR cardinality(channels) = 0 THEN 'skipped' ELSE 'queued' END,
             ${input.priority}::smallint,
             due_at,
             channels,
             CASE WHEN is_unsubscribed THEN 'unsubscribed'
                  WHEN cardinality(channels) > 0 THEN ${quietHoursReason(input.dueAt)}
                  WHEN is_opted_out_of_all THEN 'opted_out'
                  ELSE 'no_address: ' || array_to_string(missing_address, ', ')
             END
        FROM audience
      ON CONFLICT (run_id, recipient_id) DO NOTHING
      RETURNING status
    )
    SELECT (SELECT count(*) FROM audience)::int AS audience_size,
           (count(*) FILTER (WHERE status = 'queued'))::int AS queued,
           (count(*) FILTER (WHERE status = 'skipped'))::int AS skipped
      FROM inserted`);
  return { audienceSize: Number(counts?.audience_size ?? 0), queued: Number(counts?.queued ?? 0), skipped: Number(counts?.skipped ?? 0) };
}
