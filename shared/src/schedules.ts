import { z } from 'zod';
import { channelSchema, isoInstant, prioritySchema, timeZoneSchema, uuid } from './common.ts';
import { channelModeSchema, rateLimitSchema, retryPolicySchema } from './delivery.ts';
import { timingSchema } from './timing.ts';

export const audienceSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('all') }),
  z.strictObject({ type: z.literal('active') }),
  z.strictObject({ type: z.literal('test'), recipientIds: z.array(uuid).min(1, 'pick at least one recipient').max(1000) }),
  z.strictObject({ type: z.literal('segment'), segmentId: uuid }),
]);
export type Audience = z.infer<typeof audienceSchema>;

export const scheduleStatusSchema = z.enum(['active', 'paused', 'completed']);

export const scheduleInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200),
  templateId: uuid,
  timezone: timeZoneSchema,
  timing: timingSchema,
  audience: audienceSchema,
  channels: z
    .array(channelSchema)
    .min(1, 'pick at least one channel')
    .refine((list) => new Set(list).size === list.length, { message: 'must not repeat a channel' }),
  priority: prioritySchema.default('normal'),
  status: z.enum(['active', 'paused']).default('active'),
  /** all: every selected channel the recipient can receive; fallback: the first in `channels` order that succeeds */
  channelMode: channelModeSchema.default('all'),
  /** this schedule's own rate limit, on top of the global and per-channel ones; null: none */
  rateLimit: rateLimitSchema.nullable().default(null),
  /** how this schedule's failed sends are retried; null: the channel's or the default policy */
  retryPolicy: retryPolicySchema.nullable().default(null),
});
export type ScheduleInput = z.input<typeof scheduleInputSchema>;

export const scheduleSchema = z.object({
  id: uuid,
  name: z.string(),
  templateId: uuid,
  templateName: z.string(),
  status: scheduleStatusSchema,
  timezone: z.string(),
  timing: timingSchema,
  /** the timing in words, e.g. "Every Monday and Friday at 09:00 (Europe/Paris)" */
  description: z.string(),
  audience: audienceSchema,
  channels: z.array(channelSchema),
  priority: prioritySchema,
  channelMode: channelModeSchema,
  rateLimit: rateLimitSchema.nullable(),
  retryPolicy: retryPolicySchema.nullable(),
  nextRunAt: isoInstant.nullable(),
  lastRunAt: isoInstant.nullable(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export type Schedule = z.infer<typeof scheduleSchema>;

export const timingPreviewInputSchema = z.strictObject({ timezone: timeZoneSchema, timing: timingSchema, count: z.number().int().min(1).max(50).default(5) });
export const timingPreviewSchema = z.object({ description: z.string(), occurrences: z.array(isoInstant) });
export type TimingPreview = z.infer<typeof timingPreviewSchema>;

export const runStatusSchema = z.enum(['sending', 'completed', 'missed', 'cancelled']);
export const deliveryStatusSchema = z.enum(['queued', 'sending', 'sent', 'failed', 'skipped', 'cancelled']);

export const runSchema = z.object({
  id: uuid,
  scheduleId: uuid,
  occurrenceAt: isoInstant,
  status: runStatusSchema,
  trigger: z.enum(['scheduled', 'manual', 'catch-up']),
  audienceSize: z.number().int(),
  /** deliveries by status; a status with none is absent */
  counts: z.partialRecord(deliveryStatusSchema, z.number().int()),
  firedAt: isoInstant,
  completedAt: isoInstant.nullable(),
});
export type Run = z.infer<typeof runSchema>;

export const deliverySchema = z.object({
  id: z.number().int(),
  runId: uuid,
  recipientId: uuid,
  recipientExternalId: z.string(),
  recipientEmail: z.string().nullable(),
  status: deliveryStatusSchema,
  channels: z.array(channelSchema),
  channel: channelSchema.nullable(),
  attempts: z.number().int(),
  reason: z.string().nullable(),
  dueAt: isoInstant,
  sentAt: isoInstant.nullable(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** Pause (with an optional reason, kept in the history) or resume one schedule. */
export const scheduleStatusChangeSchema = z.strictObject({ reason: z.string().trim().max(500).optional() });

/** Pause or resume many schedules at once: each is changed or reported, never half of one. */
export const scheduleBulkActionSchema = z.strictObject({
  ids: z.array(uuid).min(1, 'pick at least one schedule').max(500, 'at most 500 schedules at once'),
  reason: z.string().trim().max(500).optional(),
});
export type ScheduleBulkAction = z.input<typeof scheduleBulkActionSchema>;
export const scheduleBulkResultSchema = z.object({
  changed: z.array(uuid),
  /** the schedules left as they were, and why */
  refused: z.array(z.object({ id: uuid, message: z.string() })),
});
export type ScheduleBulkResult = z.infer<typeof scheduleBulkResultSchema>;

/** One line of a schedule's audit trail. */
export const scheduleHistoryEntrySchema = z.object({
  id: z.number().int(),
  action: z.string().describe('created, updated, paused, resumed, run_now, …'),
  userEmail: z.string().nullable(),
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: isoInstant,
});
export type ScheduleHistoryEntry = z.infer<typeof scheduleHistoryEntrySchema>;

/** How each channel did for a schedule, over all its runs: for comparing channels side by side. */
export const scheduleChannelStatsSchema = z.object({
  channel: channelSchema,
  /** deliveries sent on this channel */
  sent: z.number().int(),
  /** send attempts on this channel that failed (a retry that later succeeded counts here too) */
  failedAttempts: z.number().int(),
  /** deliveries whose open was recorded, human or machine (opens and clicks: 0 on a channel not in `engagementTrackedChannels`) */
  opened: z.number().int(),
  /** deliveries opened by a person, as far as can be told (privacy proxies and scanners excluded) */
  humanOpened: z.number().int(),
  clicked: z.number().int(),
  unsubscribed: z.number().int(),
  /** the recorded cost of the deliveries sent on this channel */
  cost: z.number(),
});
export type ScheduleChannelStats = z.infer<typeof scheduleChannelStatsSchema>;
