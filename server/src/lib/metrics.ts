import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client.ts';
import { deliveriesWithLeases, shownStatus } from '../db/delivery-status.ts';

export type Metrics = {
  registry: Registry;
  deliveriesSent: Counter<'channel'>;
  deliveriesFailed: Counter<'channel'>;
  runsFired: Counter;
  fireLatency: Histogram;
};

/** Prometheus metrics for this process; queue depth is read from the database at scrape time. */
export function createMetrics(database: Database): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  const deliveriesSent = new Counter({ name: 'herald_deliveries_sent_total', help: 'Deliveries sent by this process', labelNames: ['channel'], registers: [registry] });
  const deliveriesFailed = new Counter({ name: 'herald_deliveries_failed_total', help: 'Deliveries failed for good by this process', labelNames: ['channel'], registers: [registry] });
  const runsFired = new Counter({ name: 'herald_runs_fired_total', help: 'Occurrences fired by this process', registers: [registry] });
  const fireLatency = new Histogram({
    name: 'herald_fire_latency_seconds',
    help: 'Delay between an occurrence being due and its run being created',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'herald_deliveries',
    help: 'Deliveries by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await database.query<{ status: string; count: string }>(sql`SELECT ${shownStatus} AS status, count(*)::text AS count FROM ${deliveriesWithLeases} GROUP BY 1`);
      for (const row of rows) this.set({ status: row.status }, Number(row.count));
    },
  });
  return { registry, deliveriesSent, deliveriesFailed, runsFired, fireLatency };
}
