/**
 * Web push end to end on loopback: a page subscribes a browser through the API, the push
 * sender sends to a real push service emulator that checks the VAPID signature and decrypts
 * the message with the browser's private key; gone subscriptions are removed.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { createPushSender, maxPushPayloadBytes, pushTtlSeconds } from '../../src/channels/push.ts';
import type { ChannelSender } from '../../src/channels/types.ts';
import { pushSubscriptions, recipients } from '../../src/db/schema.ts';
import { maxSubscriptionsPerRecipient } from '../../src/modules/push/service.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { startPushService, type Browser, type PushService } from '../support/push-service.ts';
import { outgoingMessage } from '../support/outgoing-message.ts';

const vapidSubject = 'mailto:ops@herald.test';

let t: TestApp;
let service: PushService;
let sender: ChannelSender<'push'>;

beforeAll(async () => {
  t = await createTestApp({ PUSH_VAPID_SUBJECT: vapidSubject });
  service = await startPushService();
  sender = createPushSender(t.database, t.config, pino({ level: 'silent' }), { timeoutMs: 2000 });
});
afterAll(async () => {
  await sender.close();
  await service.close();
  await t.close();
});

type Person = { id: string; externalId: string; signature: string };

async function person(): Promise<Person> {
  const externalId = `push-${crypto.randomUUID()}`;
  const [row] = await t.database.db.insert(recipients).values({ externalId, name: 'Ada' }).returning({ id: recipients.id });
  const response = await t.app.inject({ method: 'GET', url: `/api/recipients/${row!.id}/inbox-signature`, headers: t.auth });
  return { id: row!.id, externalId, signature: response.json<{ signature: string }>().signature };
}

function subscribe(who: Pick<Person, 'externalId'> & { signature?: string }, subscription: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/api/push/subscriptions', headers, payload: { externalId: who.externalId, ...(who.signature ? { signature: who.signature } : {}), subscription } });
}

async function subscribed(who: Person, browser: Browser): Promise<void> {
  const response = await subscribe(who, browser.subscription);
  expect(response.statusCode, response.body).toBe(201);
}

async function endpointsOf(recipientId: string): Promise<string[]> {
  const rows = await t.database.db.select({ endpoint: pushSubscriptions.endpoint }).from(pushSubscriptions).where(eq(pushSubscriptions.recipientId, recipientId));
  return rows.map((r) => r.endpoint).sort();
}

type Issue = { field: string; rule: string; message: string };
const issuesOf = (body: string): Issue[] => (JSON.parse(body) as { error: { details?: { issues?: Issue[] } } }).error.details?.issues ?? [];

describe('VAPID public key', () => {
  it('is public, generated once, kept in the settings, and the key pushes are signed with', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/api/push/vapid-public-key' });
    expect(first.statusCode).toBe(200);
    const { publicKey } = first.json<{ publicKey: string }>();
    expect(Buffer.from(publicKey, 'base64url')).toHaveLength(65);
    expect((await t.app.inject({ method: 'GET', url: '/api/push/vapid-public-key' })).json()).toEqual({ publicKey });
    const [stored] = await t.database.query<{ value: { publicKey: string; privateKey: string } }>(sql`SELECT value FROM settings WHERE key = 'vapid_keys'`);
    expect(stored!.value.publicKey).toBe(publicKey);
    expect(first.body).not.toContain(stored!.value.privateKey);

    const who = await person();
    await subscribed(who, service.browser(`key-${who.externalId}`));
    expect(await sender.send(outgoingMessage('push', { title: 'Hi', body: 'there' }, { id: who.id }))).toMatchObject({ ok: true });
    expect(service.deliveries.at(-1)!.vapidKey).toBe(publicKey);
  });
});

describe('push subscriptions API', () => {
  it('stores a subscription for the user a signature names, and refuses wrong or missing proof', async () => {
    const who = await person();
    const browser = service.browser(`api-${who.externalId}`);
    expect((await subscribe({ externalId: who.externalId }, browser.subscription)).statusCode).toBe(401);
    const forged = await subscribe({ externalId: who.externalId, signature: 'AAAA' }, browser.subscription);
    expect(forged.statusCode).toBe(401);
    expect(issuesOf(forged.body)).toContainEqual(expect.objectContaining({ field: 'signature' }));
    expect((await subscribe({ externalId: 'nobody-has-this-id' }, browser.subscription, t.auth)).statusCode).toBe(404);
    expect((await subscribe({ externalId: who.externalId }, browser.subscription, await t.authAs('viewer'))).statusCode).toBe(403);
    expect(await endpointsOf(who.id)).toEqual([]);

    const created = await subscribe(who, browser.subscription);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: expect.any(String), endpoint: browser.subscription.endpoint, expiresAt: null });
    expect(created.body).not.toContain(browser.subscription.keys.auth);
    expect(await endpointsOf(who.id)).toEqual([browser.subscription.endpoint]);

    // The host app's backend may subscribe for a user with a token that can write.
    const other = service.browser(`api-token-${who.externalId}`);
    expect((await subscribe({ externalId: who.externalId }, other.subscription, await t.authAs('editor'))).statusCode).toBe(201);
    expect(await endpointsOf(who.id)).toHaveLength(2);
  });

  it('keeps one row per endpoint: subscribing again updates it, another user on the same browser takes it over', async () => {
    const [ada, bob] = [await person(), await person()];
    const browser = service.browser(`shared-${ada.externalId}`);
    await subscribed(ada, browser);
    await subscribed(ada, browser);
    expect(await endpointsOf(ada.id)).toEqual([browser.subscription.endpoint]);
    await subscribed(bob, browser);
    expect(await endpointsOf(ada.id)).toEqual([]);
    expect(await endpointsOf(bob.id)).toEqual([browser.subscription.endpoint]);
  });

  it(`keeps the newest ${maxSubscriptionsPerRecipient} subscriptions of a user`, async () => {
    const who = await person();
    const browsers = Array.from({ length: maxSubscriptionsPerRecipient + 2 }, (_, i) => service.browser(`many-${i}-${who.externalId}`));
    for (const browser of browsers) await subscribed(who, browser);
    const kept = await endpointsOf(who.id);
    expect(kept).toHaveLength(maxSubscriptionsPerRecipient);
    expect(kept).toContain(browsers.at(-1)!.subscription.endpoint);
  });

  const valid = () => service.browser(`valid-${crypto.randomUUID()}`).subscription;
  const notOnCurve = () => {
    const key = Buffer.from(valid().keys.p256dh, 'base64url');
    key[64] = key[64]! ^ 1;
    return key.toString('base64url');
  };
  const malformed: Array<{ name: string; subscription: () => unknown; field: string }> = [
    { name: 'no endpoint', subscription: () => ({ ...valid(), endpoint: undefined }), field: 'subscription.endpoint' },
    { name: 'an endpoint that is not a URL', subscription: () => ({ ...valid(), endpoint: 'push service' }), field: 'subscription.endpoint' },
    { name: 'a plain-http endpoint on another host', subscription: () => ({ ...valid(), endpoint: 'http://push.example.com/x' }), field: 'subscription.endpoint' },
    { name: 'a javascript: endpoint', subscription: () => ({ ...valid(), endpoint: 'javascript:alert(1)' }), field: 'subscription.endpoint' },
    { name: 'no keys', subscription: () => ({ ...valid(), keys: undefined }), field: 'subscription.keys' },
    { name: 'a p256dh of 64 bytes', subscription: () => ({ ...valid(), keys: { ...valid().keys, p256dh: crypto.randomBytes(64).toString('base64url') } }), field: 'subscription.keys.p256dh' },
    { name: 'a p256dh that is not on the curve', subscription: () => ({ ...valid(), keys: { ...valid().keys, p256dh: notOnCurve() } }), field: 'subscription.keys.p256dh' },
    { name: 'a p256dh that is not base64url', subscription: () => ({ ...valid(), keys: { ...valid().keys, p256dh: 'not base64!' } }), field: 'subscription.keys.p256dh' },
    { name: 'an auth secret of 8 bytes', subscription: () => ({ ...valid(), keys: { ...valid().keys, auth: crypto.randomBytes(8).toString('base64url') } }), field: 'subscription.keys.auth' },
    { name: 'an auth secret that is a number', subscription: () => ({ ...valid(), keys: { ...valid().keys, auth: 16 } }), field: 'subscription.keys.auth' },
    { name: 'an expirationTime that is text', subscription: () => ({ ...valid(), expirationTime: 'tomorrow' }), field: 'subscription.expirationTime' },
    { name: 'no subscription at all', subscription: () => undefined, field: 'subscription' },
  ];

  it.each(malformed)('refuses $name with 400 naming $field, and stores nothing', async ({ subscription, field }) => {
    const who = await person();
    const response = await subscribe(who, subscription());
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body).map((issue) => issue.field)).toContain(field);
    expect(await endpointsOf(who.id)).toEqual([]);
  });

  it('accepts padded base64url keys and stores them without padding', async () => {
    const who = await person();
    const browser = service.browser(`padded-${who.externalId}`);
    const auth = `${browser.subscription.keys.auth}==`;
    expect((await subscribe(who, { ...browser.subscription, keys: { ...browser.subscription.keys, auth } })).statusCode).toBe(201);
    const [row] = await t.database.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.recipientId, who.id));
    expect(row!.auth).toBe(browser.subscription.keys.auth);
  });

  it('unsubscribes: 204, then 404 for the same endpoint', async () => {
    const who = await person();
    const browser = service.browser(`leaving-${who.externalId}`);
    await subscribed(who, browser);
    const remove = () => t.app.inject({ method: 'DELETE', url: '/api/push/subscriptions', payload: { externalId: who.externalId, signature: who.signature, endpoint: browser.subscription.endpoint } });
    expect((await remove()).statusCode).toBe(204);
    expect(await endpointsOf(who.id)).toEqual([]);
    expect((await remove()).statusCode).toBe(404);
  });
});

describe('push sender', () => {
  it('sends to every browser of the recipient an encrypted payload signed with VAPID, with TTL, urgency and a stable topic', async () => {
    const who = await person();
    const [phone, laptop] = [service.browser(`phone-${who.externalId}`), service.browser(`laptop-${who.externalId}`)];
    await subscribed(who, phone);
    await subscribed(who, laptop);
    const before = service.deliveries.length;
    const message = outgoingMessage('push', { title: 'Sale ends tonight', body: 'Ça commence — 20 % off', url: 'https://shop.example.com/sale' }, { id: who.id });
    const result = await sender.send(message);
    expect(result).toEqual({ ok: true, providerMessageId: expect.stringMatching(/\/message\/\d+$/) });

    const arrived = service.deliveries.slice(before);
    expect(arrived.map((d) => d.browser).sort()).toEqual([laptop.name, phone.name].sort());
    for (const delivery of arrived) {
      expect(JSON.parse(delivery.plaintext)).toEqual({ id: message.messageId, deliveryId: message.deliveryId, title: 'Sale ends tonight', body: 'Ça commence — 20 % off', url: 'https://shop.example.com/sale' });
      expect(delivery.request.headers.ttl).toBe(String(pushTtlSeconds));
      expect(delivery.request.headers.urgency).toBe('normal');
      expect(delivery.request.headers.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(delivery.claims.aud).toBe(service.url);
      expect(delivery.claims.sub).toBe(vapidSubject);
      expect(delivery.claims.exp * 1000).toBeGreaterThan(Date.now());
      expect(delivery.claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);
    }
    expect(new Set(arrived.map((d) => d.request.headers.topic)).size).toBe(1);

    // A repeat of the delivery (a crash before it was recorded) carries the same topic and id.
    await sender.send({ ...message, attempt: 2 });
    const repeat = service.deliveries.at(-1)!;
    expect(repeat.request.headers.topic).toBe(arrived[0]!.request.headers.topic);
    expect(JSON.parse(repeat.plaintext).id).toBe(message.messageId);
    expect(service.rejected).toEqual([]);
  });

  it('removes a subscription the push service says is gone, and still delivers to the others', async () => {
    const who = await person();
    const [stale, fresh] = [service.browser(`stale-${who.externalId}`), service.browser(`fresh-${who.externalId}`)];
    await subscribed(who, stale);
    await subscribed(who, fresh);
    service.answer(stale.name, 410);
    expect(await sender.send(outgoingMessage('push', { title: 'a', body: 'b' }, { id: who.id }))).toMatchObject({ ok: true });
    expect(await endpointsOf(who.id)).toEqual([fresh.subscription.endpoint]);
  });

  it('fails for good once every subscription is gone (404 or 410), removing them all', async () => {
    const who = await person();
    const [a, b] = [service.browser(`gone-a-${who.externalId}`), service.browser(`gone-b-${who.externalId}`)];
    await subscribed(who, a);
    await subscribed(who, b);
    service.answer(a.name, 410);
    service.answer(b.name, 404);
    const result = await sender.send(outgoingMessage('push', { title: 'a', body: 'b' }, { id: who.id }));
    expect(result).toMatchObject({ ok: false, isTransient: false, error: expect.stringMatching(/every push subscription .* expired and was removed/) });
    expect(await endpointsOf(who.id)).toEqual([]);
    expect(await sender.send(outgoingMessage('push', { title: 'a', body: 'b' }, { id: who.id }))).toEqual({ ok: false, isTransient: false, error: 'the recipient has no push subscription' });
  });

  it('retries when the push service is in trouble, keeping the subscription', async () => {
    const who = await person();
    const busy = service.browser(`busy-${who.externalId}`);
    await subscribed(who, busy);
    service.answer(busy.name, 503);
    expect(await sender.send(outgoingMessage('push', { title: 'a', body: 'b' }, { id: who.id }))).toMatchObject({ ok: false, isTransient: true, error: expect.stringMatching(/^HTTP 503/) });
    expect(await endpointsOf(who.id)).toEqual([busy.subscription.endpoint]);
  });

  it('skips subscriptions past the expiry the browser gave', async () => {
    const who = await person();
    const old = service.browser(`expired-${who.externalId}`);
    expect((await subscribe(who, { ...old.subscription, expirationTime: Date.now() - 60_000 })).statusCode).toBe(201);
    const before = service.requests.length;
    expect(await sender.send(outgoingMessage('push', { title: 'a', body: 'b' }, { id: who.id }))).toEqual({ ok: false, isTransient: false, error: 'the recipient has no push subscription' });
    expect(service.requests.length).toBe(before);
  });

  it('refuses a message too large for push services before sending anything', async () => {
    const who = await person();
    await subscribed(who, service.browser(`large-${who.externalId}`));
    const before = service.requests.length;
    const result = await sender.send(outgoingMessage('push', { title: 'Big', body: '😀'.repeat(1000) }, { id: who.id }));
    expect(result).toMatchObject({ ok: false, isTransient: false, error: expect.stringContaining(`at most ${maxPushPayloadBytes}`) });
    expect(service.requests.length).toBe(before);
  });

  it('reads the subscriptions of many messages sent at once and delivers each to its own browser', async () => {
    const people = await Promise.all(Array.from({ length: 12 }, () => person()));
    const browsers = people.map((who) => service.browser(`crowd-${who.externalId}`));
    for (const [i, who] of people.entries()) await subscribed(who, browsers[i]!);
    const messages = people.map((who, i) => outgoingMessage('push', { title: `for ${i}`, body: who.externalId }, { id: who.id }));
    const results = await Promise.all(messages.map((m) => sender.send(m)));
    expect(results.every((r) => r.ok)).toBe(true);
    for (const [i, browser] of browsers.entries()) {
      const got = service.deliveries.filter((d) => d.browser === browser.name).map((d) => JSON.parse(d.plaintext) as { title: string; body: string });
      expect(got).toEqual([expect.objectContaining({ title: `for ${i}`, body: people[i]!.externalId })]);
    }
  });
});
