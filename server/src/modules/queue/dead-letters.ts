/**
 * Dead letters: deliveries that failed for good (status 'failed', with the reason), listed
 * newest first and sent again on request.
 *
 * Sending one again is one statement: the delivery goes back to the queue due now, its
 * earlier failures stop counting against the retry policy (`retry_base`), while what it
 * already delivered stays delivered (never a second message on a channel); its run opens
 * again if it had completed; a 'requeued' event records who did it.
 */
import { sql, type SQL } from 'drizzle-orm';
import { priorities, type DeadLetter } from '@herald/shared';
import type { Database } from '../../db/client.ts';
import { AppError, notFound } from '../../lib/errors.ts';

export type DeadLetterFilter = { scheduleId?: string | undefined; runId?: string | undefined; channel?: string | undefined };

/** At most this many dead letters are sent again by one bulk request. */
export const maxBulkRetry = 100_000;

function filterSql(filter: DeadLetterFilter): SQL {
  const parts = [sql`d.status = 'failed'`];
  if (filter.scheduleId) parts.push(sql`d.schedule_id = ${filter.scheduleId}::uuid`);
  if (filter.runId) parts.push(sql`d.run_id = ${filter.runId}::uuid`);
  if (filter.channel) parts.push(sql`${filter.channel}::text = ANY(d.channels)`);
  return sql.join(parts, sql` AND `);
}

type DeadLetterRow = {
  id: string | number;
  run_id: string;
  schedule_id: string;
  schedule_name: string;
  recipient_id: string;
  external_id: string;
  priority: number;
  channels: string[];
  attempts: number;
  reason: string | null;
  updated_at: string | Date;
  total: number;
};

/** One page of dead letters, newest first, with the total. */
export async function listDeadLetters(database: Database, filter: DeadLetterFilter, page: { limit: number; offset: number }): Promise<{ items: DeadLetter[]; total: number }> {
  const rows = await database.query<DeadLetterRow>(sql`
    SELECT d.id, d.run_id, d.schedule_id, s.name AS schedule_name, d.recipient_id, r.external_id,
           d.priority, d.channels, d.attempts, d.reason, d.updated_at, count(*) OVER ()::int AS total
    FROM deliveries d
    JOIN schedules s ON s.id = d.schedule_id
    JOIN recipients r ON r.id = d.recipient_id
    WHERE ${filterSql(filter)}
    ORDER BY d.updated_at DESC, d.id DESC
    LIMIT ${page.limit} OFFSET ${page.offset}`);
  let total = Number(rows[0]?.total ?? 0);
  if (rows.length === 0 && page.offset > 0) {
    const [count] = await database.query<{ total: number }>(sql`SELECT count(*)::int AS total FROM deliveries d WHERE ${filterSql(filter)}`);
    total = Number(count?.total ?? 0);
  }
  return {
    total,
    items: rows.map((row) => ({
      id: Number(row.id),
      runId: row.run_id,
      scheduleId: row.schedule_id,
      scheduleName: row.schedule_name,
      recipientId: row.recipient_id,
      recipientExternalId: row.external_id,
      priority: priorities[Number(row.priority)] ?? 'normal',
      channels: row.channels,
      attempts: Number(row.attempts),
      reason: row.reason ?? 'failed',
      failedAt: new Date(row.updated_at).toISOString(),
    })),
  };
}

/** Sends the chosen dead letters again (at most maxBulkRetry, oldest first); returns how many. */
async function requeue(database: Database, which: SQL, userId: string | null): Promise<number> {
  const [result] = await database.query<{ retried: number }>(sql`
    WITH chosen AS MATERIALIZED (
      SELECT d.id FROM deliveries d WHERE ${which} ORDER BY d.id LIMIT ${maxBulkRetry} FOR UPDATE
    ), retried AS (
      UPDATE deliveries AS d
      SET status = 'queued', due_at = now(), reason = NULL, retry_base = d.attempts, updated_at = now()
      FROM chosen
      WHERE d.id = chosen.id AND d.status = 'failed'
      RETURNING d.id, d.run_id, d.schedule_id, d.recipient_id
    ), reopened AS (
      UPDATE runs SET status = 'sending', completed_at = NULL
      WHERE id IN (SELECT run_id FROM retried) AND status = 'completed'
      RETURNING 1
    ), recorded AS (
      INSERT INTO events (type, delivery_id, run_id, schedule_id, recipient_id, data)
      SELECT 'requeued', id, run_id, schedule_id, recipient_id, ${JSON.stringify({ from: 'dead letters', userId })}::jsonb FROM retried
      RETURNING 1
    )
    SELECT count(*)::int AS retried FROM retried`);
  return Number(result?.retried ?? 0);
}

/** Sends one dead letter again: 404 when it does not exist, 409 when it is not a dead letter. */
export async function retryDeadLetter(database: Database, id: number, userId: string | null): Promise<number> {
  const retried = await requeue(database, sql`d.id = ${id} AND d.status = 'failed'`, userId);
  if (retried === 1) return 1;
  const [row] = await database.query<{ status: string }>(sql`SELECT status FROM deliveries WHERE id = ${id}`);
  if (!row) throw notFound('Delivery', String(id));
  throw new AppError('conflict', `Delivery ${id} is ${row.status}, not failed: only dead letters can be sent again`);
}

/** Sends again the listed dead letters, or every one matching the filters. */
export async function retryDeadLetters(database: Database, selection: DeadLetterFilter & { ids?: number[] | undefined }, userId: string | null): Promise<number> {
  const filter = filterSql(selection);
  const which = selection.ids ? sql`${filter} AND d.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(selection.ids)}::jsonb)::bigint)` : filter;
  return requeue(database, which, userId);
}
