import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';

/** Appends one line to a schedule's audit trail, in the caller's transaction. */
export async function recordScheduleHistory(
  tx: DbOrTx,
  entry: { scheduleId: string; action: string; userId?: string | null; reason?: string | null; data?: Record<string, unknown>; at: Date },
): Promise<void> {
  await tx.execute(sql`
    INSERT INTO schedule_history (schedule_id, action, user_id, reason, data, occurred_at)
    VALUES (${entry.scheduleId}::uuid, ${entry.action}, ${entry.userId ?? null}::uuid, ${entry.reason ?? null},
            ${JSON.stringify(entry.data ?? {})}::jsonb, ${entry.at.toISOString()}::timestamptz)`);
}
