/**
 * A manual run ("send now"): fires the schedule at this instant without touching its
 * recurrence, so next_run_at stays where it was.
 */
import { eq } from 'drizzle-orm';
import type { HeraldContext } from '../../context.ts';
import { schedules } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { fanOut } from '../fan-out/fan-out.ts';
import type { FanOutCounts } from '../fan-out/insert-deliveries.ts';
import { recordScheduleHistory } from './history.ts';
import { insertRun, recordFanOut } from './runs.ts';
import { ScheduleDefect } from './schedule-defect.ts';
import { targetOf } from './schedule-row.ts';

/** Creates a manual run of the schedule now and fans it out, in one transaction; the schedule's recurrence is untouched. */
export async function fireNow(context: HeraldContext, scheduleId: string, userId: string | null): Promise<{ runId: string }> {
  const now = new Date();
  let result: { runId: string; counts: FanOutCounts };
  try {
    result = await context.database.db.transaction(async (tx) => {
      const [row] = await tx.select().from(schedules).where(eq(schedules.id, scheduleId));
      if (!row) throw notFound('schedule', scheduleId);
      const target = targetOf(row);
      const runId = await insertRun(tx, { scheduleId, occurrenceAt: now, trigger: 'manual', firedAt: now });
      if (!runId) throw new AppError('conflict', 'this schedule already has a run at this very instant; try again');
      const counts = await fanOut(tx, { runId, scheduleId, audience: target.audience, channels: target.channels, priority: target.priority, dueAt: now });
      await recordFanOut(tx, runId, counts, now);
      await tx.update(schedules).set({ lastRunAt: now }).where(eq(schedules.id, scheduleId));
      await recordScheduleHistory(tx, { scheduleId, action: 'run_now', userId, data: { runId, ...counts }, at: now });
      return { runId, counts };
    });
  } catch (error) {
    // A schedule whose audience cannot be built is the caller's to fix, not a server fault.
    if (error instanceof ScheduleDefect) throw new AppError('unprocessable', `the schedule cannot be sent: ${error.message}`);
    throw error;
  }
  context.metrics.runsFired.inc();
  context.logger.info({ scheduleId, runId: result.runId, userId, ...result.counts }, 'schedule sent now');
  return { runId: result.runId };
}
