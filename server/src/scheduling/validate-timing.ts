/**
 * The checks a timing needs beyond its shape (the shared zod schema checks the shape): a cron
 * expression that parses, a one-time send in the future, a window that ends after it starts,
 * and at least one occurrence left.
 */
import type { Timing } from '@herald/shared';
import type { FieldIssue } from '../lib/errors.ts';
import { isValidTimeZone } from '../lib/time.ts';
import { nextOccurrence, parseCron } from './next-occurrence.ts';
import { formatWallTime, instantOfWallTime, parseLocalDateTime, zoneNamed } from './wall-clock.ts';

/** Problems with a well-shaped timing, each naming its field and rule; empty when the timing will fire. */
export function validateTiming(timing: Timing, timezone: string, now: Date): FieldIssue[] {
  // The shared schema refuses unknown zones first; this only keeps the function total.
  if (!isValidTimeZone(timezone)) {
    return [{ field: 'timezone', rule: 'timezone', message: 'must be an IANA time zone such as Europe/Paris or UTC' }];
  }
  const zone = zoneNamed(timezone);
  // The schema checks the shape of a local date-time; 2026-02-30 has the shape but no day.
  const issues = impossibleDates(timing);
  if (issues.length > 0) return issues;

  if (timing.type === 'cron') {
    try {
      parseCron(timing.expression);
    } catch (error) {
      issues.push({ field: 'timing.expression', rule: 'cron', message: `is not a valid cron expression: ${reasonOf(error)}` });
    }
  }

  if (timing.type === 'once') {
    const at = instantOfWallTime(parseLocalDateTime(timing.at), zone);
    if (at <= now.getTime()) {
      issues.push({
        field: 'timing.at',
        rule: 'in_future',
        message: `must be in the future: ${formatWallTime(parseLocalDateTime(timing.at))} (${timezone}) has already passed`,
      });
    }
  } else if (timing.startsAt && timing.endsAt && parseLocalDateTime(timing.endsAt) < parseLocalDateTime(timing.startsAt)) {
    issues.push({ field: 'timing.endsAt', rule: 'after_start', message: 'must not be before startsAt' });
  }

  // "Never fires" is only worth saying when nothing more specific was.
  if (issues.length === 0 && nextOccurrence(timing, timezone, now) === null) {
    issues.push({ field: 'timing', rule: 'never_fires', message: neverFiresMessage(timing, timezone) });
  }
  return issues;
}

function impossibleDates(timing: Timing): FieldIssue[] {
  const fields: Array<[string, string | undefined]> =
    timing.type === 'once' ? [['at', timing.at]] : [['startsAt', timing.startsAt], ['endsAt', timing.endsAt]];
  const issues: FieldIssue[] = [];
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    try {
      parseLocalDateTime(value);
    } catch {
      issues.push({ field: `timing.${name}`, rule: 'date', message: `${value} is not a date on the calendar` });
    }
  }
  return issues;
}

function neverFiresMessage(timing: Timing, timezone: string): string {
  if (timing.type !== 'once' && timing.endsAt) {
    return `never fires: no occurrence is left before endsAt ${formatWallTime(parseLocalDateTime(timing.endsAt))} (${timezone})`;
  }
  return 'never fires: no date matches this timing';
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // croner prefixes its messages with the class name; the caller knows it is about cron.
  return message.replace(/^CronPattern:\s*/, '');
}
