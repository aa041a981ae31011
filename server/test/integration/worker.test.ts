import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import pino from 'pino';
import type { TemplateContent } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { deliveryRows } from '../support/delivery-seed.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { deliveries, deliveryAttempts, deliveryLeases, events, inboxMessages, recipients, runs, schedules, templates } from '../../src/db/schema.ts';
import { startWorker, type WorkerOptions } from '../../src/engine/worker/worker.ts';
import { startEngine } from '../../src/engine/index.ts';
import { claimDeliveries, releaseDeliveries } from '../../src/engine/worker/claim-deliveries.ts';
import { createInAppSender } from '../../src/channels/inapp.ts';
import { stableMessageId } from '../../src/channels/types.ts';
import type { HeraldContext } from '../../src/context.ts';

const smtpUser = 'herald';
const smtpPassword = 'pw-s3cret-never-logged';
const fast: WorkerOptions = { retryPolicy: { baseDelaySeconds: 0.02, maxDelaySeconds: 0.08 } };

let t: TestApp;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink({ username: smtpUser, password: smtpPassword });
  t = await createTestApp({ SMTP_URL: sink.url, SMTP_FROM: 'Herald <news@herald.test>', HERALD_WORKER_INTERVAL_MS: '20' });
});
afterAll(async () => {
  await t.close();
  await sink.close();
});

let sequence = 0;
const defaultContent: TemplateContent = {
  email: { subject: 'Hello {{ recipient.name }}', html: '<p>Hi {{ recipient.name }}, news from {{ schedule.name }}. <a href="{{ unsubscribeUrl }}">unsubscribe</a></p>', text: 'Hi {{ recipient.name }}' },
  inapp: { title: 'News for {{ recipient.name }}', body: 'From {{ schedule.name }}', url: 'https://app.test/news' },
};

type Seeded = { runId: string; scheduleId: string; deliveryIds: number[]; recipientIds: string[]; emails: string[] };

/** Inserts a template, schedule, run, recipients and one queued delivery per recipient. */
async function seed(options: {
  count?: number;
  content?: TemplateContent;
  channels?: string[];
  attributes?: Record<string, unknown>;
  dueAt?: Date;
  priority?: number;
} = {}): Promise<Seeded> {
  sequence += 1;
  const { db } = t.database;
  const count = options.count ?? 1;
  const [template] = await db.insert(templates).values({ name: `T${sequence}`, content: options.content ?? defaultContent }).returning();
  const [schedule] = await db.insert(schedules).values({
    name: `Schedule ${sequence}`,
    templateId: template!.id,
    timing: { type: 'once', at: '2030-01-01T09:00' },
    timezone: 'UTC',
    audienceType: 'test',
    channels: options.channels ?? ['email'],
  }).returning();
  const [run] = await db.insert(runs).values({ scheduleId: schedule!.id, occurrenceAt: new Date(), queuedCount: count, audienceSize: count }).returning();
  const people = await db.insert(recipients).values(Array.from({ length: count }, (_, i) => ({
    externalId: `s${sequence}-${i}`,
    email: `s${sequence}-${i}@example.com`,
    name: `Person ${sequence}-${i}`,
    attributes: options.attributes ?? {},
  }))).returning();
  const rows = await db.insert(deliveries).values(people.map((person) => ({
    runId: run!.id,
    scheduleId: schedule!.id,
    recipientId: person.id,
    status: 'queued',
    priority: options.priority ?? 2,
    dueAt: options.dueAt ?? new Date(Date.now() - 1000),
    channels: options.channels ?? ['email'],
  }))).returning({ id: deliveries.id });
  return { runId: run!.id, scheduleId: schedule!.id, deliveryIds: rows.map((r) => r.id), recipientIds: people.map((p) => p.id), emails: people.map((p) => p.email!) };
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The leases workers hold on these deliveries (a delivery being sent has one). */
async function leasesOf(ids: number[]) {
  return t.database.db.select().from(deliveryLeases).where(inArray(deliveryLeases.deliveryId, ids)).orderBy(asc(deliveryLeases.deliveryId));
}

async function attemptsOf(id: number) {
  return t.database.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, id)).orderBy(asc(deliveryAttempts.id));
}

