/**
 * Fan-out: a run to 1,000,000 recipients becomes 1,000,000 queued deliveries, through the
 * engine's own fanOut() in one transaction, as the scheduler does when it fires a schedule.
 * Targets on a 2-core machine: ≥ 100,000 rows/s on PostgreSQL, ≥ 50,000 rows/s on PGlite.
 *
 *   npm run bench -- fan-out
 *
 * BENCH_RECIPIENTS changes the audience (default 1,000,000); BENCH_DRIVERS=postgres or pglite
 * runs one driver; DATABASE_URL picks the PostgreSQL server (a schema of its own, dropped).
 */
import {
  benchDrivers,
  createBenchRun,
  createBenchSchedule,
  deliveryCounts,
  loadRecipients,
  openBenchDatabase,
  type Driver,
} from './lib/bench-database.ts';
import { cpuPerItem, formatCount, formatRate, machineLine, megabytes, meterCpu, perSecond, printTable, recordFigure, sampleMemory, verdict } from './lib/report.ts';
import { fanOut } from '../server/src/engine/fan-out/fan-out.ts';

const population = Number(process.env.BENCH_RECIPIENTS ?? 1_000_000);
const targets: Record<Driver, number> = { postgres: 100_000, pglite: 50_000 };

type Figure = { driver: Driver; queued: number; ms: number; loadMs: number; peakRss: number; processCpuSeconds: number; postgresCpuSeconds: number | undefined };

async function measure(driver: Driver): Promise<Figure> {
  const bench = await openBenchDatabase(driver);
  try {
    const { database } = bench;
    const loadStarted = performance.now();
    await loadRecipients(database, population);
    const loadMs = performance.now() - loadStarted;
    const { scheduleId } = await createBenchSchedule(database, ['email', 'inapp']);
    const runId = await createBenchRun(database, scheduleId);

    const memory = sampleMemory();
    const cpu = await meterCpu(database, bench.schema);
    const started = performance.now();
    const counts = await database.db.transaction((tx) => fanOut(tx, {
      runId,
      scheduleId,
      audience: { type: 'all' },
      channels: ['email', 'inapp'],
      priority: 'normal',
      dueAt: new Date(),
    }));
    const ms = performance.now() - started;
    const peakRss = memory.stop();
    const cpuUsed = await cpu.stop();

    const stored = await deliveryCounts(database, runId);
    if (counts.queued !== population || stored.queued !== population) {
      throw new Error(`expected ${population} queued deliveries, fanOut said ${counts.queued} and the table holds ${JSON.stringify(stored)}`);
    }
    return { driver, queued: counts.queued, ms, loadMs, peakRss, processCpuSeconds: cpuUsed.processSeconds, postgresCpuSeconds: cpuUsed.postgresSeconds };
  } finally {
    await bench.close();
  }
}

const figures: Figure[] = [];
for (const driver of benchDrivers()) {
  figures.push(await measure(driver));
}

printTable(
  `Fan-out: one run to ${formatCount(population)} recipients → queued deliveries (one INSERT … SELECT in the firing transaction)`,
  ['driver', 'deliveries', 'seconds', 'rows/s', 'target', '', 'peak RSS', 'CPU/row: Node', 'PostgreSQL', '(recipients loaded in)'],
  figures.map((f) => [
    f.driver,
    formatCount(f.queued),
    (f.ms / 1000).toFixed(2),
    formatRate(perSecond(f.queued, f.ms)),
    `≥ ${formatRate(targets[f.driver])}`,
    verdict(perSecond(f.queued, f.ms), targets[f.driver]),
    megabytes(f.peakRss),
    cpuPerItem(f.processCpuSeconds, f.queued),
    cpuPerItem(f.postgresCpuSeconds, f.queued),
    `${(f.loadMs / 1000).toFixed(1)} s`,
  ]),
);
for (const f of figures) {
  const rate = perSecond(f.queued, f.ms);
  recordFigure({ workload: `fan-out ${formatCount(f.queued)} recipients`, driver: f.driver, value: `${formatRate(rate)} (peak RSS ${megabytes(f.peakRss)})`, target: `≥ ${formatRate(targets[f.driver])}`, verdict: verdict(rate, targets[f.driver]) });
}
console.log('CPU/row "Node": the benchmark process (PGlite itself on pglite); "PostgreSQL": the server process running the statement.');
console.log(machineLine());
