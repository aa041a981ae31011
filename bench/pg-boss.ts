/**
 * The dispatch workload through pg-boss, and through Herald, in the same run: N webhook
 * deliveries to the loopback HTTP sink. The target is Herald ≥ 2× pg-boss's rate.
 *
 *   npm run bench -- pg-boss
 *
 * What pg-boss is given, to be fair to it: one job per delivery (inserted in bulk, not timed);
 * workers fetching batches (pg-boss's `batchSize`) whose handler loads the batch's
 * recipients in one query, renders the same template with Herald's own renderer and sends with
 * Herald's own webhook sender (the same pooled HTTP client, the same signing), 50 at a time,
 * as Herald's worker does. pg-boss then marks the batch completed. What it is not asked to do
 * and Herald does: record an attempt and an event per delivery, and complete the run. Several
 * worker configurations are tried; the best one is compared.
 *
 * BENCH_PGBOSS_COUNT sizes it (default 50,000), BENCH_PGBOSS_ROUNDS says how many times each is
 * measured, alternately (default 2); DATABASE_URL picks the PostgreSQL server.
 */
import { sql } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import { createChannelRegistry } from '../server/src/channels/registry.ts';
import { stableMessageId } from '../server/src/channels/types.ts';
import { rowsOf } from '../server/src/db/client.ts';
import { parseTemplateContent, renderContextOf, renderMessage, unsubscribeUrl, type RecipientRow, type RunInfo } from '../server/src/engine/worker/render-message.ts';
import { runPool } from '../server/src/engine/worker/run-pool.ts';
import { adminQuery, benchTemplateContent, databaseUrl, loadRecipients, openBenchDatabase } from './lib/bench-database.ts';
import { benchContext, dispatchWithHerald, type DispatchFigure } from './lib/herald-dispatch.ts';
import { cpuPerItem, formatCount, formatRate, machineLine, megabytes, meterCpu, perSecond, printTable, recordFigure, sampleMemory, waitFor } from './lib/report.ts';
import { startSinks, type Sinks } from './lib/sinks.ts';

const count = Number(process.env.BENCH_PGBOSS_COUNT ?? 50_000);
const rounds = Number(process.env.BENCH_PGBOSS_ROUNDS ?? 2);
const queue = 'deliver';
const sendConcurrency = 50;

type BossConfig = { workers: number; batchSize: number; pollingIntervalSeconds: number };
// One worker is latency-bound (about 400/s here: it sleeps out its polling interval after each
// batch), so the comparison starts at four.
const configs: BossConfig[] = [
  { workers: 4, batchSize: 200, pollingIntervalSeconds: 0.5 },
  { workers: 8, batchSize: 100, pollingIntervalSeconds: 0.5 },
];

type BossFigure = { config: BossConfig; ms: number; peakRss: number; received: number; processCpuSeconds: number; postgresCpuSeconds: number | undefined };

/** One pg-boss configuration over `count` jobs; every figure starts from a fresh Herald schema (recipients) and pg-boss schema. */
async function measureBoss(sinks: Sinks, config: BossConfig): Promise<BossFigure> {
  const bench = await openBenchDatabase('postgres');
  const bossSchema = `${bench.schema}_boss`;
  const boss = new PgBoss({ connectionString: databaseUrl, application_name: bench.schema, schema: bossSchema, max: 10, supervise: false, schedule: false });
  boss.on('error', (error) => console.error('pg-boss:', error.message));
  try {
    const { database } = bench;
    await loadRecipients(database, count, sinks.httpUrl);
    const recipientIds = (await database.query<{ id: string }>(sql`SELECT id FROM recipients ORDER BY external_id`)).map((row) => row.id);
    const context = await benchContext(bench, sinks);
    const registry = createChannelRegistry(context);
    const webhook = registry.senders.webhook;
    if (!webhook) throw new Error('this build has no webhook channel');
    const run: RunInfo = { runId: '00000000-0000-4000-8000-000000000000', occurrenceAt: new Date(), scheduleId: '00000000-0000-4000-8000-000000000001', scheduleName: 'Bench', content: parseTemplateContent(benchTemplateContent(sinks.httpUrl)) };

    await boss.start();
    await boss.createQueue(queue);
    for (let from = 0; from < recipientIds.length; from += 5_000) {
      await boss.insert(recipientIds.slice(from, from + 5_000).map((recipientId, i) => ({ name: queue, data: { recipientId, deliveryId: from + i + 1 } })));
    }
    await sinks.reset();

    let handled = 0;
    const handler = async (jobs: PgBoss.Job<{ recipientId: string; deliveryId: number }>[]) => {
      const ids = jobs.map((job) => job.data.recipientId);
      const rows = await rowsOf<RecipientRow & { external_id: string }>(database.db, sql`
        SELECT id, external_id AS "externalId", email, phone, name, timezone, locale, attributes
        FROM recipients WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)`);
      const byId = new Map(rows.map((row) => [row.id, row]));
      const failures: string[] = [];
      await runPool(jobs, sendConcurrency, () => false, async (job) => {
        const recipient = byId.get(job.data.recipientId)!;
        const renderContext = renderContextOf(recipient, run, unsubscribeUrl(context.config.publicUrl, context.secrets.signingKey, job.data.deliveryId));
        const rendered = await renderMessage(run.content, 'webhook', renderContext);
        if (!rendered.ok) throw new Error(rendered.error);
        const result = await webhook.send({
          channel: 'webhook', deliveryId: job.data.deliveryId, runId: run.runId, scheduleId: run.scheduleId,
          messageId: stableMessageId(job.data.deliveryId, run.runId), attempt: 1, recipient, content: rendered.content,
        });
        if (!result.ok) failures.push(result.error);
      });
      // A failed send fails the batch, so pg-boss retries it, as a pg-boss-based sender would.
      if (failures.length > 0) throw new Error(`${failures.length} sends failed: ${failures[0]}`);
      handled += jobs.length;
    };

    const memory = sampleMemory();
    const cpu = await meterCpu(database, bench.schema);
    const started = performance.now();
    for (let i = 0; i < config.workers; i += 1) {
      await boss.work(queue, { batchSize: config.batchSize, pollingIntervalSeconds: config.pollingIntervalSeconds }, handler);
    }
    const completedCount = async () => (await rowsOf<{ count: number }>(database.db, sql`
      SELECT count(*)::int AS count FROM ${sql.identifier(bossSchema)}.job WHERE name = ${queue} AND state = 'completed'`))[0]?.count ?? 0;
    await waitFor(async () => handled >= count && Number(await completedCount()) >= count, 600_000, async () => `handled ${handled}, completed ${await completedCount()} of ${count}`);
    const ms = performance.now() - started;
    const peakRss = memory.stop();
    const cpuUsed = await cpu.stop();
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await registry.close();
    return { config, ms, peakRss, received: (await sinks.counts()).http, processCpuSeconds: cpuUsed.processSeconds, postgresCpuSeconds: cpuUsed.postgresSeconds };
  } finally {
    await adminQuery(`DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`);
    await bench.close();
  }
}