const isSettled = (ids: number[]) => async () => (await deliveryRows(t, ids)).every((row) => row.status === 'sent' || row.status === 'failed');

/** Runs a worker until every named delivery is sent or failed, then stops it. */
async function work(ids: number[], options: WorkerOptions = fast, context: HeraldContext = t.context): Promise<void> {
  const worker = startWorker(context, options);
  try {
    await waitUntil(isSettled(ids), `deliveries ${ids.join(', ')} to settle`);
  } finally {
    await worker.stop();
  }
}

async function counterValue(counter: HeraldContext['metrics']['deliveriesSent'], channel: string): Promise<number> {
  return (await counter.get()).values.find((v) => v.labels.channel === channel)?.value ?? 0;
}

describe('claiming', () => {
  it('claims due deliveries most urgent first, skips those not due, and can hand them back', async () => {
    const low = await seed({ priority: 3 });
    const critical = await seed({ priority: 0 });
    const normal = await seed({ priority: 2 });
    const later = await seed({ priority: 0, dueAt: new Date(Date.now() + 3_600_000) });
    const claimed = await claimDeliveries(t.database, 'test-claimer', 2, 60_000);
    expect(claimed.map((d) => d.id)).toEqual([critical.deliveryIds[0], normal.deliveryIds[0]]);
    expect(claimed.every((d) => d.attempts === 1)).toBe(true);
    // the claim leaves the delivery as it was and takes a lease on it
    const [row] = await deliveryRows(t, [critical.deliveryIds[0]!]);
    expect(row).toMatchObject({ status: 'queued', attempts: 0 });
    const leases = await leasesOf(claimed.map((d) => d.id));
    expect(leases.map((lease) => [lease.deliveryId, lease.lockedBy])).toEqual(claimed.map((d) => [d.id, 'test-claimer']));
    expect(leases.every((lease) => lease.lockedUntil.getTime() > Date.now() + 30_000)).toBe(true);
    // a leased delivery is not claimed again, by this worker or another
    expect((await claimDeliveries(t.database, 'another-claimer', 5, 60_000)).map((d) => d.id)).toEqual([low.deliveryIds[0]]);
    expect(await releaseDeliveries(t.database, 'another-claimer', low.deliveryIds)).toBe(1);

    expect(await releaseDeliveries(t.database, 'someone-else', claimed.map((d) => d.id))).toBe(0);
    expect(await releaseDeliveries(t.database, 'test-claimer', claimed.map((d) => d.id))).toBe(2);
    const released = await deliveryRows(t, claimed.map((d) => d.id));
    expect(released.map((r) => [r.status, r.attempts])).toEqual([['queued', 0], ['queued', 0]]);
    expect(await leasesOf(claimed.map((d) => d.id))).toEqual([]);
    // claimable again, with the same attempt number
    expect((await claimDeliveries(t.database, 'test-claimer', 2, 60_000)).map((d) => [d.id, d.attempts])).toEqual(claimed.map((d) => [d.id, 1]));
    await releaseDeliveries(t.database, 'test-claimer', claimed.map((d) => d.id));
    // leave nothing due for the next tests
    await t.database.db.delete(deliveries).where(inArray(deliveries.id, [...low.deliveryIds, ...critical.deliveryIds, ...normal.deliveryIds, ...later.deliveryIds]));
  });
});

