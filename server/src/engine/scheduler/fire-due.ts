/**
 * One scheduler tick: fire every due schedule. Each schedule fires in its own transaction, so
 * one that fails neither blocks nor undoes the others.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { HeraldContext } from '../../context.ts';
import { schedules } from '../../db/schema.ts';
import { recordScheduleHistory } from './history.ts';
import { RetryBackoff } from './retry-backoff.ts';
import { ScheduleDefect } from './schedule-defect.ts';
import { fireSchedule } from './fire-schedule.ts';

/** How many due schedules one tick takes on; the rest wait for the next tick, a moment later. */
const DUE_BATCH = 500;

/** Schedules one tick fires at once on PostgreSQL (PGlite has one connection: one at a time). */
const POSTGRES_FIRING_LANES = 4;

/** Per process: schedules whose last attempt failed for a reason that may pass. */
const backoffs = new WeakMap<HeraldContext, RetryBackoff>();

export type TickOutcome = {
  /** how many runs this process created */
  fired: number;
  /**
   * When something is next due: the soonest next_run_at still to come, a failed schedule's
   * retry, or at once when this tick left due schedules for the next one. Null: nothing is.
   */
  nextDueAt: Date | null;
};

/** Fires every active schedule whose next_run_at has come, and says when the next one is due. */
export async function fireDueSchedules(context: HeraldContext, now: Date = new Date()): Promise<TickOutcome> {
  const { db } = context.database;
  let backoff = backoffs.get(context);
  if (!backoff) {
    backoff = new RetryBackoff(Math.max(1000, context.config.schedulerIntervalMs), 5 * 60_000);
    backoffs.set(context, backoff);
  }
  // The tick decides as of `now`, but each run's fired_at (and the fire-latency metric) is `now`
  // plus the time the tick has taken so far: it includes the wait behind earlier firings.
  const started = performance.now();
  const clock = () => new Date(now.getTime() + (performance.now() - started));
  const due = await db
    .select({ id: schedules.id })
    .from(schedules)
    .where(and(eq(schedules.status, 'active'), lte(schedules.nextRunAt, now)))
    .orderBy(asc(schedules.nextRunAt))
    .limit(DUE_BATCH);

  let fired = 0;
  const fireOne = async (id: string): Promise<void> => {
    const firingAt = clock();
    try {
      const outcome = await fireSchedule(context, id, now, firingAt);
      backoff.succeeded(id);
      const run = outcome?.run;
      if (run) {
        fired += 1;
        context.metrics.runsFired.inc();
        context.metrics.fireLatency.observe(Math.max(0, firingAt.getTime() - run.occurrenceAt.getTime()) / 1000);
        context.logger.info({ scheduleId: id, runId: run.runId, occurrenceAt: run.occurrenceAt.toISOString(), trigger: run.trigger, ...run.counts }, 'schedule fired');
      }
      if (outcome?.plan.missed) {
        context.logger.warn({ scheduleId: id, missed: outcome.plan.missed.count }, 'missed occurrences were not sent');
      }
    } catch (error) {
      if (error instanceof ScheduleDefect) {
        await pauseDefective(context, id, error.message, now);
      } else {
        const pauseMs = backoff.failed(id, now.getTime());
        context.logger.error({ err: error, scheduleId: id, retryInMs: pauseMs }, 'firing a schedule failed; will retry');
      }
    }
  };

  // Several firings at once on PostgreSQL, each its own transaction on its own connection, so
  // schedules due together do not queue behind one another's round trips. Safe for the same
  // reason two processes are: each firing locks its schedule's row and wins its run's unique key.
  const ready = due.map((row) => row.id).filter((id) => backoff.canTry(id, now.getTime()));
  const lanes = context.database.driver === 'postgres' ? POSTGRES_FIRING_LANES : 1;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ready.length) await fireOne(ready[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, ready.length) }, lane));

  const end = clock();
  if (due.length === DUE_BATCH) return { fired, nextDueAt: end };
  // After `now`, not after `end`: a schedule that came due during the tick is due at once.
  return { fired, nextDueAt: earliestOf(await nextRunAfter(context, now), backoff.nextRetryAfter(end.getTime())) };
}

/**
 * The soonest next_run_at after `after` among active schedules (schedules_due_idx answers it).
 * One that was due at `after` and was not fired here is another scheduler's, which holds its
 * row, or waits out a retry pause (counted apart).
 */
async function nextRunAfter(context: HeraldContext, after: Date): Promise<Date | null> {
  const [row] = await context.database.db
    .select({ at: schedules.nextRunAt })
    .from(schedules)
    .where(and(eq(schedules.status, 'active'), gt(schedules.nextRunAt, after)))
    .orderBy(asc(schedules.nextRunAt))
    .limit(1);
  return row?.at ?? null;
}

function earliestOf(at: Date | null, retryAtMs: number | null): Date | null {
  if (retryAtMs === null) return at;
  return at === null || retryAtMs < at.getTime() ? new Date(retryAtMs) : at;
}

/** Pauses a schedule that cannot be fired as defined, and says why in its history. */
async function pauseDefective(context: HeraldContext, scheduleId: string, reason: string, now: Date): Promise<void> {
  try {
    await context.database.db.transaction(async (tx) => {
      // Only the scheduler whose UPDATE moves it out of 'active' writes the history line.
      const paused = await tx
        .update(schedules)
        .set({ status: 'paused', updatedAt: sql`now()` })
        .where(and(eq(schedules.id, scheduleId), eq(schedules.status, 'active')))
        .returning({ id: schedules.id });
      if (paused.length > 0) await recordScheduleHistory(tx, { scheduleId, action: 'paused', reason, at: now });
    });
    context.logger.error({ scheduleId, reason }, 'schedule paused: it cannot be fired as defined');
  } catch (error) {
    context.logger.error({ err: error, scheduleId, reason }, 'pausing a defective schedule failed');
  }
}
