/**
 * Everything a claimed batch needs before sending, read in three queries for the whole
 * batch (not per delivery): its recipients, its runs with their schedule and template (so a
 * template is read and validated once per batch however many deliveries use it), and what
 * earlier attempts of retried deliveries already settled.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { deliveryAttempts, recipients, runs, schedules, templates } from '../../db/schema.ts';
import type { ClaimedDelivery } from './claim-deliveries.ts';
import type { EarlierOutcome } from './settle-delivery.ts';
import { parseTemplateContent, type RecipientRow, type RunInfo } from './render-message.ts';

export type BatchData = {
  recipients: Map<string, RecipientRow>;
  runs: Map<string, RunInfo>;
  /** by delivery id; empty for first attempts */
  earlier: Map<number, EarlierOutcome[]>;
};

/** Loads the recipients, runs, templates and earlier outcomes of a claimed batch. */
export async function loadBatch(db: Db, claimed: readonly ClaimedDelivery[]): Promise<BatchData> {
  const recipientIds = [...new Set(claimed.map((d) => d.recipientId))];
  const runIds = [...new Set(claimed.map((d) => d.runId))];
  const retriedIds = claimed.filter((d) => d.attempts > 1).map((d) => d.id);

  const [recipientRows, runRows, attemptRows] = await Promise.all([
    db.select({
      id: recipients.id,
      externalId: recipients.externalId,
      email: recipients.email,
      phone: recipients.phone,
      name: recipients.name,
      timezone: recipients.timezone,
      locale: recipients.locale,
      attributes: recipients.attributes,
    }).from(recipients).where(inArray(recipients.id, recipientIds)),
    db.select({
      runId: runs.id,
      occurrenceAt: runs.occurrenceAt,
      scheduleId: schedules.id,
      scheduleName: schedules.name,
      content: templates.content,
    }).from(runs)
      .innerJoin(schedules, eq(schedules.id, runs.scheduleId))
      .innerJoin(templates, eq(templates.id, schedules.templateId))
      .where(inArray(runs.id, runIds)),
    retriedIds.length === 0
      ? Promise.resolve([])
      : db.select({ deliveryId: deliveryAttempts.deliveryId, channel: deliveryAttempts.channel, status: deliveryAttempts.status, error: deliveryAttempts.error })
        .from(deliveryAttempts)
        .where(and(
          inArray(deliveryAttempts.deliveryId, retriedIds),
          or(eq(deliveryAttempts.status, 'sent'), eq(deliveryAttempts.isTransient, false)),
        ))
        .orderBy(deliveryAttempts.id),
  ]);

  const earlier = new Map<number, EarlierOutcome[]>();
  for (const row of attemptRows) {
    const list = earlier.get(row.deliveryId) ?? [];
    list.push({ channel: row.channel, status: row.status === 'sent' ? 'sent' : 'failed', error: row.error });
    earlier.set(row.deliveryId, list);
  }
  return {
    recipients: new Map(recipientRows.map((r) => [r.id, { ...r, attributes: r.attributes ?? {} }])),
    runs: new Map(runRows.map((r) => [r.runId, { ...r, content: parseTemplateContent(r.content) }])),
    earlier,
  };
}
