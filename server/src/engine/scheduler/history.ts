import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { announceNextRun } from './announce.ts';

/**
 * Appends one line to a schedule's audit trail, in the caller's transaction. Every command that
 * sets a schedule's next run time (create, edit, resume) writes it in its line's `data.nextRunAt`;
 * the schedulers then hear of it at commit, so one sleeping until a later occurrence wakes in time.
 */
export async function recordScheduleHistory(
  tx: DbOrTx,
  entry: { scheduleId: string; action: string; userId?: string | null; reason?: string | null; data?: Record<string, unknown>; at: Date },
): Promise<void> {
  await tx.execute(sql`
    INSERT INTO schedule_history (schedule_id, action, user_id, reason, data, occurred_at)
    VALUES (${entry.scheduleId}::uuid, ${entry.action}, ${entry.userId ?? null}::uuid, ${entry.reason ?? null},
            ${JSON.stringify(entry.data ?? {})}::jsonb, ${entry.at.toISOString()}::timestamptz)`);
  const nextRunAt = entry.data?.nextRunAt;
  const at = typeof nextRunAt === 'string' ? new Date(nextRunAt) : undefined;
  if (at && !Number.isNaN(at.getTime())) await announceNextRun(tx, at);
}
