/**
 * Retry-After honoured: a real HTTP server on loopback answers 429 or 503 with Retry-After
 * (seconds, or an HTTP date), and the SMS, webhook and push senders report the wait, and the
 * real worker schedules the retry no sooner than it (up to the retry policy's maximum).
 */
import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import type { RetryPolicy } from '@herald/shared';
import { createPushSender } from '../../src/channels/push.ts';
import { createSmsSender } from '../../src/channels/sms.ts';
import { loadConfig } from '../../src/config.ts';
import { deliveries, deliveryAttempts, events, pushSubscriptions, recipients } from '../../src/db/schema.ts';
import { startWorker, type Worker } from '../../src/engine/worker/worker.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { deliveryRows, isSettled, seedDeliveries, waitUntil } from '../support/delivery-seed.ts';
import { startHttpReceiver, type HttpReceiver, type Reply } from '../support/http-receiver.ts';
import { outgoingMessage } from '../support/outgoing-message.ts';

let t: TestApp;
let receiver: HttpReceiver;
let worker: Worker | undefined;

/** Quick retries, so only a Retry-After can make one wait long. */
const policy: RetryPolicy = { maxAttempts: 5, baseDelaySeconds: 0.05, factor: 2, maxDelaySeconds: 600, jitter: 0 };

beforeAll(async () => {
  t = await createTestApp({ HERALD_WORKER_INTERVAL_MS: '20' });
  receiver = await startHttpReceiver();
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await t.database.db.delete(deliveries).where(eq(deliveries.status, 'queued'));
});

const tooMany = (retryAfter: string, status = 429): Reply => ({ status, headers: { 'retry-after': retryAfter, 'content-type': 'text/plain' }, body: 'slow down' });

/** One webhook delivery to the receiver, worked until its first attempt is recorded; returns it and when that attempt was recorded. */
async function firstAttempt(retryPolicy: RetryPolicy) {
  const seeded = await seedDeliveries(t, { channels: ['webhook'], content: { webhook: { url: `${receiver.url}/hook`, body: '{"n":1}' } }, retryPolicy });
  const id = seeded.deliveryIds[0]!;
  worker = startWorker(t.context);
  await waitUntil(async () => (await t.database.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, id))).length > 0, 'the first attempt');
  await waitUntil(async () => (await deliveryRows(t, [id]))[0]!.status === 'queued', 'the delivery to be queued again');
  const [attempt] = await t.database.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, id));
  return { id, attemptAt: attempt!.createdAt.getTime() };
}

describe('the worker waits as long as the receiver asked', () => {
  it('retries a webhook answered 429 with Retry-After: 120 no sooner than two minutes later, then delivers it', async () => {
    receiver.respond(() => tooMany('120'));
    const { id, attemptAt } = await firstAttempt(policy);
    // no quick retry meanwhile (the policy's own backoff is 50 ms)
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(1);

    const [row] = await deliveryRows(t, [id]);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, reason: 'webhook: HTTP 429 (retry after 120 s): slow down' });
    const waitMs = row!.dueAt.getTime() - attemptAt;
    expect(waitMs).toBeGreaterThanOrEqual(119_000);
    expect(waitMs).toBeLessThanOrEqual(121_000);
    const [retrying] = await t.database.db.select().from(events).where(eq(events.deliveryId, id));
    expect(retrying).toMatchObject({ type: 'retrying', channel: 'webhook', data: expect.objectContaining({ retryAt: row!.dueAt.toISOString() }) });

    // two minutes later (moved up here), the receiver takes it
    receiver.respond(() => ({ status: 204 }));
    await t.database.db.update(deliveries).set({ dueAt: new Date() }).where(eq(deliveries.id, id));
    await waitUntil(isSettled(t, [id]), 'the retry');
    expect((await deliveryRows(t, [id]))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(receiver.requests).toHaveLength(2);
  });

  it('reads an HTTP date, and waits no longer than the policy\'s maximum delay', async () => {
    receiver.requests.length = 0;
    const inTwoHours = new Date(Date.now() + 2 * 3_600_000).toUTCString();
    receiver.respond(() => tooMany(inTwoHours, 503));
    const { id, attemptAt } = await firstAttempt({ ...policy, maxDelaySeconds: 300 });
    const [row] = await deliveryRows(t, [id]);
    expect(row!.reason).toMatch(/^webhook: HTTP 503 \(retry after 7[12]\d\d s\): slow down$/);
    const waitMs = row!.dueAt.getTime() - attemptAt;
    expect(waitMs).toBeGreaterThanOrEqual(299_000);
    expect(waitMs).toBeLessThanOrEqual(301_000);
  });
});

describe('the senders report the wait', () => {
  it('SMS: a 429 from the provider carries its Retry-After', async () => {
    const sms = createSmsSender(loadConfig({ SMS_API_URL: receiver.url, SMS_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', SMS_AUTH_TOKEN: 'token', SMS_FROM: '+15005550006' }), { timeoutMs: 1000 })!;
    try {
      receiver.respond(() => ({ status: 429, headers: { 'retry-after': '30', 'content-type': 'application/json' }, body: JSON.stringify({ code: 20429, message: 'Too Many Requests' }) }));
      expect(await sms.send(outgoingMessage('sms', { body: 'hi' }, { phone: '+14155550100' }))).toEqual({
        ok: false, isTransient: true, retryAfterMs: 30_000, error: 'HTTP 429 (retry after 30 s): 20429 Too Many Requests',
      });
      // without the header, a plain transient failure
      receiver.respond(() => ({ status: 429, body: '' }));
      expect(await sms.send(outgoingMessage('sms', { body: 'hi' }, { phone: '+14155550100' }))).toEqual({ ok: false, isTransient: true, error: 'HTTP 429' });
    } finally {
      await sms.close();
    }
  });

  it('push: a push service that throttles carries its Retry-After', async () => {
    const push = createPushSender(t.database, loadConfig({ PUSH_VAPID_SUBJECT: 'mailto:ops@herald.test' }), pino({ level: 'silent' }), { timeoutMs: 1000 });
    try {
      const [person] = await t.database.db.insert(recipients).values({ externalId: `push-${crypto.randomUUID()}` }).returning({ id: recipients.id });
      const ecdh = crypto.createECDH('prime256v1');
      ecdh.generateKeys();
      await t.database.db.insert(pushSubscriptions).values({
        recipientId: person!.id,
        endpoint: `${receiver.url}/push/${crypto.randomUUID()}`,
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: crypto.randomBytes(16).toString('base64url'),
      });
      receiver.respond(() => tooMany('45'));
      expect(await push.send(outgoingMessage('push', { title: 'Hi', body: 'there' }, { id: person!.id }))).toMatchObject({
        ok: false, isTransient: true, retryAfterMs: 45_000, error: 'HTTP 429 (retry after 45 s): slow down',
      });
    } finally {
      await push.close();
    }
  });
});
