import { channelModeSchema, channelSchema, prioritySchema, rateLimitSchema, retryPolicySchema, scheduleStatusSchema, timingSchema, type Schedule } from '@herald/shared';
import type { schedules } from '../../db/schema.ts';
import { audienceOfSchedule } from '../../engine/fan-out/audience.ts';
import { describeTiming } from '../../scheduling/describe-timing.ts';

export type ScheduleRow = typeof schedules.$inferSelect & { templateName: string };

/** A schedule row as the API shows it; the stored JSON is checked, not trusted. */
export function presentSchedule(row: ScheduleRow): Schedule {
  const timing = timingSchema.parse(row.timing);
  return {
    id: row.id,
    name: row.name,
    templateId: row.templateId,
    templateName: row.templateName,
    status: scheduleStatusSchema.parse(row.status),
    timezone: row.timezone,
    timing,
    description: describeTiming(timing, row.timezone),
    audience: audienceOfSchedule(row),
    channels: row.channels.map((channel) => channelSchema.parse(channel)),
    priority: prioritySchema.parse(row.priority),
    channelMode: channelModeSchema.parse(row.channelMode),
    rateLimit: row.rateLimit === null ? null : rateLimitSchema.parse(row.rateLimit),
    retryPolicy: row.retryPolicy === null ? null : retryPolicySchema.parse(row.retryPolicy),
    nextRunAt: row.nextRunAt?.toISOString() ?? null,
    lastRunAt: row.lastRunAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
