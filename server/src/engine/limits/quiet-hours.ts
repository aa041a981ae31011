/**
 * Quiet hours as pure arithmetic: is an instant inside a person's daily quiet window, and if
 * so, when does the window end? The window is wall-clock time in the person's zone (start
 * included, end excluded) and may cross midnight, so it is read with luxon, whose zones
 * follow DST: "quiet until 08:00" is 08:00 on the person's clock whatever the offset that day.
 *
 * Two DST cases need care, both on days the clock jumps:
 * - the end falls in a gap (02:30 on the night clocks spring from 02:00 to 03:00): that wall
 *   time never comes, so the window ends when the clock jumps past it (03:00), not 03:30;
 * - the end falls in an overlap (01:30 on the night clocks fall back from 02:00 to 01:00): the
 *   wall clock reads 01:00–01:30 twice, and both stretches are inside the window, so the end
 *   is the first 01:30 after the instant, never one before it.
 */
import { DateTime } from 'luxon';
import type { QuietHoursOverride, QuietHoursSettings, QuietWindow } from '@herald/shared';

const msPerMinute = 60_000;
const msPerHour = 60 * msPerMinute;

/** Minutes after midnight of an `HH:MM` time. */
export function minutesOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** True when a wall-clock time (minutes after midnight, fractions allowed) is inside the window. */
export function isInWindow(minute: number, window: QuietWindow): boolean {
  const start = minutesOfDay(window.start);
  const end = minutesOfDay(window.end);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * The offsets (minutes east of UTC) the zone has within 15 hours of an instant: one, or two
 * around a jump. Offsets span -12 to +14 hours, so every instant a wall time can stand for lies
 * in that span.
 */
function offsetsAround(zone: string, at: number): number[] {
  return [...new Set([-15, 0, 15].map((hours) => DateTime.fromMillis(at + hours * msPerHour, { zone }).offset))];
}

/** The first whole minute in (after, before] at which the zone's offset is the one it has at `before`. */
function jumpBetween(zone: string, after: number, before: number): number {
  const offset = DateTime.fromMillis(before, { zone }).offset;
  let low = Math.floor(after / msPerMinute);
  let high = Math.ceil(before / msPerMinute);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (DateTime.fromMillis(middle * msPerMinute, { zone }).offset === offset) high = middle;
    else low = middle;
  }
  return high * msPerMinute;
}

/**
 * When the zone's clock reads `minute` (after midnight) on the date of `day`, in ms since the
 * epoch, earliest first: one instant, two in an overlap, and in a gap (a time that never
 * comes) the jump that skips it.
 */
function instantsOfWallTime(zone: string, day: DateTime, minute: number): number[] {
  const wallAsUtc = Date.UTC(day.year, day.month - 1, day.day, Math.floor(minute / 60), minute % 60);
  const offsets = offsetsAround(zone, wallAsUtc);
  const instants = offsets
    .map((offset) => wallAsUtc - offset * msPerMinute)
    .filter((instant, index) => DateTime.fromMillis(instant, { zone }).offset === offsets[index])
    .sort((a, b) => a - b);
  if (instants.length > 0) return instants;
  // A gap: read with the offset before the jump the time lands after it, read with the one
  // after the jump it lands before it; the jump lies in between.
  const earliest = wallAsUtc - Math.max(...offsets) * msPerMinute;
  const latest = wallAsUtc - Math.min(...offsets) * msPerMinute;
  return [jumpBetween(zone, earliest, latest)];
}

/**
 * When the quiet window that holds `at` ends, or null when `at` is outside the window.
 * `zone` should be an IANA name; one luxon does not know reads the window in UTC.
 */
export function quietWindowEnd(at: Date, window: QuietWindow, zone: string): Date | null {
  const known = DateTime.fromJSDate(at, { zone }).isValid ? zone : 'UTC';
  const local = DateTime.fromJSDate(at, { zone: known });
  const minute = local.hour * 60 + local.minute + (local.second * 1000 + local.millisecond) / msPerMinute;
  if (!isInWindow(minute, window)) return null;
  // The window ends at its end time today or, having crossed midnight, tomorrow: the first
  // such instant after `at` (in an overlap, the first pass of the end that is still ahead).
  const end = minutesOfDay(window.end);
  for (const day of [local, local.plus({ days: 1 })]) {
    const next = instantsOfWallTime(known, day, end).find((instant) => instant > at.getTime());
    if (next !== undefined) return new Date(next);
  }
  return null;
}

/** The window that applies to a recipient: their own, none at all, or the instance's. */
export function quietWindowOf(own: QuietHoursOverride | null, instance: QuietHoursSettings | null): QuietWindow | null {
  if (own === 'none') return null;
  if (own) return own;
  return instance ? { start: instance.start, end: instance.end } : null;
}

/** The zone quiet hours are read in for a recipient: their own, else the instance's fallback, else UTC. */
export function quietZoneOf(recipientZone: string | null, instance: QuietHoursSettings | null): string {
  return recipientZone ?? instance?.timezone ?? 'UTC';
}

/** "quiet hours until 08:00 Europe/Paris": why a delivery waits, in the person's own clock. */
export function describeQuietWait(until: Date, zone: string): string {
  const local = DateTime.fromJSDate(until, { zone });
  return `quiet hours until ${(local.isValid ? local : DateTime.fromJSDate(until, { zone: 'UTC' })).toFormat('HH:mm')} ${zone}`;
}
