/**
 * Quiet hours end to end: the settings and the recipients' own windows through the API (bad
 * input refused at its field), the fan-out moving a new delivery to the end of the night in
 * its INSERT … SELECT (checked against the pure arithmetic), and the real worker holding a
 * delivery until the window ends while a critical one goes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import type { DeliverySettings, ImportJob, QuietWindow, Recipient, Run } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { createRecipients, createSchedule } from '../support/factories.ts';
import { deliveryRows, isSettled, putDeliverySettings, seedDeliveries, waitUntil } from '../support/delivery-seed.ts';
import { rowsOf } from '../../src/db/client.ts';
import { deliveries, recipients } from '../../src/db/schema.ts';
import { quietHoursDueAt } from '../../src/engine/limits/quiet-hours-due-at.ts';
import { quietWindowEnd } from '../../src/engine/limits/quiet-hours.ts';
import { startWorker, type Worker } from '../../src/engine/worker/worker.ts';

let t: TestApp;
let worker: Worker | undefined;

beforeAll(async () => {
  t = await createTestApp({ HERALD_WORKER_INTERVAL_MS: '20' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await putDeliverySettings(t, {});
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await t.database.db.delete(deliveries).where(eq(deliveries.status, 'queued'));
});

const hhmm = (at: Date) => at.toISOString().slice(11, 16);

/** A window in UTC that holds the present moment: it began an hour ago and ends in two. */
function windowAroundNow(): QuietWindow {
  const now = Date.now();
  return { start: hhmm(new Date(now - 3_600_000)), end: hhmm(new Date(now + 2 * 3_600_000)) };
}

/** A window in UTC the present moment is outside of: it begins in two hours and ends in three. */
function windowLater(): QuietWindow {
  const now = Date.now();
  return { start: hhmm(new Date(now + 2 * 3_600_000)), end: hhmm(new Date(now + 3 * 3_600_000)) };
}

describe('settings: quiet hours', () => {
  it('stores the instance\'s quiet hours and answers them back', async () => {
    const quietHours = { start: '21:00', end: '08:00', timezone: 'Europe/Paris' };
    await putDeliverySettings(t, { quietHours });
    const response = await t.app.inject({ method: 'GET', url: '/api/settings/delivery', headers: t.auth });
    expect(response.json<DeliverySettings>().quietHours).toEqual(quietHours);
  });

  it.each([
    ['a time that is not HH:MM', { start: '9pm', end: '08:00', timezone: 'UTC' }, 'quietHours.start', /HH:MM/],
    ['an hour past 23', { start: '21:00', end: '24:00', timezone: 'UTC' }, 'quietHours.end', /HH:MM/],
    ['the same start and end', { start: '08:00', end: '08:00', timezone: 'UTC' }, 'quietHours.end', /must differ from start/],
    ['a zone that does not exist', { start: '21:00', end: '08:00', timezone: 'Mars/Olympus' }, 'quietHours.timezone', /IANA time zone/],
    ['no zone', { start: '21:00', end: '08:00' }, 'quietHours.timezone', /.+/],
  ])('refuses %s with a 400 naming the field, and keeps what was saved', async (_name, quietHours, field, message) => {
    await putDeliverySettings(t, { quietHours: { start: '22:00', end: '07:00', timezone: 'UTC' } });
    const response = await t.app.inject({ method: 'PUT', url: '/api/settings/delivery', headers: t.auth, payload: { quietHours } });
    expect(response.statusCode).toBe(400);
    const issues = response.json<{ error: { details: { issues: Array<{ field: string; message: string }> } } }>().error.details.issues;
    expect(issues).toEqual([expect.objectContaining({ field, message: expect.stringMatching(message) })]);
    const saved = await t.app.inject({ method: 'GET', url: '/api/settings/delivery', headers: t.auth });
    expect(saved.json<DeliverySettings>().quietHours).toEqual({ start: '22:00', end: '07:00', timezone: 'UTC' });
  });
});

