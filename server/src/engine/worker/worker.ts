/**
 * The worker: a loop that claims batches of due deliveries and dispatches them, while a
 * heartbeat renews the leases of the deliveries in its hands and expired leases of dead
 * workers are put back in the queue. Any number of workers, in any number of processes,
 * can share one PostgreSQL (claims use FOR UPDATE SKIP LOCKED).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { HeraldContext } from '../../context.ts';
import { createChannelRegistry } from '../../channels/registry.ts';
import type { ChannelSenders } from '../../channels/types.ts';
import type { RetryPolicy } from '@herald/shared';
import { extendLeases, reclaimExpiredLeases } from './claim-deliveries.ts';
import { dispatchBatch, type DispatchOptions } from './dispatch.ts';

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

/** Starts a worker loop in this process. */
export function startWorker(context: HeraldContext, options: WorkerOptions = {}): Worker {
  const { config, database, logger } = context;
  const id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const dispatchOptions: DispatchOptions = {
    workerId: id,
    batchSize: config.workerBatchSize,
    concurrency: config.workerConcurrency,
    leaseMs,
    limitWindowScale: config.limitWindowScale,
    ...(options.retryPolicy ? { defaultRetryPolicy: options.retryPolicy } : {}),
  };
  const registry = options.senders ? undefined : createChannelRegistry(context);
  const senders = options.senders ?? registry!.senders;
  const log = logger.child({ worker: id });

  let isStopping = false;
  let wake: (() => void) | undefined;
  const inFlight = new Set<number>();
  const inFlightHooks = {
    add: (ids: readonly number[]) => { for (const deliveryId of ids) inFlight.add(deliveryId); },
    remove: (ids: readonly number[]) => { for (const deliveryId of ids) inFlight.delete(deliveryId); },
  };

  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done;
  });

  // Renew well before expiry: a third of the lease leaves two renewals' slack.
  const heartbeat = setInterval(() => {
    extendLeases(database, id, [...inFlight], leaseMs).catch((error: unknown) => log.warn({ err: error }, 'could not renew leases'));
  }, Math.max(10, Math.floor(leaseMs / 3)));
  heartbeat.unref();

  async function loop(): Promise<void> {
    let lastReclaimAt = 0;
    while (!isStopping) {
      try {
        if (Date.now() - lastReclaimAt >= leaseMs / 2) {
          lastReclaimAt = Date.now();
          const reclaimed = await reclaimExpiredLeases(database);
          if (reclaimed > 0) log.warn({ reclaimed }, 'requeued deliveries whose worker stopped renewing its lease');
        }
        const report = await dispatchBatch(context, senders, dispatchOptions, () => isStopping, inFlightHooks);
        // A full batch means more is probably waiting: go again at once. A rate limit promised
        // a delivery a time sooner than the next tick: wake up for it, so its token is not
        // left unused (an unused moment of a limit is lost for good).
        if (report.claimed < dispatchOptions.batchSize && !isStopping) {
          const untilDeferred = report.nextDeferredAt ? report.nextDeferredAt.getTime() - Date.now() : Infinity;
          await pause(Math.max(0, Math.min(config.workerIntervalMs, untilDeferred)));
        }
      } catch (error) {
        log.error({ err: error }, 'worker batch failed');
        if (!isStopping) await pause(config.workerIntervalMs);
      }
    }
  }

  const running = loop();
  log.info({ batchSize: dispatchOptions.batchSize, concurrency: dispatchOptions.concurrency }, 'worker started');

  return {
    id,
    stop: async () => {
      isStopping = true;
      wake?.();
      await running;
      clearInterval(heartbeat);
      await registry?.close();
      log.info('worker stopped');
    },
  };
}
