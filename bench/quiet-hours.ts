/**
 * What quiet hours cost the fan-out: the engine's fanOut() of a run to 1,000,000 recipients
 * (four zones: New York, Paris, Kolkata, UTC), with and without quiet hours in the settings.
 * Each fan-out runs in a transaction that is rolled back, then the table is vacuumed, so every
 * variant starts from the same table; the variants take turns, twice each.
 *
 *   npm run bench -- quiet-hours
 *
 * Variants:
 * - none: no quiet hours anywhere (what every fan-out without them pays: a NULL test per row);
 * - awake: quiet hours 01:00–05:00 and a due time outside them in every zone (a hash probe per row);
 * - asleep: quiet hours 21:00–08:00 and a due time of 22:30 UTC, inside them in three of the
 *   four zones (three rows in four get the end of their night computed).
 *
 * Whole fan-outs swing by seconds with the machine's load, more than quiet hours cost; so the
 * columns quiet hours add are also measured alone: selected from the same table in a
 * materialized CTE, as the fan-out's audience is, best of four, against the constant due time
 * the fan-out used before ("before").
 *
 * BENCH_RECIPIENTS changes the audience (default 1,000,000); BENCH_DRIVERS=postgres or pglite.
 */
import { sql } from 'drizzle-orm';
import type { DeliverySettings } from '@herald/shared';
import { defaultDeliverySettings } from '@herald/shared';
import { benchDrivers, createBenchRun, createBenchSchedule, loadRecipients, openBenchDatabase, type Driver } from './lib/bench-database.ts';
import { cpuPerItem, formatCount, formatRate, machineLine, meterCpu, perSecond, printTable, recordFigure } from './lib/report.ts';
import { rowsOf } from '../server/src/db/client.ts';
import { fanOut } from '../server/src/engine/fan-out/fan-out.ts';
import { quietHoursColumns, quietHoursReason } from '../server/src/engine/limits/quiet-hours-due-at.ts';
import { writeDeliverySettings } from '../server/src/modules/settings/service.ts';

const population = Number(process.env.BENCH_RECIPIENTS ?? 1_000_000);

type Variant = { name: string; quietHours: DeliverySettings['quietHours']; dueAt: Date };
const variants: Variant[] = [
  { name: 'none', quietHours: null, dueAt: new Date('2026-01-15T22:30:00Z') },
  { name: 'awake', quietHours: { start: '01:00', end: '05:00', timezone: 'UTC' }, dueAt: new Date('2026-01-15T12:00:00Z') },
  { name: 'asleep', quietHours: { start: '21:00', end: '08:00', timezone: 'UTC' }, dueAt: new Date('2026-01-15T22:30:00Z') },
];

type Figure = { driver: Driver; variant: string; queued: number; moved: number; ms: number; postgresCpuSeconds: number | undefined; processCpuSeconds: number };
type ColumnFigure = { driver: Driver; variant: string; bestMs: number };

class Rollback extends Error {}

/** The due time and reason columns alone over every recipient, best of four, per variant (and the constant they replaced). */
async function measureColumns(database: Awaited<ReturnType<typeof openBenchDatabase>>['database'], driver: Driver): Promise<ColumnFigure[]> {
  const best = new Map<string, number>();
  for (let round = 0; round < 4; round += 1) {
    for (const variant of [{ name: 'before', quietHours: null, dueAt: variants[0]!.dueAt }, ...variants]) {
      await writeDeliverySettings(database.db, { ...defaultDeliverySettings, quietHours: variant.quietHours });
      const isBefore = variant.name === 'before';
      const columns = isBefore ? sql`${variant.dueAt.toISOString()}::timestamptz AS due_at, NULL::text AS quiet_zone` : quietHoursColumns(variant.dueAt, 2);
      const reason = isBefore ? sql`NULL::text` : quietHoursReason(variant.dueAt);
      const started = performance.now();
      await database.db.transaction(async (tx) => {
        await rowsOf(tx, sql`SET LOCAL max_parallel_workers_per_gather = 0`);
        await rowsOf(tx, sql`
          WITH audience AS MATERIALIZED (SELECT r.id, ${columns} FROM recipients r)
          SELECT sum(extract(epoch FROM due_at)), count(reason) FROM (SELECT due_at, ${reason} AS reason FROM audience) AS s`);
      });
      best.set(variant.name, Math.min(best.get(variant.name) ?? Infinity, performance.now() - started));
    }
  }
  return [...best].map(([variant, bestMs]) => ({ driver, variant, bestMs }));
}