describe('email', () => {
  it('sends rendered content with a stable Message-ID, records the attempt and the event, and completes the run', async () => {
    const sentBefore = await counterValue(t.context.metrics.deliveriesSent, 'email');
    const seeded = await seed({ count: 3 });
    await work(seeded.deliveryIds);

    const rows = await deliveryRows(t, seeded.deliveryIds);
    expect(rows.map((r) => [r.status, r.channel, r.attempts])).toEqual(Array(3).fill(['sent', 'email', 1]));
    expect(await leasesOf(seeded.deliveryIds)).toEqual([]);
    expect(rows.every((r) => r.sentAt instanceof Date)).toBe(true);

    const id = seeded.deliveryIds[0]!;
    const message = sink.messages.find((m) => m.messageId === stableMessageId(id, seeded.runId));
    expect(message, 'the message reached the SMTP server').toBeDefined();
    expect(message!.messageId).toBe(`d${id}.r${seeded.runId}@herald`);
    expect(message!.headers['x-herald-delivery']).toBe(String(id));
    expect(message!.to).toEqual([seeded.emails[0]]);
    expect(message!.from).toBe('news@herald.test');
    expect(message!.user).toBe(smtpUser);
    expect(message!.subject).toBe(`Hello Person ${sequence}-0`);
    expect(message!.text).toContain(`news from Schedule ${sequence}.`);
    expect(message!.text).toMatch(new RegExp(`http://herald\\.test/u/${id}\\.[A-Za-z0-9_-]+`));

    const attempts = await attemptsOf(id);
    expect(attempts).toEqual([expect.objectContaining({ channel: 'email', attempt: 1, status: 'sent', error: null, providerMessageId: `<${message!.messageId}>` })]);
    const deliveryEvents = await t.database.db.select().from(events).where(eq(events.deliveryId, id));
    expect(deliveryEvents).toEqual([expect.objectContaining({ type: 'sent', channel: 'email', runId: seeded.runId, scheduleId: seeded.scheduleId, recipientId: seeded.recipientIds[0] })]);

    const [run] = await t.database.db.select().from(runs).where(eq(runs.id, seeded.runId));
    expect(run).toMatchObject({ status: 'completed' });
    expect(run!.completedAt).toBeInstanceOf(Date);
    expect(await counterValue(t.context.metrics.deliveriesSent, 'email')).toBe(sentBefore + 3);
  });

  it('retries a 451 and sends exactly one message', async () => {
    const seeded = await seed();
    const id = seeded.deliveryIds[0]!;
    sink.failNext(1, 451);
    await work(seeded.deliveryIds);

    const [row] = await deliveryRows(t, [id]);
    expect(row).toMatchObject({ status: 'sent', channel: 'email', attempts: 2 });
    const messageId = stableMessageId(id, seeded.runId);
    expect(sink.refused.filter((m) => m.messageId === messageId).map((m) => m.code)).toEqual([451]);
    expect(sink.messages.filter((m) => m.messageId === messageId)).toHaveLength(1);
    const attempts = await attemptsOf(id);
    expect(attempts.map((a) => [a.attempt, a.status, a.isTransient])).toEqual([[1, 'failed', true], [2, 'sent', null]]);
    expect(attempts[0]!.error).toMatch(/^451 /);
    const types = (await t.database.db.select().from(events).where(eq(events.deliveryId, id)).orderBy(asc(events.id))).map((e) => e.type);
    expect(types).toEqual(['retrying', 'sent']);
  });

  it('fails a 550 at once, with the reply as reason', async () => {
    const failedBefore = await counterValue(t.context.metrics.deliveriesFailed, 'email');
    const seeded = await seed();
    sink.failNext(1, 550);
    await work(seeded.deliveryIds);
    const [row] = await deliveryRows(t, seeded.deliveryIds);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, channel: null, sentAt: null });
    expect(row!.reason).toMatch(/^email: 550 .*Mailbox unavailable/);
    expect(await attemptsOf(row!.id)).toEqual([expect.objectContaining({ status: 'failed', isTransient: false })]);
    expect(await counterValue(t.context.metrics.deliveriesFailed, 'email')).toBe(failedBefore + 1);
  });

  it('gives up after five transient failures', async () => {
    const seeded = await seed();
    sink.failNext(5, 451);
    await work(seeded.deliveryIds);
    const [row] = await deliveryRows(t, seeded.deliveryIds);
    expect(row).toMatchObject({ status: 'failed', attempts: 5 });
    expect(row!.reason).toMatch(/^email: gave up after 5 attempts: 451 /);
    expect((await attemptsOf(row!.id)).map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
  });

  it('fails a delivery whose template needs a variable this recipient lacks, naming it, and sends nothing', async () => {
    const seeded = await seed({ content: { email: { subject: 'Your {{ recipient.attributes.plan }} plan', html: '<p>x</p>' } } });
    await work(seeded.deliveryIds);
    const [row] = await deliveryRows(t, seeded.deliveryIds);
    expect(row).toMatchObject({ status: 'failed' });
    expect(row!.reason).toBe('email: the template uses {{ recipient.attributes.plan }}, which this recipient does not have');
    expect(sink.messages.some((m) => m.to.includes(seeded.emails[0]!))).toBe(false);
  });

  it('renders a recipient attribute when the recipient has it', async () => {
    const seeded = await seed({ attributes: { plan: 'Pro' }, content: { email: { subject: 'Your {{ recipient.attributes.plan }} plan', html: '<p>x</p>' } } });
    await work(seeded.deliveryIds);
    expect(sink.messages.find((m) => m.to.includes(seeded.emails[0]!))?.subject).toBe('Your Pro plan');
  });

  it('rides out an SMTP server that is down, and never logs the SMTP password', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, new Writable({ write(chunk, _encoding, callback) { lines.push(String(chunk)); callback(); } }));
    const context: HeraldContext = { ...t.context, logger };
    const seeded = await seed();
    const id = seeded.deliveryIds[0]!;
    await sink.stop();
    const worker = startWorker(context, { retryPolicy: { baseDelaySeconds: 0.1, maxDelaySeconds: 0.2 } });
    try {
      await waitUntil(async () => (await attemptsOf(id)).length >= 1, 'a failed attempt');
      const [failedAttempt] = await attemptsOf(id);
      expect(failedAttempt).toMatchObject({ status: 'failed', isTransient: true });
      expect((await deliveryRows(t, [id]))[0]!.status).not.toBe('failed');
      await sink.start();
      await waitUntil(isSettled([id]), 'the delivery to settle');
    } finally {
      await worker.stop();
    }
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent' });
    expect(sink.messages.filter((m) => m.messageId === stableMessageId(id, seeded.runId))).toHaveLength(1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(smtpPassword);
    const errors = (await t.database.db.select({ error: deliveryAttempts.error }).from(deliveryAttempts)).map((a) => a.error ?? '');
    expect(errors.join('\n')).not.toContain(smtpPassword);
  });

  it('fails for good with a reason when SMTP_URL is not set', async () => {
    const seeded = await seed();
    await work(seeded.deliveryIds, fast, { ...t.context, config: { ...t.config, smtpUrl: undefined } });
    expect((await deliveryRows(t, seeded.deliveryIds))[0]).toMatchObject({ status: 'failed', reason: 'email: SMTP_URL is not configured' });
  });
});

