/**
 * What the scheduler tells other parts of Herald, over LISTEN/NOTIFY (every process on
 * PostgreSQL hears it; on PGlite, the one process). Sent inside the transaction that did the
 * work, so it is delivered when that transaction commits, and never if it rolls back: a worker
 * woken by it finds the deliveries committed, a scheduler finds the new next_run_at.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';

/** "Deliveries are queued": workers listen here to claim at once instead of at their next poll. */
export const deliveriesChannel = 'herald_deliveries';

/** "A schedule's next run time changed", with that time (ISO 8601) as the payload: schedulers listen here. */
export const schedulesChannel = 'herald_schedules';

/** The SQL call that wakes the workers when its transaction commits; a firing puts it in a statement it runs anyway (runs.ts). */
export function deliveriesAnnouncement(): SQL {
  return sql`pg_notify(${deliveriesChannel}, '')`;
}

/** Wakes the workers when this transaction commits. */
export async function announceDeliveries(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`SELECT ${deliveriesAnnouncement()}`);
}

/** Tells the schedulers, when this transaction commits, that a schedule is next due at `nextRunAt`. */
export async function announceNextRun(tx: DbOrTx, nextRunAt: Date): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${schedulesChannel}, ${nextRunAt.toISOString()})`);
}
