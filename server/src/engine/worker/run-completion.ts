/**
 * Completing runs: a run is completed once none of its deliveries is queued, which the worker
 * that records its last batch is the first to see.
 *
 * Checking the runs of every batch as it is recorded cost 5–15 µs of PostgreSQL a delivery
 * (bench/queue-cycle.ts): the check walks the run's entries in deliveries_run_open_idx, among
 * them one for each delivery sent since the last vacuum. So while the queue keeps the worker
 * busy (its batches come back full), the runs it records wait, and are checked together at most
 * once every `intervalMs`. A batch that comes back short of full means the queue has run dry,
 * as it does at the end of every run, and every waiting run is checked at once, as is each run
 * when the worker goes idle or stops.
 *
 * A worker that dies loses its waiting runs; `completeSettledRuns` without run ids, run with the
 * reclaim of expired leases (worker.ts), completes any run left open with nothing queued.
 */
import type { Database } from '../../db/client.ts';
import { completeSettledRuns } from './record-results.ts';

export type RunCompletion = {
  /** The runs of a batch just recorded: checked now, or later while the queue is busy. Returns the runs completed now. */
  recorded: (runIds: Iterable<string>, isQueueBusy: boolean) => Promise<string[]>;
  /** Checks every waiting run now. */
  checkWaiting: () => Promise<string[]>;
};

export function createRunCompletion(database: Database, intervalMs: number): RunCompletion {
  const waiting = new Set<string>();
  let lastCheckAt = 0;

  async function checkWaiting(): Promise<string[]> {
    if (waiting.size === 0) return [];
    const runIds = [...waiting];
    lastCheckAt = Date.now();
    const completed = await completeSettledRuns(database, runIds);
    // Only once the check has answered: a failed one leaves them waiting for the next.
    for (const runId of runIds) waiting.delete(runId);
    return completed;
  }

  return {
    recorded: async (runIds, isQueueBusy) => {
      for (const runId of runIds) waiting.add(runId);
      if (isQueueBusy && Date.now() - lastCheckAt < intervalMs) return [];
      return checkWaiting();
    },
    checkWaiting,
  };
}
