/**
 * The delivery engine through the real worker, a real SMTP server on loopback and the in-app
 * inbox: priorities, rate limits (global, per channel, per schedule) that defer and never
 * drop, the frequency cap, retries with backoff, fallback across channels, dead letters sent
 * again, and costs. Limit windows are shortened 30× (HERALD_LIMIT_WINDOW_SCALE): a "minute"
 * lasts 2 s, a "day" 48 minutes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DeliveryUsage, Page, DeadLetter } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { maxInAnyWindow } from '../support/sliding-window.ts';
import { attemptRows, deliveryRows, isSettled, putDeliverySettings, seedDeliveries, waitUntil } from '../support/delivery-seed.ts';
import { deliveries, events, inboxMessages, recipients, runs } from '../../src/db/schema.ts';
import { startWorker, type Worker } from '../../src/engine/worker/worker.ts';
import { stableMessageId } from '../../src/channels/types.ts';
import type { HeraldContext } from '../../src/context.ts';

const scale = 1 / 30;
const scaledMinuteMs = 60_000 * scale;
const scaledDayMs = 86_400_000 * scale;

let t: TestApp;
let sink: SmtpSink;
let worker: Worker | undefined;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await createTestApp({ SMTP_URL: sink.url, HERALD_WORKER_INTERVAL_MS: '20', HERALD_LIMIT_WINDOW_SCALE: String(scale) });
});
afterAll(async () => {
  await t.close();
  await sink.close();
});
beforeEach(async () => {
  sink.clear();
  // every test starts from the defaults, with quick retries
  await putDeliverySettings(t, { retryPolicies: { default: { maxAttempts: 5, baseDelaySeconds: 0.05, factor: 2, maxDelaySeconds: 1, jitter: 0 } } });
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  // nothing left queued for the next test's worker
  await t.database.db.delete(deliveries).where(eq(deliveries.status, 'queued'));
});

function start(config: Partial<HeraldContext['config']> = {}): Worker {
  worker = startWorker({ ...t.context, config: { ...t.config, ...config } });
  return worker;
}

async function stopWorker(): Promise<void> {
  await worker?.stop();
  worker = undefined;
}

/** Starts a worker, waits for the deliveries to settle, stops it. */
async function work(ids: number[], config: Partial<HeraldContext['config']> = {}, timeoutMs = 20_000): Promise<void> {
  start(config);
  try {
    await waitUntil(isSettled(t, ids), `deliveries ${ids.join(', ')} to settle`, timeoutMs);
  } finally {
    await stopWorker();
  }
}

describe('priorities', () => {
  it('claims critical first, then high, normal, low, and the earlier due first within a priority, in batches', async () => {
    const now = Date.now();
    const low = await seedDeliveries(t, { channels: ['inapp'], priority: 'low', dueAt: new Date(now - 60_000) });
    const normalLate = await seedDeliveries(t, { channels: ['inapp'], priority: 'normal', dueAt: new Date(now - 1000) });
    const normalEarly = await seedDeliveries(t, { channels: ['inapp'], priority: 'normal', dueAt: new Date(now - 5000) });
    const high = await seedDeliveries(t, { channels: ['inapp'], priority: 'high', dueAt: new Date(now - 500) });
    const critical = await seedDeliveries(t, { channels: ['inapp'], priority: 'critical', dueAt: new Date(now - 100) });
    const ids = [low, normalLate, normalEarly, high, critical].map((s) => s.deliveryIds[0]!);
    await work(ids, { workerBatchSize: 2, workerConcurrency: 1 });

    const rows = await deliveryRows(t, ids);
    const sentAt = (seeded: typeof low) => rows.find((r) => r.id === seeded.deliveryIds[0])!.sentAt!.getTime();
    // two per batch: {critical, high}, {normal early, normal late}, {low}
    expect(sentAt(critical)).toBe(sentAt(high));
    expect(sentAt(normalEarly)).toBe(sentAt(normalLate));
    expect(sentAt(high)).toBeLessThan(sentAt(normalEarly));
    expect(sentAt(normalLate)).toBeLessThan(sentAt(low));
    // and within a batch, the most urgent is processed first
    const inbox = await t.database.db.select().from(inboxMessages).where(inArray(inboxMessages.deliveryId, ids)).orderBy(asc(inboxMessages.createdAt), asc(inboxMessages.id));
    expect(inbox).toHaveLength(5);
  });
});

