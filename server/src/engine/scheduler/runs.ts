/**
 * Run rows: the record that an occurrence fired. The unique key (schedule_id, occurrence_at)
 * is what makes firing exactly-once across any number of schedulers.
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../db/client.ts';
import type { FanOutCounts } from '../fan-out/insert-deliveries.ts';
import { deliveriesAnnouncement } from './announce.ts';

export type RunTrigger = 'scheduled' | 'manual' | 'catch-up';

/**
 * Inserts the run of one occurrence and returns its id, or null when that occurrence already
 * has a run: then another process fired it, and this one must not fan out.
 */
export async function insertRun(tx: DbOrTx, input: { scheduleId: string; occurrenceAt: Date; trigger: RunTrigger; firedAt: Date }): Promise<string | null> {
  const [row] = await rowsOf<{ id: string }>(tx, sql`
    INSERT INTO runs (schedule_id, occurrence_at, trigger, status, fired_at)
    VALUES (${input.scheduleId}::uuid, ${input.occurrenceAt.toISOString()}::timestamptz, ${input.trigger}, 'sending', ${input.firedAt.toISOString()}::timestamptz)
    ON CONFLICT (schedule_id, occurrence_at) DO NOTHING
    RETURNING id`);
  return row?.id ?? null;
}

/**
 * Stores the fan-out counts; a run with nothing queued has nothing left to do and is completed
 * at once. A run with queued deliveries wakes the workers when the transaction commits
 * (announce.ts), in this same statement: no round trip of its own.
 */
export async function recordFanOut(tx: DbOrTx, runId: string, counts: FanOutCounts, now: Date): Promise<void> {
  const isDone = counts.queued === 0;
  await tx.execute(sql`
    WITH recorded AS (
      UPDATE runs
         SET audience_size = ${counts.audienceSize},
             queued_count = ${counts.queued},
             skipped_count = ${counts.skipped},
             status = ${isDone ? 'completed' : 'sending'},
             completed_at = ${isDone ? now.toISOString() : null}::timestamptz
       WHERE id = ${runId}::uuid
      RETURNING id
    )
    SELECT ${deliveriesAnnouncement()} FROM recorded WHERE ${!isDone}::boolean`);
}
