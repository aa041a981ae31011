/**
 * The scheduler's fire latency: many one-time schedules come due over half a minute while a
 * Herald process with the scheduler and worker roles (startEngine, default intervals) runs.
 * For each schedule: from the occurrence's due instant to its firing (runs.fired_at: when the
 * schedule's firing transaction began, after any firings ahead of it in the same tick) and to its
 * first delivery sent (the webhook to a loopback HTTP sink recorded as sent).
 * Printed as p50 / p99 / max over all schedules, with the process's peak RSS.
 *
 *   npm run bench -- fire-latency
 *
 * BENCH_SCHEDULES (default 300) schedules, each to BENCH_AUDIENCE (default 20) recipients,
 * due over BENCH_WINDOW_SECONDS (default 30); BENCH_DRIVERS=postgres or pglite runs one driver.
 */
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { loadConfig } from '../server/src/config.ts';
import { createContext } from '../server/src/context.ts';
import { startEngine } from '../server/src/engine/index.ts';
import { benchDrivers, benchTemplateContent, loadRecipients, openBenchDatabase, type Driver } from './lib/bench-database.ts';
import { formatCount, machineLine, megabytes, percentile, printTable, recordFigure, sampleMemory, waitFor } from './lib/report.ts';
import { startSinks, type Sinks } from './lib/sinks.ts';

const scheduleCount = Number(process.env.BENCH_SCHEDULES ?? 300);
const audience = Number(process.env.BENCH_AUDIENCE ?? 20);
const windowSeconds = Number(process.env.BENCH_WINDOW_SECONDS ?? 30);

type Figure = { driver: Driver; fired: number[]; firstSent: number[]; peakRss: number; schedulerIntervalMs: number; workerIntervalMs: number };

/** "2026-11-28T18:40:05" for an instant: a schedule's local date-time in the UTC zone. */
function utcLocal(instant: Date): string {
  return instant.toISOString().slice(0, 19);
}

async function measure(driver: Driver, sinks: Sinks): Promise<Figure> {
  const bench = await openBenchDatabase(driver);
  try {
    const { database } = bench;
    await loadRecipients(database, audience, sinks.httpUrl);
    const [template] = await database.query<{ id: string }>(sql`
      INSERT INTO templates (name, content) VALUES ('Bench', ${JSON.stringify(benchTemplateContent(sinks.httpUrl))}::jsonb) RETURNING id`);
    // Due on whole seconds from 5 s ahead (time to start the engine), spread over the window.
    const firstAt = Math.ceil(Date.now() / 1000) * 1000 + 5_000;
    const dueTimes = Array.from({ length: scheduleCount }, (_, i) => new Date(firstAt + Math.floor((i * windowSeconds) / scheduleCount) * 1000));
    const rows = dueTimes.map((at, i) => ({ name: `Bench ${i}`, at: utcLocal(at), next_run_at: at.toISOString() }));
    // Written as the schedules API writes them: the timing, and next_run_at = its one occurrence.
    await database.query(sql`
      INSERT INTO schedules (name, template_id, timing, timezone, audience_type, channels, status, next_run_at)
      SELECT s.name, ${template!.id}::uuid, jsonb_build_object('type', 'once', 'at', s.at), 'UTC', 'all', ARRAY['webhook'], 'active', s.next_run_at
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS s(name text, at text, next_run_at timestamptz)`);

    const config = loadConfig({ HERALD_ROLES: 'scheduler,worker', HERALD_SECRET: 'bench-secret-bench-secret', LOG_LEVEL: 'warn' });
    const context = await createContext(config, database, pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }));
    const memory = sampleMemory();
    const engine = startEngine(context);
    type Latency = { fired_ms: number; first_sent_ms: number | null };
    const latencies = () => database.query<Latency>(sql`
      SELECT extract(epoch FROM r.fired_at - r.occurrence_at) * 1000 AS fired_ms,
             extract(epoch FROM (SELECT min(d.sent_at) FROM deliveries d WHERE d.run_id = r.id) - r.occurrence_at) * 1000 AS first_sent_ms
      FROM runs r`);
    try {
      await waitFor(async () => {
        const seen = await latencies();
        return seen.length === scheduleCount && seen.every((row) => row.first_sent_ms !== null);
      }, Number(process.env.BENCH_TIMEOUT_MS ?? (windowSeconds + 120) * 1000), async () => `${(await latencies()).length} of ${scheduleCount} fired; schedules ${JSON.stringify(await database.query(sql`SELECT status, next_run_at, timing FROM schedules LIMIT 3`))} now ${new Date().toISOString()}`, 500);
    } finally {
      await engine.stop();
    }
    const peakRss = memory.stop();
    const seen = await latencies();
    return {
      driver,
      fired: seen.map((row) => Number(row.fired_ms)),
      firstSent: seen.map((row) => Number(row.first_sent_ms)),
      peakRss,
      schedulerIntervalMs: config.schedulerIntervalMs,
      workerIntervalMs: config.workerIntervalMs,
    };
  } finally {
    await bench.close();
  }
}

const sinks = await startSinks();
const figures: Figure[] = [];
try {
  for (const driver of benchDrivers()) figures.push(await measure(driver, sinks));
} finally {
  await sinks.close();
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
printTable(
  `Fire latency: ${formatCount(scheduleCount)} one-time schedules (${audience} recipients each) due over ${windowSeconds} s; scheduler + worker in one process`,
  ['driver', 'from due to', 'p50', 'p99', 'max', 'peak RSS', 'intervals (scheduler / worker)'],
  figures.flatMap((f) => [
    [f.driver, 'run fired', ms(percentile(f.fired, 50)), ms(percentile(f.fired, 99)), ms(Math.max(...f.fired)), megabytes(f.peakRss), `${f.schedulerIntervalMs} / ${f.workerIntervalMs} ms`],
    [f.driver, 'first delivery sent', ms(percentile(f.firstSent, 50)), ms(percentile(f.firstSent, 99)), ms(Math.max(...f.firstSent)), '', ''],
  ]),
);
for (const f of figures) {
  recordFigure({ workload: 'fire latency: due → run fired (p50 / p99)', driver: f.driver, value: `${ms(percentile(f.fired, 50))} / ${ms(percentile(f.fired, 99))} (peak RSS ${megabytes(f.peakRss)})` });
  recordFigure({ workload: 'fire latency: due → first delivery sent (p50 / p99)', driver: f.driver, value: `${ms(percentile(f.firstSent, 50))} / ${ms(percentile(f.firstSent, 99))}` });
}
console.log('"run fired" is when the schedule\'s firing transaction began (runs.fired_at), after the firings ahead of it in the same tick; "first delivery sent" is when the first webhook of the run was recorded as sent.');
console.log('The scheduler sleeps until the next occurrence is due (the interval is its longest sleep); a firing wakes the worker when it commits.');
console.log(machineLine());
