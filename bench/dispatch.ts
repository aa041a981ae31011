/**
 * Dispatch end to end: queued deliveries → a Herald worker (startEngine, the `worker` role)
 * claims, renders, sends and records them → a loopback sink in another process receives them.
 *
 *   npm run bench -- dispatch
 *
 * Targets on a 2-core machine: to an HTTP sink (the webhook channel) ≥ 10,000/s on
 * PostgreSQL and ≥ 5,000/s on PGlite; over SMTP ≥ 1,000 emails/s on PostgreSQL.
 * BENCH_DRIVERS=postgres or pglite runs one driver; BENCH_HTTP_COUNT (default 100,000 on
 * PostgreSQL, 50,000 on PGlite) and BENCH_SMTP_COUNT (default 20,000) size the workloads (0 skips one);
 * BENCH_BATCH_SIZE and BENCH_CONCURRENCY override the worker's batch size and concurrency.
 * On PostgreSQL BENCH_WORKER_PROCESSES=N runs the worker in N processes of their own, as N
 * `HERALD_ROLES=worker` processes would (default 0: BENCH_WORKERS workers in the benchmark process).
 *
 * Each workload runs BENCH_ROUNDS times (default 2), each round on a fresh database, in the same
 * process. The first round is a cold process: V8 runs the worker's code in its interpreter and
 * baseline tiers until it has seen it often enough to optimize it (webhooks on PostgreSQL,
 * seven pairs of rounds: median Node CPU 0.109 ms a delivery in the first, 0.096 in the second).
 * A worker runs for days, so the figure compared with the target is the last round's; every
 * round is printed.
 */
import { benchDrivers, openBenchDatabase, type Driver } from './lib/bench-database.ts';
import { dispatchWithHerald, hasWebhookChannel, type DispatchFigure } from './lib/herald-dispatch.ts';
import { cpuPerItem, formatCount, formatRate, machineLine, megabytes, perSecond, printTable, recordFigure, verdict } from './lib/report.ts';
import { startSinks } from './lib/sinks.ts';

const httpCounts: Record<Driver, number> = {
  postgres: Number(process.env.BENCH_HTTP_COUNT ?? 100_000),
  pglite: Number(process.env.BENCH_HTTP_COUNT ?? 50_000),
};
const smtpCount = Number(process.env.BENCH_SMTP_COUNT ?? 20_000);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const httpTargets: Record<Driver, number> = { postgres: 10_000, pglite: 5_000 };
const smtpTarget = 1_000;

type Row = { driver: Driver; workload: string; round: number; figure: DispatchFigure; target: number; sinkRss: number | undefined };

const sinks = await startSinks();
const rows: Row[] = [];
let isStandIn = false;
try {
  for (const driver of benchDrivers()) {
    const workloads: Array<{ name: string; channel: 'webhook' | 'inapp' | 'email'; count: number; target: number }> = [];
    const probe = await openBenchDatabase(driver);
    isStandIn = !(await hasWebhookChannel(probe, sinks));
    await probe.close();
    workloads.push(isStandIn
      ? { name: 'HTTP sink (stand-in: in-app)', channel: 'inapp', count: httpCounts[driver], target: httpTargets[driver] }
      : { name: 'webhook → HTTP sink', channel: 'webhook', count: httpCounts[driver], target: httpTargets[driver] });
    if (driver === 'postgres') workloads.push({ name: 'email → SMTP sink', channel: 'email', count: smtpCount, target: smtpTarget });

    for (const workload of workloads.filter((w) => w.count > 0)) {
      for (let round = 1; round <= rounds; round++) {
        const bench = await openBenchDatabase(driver);
        try {
          const figure = await dispatchWithHerald(bench, sinks, workload.channel, workload.count);
          rows.push({ driver, workload: workload.name, round, figure, target: workload.target, sinkRss: await sinks.peakRss() });
        } finally {
          await bench.close();
        }
      }
    }
  }
} finally {
  await sinks.close();
}

printTable(
  'Dispatch end to end: queued → claimed, rendered, sent to a loopback sink, recorded',
  ['driver', 'workload', 'round', 'workers', 'deliveries', 'seconds', 'rate', 'target', '', 'received', 'repeats', 'peak RSS', 'batch × concurrency', 'CPU/delivery: Node', 'PostgreSQL', 'sink'],
  rows.map(({ driver, workload, round, figure, target }) => [
    driver,
    workload,
    round === 1 ? `1 (cold)` : String(round),
    figure.workerProcesses > 0 ? `${figure.workerProcesses} processes` : `${figure.workers} in-process`,
    formatCount(figure.count),
    (figure.ms / 1000).toFixed(2),
    formatRate(perSecond(figure.count, figure.ms)),
    `≥ ${formatRate(target)}`,
    verdict(perSecond(figure.count, figure.ms), target),
    formatCount(figure.received),
    formatCount(figure.received - figure.distinct),
    megabytes(figure.peakRss),
    `${figure.batchSize} × ${figure.concurrency}`,
    cpuPerItem(figure.processCpuSeconds, figure.count),
    cpuPerItem(figure.postgresCpuSeconds, figure.count),
    figure.channel === 'inapp' ? '—' : cpuPerItem(figure.sinkCpuSeconds, figure.count),
  ]),
);
// The steady state: each workload's last round.
for (const { driver, workload, figure, target } of rows.filter((row) => row.round === rounds)) {
  const rate = perSecond(figure.count, figure.ms);
  recordFigure({ workload: `dispatch: ${workload}`, driver, value: `${formatRate(rate)} (peak RSS ${megabytes(figure.peakRss)})`, target: `≥ ${formatRate(target)}`, verdict: verdict(rate, target) });
}
if (isStandIn) {
  console.log('NOTE: this build has no webhook channel yet: the "HTTP sink" rows use the in-app channel as a stand-in (an INSERT into the inbox, no HTTP).');
}
console.log('peak RSS and CPU/delivery "Node": the Herald worker processes (BENCH_WORKER_PROCESSES on PostgreSQL; RSS of the largest) or the benchmark process holding the worker and PGlite itself; the sinks run in a child process.');
console.log('CPU/delivery "PostgreSQL": the server processes of the worker\'s connections; "sink": the receiving process. On 2 cores there are 2 CPU-seconds a second for all of them together.');
console.log(machineLine());