describe('in-app', () => {
  it('puts the message in the inbox and announces it', async () => {
    const seeded = await seed({ channels: ['inapp'] });
    const heard: string[] = [];
    const unsubscribe = await t.context.inboxHub.subscribe(seeded.recipientIds[0]!, (messageId) => heard.push(messageId));
    try {
      await work(seeded.deliveryIds);
      const inbox = await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.recipientId, seeded.recipientIds[0]!));
      expect(inbox).toEqual([expect.objectContaining({ deliveryId: seeded.deliveryIds[0], title: `News for Person ${sequence}-0`, body: `From Schedule ${sequence}`, url: 'https://app.test/news', readAt: null })]);
      await waitUntil(async () => heard.length > 0, 'the inbox notification');
      expect(heard).toEqual([inbox[0]!.id]);
      expect((await deliveryRows(t, seeded.deliveryIds))[0]).toMatchObject({ status: 'sent', channel: 'inapp' });
    } finally {
      unsubscribe();
    }
  });

  it('cannot put one delivery in the inbox twice', async () => {
    const seeded = await seed({ channels: ['inapp'] });
    const sender = createInAppSender(t.database);
    const message = {
      channel: 'inapp' as const,
      deliveryId: seeded.deliveryIds[0]!,
      runId: seeded.runId,
      scheduleId: seeded.scheduleId,
      messageId: stableMessageId(seeded.deliveryIds[0]!, seeded.runId),
      attempt: 1,
      recipient: { id: seeded.recipientIds[0]!, externalId: 'x', email: null, phone: null, name: null, locale: null, timezone: null },
      content: { title: 'Once', body: 'only once' },
    };
    const [first, second] = await Promise.all([sender.send(message), sender.send({ ...message, attempt: 2 })]);
    const third = await sender.send({ ...message, attempt: 3 });
    expect([first.ok, second.ok, third.ok]).toEqual([true, true, true]);
    const inbox = await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.deliveryId, seeded.deliveryIds[0]!));
    expect(inbox).toHaveLength(1);
    await t.database.db.delete(deliveries).where(inArray(deliveries.id, seeded.deliveryIds));
  });

  it('sends email and in-app together; a retry of the email does not repeat the in-app message', async () => {
    const seeded = await seed({ channels: ['email', 'inapp'] });
    const id = seeded.deliveryIds[0]!;
    sink.failNext(1, 451);
    await work(seeded.deliveryIds);
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', channel: 'email', attempts: 2 });
    const attempts = await attemptsOf(id);
    expect(attempts.map((a) => [a.attempt, a.channel, a.status]).sort()).toEqual([[1, 'email', 'failed'], [1, 'inapp', 'sent'], [2, 'email', 'sent']]);
    expect(await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.deliveryId, id))).toHaveLength(1);
    expect(sink.messages.filter((m) => m.messageId === stableMessageId(id, seeded.runId))).toHaveLength(1);
  });

  it('fails a channel this version cannot send on, naming it', async () => {
    const seeded = await seed({ channels: ['sms'], content: { sms: { body: 'hi' } } });
    await work(seeded.deliveryIds);
    expect((await deliveryRows(t, seeded.deliveryIds))[0]).toMatchObject({ status: 'failed', reason: 'sms: this Herald cannot send sms messages yet' });
  });
});

