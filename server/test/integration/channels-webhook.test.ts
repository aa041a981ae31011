/**
 * The webhook sender against a real HTTP receiver on loopback: the envelope, the signature a
 * receiver checks (computed here the way docs/channels.md tells receivers to), the URL it
 * picks, and which failures it retries. Plus the admin routes for the signing secret.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSender } from '../../src/channels/webhook.ts';
import type { ChannelSender } from '../../src/channels/types.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../support/http-receiver.ts';
import { outgoingMessage } from '../support/outgoing-message.ts';

let t: TestApp;
let receiver: HttpReceiver;
let sender: ChannelSender<'webhook'>;

beforeAll(async () => {
  t = await createTestApp();
  receiver = await startHttpReceiver();
  sender = createWebhookSender(t.database, { workerConcurrency: 4 }, { timeoutMs: 1000 });
});
afterAll(async () => {
  await sender.close();
  await receiver.close();
  await t.close();
});

async function signingSecret(): Promise<string> {
  const response = await t.app.inject({ method: 'GET', url: '/api/outgoing-webhooks/signing-secret', headers: t.auth });
  expect(response.statusCode).toBe(200);
  return response.json<{ secret: string }>().secret;
}

/** What a receiver does: HMAC-SHA256 over "<timestamp>.<raw body>", compared in constant time. */
function isSignedBy(secret: string, request: ReceivedRequest): boolean {
  const timestamp = String(request.headers['x-herald-timestamp']);
  const expected = Buffer.from(`sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(request.body).digest('hex')}`);
  const given = Buffer.from(String(request.headers['x-herald-signature']));
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

const hook = (url: string | undefined, body = '{"event":"hello"}') => (url === undefined ? { body } : { url, body });

describe('webhook sender', () => {
  it('posts the rendered JSON inside an envelope with the delivery ids, signed, with the stable id as Idempotency-Key', async () => {
    receiver.respond(() => ({ status: 204 }));
    const message = outgoingMessage('webhook', hook(`${receiver.url}/hooks/herald?source=test`, '{"plan":"pro","items":[1,2]}'), { externalId: 'user-42' });
    expect(await sender.send(message)).toEqual({ ok: true });

    const request = receiver.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/herald?source=test');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe(message.messageId);
    expect(JSON.parse(request.body.toString('utf8'))).toEqual({
      id: message.messageId,
      deliveryId: message.deliveryId,
      runId: message.runId,
      scheduleId: message.scheduleId,
      attempt: 1,
      recipient: { id: message.recipient.id, externalId: 'user-42' },
      payload: { plan: 'pro', items: [1, 2] },
    });
    const timestamp = Number(request.headers['x-herald-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers['x-herald-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(isSignedBy(await signingSecret(), request)).toBe(true);
  });

  it('signs so that a changed body or a replayed timestamp does not verify', async () => {
    receiver.respond(() => ({ status: 200 }));
    await sender.send(outgoingMessage('webhook', hook(`${receiver.url}/x`)));
    const request = receiver.requests.at(-1)!;
    const secret = await signingSecret();
    expect(isSignedBy(secret, request)).toBe(true);
    expect(isSignedBy(secret, { ...request, body: Buffer.from(request.body.toString('utf8').replace('hello', 'hullo')) })).toBe(false);
    expect(isSignedBy(secret, { ...request, headers: { ...request.headers, 'x-herald-timestamp': String(Number(request.headers['x-herald-timestamp']) + 600) } })).toBe(false);
    expect(isSignedBy('whsec_someone-else', request)).toBe(false);
  });

  it('keeps Idempotency-Key the same on every attempt of a delivery', async () => {
    receiver.respond(() => ({ status: 200 }));
    const message = outgoingMessage('webhook', hook(`${receiver.url}/again`));
    await sender.send(message);
    await sender.send({ ...message, attempt: 2 });
    const [first, second] = receiver.requests.slice(-2);
    expect([first!.headers['idempotency-key'], second!.headers['idempotency-key']]).toEqual([message.messageId, message.messageId]);
    expect(JSON.parse(second!.body.toString('utf8')).attempt).toBe(2);
  });

  it('posts to the recipient\'s webhookUrl attribute when the template names no URL', async () => {
    receiver.respond(() => ({ status: 200 }));
    const message = outgoingMessage('webhook', hook(undefined), { attributes: { webhookUrl: `${receiver.url}/per-user/7` } });
    expect(await sender.send(message)).toEqual({ ok: true });
    expect(receiver.requests.at(-1)!.url).toBe('/per-user/7');
  });

  it('refuses for good, without a request, a missing or non-http URL and a body that is not JSON', async () => {
    const before = receiver.requests.length;
    expect(await sender.send(outgoingMessage('webhook', hook(undefined)))).toEqual({
      ok: false, isTransient: false, error: 'the template names no webhook URL and the recipient has no "webhookUrl" attribute',
    });
    expect(await sender.send(outgoingMessage('webhook', hook('ftp://files.example.com/x')))).toMatchObject({ ok: false, isTransient: false, error: expect.stringMatching(/is not an http\(s\) URL/) });
    expect(await sender.send(outgoingMessage('webhook', hook(`${receiver.url}/x`, '{"name": "Ada "Countess" L"}')))).toMatchObject({
      ok: false, isTransient: false, error: expect.stringMatching(/not JSON.*json filter/),
    });
    expect(receiver.requests.length).toBe(before);
  });

  const failures = [
    { status: 429, isTransient: true },
    { status: 500, isTransient: true },
    { status: 502, isTransient: true },
    { status: 408, isTransient: true },
    { status: 400, isTransient: false },
    { status: 401, isTransient: false },
    { status: 404, isTransient: false },
    { status: 410, isTransient: false },
    { status: 422, isTransient: false },
  ];

  it.each(failures)('an answer of $status is transient: $isTransient', async ({ status, isTransient }) => {
    receiver.respond(() => ({ status, body: `nope ${status}` }));
    const result = await sender.send(outgoingMessage('webhook', hook(`${receiver.url}/fail`)));
    expect(result).toEqual({ ok: false, isTransient, error: `HTTP ${status}: nope ${status}` });
  });

  it('retries a receiver that does not answer in time, and never quotes the secret', async () => {
    receiver.respond(() => 'hang');
    const hurried = createWebhookSender(t.database, { workerConcurrency: 1 }, { timeoutMs: 200 });
    try {
      expect(await hurried.send(outgoingMessage('webhook', hook(`${receiver.url}/slow`)))).toMatchObject({ ok: false, isTransient: true, error: expect.stringMatching(/timeout/i) });
    } finally {
      await hurried.close();
    }
    const secret = await signingSecret();
    receiver.respond(() => ({ status: 400, body: `bad signature for secret ${secret}` }));
    const result = await sender.send(outgoingMessage('webhook', hook(`${receiver.url}/echo`)));
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe('signing secret', () => {
  it('is shown to admins only, never cached, and stays the same until rotated', async () => {
    const editor = await t.authAs('editor');
    expect((await t.app.inject({ method: 'GET', url: '/api/outgoing-webhooks/signing-secret', headers: editor })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/outgoing-webhooks/signing-secret' })).statusCode).toBe(401);
    const response = await t.app.inject({ method: 'GET', url: '/api/outgoing-webhooks/signing-secret', headers: t.auth });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toMatchObject({ secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/), signatureHeader: 'X-Herald-Signature', timestampHeader: 'X-Herald-Timestamp' });
    expect(await signingSecret()).toBe(response.json<{ secret: string }>().secret);
  });

  it('rotates: a new secret, which senders started after the rotation sign with', async () => {
    const before = await signingSecret();
    const editor = await t.authAs('editor');
    expect((await t.app.inject({ method: 'POST', url: '/api/outgoing-webhooks/signing-secret/rotate', headers: editor })).statusCode).toBe(403);
    const rotated = await t.app.inject({ method: 'POST', url: '/api/outgoing-webhooks/signing-secret/rotate', headers: t.auth });
    expect(rotated.statusCode).toBe(200);
    const after = rotated.json<{ secret: string }>().secret;
    expect(after).not.toBe(before);
    expect(await signingSecret()).toBe(after);

    receiver.respond(() => ({ status: 200 }));
    const fresh = createWebhookSender(t.database, { workerConcurrency: 1 });
    try {
      await fresh.send(outgoingMessage('webhook', hook(`${receiver.url}/rotated`)));
    } finally {
      await fresh.close();
    }
    const request = receiver.requests.at(-1)!;
    expect(isSignedBy(after, request)).toBe(true);
    expect(isSignedBy(before, request)).toBe(false);
  });
});

describe('webhook template content', () => {
  const create = (webhook: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/notifications/templates', headers: t.auth, payload: { name: `Hook ${crypto.randomUUID()}`, content: { webhook } } });

  it('takes a fixed URL, a Liquid URL, or none', async () => {
    expect((await create({ url: 'https://hooks.example.com/herald', body: '{}' })).statusCode).toBe(201);
    expect((await create({ url: '{{ recipient.attributes.hookUrl }}', body: '{}' })).statusCode).toBe(201);
    const withoutUrl = await create({ body: '{"name": {{ recipient.name | json }}}' });
    expect(withoutUrl.statusCode).toBe(201);
    expect(withoutUrl.json<{ content: { webhook: Record<string, string> } }>().content.webhook).toEqual({ body: '{"name": {{ recipient.name | json }}}' });
  });

  it('refuses a URL that is not http(s), naming the field', async () => {
    const response = await create({ url: 'ftp://hooks.example.com', body: '{}' });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { details: { issues: Array<{ field: string; message: string }> } } }>().error.details.issues).toContainEqual(
      expect.objectContaining({ field: 'content.webhook.url', message: expect.stringMatching(/http\(s\) URL/) }),
    );
  });
});
