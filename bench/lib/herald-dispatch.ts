/**
 * Herald's dispatch, measured end to end: `count` deliveries are queued by the engine's own
 * fan-out (not timed), then a worker started by startEngine() (as a `worker` process starts
 * it) claims, renders, sends to the loopback sink and records them. Timed from the start of
 * the engine to the run marked completed, which happens only once every delivery's result is
 * written; the sink's count is checked against it.
 */
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { createChannelRegistry } from '../../server/src/channels/registry.ts';
import { defaultWorkerBatchSize, loadConfig } from '../../server/src/config.ts';
import { createContext, type HeraldContext } from '../../server/src/context.ts';
import { fanOut } from '../../server/src/engine/fan-out/fan-out.ts';
import { startEngine } from '../../server/src/engine/index.ts';
import { createBenchRun, createBenchSchedule, deliveryCounts, loadRecipients, type BenchDatabase, type Driver } from './bench-database.ts';
import { meterCpu, profileCpu, sampleMemory, waitFor } from './report.ts';
import type { Sinks } from './sinks.ts';
import { startWorkerProcesses, type WorkerProcesses } from './worker-processes.ts';

export type DispatchChannel = 'webhook' | 'inapp' | 'email';

export type DispatchFigure = {
  channel: DispatchChannel;
  count: number;
  ms: number;
  peakRss: number;
  /** messages the sink received (in-app: inbox rows) */
  received: number;
  /** distinct Message-IDs / Idempotency-Keys among them */
  distinct: number;
  batchSize: number;
  concurrency: number;
  /** workers started in the benchmark process (startEngine() calls) */
  workers: number;
  /** worker processes forked (PostgreSQL), each with one worker; 0 when the benchmark process holds the worker(s) */
  workerProcesses: number;
  /** CPU seconds of this process (the worker; PGlite too on pglite) and of PostgreSQL's server processes for it */
  processCpuSeconds: number;
  postgresCpuSeconds: number | undefined;
  /** CPU seconds of the sink process: the receiving end's share of the same cores */
  sinkCpuSeconds: number;
};

/** Workers in the benchmark process (BENCH_WORKERS, default 1): startEngine() called that many times. */
export const workerLoops = Number(process.env.BENCH_WORKERS ?? 1);

/**
 * Worker processes on PostgreSQL (BENCH_WORKER_PROCESSES, default 0), each `HERALD_ROLES=worker`
 * as a deployment would run them: one Node process uses one core at most. 0 runs the worker(s)
 * in the benchmark process, as PGlite always does (its database lives in that process).
 */
export function workerProcessesFor(driver: Driver): number {
  return driver === 'postgres' ? Number(process.env.BENCH_WORKER_PROCESSES ?? 0) : 0;
}

/** Herald's environment for the benchmark worker; BENCH_BATCH_SIZE / BENCH_CONCURRENCY override the defaults. */
function benchEnv(sinks: Sinks): Record<string, string> {
  return {
    HERALD_ROLES: 'worker',
    HERALD_SECRET: 'bench-secret-bench-secret',
    SMTP_URL: sinks.smtpUrl,
    SMTP_FROM: 'Herald <herald@example.com>',
    LOG_LEVEL: 'warn',
    ...(process.env.BENCH_BATCH_SIZE ? { HERALD_WORKER_BATCH_SIZE: process.env.BENCH_BATCH_SIZE } : {}),
    ...(process.env.BENCH_CONCURRENCY ? { HERALD_WORKER_CONCURRENCY: process.env.BENCH_CONCURRENCY } : {}),
  };
}

function benchConfig(sinks: Sinks) {
  return loadConfig(benchEnv(sinks));
}

/** A context for the benchmark's worker on the given database. */
export async function benchContext(bench: BenchDatabase, sinks: Sinks): Promise<HeraldContext> {
  return createContext(benchConfig(sinks), bench.database, pino({ level: 'warn' }));
}

/** True when this build of Herald has a webhook sender (until then the in-app channel stands in for it). */
export async function hasWebhookChannel(bench: BenchDatabase, sinks: Sinks): Promise<boolean> {
  const registry = createChannelRegistry(await benchContext(bench, sinks));
  const hasWebhook = 'webhook' in registry.senders && registry.senders.webhook !== undefined;
  await registry.close();
  return hasWebhook;
}

