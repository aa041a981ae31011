import { z } from 'zod';
import { channelSchema, isoInstant, prioritySchema, uuid } from './common.ts';

const count = z.number().int();

/** The queue dashboard in one read. */
export const queueStatsSchema = z.object({
  at: isoInstant,
  /** every delivery by status */
  byStatus: z.object({ queued: count, sending: count, sent: count, failed: count, skipped: count, cancelled: count }),
  /**
   * The work waiting and in hand, by priority. `queued` is `due` now, plus `deferred` (held
   * until later by a rate limit, the frequency cap or quiet hours), plus `retrying` (waiting out
   * the backoff after a failed attempt).
   */
  byPriority: z.array(z.object({ priority: prioritySchema, queued: count, due: count, deferred: count, retrying: count, sending: count })),
  /**
   * Per channel: deliveries waiting to try it, deliveries it delivered, and its last hour:
   * messages sent, failed for good, and failed attempts that will be retried.
   */
  byChannel: z.array(z.object({ channel: channelSchema, waiting: count, delivered: count, sentLastHour: count, failedLastHour: count, retriedLastHour: count })),
  /** channel messages sent, failed for good and failed to be retried, per minute over the last hour, oldest first, every minute present */
  throughput: z.array(z.object({ minute: isoInstant, sent: count, failed: count, retried: count })),
  /** the queued delivery that has been due the longest */
  oldestWaiting: z.object({
    deliveryId: z.number().int(),
    scheduleId: uuid,
    priority: prioritySchema,
    dueAt: isoInstant,
    waitingSeconds: z.number(),
  }).nullable(),
  /** runs still sending, with when they should be done given the rate limits */
  runs: z.array(z.object({
    runId: uuid,
    scheduleId: uuid,
    scheduleName: z.string(),
    priority: prioritySchema,
    firedAt: isoInstant,
    remaining: count,
    done: count,
    /** deliveries per second the limits allow this run (null: no limit applies) */
    allowedRatePerSecond: z.number().nullable(),
    /** null when nothing bounds it and nothing was sent lately to extrapolate from */
    projectedFinishAt: isoInstant.nullable(),
  })),
});
export type QueueStats = z.infer<typeof queueStatsSchema>;

/** A delivery that failed for good, with why. */
export const deadLetterSchema = z.object({
  id: z.number().int(),
  runId: uuid,
  scheduleId: uuid,
  scheduleName: z.string(),
  recipientId: uuid,
  recipientExternalId: z.string(),
  priority: prioritySchema,
  channels: z.array(z.string()),
  attempts: count,
  reason: z.string(),
  failedAt: isoInstant,
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

export const deadLetterListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  scheduleId: uuid.optional(),
  runId: uuid.optional(),
  channel: channelSchema.optional().describe('dead letters that tried this channel'),
});

/** Which dead letters to send again: the listed ids, or every one matching the filters (at most 100,000 at once). */
export const deadLetterBulkRetrySchema = z
  .strictObject({
    ids: z.array(z.number().int().min(1)).min(1, 'give at least one id').max(1000, 'at most 1000 ids; use the filters for more').optional(),
    scheduleId: uuid.optional(),
    runId: uuid.optional(),
    all: z.literal(true).optional().describe('every dead letter (with no other filter)'),
  })
  .refine((body) => body.ids !== undefined || body.scheduleId !== undefined || body.runId !== undefined || body.all === true, {
    message: 'give ids, a scheduleId, a runId, or all: true',
    path: ['ids'],
  });
export type DeadLetterBulkRetry = z.infer<typeof deadLetterBulkRetrySchema>;

export const deadLetterRetryResultSchema = z.object({ retried: count });
export type DeadLetterRetryResult = z.infer<typeof deadLetterRetryResultSchema>;
