/**
 * A claim leaves the delivery 'queued' and takes a lease on it in `delivery_leases`; what
 * users see calls such a delivery 'sending', everywhere: the queue dashboard, a run's
 * counts, the deliveries list and its filter, the metrics. Handed back, it is queued again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Delivery, Page, QueueStats, Run } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { seedDeliveries } from '../support/delivery-seed.ts';
import { deliveries } from '../../src/db/schema.ts';
import { rowsOf } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { claimDeliveries, releaseDeliveries } from '../../src/engine/worker/claim-deliveries.ts';

let t: TestApp;

beforeAll(async () => { t = await createTestApp(); });
afterAll(() => t.close());
// each test counts the whole queue: it starts empty
beforeEach(async () => { await t.database.db.delete(deliveries).where(eq(deliveries.status, 'queued')); });

const get = async <T>(url: string): Promise<T> => {
  const response = await t.app.inject({ method: 'GET', url, headers: t.auth });
  expect(response.statusCode).toBe(200);
  return response.json<T>();
};

describe('leased deliveries', () => {
  it('are shown as sending by the queue dashboard, a run, the deliveries list and the metrics, and as queued once handed back', async () => {
    const seeded = await seedDeliveries(t, { count: 3, dueAt: new Date(Date.now() - 60_000) });
    const claimed = await claimDeliveries(t.database, 'test-worker', 2, 60_000);
    expect(claimed).toHaveLength(2);
    const [waiting] = seeded.deliveryIds.filter((id) => !claimed.some((d) => d.id === id));

    const stats = await get<QueueStats>('/api/queue/stats');
    expect(stats.byStatus).toMatchObject({ queued: 1, sending: 2 });
    expect(stats.byPriority.find((row) => row.priority === 'normal')).toEqual({ priority: 'normal', queued: 1, due: 1, deferred: 0, retrying: 0, sending: 2 });
    // the one waiting the longest is the one no worker holds
    expect(stats.oldestWaiting?.deliveryId).toBe(waiting);
    // a run with deliveries being sent is still running, none of them done
    expect(stats.runs.find((run) => run.runId === seeded.runId)).toMatchObject({ remaining: 3, done: 0 });

    const runs = await get<Page<Run>>(`/api/notifications/scheduled/${seeded.scheduleId}/runs`);
    expect(runs.items[0]).toMatchObject({ id: seeded.runId, status: 'sending', counts: { queued: 1, sending: 2 } });
    const sending = await get<Page<Delivery>>(`/api/notifications/scheduled/${seeded.scheduleId}/deliveries?status=sending`);
    expect(sending.items.map((d) => d.id).sort()).toEqual(claimed.map((d) => d.id).sort());
    expect(sending.items.every((d) => d.status === 'sending')).toBe(true);
    const queued = await get<Page<Delivery>>(`/api/notifications/scheduled/${seeded.scheduleId}/runs/${seeded.runId}/deliveries?status=queued`);
    expect(queued).toMatchObject({ total: 1, items: [{ id: waiting, status: 'queued' }] });

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/herald_deliveries\{status="sending"\} 2/);

    expect(await releaseDeliveries(t.database, 'test-worker', claimed.map((d) => d.id))).toBe(2);
    expect((await get<QueueStats>('/api/queue/stats')).byStatus).toMatchObject({ queued: 3, sending: 0 });
    expect((await get<Page<Run>>(`/api/notifications/scheduled/${seeded.scheduleId}/runs`)).items[0]!.counts).toEqual({ queued: 3 });
  });
});

describe('upgrading a database made before the lease table (0002_delivery_leases)', () => {
  it('puts what an earlier worker was sending back in the queue, drops the lease columns and leaves the queue working', async () => {
    const seeded = await seedDeliveries(t, { count: 3, dueAt: new Date(Date.now() - 60_000) });
    const [sending, ...waiting] = seeded.deliveryIds;
    // The schema as the version before left it: leases in the deliveries' own columns, a
    // delivery being sent marked 'sending', no lease table, the run index counting 'sending'.
    await t.database.query(sql`DROP TABLE delivery_leases`);
    await t.database.query(sql`ALTER TABLE deliveries ADD COLUMN locked_by text, ADD COLUMN locked_until timestamptz`);
    await t.database.query(sql`CREATE INDEX deliveries_lease_idx ON deliveries (locked_until) WHERE status = 'sending'`);
    await t.database.query(sql`DROP INDEX deliveries_run_open_idx`);
    await t.database.query(sql`CREATE INDEX deliveries_run_open_idx ON deliveries (run_id) WHERE status IN ('queued', 'sending')`);
    await t.database.query(sql`UPDATE deliveries SET status = 'sending', locked_by = 'old-worker', locked_until = now() + interval '1 minute' WHERE id = ${sending}`);
    await t.database.query(sql`DELETE FROM herald_migrations WHERE tag = '0002_delivery_leases'`);

    await migrate(t.database);

    const rows = await t.database.db.select({ id: deliveries.id, status: deliveries.status }).from(deliveries).where(inArray(deliveries.id, seeded.deliveryIds));
    expect(rows.every((row) => row.status === 'queued')).toBe(true);
    const columns = await rowsOf<{ column_name: string }>(t.database.db, sql`
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'deliveries' AND column_name LIKE 'locked%'`);
    expect(columns).toEqual([]);
    const [leases] = await rowsOf<{ persistence: string }>(t.database.db, sql`
      SELECT relpersistence AS persistence FROM pg_class WHERE oid = to_regclass('delivery_leases')`);
    expect(leases).toEqual({ persistence: 'u' });
    const [runIndex] = await rowsOf<{ definition: string }>(t.database.db, sql`SELECT pg_get_indexdef(to_regclass('deliveries_run_open_idx')) AS definition`);
    expect(runIndex!.definition).toMatch(/WHERE \(?status = 'queued'::text\)?$/);

    // every one of them can be claimed again, the one that was being sent included
    const claimed = await claimDeliveries(t.database, 'new-worker', 10, 60_000);
    expect(claimed.map((d) => d.id).sort()).toEqual([sending, ...waiting].sort());
    expect(await releaseDeliveries(t.database, 'new-worker', claimed.map((d) => d.id))).toBe(3);
  });
});
