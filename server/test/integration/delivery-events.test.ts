/**
 * Every state change of a delivery as an event: its creation (`queued`, or `skipped` by the
 * fan-out) read from the delivery row, the rest from the events table, among them a
 * `deferred` written when the worker puts a delivery back unsent. Through the real fan-out
 * (send now) and the real worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { DeliveryEvent, DeliveryEventCount, Page, Run } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { createRecipients, createSchedule } from '../support/factories.ts';
import { deliveryRows, waitUntil } from '../support/delivery-seed.ts';
import { deliveries } from '../../src/db/schema.ts';
import { startWorker } from '../../src/engine/worker/worker.ts';

const base = '/api/notifications/scheduled';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ HERALD_WORKER_INTERVAL_MS: '20' });
});
afterAll(async () => {
  await t.close();
});

const hhmm = (at: number) => new Date(at).toISOString().slice(11, 16);

async function timeline(scheduleId: string, deliveryId: number): Promise<DeliveryEvent[]> {
  const response = await t.app.inject({ method: 'GET', url: `${base}/${scheduleId}/deliveries/${deliveryId}/events`, headers: t.auth });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Page<DeliveryEvent>>().items;
}

describe('delivery events', () => {
  it('gives each delivery its whole life: queued (or skipped by the fan-out), deferred, sent; and counts them over the schedule', async () => {
    const [sent, optedOut, lateQuiet] = await createRecipients(t, 3, (i) => ({ timezone: 'UTC', optedOutChannels: i === 1 ? ['inapp'] : [] }));
    const schedule = await createSchedule(t, { channels: ['inapp'], audience: { type: 'test', recipientIds: [sent!.id, optedOut!.id, lateQuiet!.id] } });
    const before = Date.now();
    const run = (await t.app.inject({ method: 'POST', url: `${base}/${schedule.id}/send-now`, headers: t.auth })).json<Run>();
    const rows = await t.database.db.select().from(deliveries).where(eq(deliveries.runId, run.id));
    const idOf = (recipientId: string) => rows.find((row) => row.recipientId === recipientId)!.id;

    // after the run was queued, one person set quiet hours that hold the present moment
    const window = { start: hhmm(before - 3_600_000), end: hhmm(before + 2 * 3_600_000) };
    const updated = await t.app.inject({ method: 'PUT', url: `/api/recipients/${lateQuiet!.id}`, headers: t.auth, payload: { quietHours: window } });
    expect(updated.statusCode).toBe(200);

    const worker = startWorker(t.context);
    try {
      await waitUntil(async () => {
        const [first, third] = await deliveryRows(t, [idOf(sent!.id), idOf(lateQuiet!.id)]);
        return first!.status === 'sent' && third!.reason !== null;
      }, 'one sent and one held for quiet hours');
    } finally {
      await worker.stop();
    }

    const sentEvents = await timeline(schedule.id, idOf(sent!.id));
    expect(sentEvents.map((e) => [e.type, e.channel])).toEqual([['queued', null], ['sent', 'inapp']]);
    expect(sentEvents[0]).toMatchObject({ id: null, data: { channels: ['inapp'] } });
    expect(Date.parse(sentEvents[0]!.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(sentEvents[1]!.id).toEqual(expect.any(Number));
    expect(Date.parse(sentEvents[1]!.occurredAt)).toBeGreaterThanOrEqual(Date.parse(sentEvents[0]!.occurredAt));

    expect(await timeline(schedule.id, idOf(optedOut!.id))).toEqual([
      expect.objectContaining({ id: null, type: 'skipped', channel: null, data: { channels: [], reason: 'opted_out' } }),
    ]);

    const held = await timeline(schedule.id, idOf(lateQuiet!.id));
    const [heldRow] = await deliveryRows(t, [idOf(lateQuiet!.id)]);
    expect(held.map((e) => e.type)).toEqual(['queued', 'deferred']);
    expect(held[1]!.data).toEqual({ until: heldRow!.dueAt.toISOString(), reason: `quiet hours until ${window.end} UTC` });

    const counts = await t.app.inject({ method: 'GET', url: `${base}/${schedule.id}/events`, headers: t.auth });
    expect(counts.statusCode).toBe(200);
    expect(counts.json<DeliveryEventCount[]>()).toEqual([
      { type: 'queued', events: 2, deliveries: 2 },
      { type: 'deferred', events: 1, deliveries: 1 },
      { type: 'sent', events: 1, deliveries: 1 },
      { type: 'skipped', events: 1, deliveries: 1 },
    ]);
  });

  it('pages a timeline and answers 404 for a delivery of another schedule, 400 for a malformed id', async () => {
    const [person] = await createRecipients(t, 1);
    const one = await createSchedule(t, { audience: { type: 'test', recipientIds: [person!.id] } });
    const other = await createSchedule(t);
    const run = (await t.app.inject({ method: 'POST', url: `${base}/${one.id}/send-now`, headers: t.auth })).json<Run>();
    const [row] = await t.database.db.select().from(deliveries).where(eq(deliveries.runId, run.id));

    const page = await t.app.inject({ method: 'GET', url: `${base}/${one.id}/deliveries/${row!.id}/events?limit=1&offset=1`, headers: t.auth });
    expect(page.json<Page<DeliveryEvent>>()).toEqual({ items: [], total: 1, limit: 1, offset: 1 });
    expect((await t.app.inject({ method: 'GET', url: `${base}/${other.id}/deliveries/${row!.id}/events`, headers: t.auth })).statusCode).toBe(404);
    const malformed = await t.app.inject({ method: 'GET', url: `${base}/${one.id}/deliveries/abc/events`, headers: t.auth });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body).toContain('deliveryId');
  });
});
