/**
 * How the queue dashboard splits the waiting work. "Held back": queued deliveries a rate limit,
 * the frequency cap or the recipient's quiet hours keep for later, whether quiet hours moved
 * them at fan-out or the real worker deferred them at dispatch; one whose time has come is due,
 * not held. "Retrying": one whose send failed and that waits out its backoff.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import type { QueueStats, QuietWindow, Run } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { createRecipients, createSchedule } from '../support/factories.ts';
import { deliveryRows, putDeliverySettings, seedDeliveries, waitUntil } from '../support/delivery-seed.ts';
import { freePort } from '../support/herald-process.ts';
import { deliveries } from '../../src/db/schema.ts';
import { startWorker } from '../../src/engine/worker/worker.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ HERALD_WORKER_INTERVAL_MS: '20' });
});
afterAll(() => t.close());
beforeEach(async () => {
  // each test counts the whole queue: it starts empty, without quiet hours of the instance
  await t.database.db.delete(deliveries).where(eq(deliveries.status, 'queued'));
  await putDeliverySettings(t, {});
});

const hhmm = (at: Date) => at.toISOString().slice(11, 16);
/** A window in UTC that holds the present moment, ending in two hours. */
const asleepNow = (): QuietWindow => ({ start: hhmm(new Date(Date.now() - 3_600_000)), end: hhmm(new Date(Date.now() + 2 * 3_600_000)) });
/** A window in UTC that begins in two hours. */
const asleepLater = (): QuietWindow => ({ start: hhmm(new Date(Date.now() + 2 * 3_600_000)), end: hhmm(new Date(Date.now() + 3 * 3_600_000)) });

async function queueStats(): Promise<QueueStats> {
  const response = await t.app.inject({ method: 'GET', url: '/api/queue/stats', headers: t.auth });
  expect(response.statusCode).toBe(200);
  return response.json<QueueStats>();
}

async function normalPriority(): Promise<QueueStats['byPriority'][number]> {
  return (await queueStats()).byPriority.find((row) => row.priority === 'normal')!;
}

/** Runs the real worker until `isDone`, then stops it. */
async function work(isDone: () => Promise<boolean>, what: string): Promise<void> {
  const worker = startWorker(t.context);
  try {
    await waitUntil(isDone, what);
  } finally {
    await worker.stop();
  }
}

