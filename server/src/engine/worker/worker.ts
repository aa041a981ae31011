/**
 * The worker: a loop that claims batches of due deliveries and dispatches them, while a
 * heartbeat renews the leases of the deliveries in its hands and expired leases of dead
 * workers are put back in the queue. Any number of workers, in any number of processes, can
 * share one PostgreSQL (claims use FOR UPDATE SKIP LOCKED).
 *
 * The loop is a pipeline, since one batch spends most of its time waiting on round trips:
 * while a batch sends, the next one is claimed, loaded and limited, and the batch before is
 * recorded. Results are still written one batch at a time, in the order the batches were
 * claimed, so a more urgent batch is never recorded after a less urgent one. At most two
 * batches are sent and not yet recorded when the process dies.
 *
 * An idle worker sleeps until its poll (HERALD_WORKER_INTERVAL_MS) or until the scheduler
 * announces due deliveries (LISTEN herald_deliveries), whichever comes first.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { HeraldContext } from '../../context.ts';
import { defaultWorkerBatchSize } from '../../config.ts';
import { cachedLoader } from '../../channels/generated-setting.ts';
import { createChannelRegistry } from '../../channels/registry.ts';
import { readDeliverySettings } from '../../modules/settings/service.ts';
import { deliveriesChannel } from '../scheduler/announce.ts';
import type { ChannelSenders } from '../../channels/types.ts';
import type { RetryPolicy } from '@herald/shared';
import { extendLeases, reclaimExpiredLeases } from './claim-deliveries.ts';
import { claimBatch, recordBatch, releaseBatch, sendBatch, type ClaimedBatch, type DispatchOptions } from './dispatch.ts';
import { completeSettledRuns } from './record-results.ts';
import { createRunCompletion } from './run-completion.ts';
import { createWakeups } from './wakeups.ts';

export type WorkerOptions = {
  /** how long a claim holds without renewal; a dead worker's deliveries return after this */
  leaseMs?: number;
  /** replaces parts of the default retry policy of the delivery settings (tests that cannot wait seconds) */
  retryPolicy?: Partial<RetryPolicy>;
  /** replaces the channel senders of the registry (benchmarks against other sinks) */
  senders?: ChannelSenders;
};

export type Worker = {
  /** this worker's name in `deliveries.locked_by` */
  id: string;
  /** Claims nothing more, finishes what is in flight, hands back what was claimed but not started. */
  stop: () => Promise<void>;
};

const defaultLeaseMs = 60_000;

/** How old the delivery settings a worker acts on may be. */
const settingsMaxAgeMs = 1_000;

/** While the queue is busy, how long a run whose deliveries are all recorded may stay open at most. */
const runCheckIntervalMs = 1_000;