describe('recipients: their own quiet hours', () => {
  it('sets a window, "none", or follows the instance (null), one by one and in bulk; an omitted field keeps its value', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/recipients', headers: t.auth, payload: { externalId: 'qh-one', quietHours: { start: '22:30', end: '06:45' } } });
    expect(created.statusCode).toBe(201);
    expect(created.json<Recipient>().quietHours).toEqual({ start: '22:30', end: '06:45' });

    const id = created.json<Recipient>().id;
    const renamed = await t.app.inject({ method: 'PUT', url: `/api/recipients/${id}`, headers: t.auth, payload: { name: 'Ada' } });
    expect(renamed.json<Recipient>().quietHours).toEqual({ start: '22:30', end: '06:45' });
    const none = await t.app.inject({ method: 'PUT', url: '/api/recipients/by-external-id/qh-one', headers: t.auth, payload: { quietHours: 'none' } });
    expect(none.json<Recipient>().quietHours).toBe('none');
    const cleared = await t.app.inject({ method: 'PUT', url: `/api/recipients/${id}`, headers: t.auth, payload: { quietHours: null } });
    expect(cleared.json<Recipient>().quietHours).toBeNull();

    const bulk = await t.app.inject({ method: 'POST', url: '/api/recipients/bulk', headers: t.auth, payload: { recipients: [
      { externalId: 'qh-one', quietHours: 'none' },
      { externalId: 'qh-two', quietHours: { start: '23:00', end: '07:00' } },
      { externalId: 'qh-three' },
    ] } });
    expect(bulk.json()).toEqual({ created: 2, updated: 1 });
    const keep = await t.app.inject({ method: 'POST', url: '/api/recipients/bulk', headers: t.auth, payload: { recipients: [{ externalId: 'qh-two', name: 'Grace' }, { externalId: 'qh-three', quietHours: null }] } });
    expect(keep.statusCode).toBe(200);
    const stored = await t.database.db.select({ externalId: recipients.externalId, quietHours: recipients.quietHours }).from(recipients)
      .where(inArray(recipients.externalId, ['qh-one', 'qh-two', 'qh-three']));
    expect(Object.fromEntries(stored.map((row) => [row.externalId, row.quietHours]))).toEqual({
      'qh-one': 'none',
      'qh-two': { start: '23:00', end: '07:00' },
      'qh-three': null,
    });
  });

  it.each([
    ['a word other than none', 'never', 'quietHours', /"none" or a window/],
    ['a window without an end', { start: '22:00' }, 'quietHours', /"none" or a window/],
    ['a time that is not HH:MM', { start: '22:00', end: '7am' }, 'quietHours.end', /HH:MM/],
    ['the same start and end', { start: '22:00', end: '22:00' }, 'quietHours.end', /must differ from start/],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_name, quietHours, field, message) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/recipients', headers: t.auth, payload: { externalId: 'qh-bad', quietHours } });
    expect(response.statusCode).toBe(400);
    const issues = response.json<{ error: { details: { issues: Array<{ field: string; message: string }> } } }>().error.details.issues;
    expect(issues).toEqual([expect.objectContaining({ field, message: expect.stringMatching(message) })]);
    const bulk = await t.app.inject({ method: 'POST', url: '/api/recipients/bulk', headers: t.auth, payload: { recipients: [{ externalId: 'qh-bad-0' }, { externalId: 'qh-bad-1', quietHours }] } });
    expect(bulk.statusCode).toBe(400);
    expect(bulk.json<{ error: { details: { issues: Array<{ field: string }> } } }>().error.details.issues[0]!.field).toBe(`recipients.1.${field}`);
    const written = await t.database.db.select().from(recipients).where(inArray(recipients.externalId, ['qh-bad', 'qh-bad-0', 'qh-bad-1']));
    expect(written).toEqual([]);
  });

  it('imports a quietHours column: a window, none, or empty for the instance\'s', async () => {
    const csv = 'externalId,quiet_hours\nqh-csv-1,22:00-07:00\nqh-csv-2,none\nqh-csv-3,\nqh-csv-4,7:30 – 9:00\n';
    const response = await t.app.inject({ method: 'POST', url: '/api/recipients/import', headers: { ...t.auth, 'content-type': 'text/csv' }, payload: csv });
    expect(response.statusCode).toBe(202);
    const jobId = response.json<{ job: ImportJob }>().job.id;
    const job = async () => (await t.app.inject({ method: 'GET', url: `/api/jobs/${jobId}`, headers: t.auth })).json<ImportJob>();
    await waitUntil(async () => (await job()).status !== 'running', 'the import');
    expect(await job()).toMatchObject({ status: 'completed', succeeded: 4, failed: 0 });
    const stored = await t.database.db.select({ externalId: recipients.externalId, quietHours: recipients.quietHours }).from(recipients)
      .where(inArray(recipients.externalId, ['qh-csv-1', 'qh-csv-2', 'qh-csv-3', 'qh-csv-4']));
    expect(Object.fromEntries(stored.map((row) => [row.externalId, row.quietHours]))).toEqual({
      'qh-csv-1': { start: '22:00', end: '07:00' },
      'qh-csv-2': 'none',
      'qh-csv-3': null,
      'qh-csv-4': { start: '07:30', end: '09:00' },
    });
  });

  it('refuses a file whose quietHours cell is neither a window nor none, naming the row', async () => {
    const csv = 'externalId,quietHours\nqh-csv-bad-1,22:00-07:00\nqh-csv-bad-2,after dinner\n';
    const response = await t.app.inject({ method: 'POST', url: '/api/recipients/import', headers: { ...t.auth, 'content-type': 'text/csv' }, payload: csv });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { details: { issues: unknown[] } } }>().error.details.issues).toEqual([expect.objectContaining({ row: 3, field: 'quietHours', rule: 'quiet_hours' })]);
  });
});