describe('rate limits', () => {
  it('defers what is over a global limit to when a token frees, drops nothing, and never sends more than the limit in any window', async () => {
    await putDeliverySettings(t, { rateLimits: { global: { maxPerMinute: 4 } } });
    const seeded = await seedDeliveries(t, { count: 10, channels: ['inapp'] });
    start();
    let sawDeferred = false;
    let usage: DeliveryUsage | undefined;
    await waitUntil(async () => {
      const rows = await deliveryRows(t, seeded.deliveryIds);
      if (!sawDeferred && rows.some((r) => r.status === 'queued' && r.reason?.startsWith('rate limit global:') && r.dueAt.getTime() > Date.now())) {
        sawDeferred = true;
        usage = (await t.app.inject({ method: 'GET', url: '/api/settings/delivery/usage', headers: t.auth })).json<DeliveryUsage>();
      }
      return rows.every((r) => r.status === 'sent');
    }, 'all ten to be sent', 30_000);
    await stopWorker();

    expect(sawDeferred).toBe(true);
    expect(usage!.limits).toEqual([expect.objectContaining({ key: 'global', scope: 'global' })]);
    expect(usage!.limits[0]!.windows[0]).toMatchObject({ window: 'minute', limit: 4 });
    expect(usage!.limits[0]!.windows[0]!.used).toBeGreaterThan(0);
    expect(usage!.limits[0]!.deferred).toBeGreaterThan(0);

    const rows = await deliveryRows(t, seeded.deliveryIds);
    // a deferral is not an attempt: each went out once, on its first attempt
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(rows.map(() => ['sent', 1]));
    const inbox = await t.database.db.select().from(inboxMessages).where(inArray(inboxMessages.deliveryId, seeded.deliveryIds));
    expect(inbox).toHaveLength(10);
    expect(maxInAnyWindow(inbox.map((m) => m.createdAt.getTime()), scaledMinuteMs)).toBeLessThanOrEqual(4);
    // and it did take several windows: ten at four per window cannot fit in one
    const span = Math.max(...inbox.map((m) => m.createdAt.getTime())) - Math.min(...inbox.map((m) => m.createdAt.getTime()));
    expect(span).toBeGreaterThan(scaledMinuteMs);
  });

  it('holds back a schedule over its own limit while another schedule sends freely', async () => {
    const limited = await seedDeliveries(t, { count: 5, channels: ['inapp'], rateLimit: { maxPerMinute: 2, burstAllowed: true, burstMax: 2 } });
    const free = await seedDeliveries(t, { count: 5, channels: ['inapp'] });
    start();
    await waitUntil(isSettled(t, free.deliveryIds), 'the free schedule to be sent');
    await waitUntil(async () => (await deliveryRows(t, limited.deliveryIds)).filter((r) => r.status === 'sent').length >= 2, 'two of the limited');
    await stopWorker();
    const rows = await deliveryRows(t, limited.deliveryIds);
    const queued = rows.filter((r) => r.status === 'queued');
    expect(rows.filter((r) => r.status === 'sent').length).toBeLessThanOrEqual(4);
    expect(queued.length).toBeGreaterThanOrEqual(1);
    expect(queued.every((r) => r.reason === `rate limit schedule:${limited.scheduleId}: 2 per minute, bursts of 2` && r.attempts === 0)).toBe(true);
  });

  it('limits one channel without holding back the others', async () => {
    await putDeliverySettings(t, { rateLimits: { channels: { email: { maxPerMinute: 1 } } } });
    const emails = await seedDeliveries(t, { count: 3, channels: ['email'] });
    const inapp = await seedDeliveries(t, { count: 3, channels: ['inapp'] });
    start();
    await waitUntil(isSettled(t, inapp.deliveryIds), 'the in-app deliveries');
    await stopWorker();
    const rows = await deliveryRows(t, emails.deliveryIds);
    expect(rows.filter((r) => r.status === 'sent').length).toBeLessThanOrEqual(2);
    expect(rows.some((r) => r.status === 'queued' && r.reason === 'rate limit channel:email: 1 per minute')).toBe(true);
  });
});

