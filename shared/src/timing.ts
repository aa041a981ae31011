import { z } from 'zod';

/** "09:30", 24-hour, in the schedule's time zone */
export const timeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm, 24-hour (e.g. 09:30)');
/** "2026-12-01T09:30" or "2026-12-01T09:30:15": a wall-clock time in the schedule's time zone */
export const localDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'must be a local date-time YYYY-MM-DDTHH:mm[:ss]');

const window = {
  /** first moment the recurrence may fire (local, inclusive) */
  startsAt: localDateTimeSchema.optional(),
  /** last moment the recurrence may fire (local, inclusive) */
  endsAt: localDateTimeSchema.optional(),
};

/** ISO weekday: 1 = Monday … 7 = Sunday */
const weekdayRule = 'weekdays are 1 (Monday) to 7 (Sunday)';
export const weekdaySchema = z.number({ error: weekdayRule }).int(weekdayRule).min(1, weekdayRule).max(7, weekdayRule);

/**
 * When a schedule fires, in its time zone.
 * - once: at one local date-time
 * - daily: every day at `time`
 * - weekly: on the chosen ISO weekdays at `time`
 * - monthly: on day 1-31 (months without that day fire on their last day) or "last", at `time`
 * - cron: a 5-field (or 6-field, with seconds) cron expression
 */
export const timingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('once'), at: localDateTimeSchema }),
  z.strictObject({ type: z.literal('daily'), time: timeOfDaySchema, ...window }),
  z.strictObject({
    type: z.literal('weekly'),
    time: timeOfDaySchema,
    days: z.array(weekdaySchema).min(1, 'pick at least one weekday').max(7),
    ...window,
  }),
  z.strictObject({
    type: z.literal('monthly'),
    time: timeOfDaySchema,
    day: z.union([z.number().int().min(1).max(31), z.literal('last')]),
    ...window,
  }),
  z.strictObject({ type: z.literal('cron'), expression: z.string().min(1).max(200), ...window }),
]);

export type Timing = z.infer<typeof timingSchema>;
export type TimingType = Timing['type'];
