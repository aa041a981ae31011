/**
 * Writing a settled batch back, in ONE statement: the attempts and events are inserted by
 * data-modifying CTEs and the deliveries updated by the main UPDATE, which PostgreSQL runs
 * as one transaction (all of it lands, or none) in one round trip, however big the batch.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import type { ResultRows } from './result-rows.ts';

/**
 * Records attempts, events and new delivery states (a deferred delivery goes back to the
 * queue with no attempt counted; a delivered message adds its cost), and deletes the
 * batch's leases. A delivery is updated only while this worker still holds its lease: if
 * the lease ran out and was reclaimed, another worker's outcome wins; the attempts (at the
 * time they were settled, which a retry's delay counts from) and events are recorded either
 * way, as they happened (the attempts of a delivery deleted meanwhile excepted: they have
 * nothing to belong to). Returns how many deliveries were updated.
 *
 * The lease check is the DELETE of the leases: only the leases this worker still holds are
 * deleted, and only their deliveries updated. A reclaim deleting the same expired lease at
 * the same moment waits for this statement or makes it wait; either way exactly one of them
 * deletes it.
 *
 * `delivery_attempts` has no foreign key (its per-attempt trigger was 8–12 µs of this
 * statement), so the statement keeps what the key kept: an attempt is inserted only for a
 * delivery whose row it holds, the ones its UPDATE changed and, for the rest (a lease lost),
 * the ones it locks FOR KEY SHARE as the key's check did. A deletion locks the rows before
 * it deletes their attempts (delete-deliveries.ts): whichever comes second waits for the
 * other, and a record that waited finds the delivery gone. An EXISTS on the statement's
 * snapshot would not do: it still sees a delivery whose deletion commits while it waits.
 *
 * The settlements are parsed once, into a MATERIALIZED CTE, joined with the deleted leases
 * and then with the deliveries by primary key. The deliveries not updated are locked only
 * after the UPDATE (EXCEPT reads all of it first): a row the UPDATE changed would be skipped
 * by the lock as changed by this very statement.
 */
export async function recordResults(database: Database, workerId: string, rows: ResultRows): Promise<number> {
  if (rows.settlements.length === 0) return 0;
  const [updated] = await database.query<{ count: number }>(sql`
    WITH s AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows.settlements)}::jsonb)
        AS s(id bigint, status text, channel text, reason text, retry_at timestamptz, cost numeric, is_deferred boolean)
    ), a AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows.attempts)}::jsonb)
        AS a(delivery_id bigint, channel text, attempt int, status text, is_transient boolean, error text, provider_message_id text, at timestamptz)
    ), held AS (
      DELETE FROM delivery_leases AS l
      USING s
      WHERE l.delivery_id = s.id AND l.locked_by = ${workerId}
      RETURNING s.*
    ), updated AS (
      UPDATE deliveries AS d
      SET status = s.status,
          channel = CASE WHEN s.status = 'sent' THEN s.channel ELSE d.channel END,
          reason = s.reason,
          sent_at = CASE WHEN s.status = 'sent' THEN now() ELSE d.sent_at END,
          due_at = coalesce(s.retry_at, d.due_at),
          attempts = CASE WHEN s.is_deferred THEN d.attempts ELSE d.attempts + 1 END,
          cost = CASE WHEN s.cost IS NULL THEN d.cost ELSE coalesce(d.cost, 0) + s.cost END,
          updated_at = now()
      FROM held AS s
      WHERE d.id = s.id
      RETURNING d.id
    ), unheld AS (
      SELECT d.id FROM deliveries AS d
      WHERE d.id IN (SELECT delivery_id FROM a EXCEPT SELECT id FROM updated)
      FOR KEY SHARE
    ), attempt_rows AS (
      INSERT INTO delivery_attempts (delivery_id, channel, attempt, status, is_transient, error, provider_message_id, created_at)
      SELECT delivery_id, channel, attempt, status, is_transient, error, provider_message_id, coalesce(at, now())
      FROM a
      -- a delivery deleted while it was being sent (its schedule or recipient deleted) is
      -- neither updated nor locked, and takes no attempt
      WHERE a.delivery_id IN (SELECT id FROM updated UNION ALL SELECT id FROM unheld)
      RETURNING 1
    ), event_rows AS (
      INSERT INTO events (type, delivery_id, run_id, schedule_id, recipient_id, channel, data)
      SELECT type, delivery_id, run_id, schedule_id, recipient_id, channel, coalesce(data, '{}'::jsonb)
      FROM jsonb_to_recordset(${JSON.stringify(rows.events)}::jsonb)
        AS e(type text, delivery_id bigint, run_id uuid, schedule_id uuid, recipient_id uuid, channel text, data jsonb)
      RETURNING 1
    )
    SELECT count(*)::int AS count FROM updated`, { prepared: 'herald_record_results' });
  return Number(updated?.count ?? 0);
}

/**
 * Marks runs completed once none of their deliveries is queued (or being sent: a leased
 * delivery stays queued until its result is recorded), in one statement for the given runs,
 * or for every open run when none are given (the sweep after a worker died,
 * run-completion.ts). Called after a batch's results committed: when two workers settle a
 * run's last deliveries at once, the one that checks last reads (READ COMMITTED, a fresh
 * snapshot per statement) both commits and completes the run; if both see it settled,
 * `status = 'sending'` makes the second update a no-op. A run is created with its deliveries
 * in one transaction, so an open run never lacks deliveries still to come.
 */
export async function completeSettledRuns(database: Database, runIds?: readonly string[]): Promise<string[]> {
  if (runIds?.length === 0) return [];
  const rows = await database.query<{ id: string }>(sql`
    UPDATE runs AS r
    SET status = 'completed', completed_at = now()
    WHERE ${runIds ? sql`r.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(runIds)}::jsonb)::uuid) AND ` : sql``}r.status = 'sending'
      AND NOT EXISTS (
        SELECT 1 FROM deliveries AS d
        WHERE d.run_id = r.id AND d.status = 'queued'
      )
    RETURNING r.id`, runIds ? { prepared: 'herald_complete_runs' } : {});
  return rows.map((row) => row.id);
}