describe('runs and leases', () => {
  it('leaves a run open while one of its deliveries is still due later', async () => {
    const seeded = await seed({ count: 2 });
    await t.database.db.update(deliveries).set({ dueAt: new Date(Date.now() + 3_600_000) }).where(eq(deliveries.id, seeded.deliveryIds[1]!));
    await work([seeded.deliveryIds[0]!]);
    expect((await t.database.db.select().from(runs).where(eq(runs.id, seeded.runId)))[0]).toMatchObject({ status: 'sending', completedAt: null });
    await t.database.db.update(deliveries).set({ dueAt: new Date(Date.now() - 1000) }).where(eq(deliveries.id, seeded.deliveryIds[1]!));
    await work(seeded.deliveryIds);
    expect((await t.database.db.select().from(runs).where(eq(runs.id, seeded.runId)))[0]).toMatchObject({ status: 'completed' });
  });

  it('requeues and sends a delivery whose worker died holding it (an expired lease)', async () => {
    const seeded = await seed();
    const id = seeded.deliveryIds[0]!;
    await t.database.db.insert(deliveryLeases).values({ deliveryId: id, lockedBy: 'dead-worker', lockedUntil: sql`now() - interval '1 second'` });
    await work([id], { ...fast, leaseMs: 1000 });
    // the dead worker's attempt counts
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await leasesOf([id])).toEqual([]);
    expect(sink.messages.filter((m) => m.messageId === stableMessageId(id, seeded.runId))).toHaveLength(1);
  });

  it('renews its leases during a slow send, so another worker does not take the delivery over', async () => {
    const seeded = await seed();
    const id = seeded.deliveryIds[0]!;
    sink.setDelay(1000);
    const options: WorkerOptions = { ...fast, leaseMs: 300 };
    const first = startWorker(t.context, options);
    let second: ReturnType<typeof startWorker> | undefined;
    try {
      await waitUntil(async () => (await leasesOf([id])).length === 1, 'the claim');
      // a second worker that reclaims expired leases every 150 ms
      second = startWorker(t.context, options);
      await waitUntil(isSettled([id]), 'the delivery to settle');
    } finally {
      await first.stop();
      await second?.stop();
      sink.setDelay(0);
    }
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sink.messages.filter((m) => m.messageId === stableMessageId(id, seeded.runId))).toHaveLength(1);
  });

  it('stop() finishes the send in flight and hands back what it had not started', async () => {
    const seeded = await seed({ count: 5 });
    sink.setDelay(400);
    const context: HeraldContext = { ...t.context, config: { ...t.config, workerConcurrency: 1, workerBatchSize: 5 } };
    const worker = startWorker(context, fast);
    try {
      await waitUntil(async () => (await leasesOf(seeded.deliveryIds)).length === 5, 'the batch to be claimed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await worker.stop();
      sink.setDelay(0);
    }
    const rows = await deliveryRows(t, seeded.deliveryIds);
    const sent = rows.filter((r) => r.status === 'sent');
    const queued = rows.filter((r) => r.status === 'queued');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.length + queued.length).toBe(5);
    expect(queued.length).toBeGreaterThanOrEqual(1);
    expect(queued.every((r) => r.attempts === 0)).toBe(true);
    expect(await leasesOf(seeded.deliveryIds)).toEqual([]);
    const delivered = sink.messages.filter((m) => seeded.emails.some((email) => m.to.includes(email)));
    expect(delivered).toHaveLength(sent.length);
    // what was handed back goes out with the next worker
    await work(seeded.deliveryIds);
    expect((await deliveryRows(t, seeded.deliveryIds)).every((r) => r.status === 'sent')).toBe(true);
  });

  it('two workers share a queue without sending anything twice', async () => {
    const seeded = await seed({ count: 120, channels: ['inapp'] });
    const context: HeraldContext = { ...t.context, config: { ...t.config, workerBatchSize: 10, workerConcurrency: 5 } };
    const first = startWorker(context, fast);
    const second = startWorker(context, fast);
    try {
      await waitUntil(isSettled(seeded.deliveryIds), 'the 120 deliveries to settle', 60_000);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    const rows = await deliveryRows(t, seeded.deliveryIds);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    const sentEvents = await t.database.db.select({ type: events.type }).from(events).where(inArray(events.deliveryId, seeded.deliveryIds));
    expect(sentEvents).toHaveLength(120);
    expect(sentEvents.every((e) => e.type === 'sent')).toBe(true);
    const [counts] = await t.database.query<{ messages: number; attempts: number }>(sql`
      SELECT (SELECT count(*)::int FROM inbox_messages WHERE delivery_id = ANY(${`{${seeded.deliveryIds.join(',')}}`}::bigint[])) AS messages,
             (SELECT count(*)::int FROM delivery_attempts WHERE delivery_id = ANY(${`{${seeded.deliveryIds.join(',')}}`}::bigint[])) AS attempts`);
    expect(counts).toEqual({ messages: 120, attempts: 120 });
  });
});

