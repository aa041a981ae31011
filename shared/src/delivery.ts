import { z } from 'zod';
import { channelSchema, isoInstant, timeZoneSchema, type Channel } from './common.ts';

/**
 * How often a failed send is tried again: delay = min(baseDelaySeconds × factor^(attempt-1),
 * maxDelaySeconds), then spread by ±jitter (a fraction) so retries do not arrive in waves.
 * `maxAttempts` counts the tries of one channel, the first included: once a channel used them
 * up, a fallback schedule moves on to its next channel, any other gives up (dead letter).
 */
export const retryPolicySchema = z
  .strictObject({
    maxAttempts: z.number().int().min(1, 'must be at least 1').max(25, 'must be at most 25'),
    baseDelaySeconds: z.number().min(0, 'must not be negative').max(86_400, 'must be at most 86400 (a day)'),
    factor: z.number().min(1, 'must be at least 1 (no shrinking delays)').max(10, 'must be at most 10'),
    maxDelaySeconds: z.number().min(0, 'must not be negative').max(7 * 86_400, 'must be at most 604800 (a week)'),
    jitter: z.number().min(0, 'is a fraction between 0 and 1').max(1, 'is a fraction between 0 and 1'),
  })
  .refine((p) => p.maxDelaySeconds >= p.baseDelaySeconds, { message: 'must not be below baseDelaySeconds', path: ['maxDelaySeconds'] });
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelaySeconds: 5, factor: 3, maxDelaySeconds: 3600, jitter: 0.2 };

const maxCount = 100_000_000;
const countLimit = z.number().int().min(1, 'must be at least 1').max(maxCount, `must be at most ${maxCount}`).nullable().default(null);

/** The windows a rate limit can set, shortest first, with their length in seconds. */
export const rateLimitWindows = [
  { key: 'maxPerMinute', window: 'minute', seconds: 60 },
  { key: 'maxPerHour', window: 'hour', seconds: 3600 },
  { key: 'maxPerDay', window: 'day', seconds: 86_400 },
] as const;
export type RateLimitWindow = (typeof rateLimitWindows)[number]['window'];

/**
 * A rate limit (the seed's `rateLimits`), enforced across all workers together. Never more
 * than maxPerX messages in any window of that length (sliding, not calendar). Without a burst,
 * messages are spread evenly over the shortest window set (100 per minute: one every 0.6 s);
 * with `burstAllowed`, up to `burstMax` may go back to back. Over the limit a delivery waits
 * for a token; it is never dropped.
 */
export const rateLimitSchema = z
  .strictObject({
    maxPerMinute: countLimit,
    maxPerHour: countLimit,
    maxPerDay: countLimit,
    burstAllowed: z.boolean().default(false),
    burstMax: z.number().int().min(1, 'must be at least 1').max(maxCount, `must be at most ${maxCount}`).nullable().default(null),
  })
  .superRefine((limit, context) => {
    const set = rateLimitWindows.filter(({ key }) => limit[key] !== null);
    if (set.length === 0) {
      context.addIssue({ code: 'custom', message: 'set at least one of maxPerMinute, maxPerHour, maxPerDay', path: ['maxPerMinute'] });
      return;
    }
    // A longer window with a smaller maximum than a shorter one is almost surely a typo.
    for (let i = 1; i < set.length; i += 1) {
      const shorter = set[i - 1]!;
      const longer = set[i]!;
      if (limit[longer.key]! < limit[shorter.key]!) {
        context.addIssue({ code: 'custom', message: `must not be below ${shorter.key} (${limit[shorter.key]})`, path: [longer.key] });
      }
    }
    if (limit.burstAllowed && limit.burstMax === null) {
      context.addIssue({ code: 'custom', message: 'is required when burstAllowed is true', path: ['burstMax'] });
    }
    const shortest = set[0]!;
    if (limit.burstAllowed && limit.burstMax !== null && limit.burstMax > limit[shortest.key]!) {
      context.addIssue({ code: 'custom', message: `must not exceed ${shortest.key} (${limit[shortest.key]})`, path: ['burstMax'] });
    }
  });
