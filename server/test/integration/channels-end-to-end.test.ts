/**
 * The HTTP channels through the whole engine: a schedule sent now through the API fans out,
 * the worker renders and sends SMS to a Twilio-compatible API and webhooks to a receiver,
 * all on loopback, and the SMS provider's signed status callback marks the delivery
 * delivered. Push goes through the worker to a push service emulator.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { deliveries, deliveryAttempts, events, recipients, runs, schedules, templates } from '../../src/db/schema.ts';
import { startWorker, type Worker } from '../../src/engine/worker/worker.ts';
import { stableMessageId } from '../../src/channels/types.ts';
import { twilioSignature } from '../../src/modules/tracking/twilio-signature.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.ts';
import { startPushService, type PushService } from '../support/push-service.ts';

const accountSid = 'AC00000000000000000000000000000042';
const authToken = 'e2e-sms-token';

let t: TestApp;
let provider: HttpReceiver;
let hooks: HttpReceiver;
let pushService: PushService;
let worker: Worker;
let smsSequence = 0;

beforeAll(async () => {
  provider = await startHttpReceiver(() => {
    smsSequence += 1;
    return { status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sid: `SM${String(smsSequence).padStart(32, '0')}`, status: 'queued' }) };
  });
  hooks = await startHttpReceiver(() => ({ status: 202 }));
  pushService = await startPushService();
  t = await createTestApp({
    SMS_API_URL: provider.url,
    SMS_ACCOUNT_SID: accountSid,
    SMS_AUTH_TOKEN: authToken,
    SMS_FROM: '+15005550006',
    HERALD_WORKER_INTERVAL_MS: '20',
  });
  worker = startWorker(t.context);
});
afterAll(async () => {
  await worker.stop();
  await t.close();
  await Promise.all([provider.close(), hooks.close(), pushService.close()]);
});

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function deliveriesOf(runId: string) {
  return t.database.db.select().from(deliveries).where(eq(deliveries.runId, runId)).orderBy(asc(deliveries.id));
}

async function settled(runId: string, count: number) {
  await waitUntil(async () => {
    const rows = await deliveriesOf(runId);
    return rows.length === count && rows.every((row) => row.status === 'sent' || row.status === 'failed');
  }, `the ${count} deliveries of run ${runId} to settle`);
  return deliveriesOf(runId);
}

async function people(count: number, shape: (index: number) => Partial<typeof recipients.$inferInsert>) {
  const prefix = crypto.randomUUID().slice(0, 8);
  return t.database.db.insert(recipients).values(Array.from({ length: count }, (_, i) => ({ externalId: `${prefix}-${i}`, name: `Person ${i}`, ...shape(i) }))).returning();
}

async function sendNow(content: Record<string, unknown>, channels: string[], recipientIds: string[]): Promise<string> {
  const template = await t.app.inject({ method: 'POST', url: '/api/notifications/templates', headers: t.auth, payload: { name: `E2E ${crypto.randomUUID()}`, content } });
  expect(template.statusCode, template.body).toBe(201);
  const schedule = await t.app.inject({
    method: 'POST',
    url: '/api/notifications/scheduled',
    headers: t.auth,
    payload: {
      name: `E2E ${crypto.randomUUID()}`,
      templateId: template.json<{ id: string }>().id,
      timezone: 'UTC',
      timing: { type: 'once', at: '2031-01-01T09:00' },
      audience: { type: 'test', recipientIds },
      channels,
    },
  });
  expect(schedule.statusCode, schedule.body).toBe(201);
  const run = await t.app.inject({ method: 'POST', url: `/api/notifications/scheduled/${schedule.json<{ id: string }>().id}/send-now`, headers: t.auth });
  expect(run.statusCode, run.body).toBe(202);
  return run.json<{ id: string }>().id;
}

describe('SMS and webhook through a schedule', () => {
  it('fans out, sends each recipient an SMS and a signed webhook with the same stable id, and records the provider\'s SID', async () => {
    const crowd = await people(3, (i) => ({ phone: `+3361234560${i}`, attributes: { webhookUrl: `${hooks.url}/users/${i}` } }));
    const runId = await sendNow({
      sms: { body: 'Hi {{ recipient.name }}, your order shipped.' },
      webhook: { body: '{"name": {{ recipient.name | json }}, "run": {{ run.id | json }}}' },
    }, ['sms', 'webhook'], crowd.map((p) => p.id));

    const rows = await settled(runId, 3);
    expect(rows.map((row) => [row.status, row.reason])).toEqual(Array(3).fill(['sent', null]));

    for (const [i, person] of crowd.entries()) {
      const delivery = rows.find((row) => row.recipientId === person.id)!;
      const stableId = stableMessageId(delivery.id, runId);
      const sms = provider.requests.find((r) => new URLSearchParams(r.body.toString('utf8')).get('To') === person.phone);
      expect(sms, `an SMS to ${person.phone}`).toBeDefined();
      expect(new URLSearchParams(sms!.body.toString('utf8')).get('Body')).toBe(`Hi Person ${i}, your order shipped.`);
      expect(sms!.headers['i-twilio-idempotency-token']).toBe(stableId);

      const hook = hooks.requests.find((r) => r.url === `/users/${i}`);
      expect(hook, `a webhook to /users/${i}`).toBeDefined();
      expect(hook!.headers['idempotency-key']).toBe(stableId);
      expect(JSON.parse(hook!.body.toString('utf8'))).toMatchObject({ id: stableId, deliveryId: delivery.id, runId, recipient: { id: person.id }, payload: { name: `Person ${i}`, run: runId } });

      const attempts = await t.database.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, delivery.id));
      expect(attempts.map((a) => [a.channel, a.status]).sort()).toEqual([['sms', 'sent'], ['webhook', 'sent']]);
      expect(attempts.find((a) => a.channel === 'sms')!.providerMessageId).toMatch(/^SM\d{32}$/);
    }
  });

  it('takes the provider\'s signed status callback at the URL it was given and marks the SMS delivered', async () => {
    const [person] = await people(1, () => ({ phone: '+33612345699' }));
    const runId = await sendNow({ sms: { body: 'Ping' } }, ['sms'], [person!.id]);
    const [delivery] = await settled(runId, 1);
    const sms = provider.requests.find((r) => new URLSearchParams(r.body.toString('utf8')).get('To') === person!.phone)!;
    const callbackUrl = new URLSearchParams(sms.body.toString('utf8')).get('StatusCallback')!;
    const [attempt] = await t.database.db.select().from(deliveryAttempts).where(and(eq(deliveryAttempts.deliveryId, delivery!.id), eq(deliveryAttempts.channel, 'sms')));

    // What the provider does: POST the status, form-encoded, signed over the callback URL.
    const form = { MessageSid: attempt!.providerMessageId!, MessageStatus: 'delivered', AccountSid: accountSid };
    const callback = await t.app.inject({
      method: 'POST',
      url: new URL(callbackUrl).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(authToken, callbackUrl, form) },
      payload: new URLSearchParams(form).toString(),
    });
    expect(callback.statusCode, callback.body).toBe(200);
    expect(callback.json()).toMatchObject({ deliveryId: delivery!.id, event: 'delivered' });
    const delivered = await t.database.db.select().from(events).where(and(eq(events.deliveryId, delivery!.id), eq(events.type, 'delivered')));
    expect(delivered).toHaveLength(1);
  });

  it('fails a delivery for good with the provider\'s reason when it refuses the number', async () => {
    provider.respond(() => ({ status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 21614, message: 'To number is not a mobile number', status: 400 }) }));
    try {
      const [person] = await people(1, () => ({ phone: '+33100000000' }));
      const runId = await sendNow({ sms: { body: 'Ping' } }, ['sms'], [person!.id]);
      const [delivery] = await settled(runId, 1);
      expect(delivery!.status).toBe('failed');
      expect(delivery!.attempts).toBe(1);
      const [attempt] = await t.database.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, delivery!.id));
      expect(attempt).toMatchObject({ channel: 'sms', status: 'failed', isTransient: false, error: 'HTTP 400: 21614 To number is not a mobile number' });
    } finally {
      provider.respond(() => ({ status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sid: `SM${crypto.randomBytes(16).toString('hex')}` }) }));
    }
  });
});

describe('push through the worker', () => {
  it('sends a queued push delivery to the recipient\'s subscribed browser', async () => {
    const [person] = await people(1, () => ({}));
    const browser = pushService.browser(`e2e-${person!.externalId}`);
    const signature = (await t.app.inject({ method: 'GET', url: `/api/recipients/${person!.id}/inbox-signature`, headers: t.auth })).json<{ signature: string }>().signature;
    const subscribed = await t.app.inject({ method: 'POST', url: '/api/push/subscriptions', payload: { externalId: person!.externalId, signature, subscription: browser.subscription } });
    expect(subscribed.statusCode, subscribed.body).toBe(201);

    // Queued directly, as fan-out would: its push address check still reads an attribute.
    const { db } = t.database;
    const [template] = await db.insert(templates).values({ name: `Push ${crypto.randomUUID()}`, content: { push: { title: 'Hello {{ recipient.name }}', body: 'From {{ schedule.name }}', url: 'https://app.example.com/inbox' } } }).returning();
    const [schedule] = await db.insert(schedules).values({ name: 'Push news', templateId: template!.id, timing: { type: 'once', at: '2031-01-01T09:00' }, timezone: 'UTC', audienceType: 'test', channels: ['push'] }).returning();
    const [run] = await db.insert(runs).values({ scheduleId: schedule!.id, occurrenceAt: new Date(), queuedCount: 1, audienceSize: 1 }).returning();
    const [queued] = await db.insert(deliveries).values({ runId: run!.id, scheduleId: schedule!.id, recipientId: person!.id, status: 'queued', dueAt: new Date(Date.now() - 1000), channels: ['push'] }).returning();

    const [delivery] = await settled(run!.id, 1);
    expect(delivery).toMatchObject({ status: 'sent', channel: 'push' });
    const arrived = pushService.deliveries.filter((d) => d.browser === browser.name);
    expect(arrived).toHaveLength(1);
    expect(JSON.parse(arrived[0]!.plaintext)).toEqual({ id: stableMessageId(queued!.id, run!.id), deliveryId: queued!.id, title: `Hello ${person!.name}`, body: 'From Push news', url: 'https://app.example.com/inbox' });
    const attempts = await db.select().from(deliveryAttempts).where(inArray(deliveryAttempts.deliveryId, [queued!.id]));
    expect(attempts).toEqual([expect.objectContaining({ channel: 'push', status: 'sent', providerMessageId: expect.stringContaining(`${pushService.url}/message/`) })]);
  });
});
