/**
 * The queue's own cost a delivery, without sending anything: claim a batch, then record it as
 * sent (its attempts, its `sent` events, the new delivery states, the leases deleted) and
 * check whether the run is complete, over and over, on one connection, as the worker does
 * between its sends.
 *
 *   npm run bench -- queue-cycle
 *
 * This is the database's share of the dispatch benchmark, measured apart from Node's and the
 * sink's, so a change to the claim or the record can be judged in seconds rather than in the
 * noise of a whole dispatch. BENCH_CYCLE_COUNT (default 100,000 on PostgreSQL, 20,000 on
 * PGlite) deliveries are queued by the engine's fan-out, then claimed and recorded in batches
 * of the worker's size (BENCH_BATCH_SIZE overrides it). Printed: the time of the claim and of
 * the record a delivery (one connection, so that is their whole cost with the round trip), and
 * on PostgreSQL the CPU time of its server process a delivery.
 */
import { defaultWorkerBatchSize } from '../server/src/config.ts';
import { claimDeliveries } from '../server/src/engine/worker/claim-deliveries.ts';
import { recordResults } from '../server/src/engine/worker/record-results.ts';
import { createRunCompletion } from '../server/src/engine/worker/run-completion.ts';
import { buildResultRows } from '../server/src/engine/worker/result-rows.ts';
import { benchDrivers, openBenchDatabase, type Driver } from './lib/bench-database.ts';
import { queueDeliveries } from './lib/herald-dispatch.ts';
import { formatCount, machineLine, meterCpu, printTable, recordFigure } from './lib/report.ts';
import { startSinks } from './lib/sinks.ts';

const counts: Record<Driver, number> = {
  postgres: Number(process.env.BENCH_CYCLE_COUNT ?? 100_000),
  pglite: Number(process.env.BENCH_CYCLE_COUNT ?? 20_000),
};
const workerId = 'bench-queue-cycle';
const leaseMs = 60_000;

const microseconds = (ms: number, count: number) => `${((ms * 1000) / count).toFixed(1)} µs`;

const sinks = await startSinks();
const rows: string[][] = [];
try {
  for (const driver of benchDrivers()) {
    const bench = await openBenchDatabase(driver, 1);
    try {
      const count = counts[driver];
      const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? defaultWorkerBatchSize[driver]);
      const runId = await queueDeliveries(bench, sinks, 'webhook', count);
      const runs = createRunCompletion(bench.database, 1_000);
      const cpu = await meterCpu(bench.database, bench.schema);
      let claimMs = 0;
      let recordMs = 0;
      let completeMs = 0;
      let done = 0;
      for (;;) {
        const claimStarted = performance.now();
        const claimed = await claimDeliveries(bench.database, workerId, batchSize, leaseMs);
        claimMs += performance.now() - claimStarted;
        if (claimed.length === 0) break;
        const settledAt = new Date();
        const results = claimed.map((delivery) => ({
          delivery,
          outcomes: [{ channel: 'webhook', result: { ok: true as const, providerMessageId: `bench-${delivery.id}` } }],
          settlement: { status: 'sent' as const, channel: 'webhook', reason: null },
          settledAt,
        }));
        const recordStarted = performance.now();
        done += await recordResults(bench.database, workerId, buildResultRows(results));
        const completeStarted = performance.now();
        recordMs += completeStarted - recordStarted;
        await runs.recorded([runId], claimed.length >= batchSize);
        completeMs += performance.now() - completeStarted;
      }
      const { postgresSeconds } = await cpu.stop();
      if (done !== count) throw new Error(`recorded ${done} deliveries, expected ${count}`);
      const serverCpu = postgresSeconds === undefined ? '—' : microseconds(postgresSeconds * 1000, count);
      rows.push([driver, formatCount(count), String(batchSize), microseconds(claimMs, count), microseconds(recordMs, count), microseconds(completeMs, count), microseconds(claimMs + recordMs + completeMs, count), serverCpu]);
      recordFigure({ workload: 'queue cycle: claim + record a delivery', driver, value: `${microseconds(claimMs + recordMs + completeMs, count)} (server CPU ${serverCpu})` });
    } finally {
      await bench.close();
    }
  }
} finally {
  await sinks.close();
}

printTable('The queue alone: claim and record, one connection, nothing sent', ['driver', 'deliveries', 'batch', 'claim', 'record', 'run check', 'together', 'server CPU'], rows);
console.log('A delivery\'s time on one connection (the statement and its round trip); server CPU: the PostgreSQL process serving it.');
console.log(machineLine());
