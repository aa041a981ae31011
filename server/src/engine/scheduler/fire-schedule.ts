/**
 * Firing one due schedule, in one transaction: lock it, decide what to fire (catch-up policy),
 * insert the run, fan out, move next_run_at on. All of it commits together or not at all, so a
 * crash at any point leaves either the whole firing or none of it.
 */
import { and, eq, lte } from 'drizzle-orm';
import type { HeraldContext } from '../../context.ts';
import { schedules } from '../../db/schema.ts';
import { planFiring, type FiringPlan } from '../../scheduling/catch-up.ts';
import { fanOut } from '../fan-out/fan-out.ts';
import type { FanOutCounts } from '../fan-out/insert-deliveries.ts';
import { recordScheduleHistory } from './history.ts';
import { insertRun, recordFanOut, type RunTrigger } from './runs.ts';
import { ScheduleDefect } from './schedule-defect.ts';
import { targetOf, timingOf } from './schedule-row.ts';

export type FiredRun = { runId: string; occurrenceAt: Date; trigger: RunTrigger; counts: FanOutCounts };
export type FireOutcome = { run: FiredRun | null; plan: FiringPlan } | null;

/**
 * Fires the schedule if it is still active and due at `now`; null when another scheduler holds it
 * or has already moved it on. Throws ScheduleDefect when its definition cannot be fired.
 * `firedAt` is stored as the run's fired_at: when this firing really began, which a tick that
 * fires several schedules passes apart from its own `now`.
 */
export async function fireSchedule(context: HeraldContext, scheduleId: string, now: Date, firedAt: Date = now): Promise<FireOutcome> {
  const { config } = context;
  return context.database.db.transaction(async (tx) => {
    // SKIP LOCKED: a schedule another scheduler is firing right now is its business; by the time
    // it commits, next_run_at has moved on and the row no longer matches.
    const [row] = await tx
      .select()
      .from(schedules)
      .where(and(eq(schedules.id, scheduleId), eq(schedules.status, 'active'), lte(schedules.nextRunAt, now)))
      .for('update', { skipLocked: true });
    if (!row?.nextRunAt) return null;

    const { timing, timezone } = timingOf(row);
    let plan: FiringPlan;
    try {
      plan = planFiring({
        timing,
        timezone,
        dueAt: row.nextRunAt,
        now,
        // A tick or two late is on time; later than that, the scheduler was down or behind.
        onTimeGraceMs: Math.max(60_000, 2 * config.schedulerIntervalMs),
        catchUpWindowMs: config.catchUpWindowMinutes * 60_000,
      });
    } catch (error) {
      throw new ScheduleDefect(`cannot compute occurrences: ${error instanceof Error ? error.message : String(error)}`);
    }

    let run: FiredRun | null = null;
    if (plan.fire) {
      const { occurrenceAt, trigger } = plan.fire;
      // The unique (schedule_id, occurrence_at) key decides who fires: only the inserter fans out.
      const runId = await insertRun(tx, { scheduleId, occurrenceAt, trigger, firedAt });
      if (runId) {
        const target = targetOf(row);
        const counts = await fanOut(tx, { runId, scheduleId, audience: target.audience, channels: target.channels, priority: target.priority, dueAt: occurrenceAt });
        await recordFanOut(tx, runId, counts, now);
        run = { runId, occurrenceAt, trigger, counts };
      }
    }

    if (plan.missed) {
      const { count, from, to, isCountCapped } = plan.missed;
      await recordScheduleHistory(tx, {
        scheduleId,
        action: 'missed',
        reason: plan.fire ? 'only the most recent missed occurrence is sent' : `older than the catch-up window of ${config.catchUpWindowMinutes} minutes`,
        data: { count, from: from.toISOString(), to: to.toISOString(), ...(isCountCapped ? { isCountCapped } : {}) },
        at: now,
      });
    }
    const isFinished = plan.nextRunAt === null;
    if (isFinished) {
      await recordScheduleHistory(tx, { scheduleId, action: 'completed', reason: 'no occurrence is left', at: now });
    }
    await tx
      .update(schedules)
      .set({ nextRunAt: plan.nextRunAt, ...(isFinished ? { status: 'completed' } : {}), ...(run ? { lastRunAt: now } : {}) })
      .where(eq(schedules.id, scheduleId));
    return { run, plan };
  });
}