describe('queue stats: held back', () => {
  it('counts deliveries that quiet hours moved at fan-out, and not the ones due now', async () => {
    const night = asleepNow();
    const [asleep, awake, followsInstance] = await createRecipients(t, 3, (i) => ({ timezone: 'UTC', quietHours: ([night, asleepLater(), null] as const)[i]! }));
    await putDeliverySettings(t, { quietHours: { ...night, timezone: 'UTC' } });
    const schedule = await createSchedule(t, { channels: ['inapp'], audience: { type: 'test', recipientIds: [asleep!.id, awake!.id, followsInstance!.id] } });
    const run = (await t.app.inject({ method: 'POST', url: `/api/notifications/scheduled/${schedule.id}/send-now`, headers: t.auth })).json<Run>();
    const rows = await t.database.db.select().from(deliveries).where(inArray(deliveries.runId, [run.id]));
    expect(rows.map((row) => row.reason ?? 'none').sort()).toEqual(['none', `quiet hours until ${night.end} UTC`, `quiet hours until ${night.end} UTC`]);

    expect(await normalPriority()).toEqual({ priority: 'normal', queued: 3, due: 1, deferred: 2, retrying: 0, sending: 0 });
  });

  it('counts a delivery the worker deferred to the end of quiet hours beside one a rate limit deferred', async () => {
    const [asleep] = await createRecipients(t, 1, () => ({ timezone: 'UTC', quietHours: asleepNow() }));
    const quiet = await seedDeliveries(t, { channels: ['inapp'], recipientIds: [asleep!.id] });
    const limited = await seedDeliveries(t, { count: 2, channels: ['inapp'], rateLimit: { maxPerMinute: 1 } });
    const ids = [...quiet.deliveryIds, ...limited.deliveryIds];
    const statuses = async () => (await deliveryRows(t, ids)).map((row) => (row.status === 'queued' && row.reason !== null ? 'held' : row.status));
    await work(async () => (await statuses()).sort().join() === 'held,held,sent', 'one delivery held by quiet hours and one by the rate limit, the other sent');

    const held = (await deliveryRows(t, ids)).filter((row) => row.status === 'queued').map((row) => row.reason).sort();
    expect(held).toEqual([expect.stringMatching(/^quiet hours until \d\d:\d\d UTC$/), expect.stringMatching(/^rate limit schedule:/)]);
    expect(await normalPriority()).toEqual({ priority: 'normal', queued: 2, due: 0, deferred: 2, retrying: 0, sending: 0 });
  });

  it('counts one whose quiet hours are over as due, no longer held, until a worker takes it', async () => {
    const [asleep] = await createRecipients(t, 1, () => ({ timezone: 'UTC', quietHours: asleepNow() }));
    const seeded = await seedDeliveries(t, { channels: ['inapp'], recipientIds: [asleep!.id] });
    await work(async () => (await deliveryRows(t, seeded.deliveryIds))[0]!.reason !== null, 'the delivery to be deferred');
    expect((await normalPriority()).deferred).toBe(1);

    // The night is over: the row keeps its reason until the next attempt, but it is due.
    await t.database.db.update(deliveries).set({ dueAt: new Date(Date.now() - 1000) }).where(inArray(deliveries.id, seeded.deliveryIds));
    expect(await normalPriority()).toEqual({ priority: 'normal', queued: 1, due: 1, deferred: 0, retrying: 0, sending: 0 });
  });
});

describe('queue stats: retrying', () => {
  it('counts a delivery waiting out its backoff as retrying, and its failed send in the channel\'s last hour and the throughput', async () => {
    // Nothing listens on the port: the connection is refused, a transient failure, retried in an hour.
    const url = `http://127.0.0.1:${await freePort()}/hook`;
    const seeded = await seedDeliveries(t, {
      channels: ['webhook'],
      content: { webhook: { url, body: '{}' } },
      retryPolicy: { maxAttempts: 3, baseDelaySeconds: 3600, factor: 2, maxDelaySeconds: 7200, jitter: 0 },
    });
    const retriedOf = (stats: QueueStats) => ({
      webhook: stats.byChannel.find((row) => row.channel === 'webhook')!.retriedLastHour,
      perMinute: stats.throughput.reduce((sum, minute) => sum + minute.retried, 0),
    });
    const before = retriedOf(await queueStats());
    await work(async () => (await deliveryRows(t, seeded.deliveryIds))[0]!.reason !== null, 'the first attempt to fail');

    const [row] = await deliveryRows(t, seeded.deliveryIds);
    expect(row).toMatchObject({ status: 'queued', reason: expect.stringMatching(/^webhook: .*ECONNREFUSED/) });
    const stats = await queueStats();
    expect(stats.byPriority.find((entry) => entry.priority === 'normal')).toEqual({ priority: 'normal', queued: 1, due: 0, deferred: 0, retrying: 1, sending: 0 });
    expect(stats.byChannel.find((entry) => entry.channel === 'webhook')).toMatchObject({ waiting: 1, failedLastHour: 0 });
    expect(retriedOf(stats)).toEqual({ webhook: before.webhook + 1, perMinute: before.perMinute + 1 });

    // Its time come, it is due again, no longer retrying.
    await t.database.db.update(deliveries).set({ dueAt: new Date(Date.now() - 1000) }).where(inArray(deliveries.id, seeded.deliveryIds));
    expect(await normalPriority()).toEqual({ priority: 'normal', queued: 1, due: 1, deferred: 0, retrying: 0, sending: 0 });
  });
});