describe('frequency cap', () => {
  it('defers a notification over the cap until the recipient is under it again, lets critical through, and drops nothing', async () => {
    await putDeliverySettings(t, { frequencyCap: { maxPerDay: 2 } });
    const first = await seedDeliveries(t, { channels: ['inapp'], dueAt: new Date(Date.now() - 3000) });
    const person = first.recipientIds;
    const second = await seedDeliveries(t, { channels: ['inapp'], recipientIds: person, dueAt: new Date(Date.now() - 2000) });
    const third = await seedDeliveries(t, { channels: ['inapp'], recipientIds: person, dueAt: new Date(Date.now() - 1000) });
    const ids = [first, second, third].map((s) => s.deliveryIds[0]!);
    start();
    await waitUntil(async () => {
      const rows = await deliveryRows(t, ids);
      return rows.filter((r) => r.status === 'sent').length === 2 && rows.some((r) => r.status === 'queued' && r.reason?.startsWith('frequency cap'));
    }, 'two sent and one held back');

    // at the cap, a critical notification still goes
    const critical = await seedDeliveries(t, { channels: ['inapp'], recipientIds: person, priority: 'critical' });
    await waitUntil(isSettled(t, critical.deliveryIds), 'the critical delivery');
    await stopWorker();

    const [a, b, c] = await deliveryRows(t, ids);
    expect([a!.status, b!.status]).toEqual(['sent', 'sent']);
    expect(c).toMatchObject({ status: 'queued', attempts: 0, reason: 'frequency cap: this recipient already had 2 per day' });
    // back when the first of the day's two leaves the (scaled) day
    expect(c!.dueAt.getTime()).toBeGreaterThan(Date.now() + scaledDayMs - 60_000);
    expect(c!.dueAt.getTime()).toBeLessThan(Date.now() + scaledDayMs + 1000);
    const [d] = await deliveryRows(t, critical.deliveryIds);
    expect(d).toMatchObject({ status: 'sent', attempts: 1 });
    // everything delivered counts under the cap, critical included
    expect([a, b, d].every((row) => row!.countedAt !== null)).toBe(true);

    const usage = (await t.app.inject({ method: 'GET', url: '/api/settings/delivery/usage', headers: t.auth })).json<DeliveryUsage>();
    expect(usage.frequencyCap).toEqual({ cap: { maxPerDay: 2, maxPerWeek: null }, recipientsAtDailyCap: 1, recipientsAtWeeklyCap: 0, deferred: 1 });
  });
});

