/**
 * Reading a schedule row into what the engine needs. Stored JSON is `unknown` until checked:
 * a timing that does not parse is a defect of the schedule, not a reason to crash a tick.
 */
import { prioritySchema, timingSchema, type Audience, type Priority, type Timing } from '@herald/shared';
import type { schedules } from '../../db/schema.ts';
import { isValidTimeZone } from '../../lib/time.ts';
import { audienceOfSchedule } from '../fan-out/audience.ts';
import { ScheduleDefect } from './schedule-defect.ts';

export type ScheduleRow = typeof schedules.$inferSelect;

export type FiringTarget = { id: string; audience: Audience; channels: string[]; priority: Priority };

/** The schedule's timing and zone, checked. */
export function timingOf(row: ScheduleRow): { timing: Timing; timezone: string } {
  const parsed = timingSchema.safeParse(row.timing);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ScheduleDefect(`invalid timing: ${first ? `${['timing', ...first.path].join('.')} ${first.message}` : 'unreadable'}`);
  }
  if (!isValidTimeZone(row.timezone)) throw new ScheduleDefect(`unknown time zone "${row.timezone}"`);
  return { timing: parsed.data, timezone: row.timezone };
}

/** Who to send to, on which channels, at which priority. */
export function targetOf(row: ScheduleRow): FiringTarget {
  const priority = prioritySchema.safeParse(row.priority);
  if (!priority.success) throw new ScheduleDefect(`unknown priority "${row.priority}"`);
  return { id: row.id, audience: audienceOfSchedule(row), channels: row.channels, priority: priority.data };
}