const columnFigures: ColumnFigure[] = [];

async function measure(driver: Driver): Promise<Figure[]> {
  const bench = await openBenchDatabase(driver);
  const figures: Figure[] = [];
  try {
    const { database } = bench;
    await loadRecipients(database, population);
    const { scheduleId } = await createBenchSchedule(database, ['email', 'inapp']);
    for (let round = 0; round < 2; round += 1) {
      for (const variant of round === 0 ? variants : [...variants].reverse()) {
        await writeDeliverySettings(database.db, { ...defaultDeliverySettings, quietHours: variant.quietHours });
        const runId = await createBenchRun(database, scheduleId, new Date(Date.UTC(2026, 0, 1) + figures.length * 60_000));
        const cpu = await meterCpu(database, bench.schema);
        const started = performance.now();
        let queued = 0;
        let moved = 0;
        let ms = 0;
        try {
          await database.db.transaction(async (tx) => {
            const counts = await fanOut(tx, { runId, scheduleId, audience: { type: 'all' }, channels: ['email', 'inapp'], priority: 'normal', dueAt: variant.dueAt });
            ms = performance.now() - started;
            queued = counts.queued;
            const [row] = await rowsOf<{ moved: number }>(tx, sql`SELECT count(*)::int AS moved FROM deliveries WHERE run_id = ${runId}::uuid AND due_at <> ${variant.dueAt.toISOString()}::timestamptz`);
            moved = Number(row?.moved ?? 0);
            throw new Rollback();
          });
        } catch (error) {
          if (!(error instanceof Rollback)) throw error;
        }
        const used = await cpu.stop();
        figures.push({ driver, variant: variant.name, queued, moved, ms, postgresCpuSeconds: used.postgresSeconds, processCpuSeconds: used.processSeconds });
        await database.query(sql`VACUUM deliveries`);
      }
    }
    columnFigures.push(...(await measureColumns(database, driver)));
  } finally {
    await bench.close();
  }
  return figures;
}

const figures: Figure[] = [];
for (const driver of benchDrivers()) figures.push(...(await measure(driver)));

printTable(
  `Fan-out of ${formatCount(population)} recipients with and without quiet hours (engine fanOut, rolled back after)`,
  ['driver', 'quiet hours', 'queued', 'moved to the end of the night', 'seconds', 'rows/s', 'CPU/row: PostgreSQL', 'Node (PGlite)'],
  figures.map((f) => [
    f.driver, f.variant, formatCount(f.queued), formatCount(f.moved), (f.ms / 1000).toFixed(2), formatRate(perSecond(f.queued, f.ms)),
    cpuPerItem(f.postgresCpuSeconds, f.queued), cpuPerItem(f.processCpuSeconds, f.queued),
  ]),
);
printTable(
  `The columns quiet hours add, alone, over ${formatCount(population)} recipients (best of 4)`,
  ['driver', 'quiet hours', 'seconds', 'µs per row', 'added per row'],
  columnFigures.map((f) => {
    const before = columnFigures.find((b) => b.driver === f.driver && b.variant === 'before')!.bestMs;
    return [f.driver, f.variant, (f.bestMs / 1000).toFixed(2), ((f.bestMs * 1000) / population).toFixed(2), f.variant === 'before' ? '' : `${(((f.bestMs - before) * 1000) / population).toFixed(2)} µs`];
  }),
);
for (const driver of new Set(figures.map((f) => f.driver))) {
  for (const variant of variants) {
    const best = Math.min(...figures.filter((f) => f.driver === driver && f.variant === variant.name).map((f) => f.ms));
    recordFigure({ workload: `fan-out ${formatCount(population)}, quiet hours: ${variant.name}`, driver, value: formatRate(perSecond(population, best)) });
  }
}
console.log(machineLine());