describe('retries', () => {
  it('retries a transient failure with growing pauses, then delivers once', async () => {
    await putDeliverySettings(t, { retryPolicies: { default: { maxAttempts: 5, baseDelaySeconds: 0.2, factor: 2, maxDelaySeconds: 5, jitter: 0 } } });
    const seeded = await seedDeliveries(t);
    const id = seeded.deliveryIds[0]!;
    sink.failNext(2, 451);
    await work([id]);
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', channel: 'email', attempts: 3 });
    expect((await attemptRows(t, id)).map((a) => [a.attempt, a.status, a.isTransient])).toEqual([[1, 'failed', true], [2, 'failed', true], [3, 'sent', null]]);
    const retrying = await t.database.db.select().from(events).where(and(eq(events.deliveryId, id), eq(events.type, 'retrying'))).orderBy(asc(events.id));
    const retryAts = retrying.map((e) => new Date(String(e.data.retryAt)).getTime());
    // 0.2 s after the first failure, 0.4 s after the second, which came no sooner than the first retry was due
    expect(retryAts[0]! - retrying[0]!.occurredAt.getTime()).toBeLessThanOrEqual(200);
    expect(retryAts[1]! - retryAts[0]!).toBeGreaterThanOrEqual(400);
    expect(sink.messages.filter((m) => m.messageId === stableMessageId(id, seeded.runId))).toHaveLength(1);
  });

  it('takes the schedule\'s retry policy over the channel\'s, and the channel\'s over the default', async () => {
    await putDeliverySettings(t, {
      retryPolicies: {
        default: { maxAttempts: 5, baseDelaySeconds: 0.02, factor: 1, maxDelaySeconds: 1, jitter: 0 },
        channels: { email: { maxAttempts: 3, baseDelaySeconds: 0.02, factor: 1, maxDelaySeconds: 1, jitter: 0 } },
      },
    });
    const byChannel = await seedDeliveries(t);
    sink.failNext(3, 451);
    await work(byChannel.deliveryIds);
    expect((await deliveryRows(t, byChannel.deliveryIds))[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect((await deliveryRows(t, byChannel.deliveryIds))[0]!.reason).toMatch(/^email: gave up after 3 attempts: 451 /);

    const bySchedule = await seedDeliveries(t, { retryPolicy: { maxAttempts: 2, baseDelaySeconds: 0.02, factor: 1, maxDelaySeconds: 1, jitter: 0 } });
    sink.failNext(2, 451);
    await work(bySchedule.deliveryIds);
    expect((await deliveryRows(t, bySchedule.deliveryIds))[0]).toMatchObject({ status: 'failed', attempts: 2 });
  });
});

describe('channel modes', () => {
  it('fallback: a permanent failure moves the same delivery on to the next channel, which is recorded as the one used', async () => {
    const seeded = await seedDeliveries(t, { channels: ['email', 'inapp'], channelMode: 'fallback' });
    const id = seeded.deliveryIds[0]!;
    sink.failNext(1, 550);
    await work([id]);
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', channel: 'inapp', attempts: 2 });
    expect((await deliveryRows(t, [id]))[0]!.reason).toMatch(/^email: 550 /);
    expect((await attemptRows(t, id)).map((a) => [a.attempt, a.channel, a.status, a.isTransient])).toEqual([[1, 'email', 'failed', false], [2, 'inapp', 'sent', null]]);
    expect(await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.deliveryId, id))).toHaveLength(1);
    // one delivery for the person, whatever the channels tried
    expect(await t.database.db.select().from(deliveries).where(eq(deliveries.runId, seeded.runId))).toHaveLength(1);
  });

  it('fallback: stops at the first success, sending nothing on the later channels', async () => {
    const seeded = await seedDeliveries(t, { channels: ['email', 'inapp'], channelMode: 'fallback' });
    await work(seeded.deliveryIds);
    expect((await deliveryRows(t, seeded.deliveryIds))[0]).toMatchObject({ status: 'sent', channel: 'email', attempts: 1 });
    expect(await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.deliveryId, seeded.deliveryIds[0]!))).toHaveLength(0);
  });

  it('fallback: skips a channel the recipient opted out of after the fan-out', async () => {
    const seeded = await seedDeliveries(t, { channels: ['email', 'inapp'], channelMode: 'fallback' });
    await t.database.db.update(recipients).set({ optedOutChannels: ['email'] }).where(eq(recipients.id, seeded.recipientIds[0]!));
    await work(seeded.deliveryIds);
    expect((await deliveryRows(t, seeded.deliveryIds))[0]).toMatchObject({ status: 'sent', channel: 'inapp', attempts: 1 });
    expect(sink.messages.some((m) => m.to.includes(seeded.emails[0]!))).toBe(false);
  });

  it('all: sends on every channel under the one delivery, and a retry resends only the channel that failed', async () => {
    const seeded = await seedDeliveries(t, { channels: ['email', 'inapp'] });
    const id = seeded.deliveryIds[0]!;
    sink.failNext(1, 451);
    await work([id]);
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', channel: 'email', attempts: 2 });
    expect((await attemptRows(t, id)).map((a) => [a.attempt, a.channel, a.status]).sort()).toEqual([[1, 'email', 'failed'], [1, 'inapp', 'sent'], [2, 'email', 'sent']]);
    expect(await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.deliveryId, id))).toHaveLength(1);
  });

  it('skips a delivery whose recipient unsubscribed after the fan-out', async () => {
    const seeded = await seedDeliveries(t);
    await t.database.db.update(recipients).set({ unsubscribedAt: new Date() }).where(eq(recipients.id, seeded.recipientIds[0]!));
    await work(seeded.deliveryIds);
    expect((await deliveryRows(t, seeded.deliveryIds))[0]).toMatchObject({ status: 'skipped', reason: 'unsubscribed', attempts: 1 });
    expect(sink.messages.some((m) => m.to.includes(seeded.emails[0]!))).toBe(false);
  });
});