export type RateLimit = z.infer<typeof rateLimitSchema>;
export type RateLimitInput = z.input<typeof rateLimitSchema>;

/**
 * At most N notifications per recipient in any day / week (rolling 24 h and 7 days) across all
 * schedules. A delivery over the cap waits until the recipient is under it again; critical
 * deliveries pass it (and still count).
 */
export const frequencyCapSchema = z
  .strictObject({
    maxPerDay: z.number().int().min(1, 'must be at least 1').max(10_000, 'must be at most 10000').nullable().default(null),
    maxPerWeek: z.number().int().min(1, 'must be at least 1').max(70_000, 'must be at most 70000').nullable().default(null),
  })
  .superRefine((cap, context) => {
    if (cap.maxPerDay === null && cap.maxPerWeek === null) {
      context.addIssue({ code: 'custom', message: 'set maxPerDay or maxPerWeek', path: ['maxPerDay'] });
    } else if (cap.maxPerDay !== null && cap.maxPerWeek !== null && cap.maxPerWeek < cap.maxPerDay) {
      context.addIssue({ code: 'custom', message: `must not be below maxPerDay (${cap.maxPerDay})`, path: ['maxPerWeek'] });
    }
  });
export type FrequencyCap = z.infer<typeof frequencyCapSchema>;

/** A time of day on a wall clock, `HH:MM` in 24-hour form (00:00 … 23:59). */
export const clockTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24-hour), e.g. 21:00');

const startDiffersFromEnd = <T extends { start: string; end: string }>(window: T) => window.start !== window.end;
const sameStartAndEnd = { message: 'must differ from start (a window from a time to itself would be empty, or the whole day)', path: ['end'] };

/**
 * Quiet hours as a daily wall-clock window in a person's own time zone, start included and
 * end excluded. It may cross midnight: 21:00 → 08:00 is quiet from 9 pm to 8 am. A message
 * due inside it waits until it ends (never dropped); critical messages go anyway.
 */
export const quietWindowSchema = z.strictObject({ start: clockTimeSchema, end: clockTimeSchema }).refine(startDiffersFromEnd, sameStartAndEnd);
export type QuietWindow = z.infer<typeof quietWindowSchema>;

/** The instance's quiet hours: the window for everyone without their own, and the zone for people without one. */
export const quietHoursSettingsSchema = z
  .strictObject({
    start: clockTimeSchema,
    end: clockTimeSchema,
    /** the zone the window is read in for recipients whose own time zone is unknown */
    timezone: timeZoneSchema,
  })
  .refine(startDiffersFromEnd, sameStartAndEnd);
export type QuietHoursSettings = z.infer<typeof quietHoursSettingsSchema>;

/**
 * A recipient's own quiet hours: a window of their own, or `"none"` for someone who wants
 * messages at any hour. Null (or absent) follows the instance's quiet hours.
 */
export const quietHoursOverrideSchema = z.union([z.literal('none'), quietWindowSchema], {
  error: 'must be "none" or a window such as {"start": "22:00", "end": "07:00"}',
});
export type QuietHoursOverride = z.infer<typeof quietHoursOverrideSchema>;

/** Settings per channel: keys must be channels (a wrong one is named: `rateLimits.channels.fax`). */
const perChannel = <T extends z.ZodType>(schema: T) =>
  z.record(z.string(), schema).superRefine((record, context) => {
    for (const key of Object.keys(record)) {
      if (!channelSchema.safeParse(key).success) context.addIssue({ code: 'custom', message: `is not a channel (${channelSchema.options.join(', ')})`, path: [key] });
    }
  }) as unknown as z.ZodType<Partial<Record<Channel, z.output<T>>>, Partial<Record<Channel, z.input<T>>>>;