const sinks = await startSinks();
const bossFigures: BossFigure[] = [];
const heraldFigures: DispatchFigure[] = [];
try {
  // Rounds that alternate the two, so a change in the machine's load between one measurement
  // and the next does not decide the comparison; the best of each is compared.
  for (let round = 0; round < rounds; round += 1) {
    for (const config of configs) bossFigures.push(await measureBoss(sinks, config));
    const bench = await openBenchDatabase('postgres');
    try {
      heraldFigures.push(await dispatchWithHerald(bench, sinks, 'webhook', count));
    } finally {
      await bench.close();
    }
  }
} finally {
  await sinks.close();
}

const best = bossFigures.reduce((a, b) => (perSecond(count, b.ms) > perSecond(count, a.ms) ? b : a));
const herald = heraldFigures.reduce((a, b) => (b.ms < a.ms ? b : a));
const heraldRate = perSecond(herald.count, herald.ms);
const ratio = heraldRate / perSecond(count, best.ms);
const cpuOf = (f: { processCpuSeconds: number; postgresCpuSeconds: number | undefined }) => f.processCpuSeconds + (f.postgresCpuSeconds ?? 0);
const cpuRatio = cpuOf(best) / cpuOf(herald);
printTable(
  `The same dispatch workload (${formatCount(count)} webhooks to a loopback HTTP sink, PostgreSQL) through pg-boss 10 and through Herald, ${rounds} round(s)`,
  ['queue', 'configuration', 'seconds', 'rate', 'received', 'peak RSS', 'CPU/delivery: Node', 'PostgreSQL'],
  [
    ...bossFigures.map((f) => ['pg-boss', `${f.config.workers} worker(s) × batch ${f.config.batchSize}, poll ${f.config.pollingIntervalSeconds} s`, (f.ms / 1000).toFixed(2), formatRate(perSecond(count, f.ms)), formatCount(f.received), megabytes(f.peakRss), cpuPerItem(f.processCpuSeconds, count), cpuPerItem(f.postgresCpuSeconds, count)]),
    ...heraldFigures.map((f) => ['Herald', `1 worker, batch ${f.batchSize} × ${f.concurrency} at once`, (f.ms / 1000).toFixed(2), formatRate(perSecond(f.count, f.ms)), formatCount(f.received), megabytes(f.peakRss), cpuPerItem(f.processCpuSeconds, count), cpuPerItem(f.postgresCpuSeconds, count)]),
  ],
);
console.log(`Herald / best pg-boss = ${ratio.toFixed(2)}× (target ≥ 2×: ${ratio >= 2 ? 'met' : 'MISSED'}); CPU per delivery (Node + PostgreSQL), pg-boss / Herald: ${cpuRatio.toFixed(2)}×`);
recordFigure({ workload: 'Herald ÷ pg-boss, same webhook dispatch', driver: 'postgres', value: `${ratio.toFixed(2)}× (${formatRate(heraldRate)} vs ${formatRate(perSecond(count, best.ms))}; CPU ${cpuRatio.toFixed(2)}×)`, target: '≥ 2×', verdict: ratio >= 2 ? 'met' : 'MISSED' });
console.log(machineLine());