/** Starts a worker in this process: its dispatch loop, its heartbeat, its wake-up on notification. */
export function startWorker(context: HeraldContext, options: WorkerOptions = {}): Worker {
  const { config, database, logger } = context;
  const id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const dispatchOptions: DispatchOptions = {
    workerId: id,
    batchSize: config.workerBatchSize ?? defaultWorkerBatchSize[database.driver],
    concurrency: config.workerConcurrency,
    leaseMs,
    limitWindowScale: config.limitWindowScale,
    ...(options.retryPolicy ? { defaultRetryPolicy: options.retryPolicy } : {}),
    // Read once a second at most, not once a batch (a read and a validation of the whole
    // settings each time): a change reaches every worker within a second.
    readSettings: cachedLoader(() => readDeliverySettings(database.db), settingsMaxAgeMs),
  };
  const registry = options.senders ? undefined : createChannelRegistry(context);
  const senders = options.senders ?? registry!.senders;
  const log = logger.child({ worker: id });

  let isStopping = false;
  const wakeups = createWakeups(config.workerIntervalMs);
  const runs = createRunCompletion(database, runCheckIntervalMs);
  const checkWaitingRuns = () => runs.checkWaiting().catch((error: unknown) => log.warn({ err: error }, 'could not complete runs; the next check will'));
  // Every claimed batch, until it is recorded or handed back: the heartbeat renews them all in one statement.
  const inFlight = new Set<number>();
  const inFlightHooks = {
    add: (ids: readonly number[]) => { for (const deliveryId of ids) inFlight.add(deliveryId); },
    remove: (ids: readonly number[]) => { for (const deliveryId of ids) inFlight.delete(deliveryId); },
  };

  // Renew well before expiry: a third of the lease leaves two renewals' slack.
  const heartbeat = setInterval(() => {
    extendLeases(database, id, [...inFlight], leaseMs).catch((error: unknown) => log.warn({ err: error }, 'could not renew leases'));
  }, Math.max(10, Math.floor(leaseMs / 3)));
  heartbeat.unref();

  // The scheduler announces a firing that queued deliveries when it commits: wake at once.
  // A missed notification (a lost connection) costs at most one poll: the poll stays as the fallback.
  const unlisten = database.listen(deliveriesChannel, () => wakeups.wake()).catch((error: unknown) => {
    log.warn({ err: error }, 'could not listen for due deliveries; polling only');
    return undefined;
  });

  let lastReclaimAt = 0;
  async function reclaimWhenDue(): Promise<void> {
    if (Date.now() - lastReclaimAt < leaseMs / 2) return;
    lastReclaimAt = Date.now();
    const reclaimed = await reclaimExpiredLeases(database);
    if (reclaimed > 0) log.warn({ reclaimed }, 'requeued deliveries whose worker stopped renewing its lease');
    // the runs a dead worker had recorded to the end but not yet completed
    await completeSettledRuns(database);
  }

  // A claim never rejects: the loop must not leave a failed claim unhandled while it sends.
  type Claim = { claimed: ClaimedBatch | null } | { error: unknown };
  const claim = (): Promise<Claim> => claimBatch(context, dispatchOptions, inFlightHooks).then((claimed) => ({ claimed }), (error: unknown) => ({ error }));

  async function loop(): Promise<void> {
    let next: Promise<Claim> | undefined;
    let recording: Promise<unknown> = Promise.resolve();
    while (!isStopping) {
      await reclaimWhenDue().catch((error: unknown) => log.error({ err: error }, 'could not requeue expired leases or complete open runs'));
      const claimed = await (next ?? claim());
      next = undefined;
      if ('error' in claimed || !claimed.claimed) {
        if ('error' in claimed) log.error({ err: claimed.error }, 'worker batch failed');
        await recording;
        await checkWaitingRuns();
        await wakeups.sleep();
        continue;
      }
      const batch = claimed.claimed;
      const isFull = batch.claimed.length >= dispatchOptions.batchSize;
      // A full batch means more is probably waiting: claim the next one while this one sends.
      if (isFull && !isStopping) next = claim();
      const notStarted = await sendBatch(context, senders, dispatchOptions, batch, () => isStopping);
      // The batch before first: one write at a time, in the order of the claims.
      await recording;
      recording = recordBatch(context, dispatchOptions, batch, notStarted, inFlightHooks, runs)
        .catch((error: unknown) => log.error({ err: error }, 'could not record a batch; its deliveries return when their leases expire'));
      if (isFull) continue;
      await recording;
      // A rate limit promised a delivery a time sooner than the next poll: wake up for it,
      // so its token is not left unused (an unused moment of a limit is lost for good).
      await wakeups.sleep(batch.nextDeferredAt ? batch.nextDeferredAt.getTime() - Date.now() : undefined);
    }
    await recording;
    await checkWaitingRuns();
    // Claimed while the last batch was sending, never started: hand it back.
    const unsent = await next;
    if (unsent && 'claimed' in unsent && unsent.claimed) {
      await releaseBatch(context, dispatchOptions, unsent.claimed, inFlightHooks).catch((error: unknown) => log.warn({ err: error }, 'could not hand back a claimed batch; it returns when its leases expire'));
    }
  }

  const running = loop();
  log.info({ batchSize: dispatchOptions.batchSize, concurrency: dispatchOptions.concurrency }, 'worker started');

  return {
    id,
    stop: async () => {
      isStopping = true;
      wakeups.stop();
      await running;
      clearInterval(heartbeat);
      await (await unlisten)?.();
      await registry?.close();
      log.info('worker stopped');
    },
  };
}