/** Loads `count` recipients and queues one delivery each on the channel; returns the run. */
export async function queueDeliveries(bench: BenchDatabase, sinks: Sinks, channel: DispatchChannel, count: number): Promise<string> {
  const { database } = bench;
  await loadRecipients(database, count, sinks.httpUrl);
  const { scheduleId } = await createBenchSchedule(database, [channel], sinks.httpUrl);
  const runId = await createBenchRun(database, scheduleId);
  const counts = await database.db.transaction((tx) => fanOut(tx, { runId, scheduleId, audience: { type: 'all' }, channels: [channel], priority: 'normal', dueAt: new Date(Date.now() - 1000) }));
  if (counts.queued !== count) throw new Error(`fan-out queued ${counts.queued} deliveries, expected ${count}`);
  return runId;
}

/** Dispatches the queued run with a Herald worker and measures it. */
export async function dispatchWithHerald(bench: BenchDatabase, sinks: Sinks, channel: DispatchChannel, count: number): Promise<DispatchFigure> {
  const { database } = bench;
  const runId = await queueDeliveries(bench, sinks, channel, count);
  await sinks.reset();
  const context = await benchContext(bench, sinks);
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);

  const processCount = workerProcessesFor(bench.driver);
  const children: WorkerProcesses | undefined = processCount > 0 && bench.schema ? await startWorkerProcesses(processCount, bench.schema, benchEnv(sinks)) : undefined;

  const memory = sampleMemory();
  const cpu = await meterCpu(database, bench.schema);
  const sinkCpuBefore = sinks.cpuSeconds();
  const profile = await profileCpu(`dispatch-${bench.driver}-${channel}-${count}`);
  const started = performance.now();
  children?.start();
  const engines = children ? [] : Array.from({ length: workerLoops }, () => startEngine(context));
  let cpuUsed: Awaited<ReturnType<typeof cpu.stop>>;
  let childCpuSeconds: number;
  let childPeakRss: number | undefined;
  try {
    await waitFor(
      async () => (await database.query<{ status: string }>(sql`SELECT status FROM runs WHERE id = ${runId}::uuid`))[0]?.status === 'completed',
      timeoutMs,
      async () => `deliveries ${JSON.stringify(await deliveryCounts(database, runId))}`,
    );
  } finally {
    // The worker processes' CPU, and that of their server processes, is read while they still run.
    cpuUsed = await cpu.stop();
    childCpuSeconds = children?.cpuSeconds() ?? 0;
    childPeakRss = await children?.peakRss();
    await Promise.all([...engines.map((engine) => engine.stop()), children?.stop()]);
  }
  const ms = performance.now() - started;
  await profile.stop();
  const peakRss = Math.max(memory.stop(), childPeakRss ?? 0);
  const sinkCpuSeconds = sinks.cpuSeconds() - sinkCpuBefore;

  const stored = await deliveryCounts(database, runId);
  if (stored.sent !== count) throw new Error(`expected ${count} deliveries sent, the table holds ${JSON.stringify(stored)}`);
  let received: number;
  let distinct: number;
  if (channel === 'inapp') {
    const [row] = await database.query<{ count: number }>(sql`SELECT count(*)::int AS count FROM inbox_messages`);
    received = distinct = Number(row?.count ?? 0);
  } else {
    const sinkCounts = await sinks.counts();
    received = channel === 'email' ? sinkCounts.smtp : sinkCounts.http;
    distinct = channel === 'email' ? sinkCounts.smtpIds : sinkCounts.httpKeys;
  }
  return { channel, count, ms, peakRss, received, distinct, batchSize: context.config.workerBatchSize ?? defaultWorkerBatchSize[bench.driver], concurrency: context.config.workerConcurrency, workers: children ? 0 : workerLoops, workerProcesses: processCount, processCpuSeconds: cpuUsed.processSeconds + childCpuSeconds, postgresCpuSeconds: cpuUsed.postgresSeconds, sinkCpuSeconds };
}
