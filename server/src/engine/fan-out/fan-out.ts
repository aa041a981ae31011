/**
 * Fan-out: a run's audience becomes delivery rows, in the transaction that created the run.
 */
import type { Audience, Priority } from '@herald/shared';
import { sql } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../db/client.ts';
import { audiencePredicate } from './audience.ts';
import { knownChannelsOf } from './channels.ts';
import { lockForFanOut } from './fan-out-lock.ts';
import { insertDeliveries, type FanOutCounts } from './insert-deliveries.ts';

export type FanOutInput = {
  runId: string;
  scheduleId: string;
  audience: Audience;
  /** the schedule's channels, in the order to try them */
  channels: string[];
  priority: Priority;
  dueAt: Date;
};

/** True when the schedule's template gives the webhook URL itself (then no recipient needs one). */
async function templateHasWebhookUrl(tx: DbOrTx, scheduleId: string): Promise<boolean> {
  const [row] = await rowsOf<{ has_url: boolean }>(tx, sql`
    SELECT coalesce(t.content -> 'webhook' ->> 'url', '') <> '' AS has_url
      FROM schedules s JOIN templates t ON t.id = s.template_id
     WHERE s.id = ${scheduleId}::uuid`);
  return row?.has_url ?? false;
}

/** Smaller is served first by the workers. */
const priorityRank: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

/** Creates one delivery per audience member of the run, queued or skipped with a reason, and returns the counts. */
export async function fanOut(tx: DbOrTx, input: FanOutInput): Promise<FanOutCounts> {
  // Before the audience is read: a recipient deleted meanwhile is then either out of the
  // snapshot or waits for this transaction and takes its delivery with it (fan-out-lock.ts).
  await lockForFanOut(tx);
  const channels = knownChannelsOf(input.channels);
  return insertDeliveries(tx, {
    runId: input.runId,
    scheduleId: input.scheduleId,
    audience: await audiencePredicate(tx, input.audience),
    channels,
    addressing: { hasTemplateWebhookUrl: channels.includes('webhook') && (await templateHasWebhookUrl(tx, input.scheduleId)) },
    priority: priorityRank[input.priority] ?? priorityRank.normal,
    dueAt: input.dueAt,
  });
}