describe('costs', () => {
  it('records on each delivery the cost of the messages it delivered', async () => {
    await putDeliverySettings(t, { costs: { email: 0.002, inapp: 0.0005 } });
    const both = await seedDeliveries(t, { channels: ['email', 'inapp'] });
    const inappOnly = await seedDeliveries(t, { channels: ['inapp'] });
    await work([...both.deliveryIds, ...inappOnly.deliveryIds]);
    const rows = await deliveryRows(t, [...both.deliveryIds, ...inappOnly.deliveryIds]);
    expect(rows.map((r) => Number(r.cost))).toEqual([0.0025, 0.0005]);
    const sent = await t.database.db.select().from(events).where(and(eq(events.deliveryId, both.deliveryIds[0]!), eq(events.type, 'sent')));
    expect(sent.map((e) => [e.channel, e.data.cost]).sort()).toEqual([['email', 0.002], ['inapp', 0.0005]]);
  });
});

describe('dead letters', () => {
  it('lists a delivery that failed for good with its reason, and sends it again on request', async () => {
    const seeded = await seedDeliveries(t, { channels: ['email'], channelMode: 'fallback' });
    const id = seeded.deliveryIds[0]!;
    sink.failNext(1, 550);
    await work([id]);
    expect((await t.database.db.select().from(runs).where(eq(runs.id, seeded.runId)))[0]!.status).toBe('completed');

    const list = await t.app.inject({ method: 'GET', url: `/api/queue/dead-letters?scheduleId=${seeded.scheduleId}`, headers: t.auth });
    expect(list.statusCode).toBe(200);
    const page = list.json<Page<DeadLetter>>();
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ id, runId: seeded.runId, scheduleId: seeded.scheduleId, channels: ['email'], attempts: 1, priority: 'normal' });
    expect(page.items[0]!.reason).toMatch(/^email: 550 /);

    const viewer = await t.authAs('viewer');
    expect((await t.app.inject({ method: 'POST', url: `/api/queue/dead-letters/${id}/retry`, headers: viewer })).statusCode).toBe(403);
    const retried = await t.app.inject({ method: 'POST', url: `/api/queue/dead-letters/${id}/retry`, headers: t.auth });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({ retried: 1 });
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'queued', reason: null, retryBase: 1 });
    expect((await t.database.db.select().from(runs).where(eq(runs.id, seeded.runId)))[0]!.status).toBe('sending');
    // a second retry finds no dead letter: 409; an unknown one: 404
    expect((await t.app.inject({ method: 'POST', url: `/api/queue/dead-letters/${id}/retry`, headers: t.auth })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: '/api/queue/dead-letters/999999999/retry', headers: t.auth })).statusCode).toBe(404);

    await work([id]);
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', channel: 'email', attempts: 2 });
    expect((await t.database.db.select().from(runs).where(eq(runs.id, seeded.runId)))[0]!.status).toBe('completed');
    expect(sink.messages.filter((m) => m.messageId === stableMessageId(id, seeded.runId))).toHaveLength(1);
    const types = (await t.database.db.select().from(events).where(eq(events.deliveryId, id)).orderBy(asc(events.id))).map((e) => e.type);
    expect(types).toEqual(['failed', 'requeued', 'sent']);
  });

  it('gives a dead letter sent again a fresh set of retries, and retries in bulk by schedule', async () => {
    await putDeliverySettings(t, { retryPolicies: { default: { maxAttempts: 2, baseDelaySeconds: 0.02, factor: 1, maxDelaySeconds: 1, jitter: 0 } } });
    const seeded = await seedDeliveries(t, { count: 3 });
    sink.failNext(6, 451);
    await work(seeded.deliveryIds);
    expect((await deliveryRows(t, seeded.deliveryIds)).map((r) => [r.status, r.attempts])).toEqual([['failed', 2], ['failed', 2], ['failed', 2]]);

    const bad = await t.app.inject({ method: 'POST', url: '/api/queue/dead-letters/retry', headers: t.auth, payload: {} });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].field).toBe('ids');
    const bulk = await t.app.inject({ method: 'POST', url: '/api/queue/dead-letters/retry', headers: t.auth, payload: { scheduleId: seeded.scheduleId } });
    expect(bulk.json()).toEqual({ retried: 3 });
    sink.failNext(1, 451);
    await work(seeded.deliveryIds);
    // one of them failed once more (attempt 3) and was still retried: the old failures no longer count
    expect((await deliveryRows(t, seeded.deliveryIds)).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect((await deliveryRows(t, seeded.deliveryIds)).map((r) => r.attempts).sort()).toEqual([3, 3, 4]);
  });
});