/** Instance-wide delivery settings (admins write them, everyone signed in reads them). */
export const deliverySettingsSchema = z.strictObject({
  rateLimits: z.strictObject({
    /** every message Herald sends, whatever its channel */
    global: rateLimitSchema.nullable().default(null),
    /** the messages of one channel (one provider) */
    channels: perChannel(rateLimitSchema).default({}),
  }).default({ global: null, channels: {} }),
  retryPolicies: z.strictObject({
    default: retryPolicySchema.default(defaultRetryPolicy),
    /** a channel's own policy; a schedule's policy wins over both */
    channels: perChannel(retryPolicySchema).default({}),
  }).default({ default: defaultRetryPolicy, channels: {} }),
  frequencyCap: frequencyCapSchema.nullable().default(null),
  /** cost of one message per channel, in the account's currency */
  costs: perChannel(z.number().min(0, 'must not be negative').max(1000, 'must be at most 1000')).default({}),
  /** quiet hours for every recipient without their own; null: none */
  quietHours: quietHoursSettingsSchema.nullable().default(null),
});
export type DeliverySettings = z.infer<typeof deliverySettingsSchema>;
export type DeliverySettingsInput = z.input<typeof deliverySettingsSchema>;

export const defaultDeliverySettings: DeliverySettings = {
  rateLimits: { global: null, channels: {} },
  retryPolicies: { default: defaultRetryPolicy, channels: {} },
  frequencyCap: null,
  costs: {},
  quietHours: null,
};

/** Send on every selected channel, or on the first one in order that the recipient can receive and that succeeds. */
export const channelModeSchema = z.enum(['all', 'fallback']);
export type ChannelMode = z.infer<typeof channelModeSchema>;

/** The current use of one window of a rate limit. */
export const rateLimitWindowUsageSchema = z.object({
  window: z.enum(['minute', 'hour', 'day']),
  limit: z.number().int(),
  /** messages sent in the last window-long stretch of time */
  used: z.number().int(),
  remaining: z.number().int(),
});

/** What one rate limit is doing right now. */
export const rateLimitUsageSchema = z.object({
  /** `global`, `channel:<channel>` or `schedule:<id>` */
  key: z.string(),
  scope: z.enum(['global', 'channel', 'schedule']),
  channel: channelSchema.nullable(),
  scheduleId: z.string().nullable(),
  scheduleName: z.string().nullable(),
  limit: rateLimitSchema,
  windows: z.array(rateLimitWindowUsageSchema),
  /** messages that may go at once right now (bounded by burstMax, or 1 without a burst) */
  available: z.number().int(),
  /** when the next message may go, if it cannot go now */
  nextAvailableAt: isoInstant.nullable(),
  /** queued deliveries this limit is holding back */
  deferred: z.number().int(),
});
export type RateLimitUsage = z.infer<typeof rateLimitUsageSchema>;

export const deliveryUsageSchema = z.object({
  at: isoInstant,
  limits: z.array(rateLimitUsageSchema),
  frequencyCap: z.object({
    cap: frequencyCapSchema,
    /** recipients who reached the daily / weekly cap (rolling) */
    recipientsAtDailyCap: z.number().int(),
    recipientsAtWeeklyCap: z.number().int(),
    /** queued deliveries the cap is holding back */
    deferred: z.number().int(),
  }).nullable(),
});
export type DeliveryUsage = z.infer<typeof deliveryUsageSchema>;

/**
 * One thing that happened to a delivery, oldest first. The first is its creation: `queued`
 * (or `skipped`, with the reason, when the fan-out could not queue it), read from the delivery
 * itself rather than stored twice; docs/tracking.md lists every type.
 */
export const deliveryEventSchema = z.object({
  /** the events row; null for the creation, which the delivery row records */
  id: z.number().int().nullable(),
  type: z.string(),
  channel: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: isoInstant,
});
export type DeliveryEvent = z.infer<typeof deliveryEventSchema>;

/** How often an event type happened over a schedule's deliveries, and to how many of them. */
export const deliveryEventCountSchema = z.object({
  type: z.string(),
  events: z.number().int(),
  deliveries: z.number().int(),
});
export type DeliveryEventCount = z.infer<typeof deliveryEventCountSchema>;
