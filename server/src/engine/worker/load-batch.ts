/**
 * Everything a claimed batch needs before sending, read in a fixed handful of queries for the
 * whole batch (not per delivery): its runs with their schedule and template (so a template
 * is read and validated once per batch however many deliveries use it), what earlier
 * attempts of retried deliveries came to, and the delivery settings. The recipients came
 * with the claim.
 */
import { and, eq, gt, inArray, or } from 'drizzle-orm';
import {
  channelModeSchema,
  quietHoursOverrideSchema,
  rateLimitSchema,
  retryPolicySchema,
  type ChannelMode,
  type DeliverySettings,
  type QuietHoursOverride,
  type RateLimit,
  type RetryPolicy,
} from '@herald/shared';
import type { Db } from '../../db/client.ts';
import { deliveries, deliveryAttempts, runs, schedules, templates } from '../../db/schema.ts';
import { readDeliverySettings } from '../../modules/settings/service.ts';
import type { ClaimedWithRecipient, StoredRecipient } from './claim-deliveries.ts';
import type { EarlierOutcome } from './settle-delivery.ts';
import { parseTemplateContent, type RecipientRow, type RunInfo } from './render-message.ts';

/** A recipient as dispatch sees it: addresses for the senders, preferences for the plan and the limits. */
export type BatchRecipient = RecipientRow & { optedOutChannels: string[]; isUnsubscribed: boolean; quietHours: QuietHoursOverride | null };

/** A run with what its schedule says about delivery (stored JSON, checked: anything invalid is ignored). */
export type BatchRun = RunInfo & { channelMode: ChannelMode; retryPolicy: RetryPolicy | null; rateLimit: RateLimit | null };

export type BatchData = {
  recipients: Map<string, BatchRecipient>;
  runs: Map<string, BatchRun>;
  /** by delivery id; empty for first attempts */
  earlier: Map<number, EarlierOutcome[]>;
  settings: DeliverySettings;
};

function parsedOrNull<T>(schema: { safeParse: (value: unknown) => { success: true; data: T } | { success: false } }, value: unknown): T | null {
  if (value === null || value === undefined) return null;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The recipient as dispatch sees it; stored JSON that does not parse follows the instance's quiet hours. */
function batchRecipient(stored: StoredRecipient): BatchRecipient {
  // Field by field: rest and spread of a row cost several times as much, once per delivery.
  return {
    id: stored.id,
    externalId: stored.externalId,
    email: stored.email,
    phone: stored.phone,
    name: stored.name,
    timezone: stored.timezone,
    locale: stored.locale,
    attributes: stored.attributes ?? {},
    optedOutChannels: stored.optedOutChannels,
    isUnsubscribed: stored.unsubscribedAt !== null,
    quietHours: parsedOrNull(quietHoursOverrideSchema, stored.quietHours),
  };
}

/**
 * Loads the runs, templates, earlier outcomes and settings of a claimed batch. `readSettings`
 * may answer from a cache (the worker's, a second old at most).
 */
export async function loadBatch(db: Db, claimed: readonly ClaimedWithRecipient[], readSettings: () => Promise<DeliverySettings> = () => readDeliverySettings(db)): Promise<BatchData> {
  const runIds = [...new Set(claimed.map((d) => d.runId))];
  const retriedIds = claimed.filter((d) => d.attempts > 1).map((d) => d.id);

  const [runRows, attemptRows, settings] = await Promise.all([
    db.select({
      runId: runs.id,
      occurrenceAt: runs.occurrenceAt,
      scheduleId: schedules.id,
      scheduleName: schedules.name,
      channelMode: schedules.channelMode,
      retryPolicy: schedules.retryPolicy,
      rateLimit: schedules.rateLimit,
      content: templates.content,
    }).from(runs)
      .innerJoin(schedules, eq(schedules.id, runs.scheduleId))
      .innerJoin(templates, eq(templates.id, schedules.templateId))
      .where(inArray(runs.id, runIds)),
    retriedIds.length === 0
      ? Promise.resolve([])
      // What was sent counts forever (never send a channel twice); failures only since the last retry from the dead letters.
      : db.select({ deliveryId: deliveryAttempts.deliveryId, channel: deliveryAttempts.channel, status: deliveryAttempts.status, isTransient: deliveryAttempts.isTransient, error: deliveryAttempts.error })
        .from(deliveryAttempts)
        .innerJoin(deliveries, eq(deliveries.id, deliveryAttempts.deliveryId))
        .where(and(
          inArray(deliveryAttempts.deliveryId, retriedIds),
          or(eq(deliveryAttempts.status, 'sent'), gt(deliveryAttempts.attempt, deliveries.retryBase)),
        ))
        .orderBy(deliveryAttempts.id),
    readSettings(),
  ]);

  const earlier = new Map<number, EarlierOutcome[]>();
  for (const row of attemptRows) {
    const list = earlier.get(row.deliveryId) ?? [];
    list.push({ channel: row.channel, status: row.status === 'sent' ? 'sent' : 'failed', isTransient: row.isTransient, error: row.error });
    earlier.set(row.deliveryId, list);
  }
  return {
    recipients: new Map(claimed.flatMap(({ recipient }) => (recipient ? [[recipient.id, batchRecipient(recipient)] as const] : []))),
    runs: new Map(runRows.map((r) => [r.runId, {
      ...r,
      content: parseTemplateContent(r.content),
      channelMode: channelModeSchema.safeParse(r.channelMode).data ?? 'all',
      retryPolicy: parsedOrNull(retryPolicySchema, r.retryPolicy),
      rateLimit: parsedOrNull(rateLimitSchema, r.rateLimit),
    }])),
    earlier,
    settings,
  };
}
