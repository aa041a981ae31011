/**
 * What to fire when a schedule is due, after a normal tick or after downtime (the catch-up
 * policy in docs/scheduling.md): of the occurrences that came due, only the most recent one is
 * sent, and only when it is on time or younger than the catch-up window. The rest are missed.
 */
import type { Timing } from '@herald/shared';
import { nextOccurrence, nextOccurrences } from './next-occurrence.ts';

export type FiringTrigger = 'scheduled' | 'catch-up';

export type FiringPlan = {
  /** the occurrence to fire now, or null when none is to be sent */
  fire: { occurrenceAt: Date; trigger: FiringTrigger } | null;
  /** due occurrences that will not be sent; `isCountCapped` when there were more than `count` */
  missed: { count: number; from: Date; to: Date; isCountCapped: boolean } | null;
  /** the first occurrence after `now`, or null when the timing has none left */
  nextRunAt: Date | null;
};

export type FiringInput = {
  timing: Timing;
  timezone: string;
  /** the schedule's next_run_at: the first occurrence not yet fired */
  dueAt: Date;
  now: Date;
  /** an occurrence at most this late is fired as 'scheduled', whatever the window */
  onTimeGraceMs: number;
  /** a later occurrence is fired as 'catch-up' only while younger than this */
  catchUpWindowMs: number;
  /** stop counting missed occurrences here (a per-second cron after a week down is 600,000) */
  maxCounted?: number;
};

/** Decides which due occurrence to fire, which ones are missed, and the next one to wait for. */
export function planFiring(input: FiringInput): FiringPlan {
  const { timing, timezone, dueAt, now } = input;
  const nextRunAt = nextOccurrence(timing, timezone, now);
  if (dueAt.getTime() > now.getTime()) return { fire: null, missed: null, nextRunAt: dueAt };

  const due = dueOccurrences(timing, timezone, dueAt, now, input.maxCounted ?? 100_000);
  const age = now.getTime() - due.latest.getTime();
  const trigger: FiringTrigger | null = age <= input.onTimeGraceMs ? 'scheduled' : age < input.catchUpWindowMs ? 'catch-up' : null;

  if (trigger === null) {
    return { fire: null, missed: { count: due.count, from: dueAt, to: due.latest, isCountCapped: due.isCountCapped }, nextRunAt };
  }
  const missed = due.previous
    ? { count: due.count - 1, from: dueAt, to: due.previous, isCountCapped: due.isCountCapped }
    : null;
  return { fire: { occurrenceAt: due.latest, trigger }, missed, nextRunAt };
}

type DueOccurrences = { count: number; isCountCapped: boolean; latest: Date; previous: Date | null };

/** The occurrences in [dueAt, now], dueAt counted as the first: how many, the last two. */
function dueOccurrences(timing: Timing, timezone: string, dueAt: Date, now: Date, maxCounted: number): DueOccurrences {
  let count = 1;
  let latest = dueAt;
  let previous: Date | null = null;
  let batch = 16;
  for (;;) {
    const found = nextOccurrences(timing, timezone, latest, batch);
    for (const occurrence of found) {
      if (occurrence.getTime() > now.getTime()) return { count, isCountCapped: false, latest, previous };
      previous = latest;
      latest = occurrence;
      count += 1;
    }
    if (found.length < batch) return { count, isCountCapped: false, latest, previous };
    if (count >= maxCounted) break;
    batch = Math.min(batch * 2, 4096);
  }
  // Too many to count one by one: find the last two by bisection instead.
  const last = latestOccurrenceUpTo(timing, timezone, latest, now);
  if (last.getTime() === latest.getTime()) return { count, isCountCapped: false, latest, previous };
  return { count, isCountCapped: true, latest: last, previous: latestOccurrenceUpTo(timing, timezone, latest, new Date(last.getTime() - 1)) };
}

/**
 * The last occurrence in [known, until], where `known` is an occurrence at or before `until`.
 * nextOccurrence(after) never decreases as `after` grows, so bisecting on `after` finds the
 * largest `after` whose next occurrence is still within `until`, in about 40 steps.
 */
function latestOccurrenceUpTo(timing: Timing, timezone: string, known: Date, until: Date): Date {
  const isWithin = (after: number) => {
    const next = nextOccurrence(timing, timezone, new Date(after));
    return next !== null && next.getTime() <= until.getTime();
  };
  let low = known.getTime();
  if (!isWithin(low)) return known;
  let high = until.getTime();
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (isWithin(middle)) low = middle;
    else high = middle;
  }
  return nextOccurrence(timing, timezone, new Date(low))!;
}
