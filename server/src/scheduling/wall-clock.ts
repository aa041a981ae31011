/**
 * Wall-clock times and the instants they name in a time zone.
 *
 * A wall time is what a clock on the wall of the schedule's zone reads ("2026-03-29 02:30"),
 * stored as milliseconds on a timeline without daylight saving: the reading taken as if it were
 * UTC. Calendar arithmetic (next day, last day of the month) is exact on that timeline, and the
 * one place where daylight saving matters is `instantOfWallTime`, which holds Herald's DST rule.
 */
import { IANAZone } from 'luxon';

/** Milliseconds since 1970-01-01T00:00 on the zone's wall clock, read as if it were UTC. */
export type WallTime = number;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The zone, or an error naming it: an unknown zone must never silently become UTC. */
export function zoneNamed(timezone: string): IANAZone {
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new RangeError(`unknown time zone "${timezone}"`);
  return zone;
}

/** Reads "YYYY-MM-DDTHH:mm[:ss]" (the shared contract's local date-time) as a wall time. */
export function parseLocalDateTime(text: string): WallTime {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a local date-time YYYY-MM-DDTHH:mm[:ss]`);
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over into March: refuse it instead of firing on another day.
  if (new Date(wall).getUTCDate() !== day || new Date(wall).getUTCMonth() !== month - 1) {
    throw new RangeError(`"${text}" is not a date on the calendar`);
  }
  return wall;
}

/** Reads "HH:mm" as minutes after midnight. */
export function parseTimeOfDay(text: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a time of day HH:mm`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Formats a wall time as "YYYY-MM-DD HH:mm" (seconds only when present), for people. */
export function formatWallTime(wall: WallTime): string {
  const text = new Date(wall).toISOString();
  const seconds = text.slice(17, 19);
  return `${text.slice(0, 10)} ${text.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

/** What the wall clock of `zone` reads at `instant`. */
export function wallTimeAt(instant: number, zone: IANAZone): WallTime {
  return instant + zone.offset(instant) * MINUTE;
}

/**
 * The instant a wall time names in `zone`, by Herald's DST rule:
 * - a wall time that occurs once is that instant;
 * - a wall time that occurs twice (the hour repeated when clocks fall back) is its first, earlier
 *   instant, so a schedule never fires twice for one reading of the clock;
 * - a wall time that never occurs (skipped when clocks spring forward) is the instant the clocks
 *   jump, the first valid instant after the gap: 02:30 on the day New York springs forward from
 *   02:00 to 03:00 is 03:00 EDT. Every skipped time maps to that same instant.
 * The mapping never goes backwards: a later wall time never names an earlier instant.
 */
export function instantOfWallTime(wall: WallTime, zone: IANAZone): number {
  // Offsets in force a day either side bound every offset that can apply to this wall time.
  const offsets = new Set([zone.offset(wall - DAY), zone.offset(wall), zone.offset(wall + DAY)]);
  let earliest: number | undefined;
  let lowest = Infinity;
  let highest = -Infinity;
  for (const offset of offsets) {
    const candidate = wall - offset * MINUTE;
    lowest = Math.min(lowest, candidate);
    highest = Math.max(highest, candidate);
    if (zone.offset(candidate) === offset && (earliest === undefined || candidate < earliest)) earliest = candidate;
  }
  if (earliest !== undefined) return earliest;
  return transitionBetween(lowest, highest, zone);
}

/**
 * The first instant in (before, after] whose offset differs from the offset at `before`:
 * the moment the clocks jump. Transitions fall on whole seconds, so a binary search to the
 * millisecond finds it exactly.
 */
function transitionBetween(before: number, after: number, zone: IANAZone): number {
  const offsetBefore = zone.offset(before);
  let low = before;
  let high = after;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle) === offsetBefore) low = middle;
    else high = middle;
  }
  return high;
}

/** The ISO weekday (1 = Monday … 7 = Sunday) of a wall time. */
export function isoWeekday(wall: WallTime): number {
  const day = new Date(wall).getUTCDay();
  return day === 0 ? 7 : day;
}

/** Midnight of the wall time's day. */
export function startOfDay(wall: WallTime): WallTime {
  return Math.floor(wall / DAY) * DAY;
}

/** The number of days in a month (month 0-11). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

export const wallUnits = { MINUTE, HOUR, DAY } as const;