describe('engine', () => {
  it('with the worker role alone, sends what is queued and stops', async () => {
    const seeded = await seed();
    const engine = startEngine({ ...t.context, config: { ...t.config, roles: ['worker'] } });
    try {
      await waitUntil(isSettled(seeded.deliveryIds), 'the delivery to settle');
    } finally {
      await engine.stop();
    }
    expect((await deliveryRows(t, seeded.deliveryIds))[0]).toMatchObject({ status: 'sent', channel: 'email' });
  });

  it('with the scheduler and worker roles, takes a due schedule all the way to the mailbox and the inbox', async () => {
    const { db } = t.database;
    const [person] = await db.insert(recipients).values({ externalId: 'engine-1', email: 'engine-1@example.com', name: 'Grace' }).returning();
    const [template] = await db.insert(templates).values({ name: 'Engine', content: defaultContent }).returning();
    const dueAt = new Date(Date.now() - 1000);
    const [schedule] = await db.insert(schedules).values({
      name: 'Launch',
      templateId: template!.id,
      timing: { type: 'once', at: dueAt.toISOString().slice(0, 19) },
      timezone: 'UTC',
      audienceType: 'test',
      audienceRecipientIds: [person!.id],
      channels: ['email', 'inapp'],
      nextRunAt: dueAt,
    }).returning();
    const engine = startEngine({ ...t.context, config: { ...t.config, roles: ['scheduler', 'worker'], schedulerIntervalMs: 50 } });
    try {
      await waitUntil(async () => {
        const [run] = await db.select().from(runs).where(eq(runs.scheduleId, schedule!.id));
        return run?.status === 'completed';
      }, 'the run to complete');
    } finally {
      await engine.stop();
    }
    const [delivery] = await db.select().from(deliveries).where(eq(deliveries.scheduleId, schedule!.id));
    expect(delivery).toMatchObject({ status: 'sent', channel: 'email', recipientId: person!.id });
    const mail = sink.messages.find((m) => m.to.includes('engine-1@example.com'));
    expect(mail?.subject).toBe('Hello Grace');
    expect(mail?.messageId).toBe(stableMessageId(delivery!.id, delivery!.runId));
    const inbox = await db.select().from(inboxMessages).where(eq(inboxMessages.recipientId, person!.id));
    expect(inbox.map((m) => m.title)).toEqual(['News for Grace']);
  });
});
