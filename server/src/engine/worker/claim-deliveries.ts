/**
 * Claiming work from the queue (the `deliveries` table) and giving it back.
 *
 * A claim is a lease: a row of `delivery_leases` says who holds a delivery (`locked_by`) and
 * until when (`locked_until`), and the delivery itself stays 'queued', untouched until its
 * result is recorded (record-results.ts deletes the lease in the statement that writes the
 * result). A worker that dies (kill -9, lost machine) simply stops renewing its leases;
 * `reclaimExpiredLeases` deletes them, so a crash loses nothing.
 */
import { sql } from 'drizzle-orm';
import type { MessageRecipient } from '../../channels/types.ts';
import type { Database } from '../../db/client.ts';

export type ClaimedDelivery = {
  id: number;
  runId: string;
  scheduleId: string;
  recipientId: string;
  /** the channels to send on, in the delivery's order (unchecked text from the database) */
  channels: string[];
  /** attempts including this one: 1 on the first try */
  attempts: number;
  priority: number;
  dueAt: Date;
  /** attempts before the last retry from the dead letters: earlier failures no longer count */
  retryBase: number;
  /** already took its place under the recipient's frequency cap */
  isCounted: boolean;
  /** was put back by a rate limit last time (its due time is a place in that limit's queue) */
  wasDeferred: boolean;
};

/**
 * A claimed delivery's recipient as stored, read by the claim itself (dispatch needs every
 * one of them: one statement instead of two). Null when the recipient no longer exists.
 */
export type StoredRecipient = Omit<MessageRecipient, 'attributes'> & {
  attributes: Record<string, unknown> | null;
  optedOutChannels: string[];
  unsubscribedAt: Date | string | null;
  /** stored JSON, unchecked */
  quietHours: unknown;
};

/** A claimed delivery with its recipient. */
export type ClaimedWithRecipient = ClaimedDelivery & { recipient: StoredRecipient | null };

/** deliveries.priority: 0 critical, 1 high, 2 normal, 3 low */
const priorityRanks = [0, 1, 2, 3] as const;

type ClaimedRow = {
  id: string | number;
  run_id: string;
  schedule_id: string;
  recipient_id: string;
  channels: string[];
  attempts: number;
  priority: number;
  /** a Date from node-postgres, ISO text from the JSON row on PGlite */
  due_at: Date | string;
  retry_base: number;
  is_counted: boolean;
  was_deferred: boolean;
  /** the recipient's columns; r_id is null when the recipient no longer exists */
  r_id: string | null;
  r_external_id: string;
  r_email: string | null;
  r_phone: string | null;
  r_name: string | null;
  r_timezone: string | null;
  r_locale: string | null;
  r_attributes: Record<string, unknown> | null;
  r_opted_out_channels: string[] | null;
  r_unsubscribed_at: Date | string | null;
  r_quiet_hours: unknown;
};

/**
 * Claims up to `limit` due deliveries for this worker, most urgent first, in ONE statement.
 *
 * Why this is safe with any number of workers (graphile-worker's getJobs, Oban, River): the
 * pick locks the rows it takes with FOR UPDATE, and SKIP LOCKED makes a concurrent claimer
 * pass over rows another transaction has locked instead of waiting for them. The pick skips
 * deliveries with a lease, and the lease is inserted with ON CONFLICT DO NOTHING: a claimer
 * whose snapshot was taken before another's lease committed still cannot take that delivery,
 * because the insert checks the key against every committed lease, whatever the snapshot.
 * Under READ COMMITTED, FOR UPDATE re-checks the WHERE on the newest version of a row that
 * changed since the snapshot, so a row recorded meanwhile (no longer 'queued') is not taken.
 *
 * The delivery row is not written: each delivery is written once, by its record, instead of
 * twice, and the claim's own write is a row of an unlogged table with one index (plain SQL,
 * a claim of 200 and its record: 6.4–6.9 ms against 7.5–10.6 ms for a claim that set the
 * delivery 'sending'; docs/benchmarks.md, proposal 10). The row lock of FOR UPDATE is what
 * the delivery still gets: it is what makes two claimers skip each other's picks.
 *
 * The pick is a MATERIALIZED CTE, not `WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
 * LOCKED)`: the planner may run such a subquery more than once (a rescan in a semi-join),
 * and each run skips the rows the previous one locked, so more than n rows could be leased.
 * A materialized CTE runs exactly once.
 *
 * Inside it, one branch per priority (UNION ALL, most urgent first), each an index range
 * scan of deliveries_claim_idx (priority, due_at WHERE status = 'queued') for
 * `priority = p AND due_at <= now()`. One scan in (priority, due_at) order would also read,
 * and throw away, every queued row of a priority that is not due yet (a million deliveries
 * deferred by a rate limit) before reaching the next priority: ~15 ms per claim per 300,000
 * such rows, against ~0.2 ms here. Append runs the branches in order and the outer LIMIT
 * stops pulling once it has n rows, so later branches lock nothing they do not return.
 *
 * The claimed rows come back joined with their recipients (LEFT JOIN: a recipient deleted
 * since the fan-out comes back null), which the batch needs anyway. On PGlite each row comes
 * back as one JSON text: PGlite parses every column of a result in JavaScript, and one
 * `JSON.parse` a row costs a claim about 20 µs a delivery less (80–89 → 64–66 µs of CPU,
 * docs/benchmarks.md); node-postgres gains nothing from it, so PostgreSQL keeps the columns.
 */