describe('fan-out: a new delivery due in quiet hours is due when they end', () => {
  it('computes in SQL what the arithmetic says, for every zone, window and time of day, DST days included', async () => {
    await putDeliverySettings(t, { quietHours: { start: '21:00', end: '08:00', timezone: 'Europe/Paris' } });
    const people: Array<{ externalId: string; timezone: string | null; quietHours: QuietWindow | 'none' | null }> = [
      { externalId: 'qh-sql-paris', timezone: 'Europe/Paris', quietHours: null },
      { externalId: 'qh-sql-ny', timezone: 'America/New_York', quietHours: null },
      { externalId: 'qh-sql-kolkata', timezone: 'Asia/Kolkata', quietHours: null },
      { externalId: 'qh-sql-sydney', timezone: 'Australia/Sydney', quietHours: null },
      { externalId: 'qh-sql-nozone', timezone: null, quietHours: null },
      { externalId: 'qh-sql-own', timezone: 'America/Los_Angeles', quietHours: { start: '12:00', end: '14:30' } },
      { externalId: 'qh-sql-own-night', timezone: 'Asia/Tokyo', quietHours: { start: '23:00', end: '06:00' } },
      { externalId: 'qh-sql-none', timezone: 'Europe/Paris', quietHours: 'none' },
    ];
    await t.app.inject({ method: 'POST', url: '/api/recipients/bulk', headers: t.auth, payload: { recipients: people } });
    const byId = new Map(people.map((person) => [person.externalId, person]));
    const instance = { start: '21:00', end: '08:00' };
    // Each statement reads the zones PostgreSQL knows once (tens of ms): a plain day every
    // 100 minutes, and the nights of the DST changes of Paris and New York every 100 minutes.
    const starts = ['2026-01-15T00:00:00Z', '2026-03-07T20:00:00Z', '2026-03-28T16:00:00Z', '2026-10-24T16:00:00Z', '2026-10-31T20:00:00Z'];
    let compared = 0;
    let moved = 0;
    for (const start of starts) {
      for (let at = Date.parse(start); at < Date.parse(start) + 16 * 3_600_000; at += 100 * 60_000 + 7_000) {
        const dueAt = new Date(at);
        const rows = await rowsOf<{ external_id: string; due_at: Date | string }>(t.database.db, sql`
          SELECT r.external_id, ${quietHoursDueAt(dueAt, 2)} AS due_at FROM recipients r WHERE r.external_id LIKE 'qh-sql-%'`);
        expect(rows).toHaveLength(people.length);
        for (const row of rows) {
          const person = byId.get(row.external_id)!;
          const window = person.quietHours === 'none' ? null : person.quietHours ?? instance;
          const expected = window ? quietWindowEnd(dueAt, window, person.timezone ?? 'Europe/Paris') ?? dueAt : dueAt;
          expect(new Date(row.due_at).toISOString(), `${row.external_id} due ${dueAt.toISOString()}`).toBe(expected.toISOString());
          compared += 1;
          if (expected.getTime() !== at) moved += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
    // the table does exercise both answers
    expect(moved).toBeGreaterThan(compared / 4);
    expect(moved).toBeLessThan(compared);
  });

  it('leaves critical deliveries, and recipients in a zone the database does not know, at their time', async () => {
    await putDeliverySettings(t, { quietHours: { start: '00:00', end: '23:59', timezone: 'UTC' } });
    const dueAt = new Date('2026-01-15T12:00:00Z');
    const [critical] = await rowsOf<{ due_at: Date | string }>(t.database.db, sql`SELECT ${quietHoursDueAt(dueAt, 0)} AS due_at FROM (SELECT 'UTC' AS timezone, NULL::jsonb AS quiet_hours) r`);
    expect(new Date(critical!.due_at).toISOString()).toBe(dueAt.toISOString());
    // written past the API, as a zone newer than the database's time zone data would be
    await t.database.db.insert(recipients).values([
      { externalId: 'qh-zone-unknown', timezone: 'Mars/Olympus' },
      { externalId: 'qh-zone-unknown-own', timezone: 'Mars/Olympus', quietHours: { start: '00:00', end: '23:59' } },
      { externalId: 'qh-zone-utc', timezone: 'UTC' },
    ]);
    const rows = await rowsOf<{ external_id: string; due_at: Date | string }>(t.database.db, sql`
      SELECT r.external_id, ${quietHoursDueAt(dueAt, 2)} AS due_at FROM recipients r WHERE r.external_id LIKE 'qh-zone-%' ORDER BY r.external_id`);
    expect(rows.map((row) => [row.external_id, new Date(row.due_at).toISOString()])).toEqual([
      ['qh-zone-unknown', dueAt.toISOString()],
      ['qh-zone-unknown-own', dueAt.toISOString()],
      ['qh-zone-utc', '2026-01-15T23:59:00.000Z'],
    ]);
  });

  it('queues a run\'s deliveries for the end of each recipient\'s quiet hours, critical ones for now', async () => {
    const [asleep, awake, wantsNone, followsInstance] = await createRecipients(t, 4, (i) => ({
      timezone: 'UTC',
      quietHours: ([windowAroundNow(), windowLater(), 'none', null] as const)[i]!,
    }));
    await putDeliverySettings(t, { quietHours: { ...windowAroundNow(), timezone: 'Europe/Paris' } });
    const audience = { type: 'test' as const, recipientIds: [asleep!.id, awake!.id, wantsNone!.id, followsInstance!.id] };
    for (const priority of ['normal', 'critical'] as const) {
      const schedule = await createSchedule(t, { channels: ['inapp'], audience, priority });
      const before = Date.now();
      const run = (await t.app.inject({ method: 'POST', url: `/api/notifications/scheduled/${schedule.id}/send-now`, headers: t.auth })).json<Run>();
      const rows = await t.database.db.select().from(deliveries).where(inArray(deliveries.runId, [run.id]));
      const dueOf = (person: Recipient) => rows.find((row) => row.recipientId === person.id)!.dueAt.getTime();
      const reasonOf = (person: Recipient) => rows.find((row) => row.recipientId === person.id)!.reason;
      const end = quietWindowEnd(new Date(), windowAroundNow(), 'UTC')!.getTime();
      if (priority === 'critical') {
        for (const person of [asleep!, awake!, wantsNone!, followsInstance!]) {
          expect(dueOf(person)).toBeLessThan(before + 60_000);
          expect(reasonOf(person)).toBeNull();
        }
      } else {
        expect(dueOf(asleep!)).toBe(end);
        expect(dueOf(followsInstance!)).toBe(end);
        expect(dueOf(awake!)).toBeLessThan(before + 60_000);
        expect(dueOf(wantsNone!)).toBeLessThan(before + 60_000);
        // the schedule's deliveries list says why they wait
        expect(reasonOf(asleep!)).toBe(`quiet hours until ${windowAroundNow().end} UTC`);
        expect(reasonOf(followsInstance!)).toBe(`quiet hours until ${windowAroundNow().end} UTC`);
        expect([reasonOf(awake!), reasonOf(wantsNone!)]).toEqual([null, null]);
      }
    }
  });
});

describe('dispatch: the worker holds what reaches it in quiet hours', () => {
  it('defers a delivery to the end of the recipient\'s quiet hours, saying so, and sends a critical one and one for a person who wants none', async () => {
    const window = windowAroundNow();
    const [asleep, wantsNone] = await createRecipients(t, 2, (i) => ({ timezone: 'UTC', quietHours: ([window, 'none'] as const)[i]! }));
    const normal = await seedDeliveries(t, { channels: ['inapp'], recipientIds: [asleep!.id, wantsNone!.id] });
    const critical = await seedDeliveries(t, { channels: ['inapp'], priority: 'critical', recipientIds: [asleep!.id] });
    const expectedEnd = quietWindowEnd(new Date(), window, 'UTC')!;

    const seeded = await deliveryRows(t, normal.deliveryIds);
    const heldId = seeded.find((row) => row.recipientId === asleep!.id)!.id;
    const freeId = seeded.find((row) => row.recipientId === wantsNone!.id)!.id;

    worker = startWorker(t.context);
    await waitUntil(isSettled(t, [...critical.deliveryIds, freeId]), 'the critical delivery and the one to a person without quiet hours');
    await waitUntil(async () => (await deliveryRows(t, [heldId]))[0]!.reason !== null, 'the held delivery to be deferred');
    await worker.stop();
    worker = undefined;

    const [held] = await deliveryRows(t, [heldId]);
    expect(held).toMatchObject({ status: 'queued', attempts: 0, reason: `quiet hours until ${window.end} UTC` });
    expect(held!.dueAt.toISOString()).toBe(expectedEnd.toISOString());
    expect((await deliveryRows(t, [freeId, ...critical.deliveryIds])).map((row) => row.status)).toEqual(['sent', 'sent']);
  });

  it('holds people without a window of their own by the instance\'s, in its fallback zone when they have none', async () => {
    const [noZone] = await createRecipients(t, 1, () => ({ timezone: null }));
    // the present moment, read in Tokyo, is inside this window
    const tokyoNow = new Date(Date.now() + 9 * 3_600_000);
    await putDeliverySettings(t, { quietHours: { start: hhmm(new Date(tokyoNow.getTime() - 3_600_000)), end: hhmm(new Date(tokyoNow.getTime() + 3_600_000)), timezone: 'Asia/Tokyo' } });
    const seeded = await seedDeliveries(t, { channels: ['inapp'], recipientIds: [noZone!.id] });
    worker = startWorker(t.context);
    await waitUntil(async () => (await deliveryRows(t, seeded.deliveryIds))[0]!.reason !== null, 'the delivery to be deferred');
    await worker.stop();
    worker = undefined;
    const [row] = await deliveryRows(t, seeded.deliveryIds);
    expect(row!.status).toBe('queued');
    expect(row!.reason).toMatch(/^quiet hours until \d\d:\d\d Asia\/Tokyo$/);
    expect(row!.dueAt.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
  });
});