describe('queue stats', () => {
  it('counts by status, priority and channel, shows throughput, the oldest waiting delivery and the projected finish of a limited run', async () => {
    await putDeliverySettings(t, { rateLimits: { global: { maxPerMinute: 30 } } });
    const sent = await seedDeliveries(t, { count: 2, channels: ['inapp'] });
    await work(sent.deliveryIds);
    const waiting = await seedDeliveries(t, { count: 3, channels: ['email', 'inapp'], priority: 'high', dueAt: new Date(Date.now() - 90_000) });

    const response = await t.app.inject({ method: 'GET', url: '/api/queue/stats', headers: t.auth });
    expect(response.statusCode).toBe(200);
    const stats = response.json();
    expect(stats.byStatus.queued).toBe(3);
    expect(stats.byStatus.sent).toBeGreaterThanOrEqual(2);
    expect(stats.byPriority.find((p: { priority: string }) => p.priority === 'high')).toEqual({ priority: 'high', queued: 3, due: 3, deferred: 0, retrying: 0, sending: 0 });
    expect(stats.byChannel.find((c: { channel: string }) => c.channel === 'email')).toMatchObject({ channel: 'email', waiting: 3 });
    expect(stats.byChannel.find((c: { channel: string }) => c.channel === 'inapp').sentLastHour).toBeGreaterThanOrEqual(2);
    expect(stats.throughput).toHaveLength(60);
    expect(stats.throughput.at(-1).sent + stats.throughput.at(-2).sent).toBeGreaterThanOrEqual(2);
    expect(stats.oldestWaiting).toMatchObject({ deliveryId: waiting.deliveryIds[0], priority: 'high' });
    expect(stats.oldestWaiting.waitingSeconds).toBeGreaterThan(80);
    const run = stats.runs.find((r: { runId: string }) => r.runId === waiting.runId);
    // three deliveries of two messages each at (about) 30 messages per scaled minute of 2 s
    expect(run).toMatchObject({ remaining: 3, done: 0 });
    expect(run.allowedRatePerSecond).toBeGreaterThan(5);
    expect(run.allowedRatePerSecond).toBeLessThan(7.5);
    const finishIn = new Date(run.projectedFinishAt).getTime() - new Date(stats.at).getTime();
    expect(finishIn).toBeGreaterThan(0);
    expect(finishIn).toBeLessThan(2000);
    await t.database.db.execute(sql`DELETE FROM deliveries WHERE run_id = ${waiting.runId}`);
  });
});