export async function claimDeliveries(database: Database, workerId: string, limit: number, leaseMs: number): Promise<ClaimedWithRecipient[]> {
  const isRowAsJson = database.driver === 'pglite';
  const results = await database.query<ClaimedRow | { json: string }>(sql`
    WITH picked AS MATERIALIZED (
      SELECT id FROM (${sql.join(priorityRanks.map((rank) => sql`(SELECT id FROM (
        SELECT d.id FROM deliveries AS d
        WHERE d.status = 'queued' AND d.priority = ${rank}::smallint AND d.due_at <= now()
          AND NOT EXISTS (SELECT 1 FROM delivery_leases AS l WHERE l.delivery_id = d.id)
        ORDER BY d.due_at
        LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED) AS p${sql.raw(String(rank))})`), sql` UNION ALL `)}) AS due
      LIMIT ${limit}
    ), leased AS (
      INSERT INTO delivery_leases (delivery_id, locked_by, locked_until)
      SELECT id, ${workerId}, now() + ${leaseMs}::int * interval '1 millisecond' FROM picked
      ON CONFLICT (delivery_id) DO NOTHING
      RETURNING delivery_id
    ), claimed AS (
      SELECT d.id, d.run_id, d.schedule_id, d.recipient_id, d.channels, d.attempts + 1 AS attempts, d.priority, d.due_at,
             d.retry_base, d.counted_at IS NOT NULL AS is_counted, coalesce(d.reason LIKE 'rate limit %', false) AS was_deferred
      FROM leased JOIN deliveries AS d ON d.id = leased.delivery_id
    )
    SELECT ${isRowAsJson ? sql`row_to_json(x)::text AS json` : sql`x.*`}
    FROM (
      SELECT c.*, r.id AS r_id, r.external_id AS r_external_id, r.email AS r_email, r.phone AS r_phone, r.name AS r_name,
             r.timezone AS r_timezone, r.locale AS r_locale, r.attributes AS r_attributes,
             r.opted_out_channels AS r_opted_out_channels, r.unsubscribed_at AS r_unsubscribed_at, r.quiet_hours AS r_quiet_hours
      FROM claimed AS c
      LEFT JOIN recipients AS r ON r.id = c.recipient_id
    ) AS x`, { prepared: 'herald_claim_deliveries' });
  const rows = isRowAsJson ? (results as Array<{ json: string }>).map((result) => JSON.parse(result.json) as ClaimedRow) : results as ClaimedRow[];
  const claimed = rows.map((row) => ({
    id: Number(row.id),
    runId: row.run_id,
    scheduleId: row.schedule_id,
    recipientId: row.recipient_id,
    channels: row.channels,
    attempts: Number(row.attempts),
    priority: Number(row.priority),
    dueAt: new Date(row.due_at),
    retryBase: Number(row.retry_base),
    isCounted: Boolean(row.is_counted),
    wasDeferred: Boolean(row.was_deferred),
    recipient: row.r_id === null ? null : {
      id: row.r_id,
      externalId: row.r_external_id,
      email: row.r_email,
      phone: row.r_phone,
      name: row.r_name,
      timezone: row.r_timezone,
      locale: row.r_locale,
      attributes: row.r_attributes,
      optedOutChannels: row.r_opted_out_channels ?? [],
      unsubscribedAt: row.r_unsubscribed_at,
      quietHours: row.r_quiet_hours,
    },
  }));
  // RETURNING does not keep the subquery's order; serve the most urgent first.
  return claimed.sort((a, b) => a.priority - b.priority || a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id);
}

/**
 * Puts deliveries whose lease ran out back in the queue: their worker died or lost the
 * database. Deleting the lease is all it takes (the delivery stayed 'queued'); the attempt
 * the dead worker made is counted on the delivery, so a delivery that kills its worker every
 * time still ends, failed, after the maximum number of attempts.
 */
export async function reclaimExpiredLeases(database: Database): Promise<number> {
  const rows = await database.query(sql`
    WITH expired AS (
      DELETE FROM delivery_leases WHERE locked_until < now()
      RETURNING delivery_id
    ), counted AS (
      UPDATE deliveries AS d
      SET attempts = d.attempts + 1, updated_at = now()
      FROM expired
      WHERE d.id = expired.delivery_id AND d.status = 'queued'
    )
    SELECT delivery_id FROM expired`);
  return rows.length;
}

/**
 * Renews this worker's leases on the deliveries it is still working on, so slow sends do not
 * look like a dead worker. Only the named rows: a row whose result could not be written must
 * be left to expire, so that another worker takes it over.
 *
 * SKIP LOCKED: a lease this worker is deleting right now (the record of its batch) is
 * skipped rather than waited for; a skipped lease is renewed on the next beat, well within
 * the lease, if it is still there.
 */
export async function extendLeases(database: Database, workerId: string, ids: readonly number[], leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await database.query(sql`
    WITH held AS MATERIALIZED (
      SELECT delivery_id FROM delivery_leases
      WHERE delivery_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint)
        AND locked_by = ${workerId}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE delivery_leases AS l
    SET locked_until = now() + ${leaseMs}::int * interval '1 millisecond'
    FROM held
    WHERE l.delivery_id = held.delivery_id`);
}

/**
 * Gives back deliveries this worker claimed but never started (it is stopping): their leases
 * are deleted, and they are claimable again, due as before, with no attempt counted.
 */
export async function releaseDeliveries(database: Database, workerId: string, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await database.query(sql`
    DELETE FROM delivery_leases
    WHERE delivery_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint)
      AND locked_by = ${workerId}
    RETURNING delivery_id`);
  return rows.length;
}
