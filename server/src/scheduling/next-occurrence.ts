/**
 * When a schedule fires next. Every timing type is first a sequence of wall-clock times in the
 * schedule's zone (09:00 every Monday, the 31st or the month's last day…); each wall time then
 * becomes an instant by the DST rule in `instantOfWallTime`. Doing the calendar on the wall
 * clock and DST in one place keeps the rules the same for every type, cron included.
 * See docs/scheduling.md for the rules in words.
 */
import { Cron } from 'croner';
import type { Timing } from '@herald/shared';
import {
  daysInMonth,
  instantOfWallTime,
  isoWeekday,
  parseLocalDateTime,
  parseTimeOfDay,
  startOfDay,
  wallTimeAt,
  wallUnits,
  zoneNamed,
  type WallTime,
} from './wall-clock.ts';

/** The next `count` instants the timing fires strictly after `after`, within startsAt/endsAt (inclusive, local). */
export function nextOccurrences(timing: Timing, timezone: string, after: Date, count: number): Date[] {
  if (!(count > 0)) return [];
  const zone = zoneNamed(timezone);
  const afterMs = after.getTime();
  const window = windowOf(timing);
  // A wall time at or before `after`'s own reading names an instant at or before `after` (the
  // mapping never goes backwards), so the search starts just past that reading.
  let cursor = wallTimeAt(afterMs, zone);
  if (window.startsAt !== undefined) cursor = Math.max(cursor, window.startsAt - 1);

  const found: Date[] = [];
  let latest = -Infinity;
  for (const wall of wallTimesAfter(timing, cursor)) {
    if (window.endsAt !== undefined && wall > window.endsAt) break;
    const instant = instantOfWallTime(wall, zone);
    // Several skipped wall times (in a spring-forward gap) name one instant: fire it once.
    if (instant <= afterMs || instant <= latest) continue;
    found.push(new Date(instant));
    latest = instant;
    if (found.length >= count) break;
  }
  return found;
}

/** The first instant the timing fires strictly after `after`, or null when it never fires again. */
export function nextOccurrence(timing: Timing, timezone: string, after: Date): Date | null {
  return nextOccurrences(timing, timezone, after, 1)[0] ?? null;
}

/** Parses a cron expression of 5 fields, or 6 with seconds first; throws with the reason when it is not one. */
export function parseCron(expression: string): Cron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new RangeError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; "${expression}" has ${fields.length}`);
  }
  // utcOffset 0: croner walks the wall clock, which has no daylight saving (see the file comment).
  return new Cron(expression, { utcOffset: 0, paused: true, mode: '5-or-6-parts' });
}

type Window = { startsAt?: WallTime; endsAt?: WallTime };

function windowOf(timing: Timing): Window {
  if (timing.type === 'once') return {};
  return {
    ...(timing.startsAt ? { startsAt: parseLocalDateTime(timing.startsAt) } : {}),
    ...(timing.endsAt ? { endsAt: parseLocalDateTime(timing.endsAt) } : {}),
  };
}

/** The timing's wall times strictly after `cursor`, in increasing order (endless for recurrences). */
function* wallTimesAfter(timing: Timing, cursor: WallTime): Generator<WallTime> {
  switch (timing.type) {
    case 'once': {
      const wall = parseLocalDateTime(timing.at);
      if (wall > cursor) yield wall;
      return;
    }
    case 'daily':
      yield* dailyAfter(cursor, parseTimeOfDay(timing.time), () => true);
      return;
    case 'weekly': {
      const days = new Set(timing.days.filter((day) => day >= 1 && day <= 7));
      if (days.size === 0) return;
      yield* dailyAfter(cursor, parseTimeOfDay(timing.time), (wall) => days.has(isoWeekday(wall)));
      return;
    }
    case 'monthly':
      yield* monthlyAfter(cursor, parseTimeOfDay(timing.time), timing.day);
      return;
    case 'cron': {
      const cron = parseCron(timing.expression);
      let from = cursor;
      for (;;) {
        const next = cron.nextRun(new Date(from));
        if (!next) return;
        yield next.getTime();
        from = next.getTime();
      }
    }
  }
}

function* dailyAfter(cursor: WallTime, minuteOfDay: number, isChosenDay: (wall: WallTime) => boolean): Generator<WallTime> {
  let wall = startOfDay(cursor) + minuteOfDay * wallUnits.MINUTE;
  if (wall <= cursor) wall += wallUnits.DAY;
  for (;; wall += wallUnits.DAY) {
    if (isChosenDay(wall)) yield wall;
  }
}

function* monthlyAfter(cursor: WallTime, minuteOfDay: number, day: number | 'last'): Generator<WallTime> {
  const start = new Date(cursor);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth();
  for (;;) {
    const lastDay = daysInMonth(year, month);
    // Day 31 in a 30-day month (or 29-31 in February) fires on the month's last day.
    const dayOfMonth = day === 'last' ? lastDay : Math.min(day, lastDay);
    const wall = Date.UTC(year, month, dayOfMonth) + minuteOfDay * wallUnits.MINUTE;
    if (wall > cursor) yield wall;
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
  }
}
