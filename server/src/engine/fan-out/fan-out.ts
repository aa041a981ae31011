/**
 * Fan-out: a run's audience becomes delivery rows, in the transaction that created the run.
 */
import type { Audience, Priority } from '@herald/shared';
import type { DbOrTx } from '../../db/client.ts';
import { audiencePredicate } from './audience.ts';
import { knownChannelsOf } from './channels.ts';
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

/** Smaller is served first by the workers. */
const priorityRank: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

/** Creates one delivery per audience member of the run, queued or skipped with a reason, and returns the counts. */
export async function fanOut(tx: DbOrTx, input: FanOutInput): Promise<FanOutCounts> {
  return insertDeliveries(tx, {
    runId: input.runId,
    scheduleId: input.scheduleId,
    audience: await audiencePredicate(tx, input.audience),
    channels: knownChannelsOf(input.channels),
    priority: priorityRank[input.priority] ?? priorityRank.normal,
    dueAt: input.dueAt,
  });
}
