import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { InboxMessage } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { deliveries, inboxMessages, recipients, runs, schedules, templates } from '../../src/db/schema.ts';
import { createInAppSender } from '../../src/channels/inapp.ts';
import { stableMessageId } from '../../src/channels/types.ts';

type InboxPage = { items: InboxMessage[]; total: number; unreadCount: number; limit: number; offset: number };

let t: TestApp;
let ada: { id: string; externalId: string };
let bob: { id: string; externalId: string };
let adaMessageIds: string[];
let bobMessageId: string;

beforeAll(async () => {
  t = await createTestApp();
  const { db } = t.database;
  [ada, bob] = await db.insert(recipients).values([
    { externalId: 'ada', email: 'ada@example.com', name: 'Ada' },
    { externalId: 'bob', email: 'bob@example.com', name: 'Bob' },
  ]).returning({ id: recipients.id, externalId: recipients.externalId }) as [typeof ada, typeof bob];
  const base = Date.parse('2030-01-01T00:00:00Z');
  const rows = await db.insert(inboxMessages).values([0, 1, 2].map((i) => ({
    recipientId: ada.id,
    title: `Message ${i}`,
    body: `Body ${i}`,
    url: i === 0 ? 'https://app.test/0' : null,
    createdAt: new Date(base + i * 60_000),
  }))).returning({ id: inboxMessages.id });
  adaMessageIds = rows.map((r) => r.id);
  const [bobRow] = await db.insert(inboxMessages).values({ recipientId: bob.id, title: 'For Bob', body: 'b' }).returning({ id: inboxMessages.id });
  bobMessageId = bobRow!.id;
});
afterAll(async () => { await t.close(); });

async function signatureOf(recipientId: string): Promise<string> {
  const response = await t.app.inject({ method: 'GET', url: `/api/recipients/${recipientId}/inbox-signature`, headers: t.auth });
  expect(response.statusCode).toBe(200);
  return response.json<{ signature: string }>().signature;
}

const query = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

describe('admin view', () => {
  it('documents the inbox routes in the OpenAPI description', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/inbox/messages', '/api/inbox/stream', '/api/inbox/read-all', '/api/recipients/{id}/inbox', '/api/recipients/{id}/inbox-signature']));
  });

  it('lists a recipient\'s inbox newest first, paginated, with the unread count', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/recipients/${ada.id}/inbox?limit=2&offset=0`, headers: await t.authAs('viewer') });
    expect(response.statusCode).toBe(200);
    const page = response.json<InboxPage>();
    expect(page).toMatchObject({ total: 3, unreadCount: 3, limit: 2, offset: 0 });
    expect(page.items.map((m) => m.title)).toEqual(['Message 2', 'Message 1']);
    expect(page.items[0]).toEqual({ id: adaMessageIds[2], title: 'Message 2', body: 'Body 2', url: null, readAt: null, createdAt: '2030-01-01T00:02:00.000Z' });
    const second = await t.app.inject({ method: 'GET', url: `/api/recipients/${ada.id}/inbox?limit=2&offset=2`, headers: t.auth });
    expect(second.json<InboxPage>().items.map((m) => m.title)).toEqual(['Message 0']);
  });

  it('answers 404 for an unknown recipient, 401 without credentials, 400 for a malformed id', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/recipients/00000000-0000-4000-8000-000000000000/inbox', headers: t.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/recipients/${ada.id}/inbox` })).statusCode).toBe(401);
    const malformed = await t.app.inject({ method: 'GET', url: '/api/recipients/nope/inbox', headers: t.auth });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.details.issues[0].field).toBe('id');
  });

  it('gives the inbox signature to writers only', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/recipients/${ada.id}/inbox-signature`, headers: await t.authAs('editor') });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ externalId: 'ada', signature: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await t.app.inject({ method: 'GET', url: `/api/recipients/${ada.id}/inbox-signature`, headers: await t.authAs('viewer') })).statusCode).toBe(403);
  });
});

describe('end user view', () => {
  it('lists the inbox with the signature alone, no token', async () => {
    const signature = await signatureOf(ada.id);
    const response = await t.app.inject({ method: 'GET', url: `/api/inbox/messages?${query({ externalId: 'ada', signature, limit: 10 })}` });
    expect(response.statusCode).toBe(200);
    const page = response.json<InboxPage>();
    expect(page.total).toBe(3);
    expect(page.items.map((m) => m.id)).toEqual([...adaMessageIds].reverse());
    expect(response.body).not.toContain('For Bob');
  });

  it('lists the inbox with an API token and no signature', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/inbox/messages?externalId=bob', headers: await t.authAs('viewer') });
    expect(response.statusCode).toBe(200);
    expect(response.json<InboxPage>().items.map((m) => m.title)).toEqual(['For Bob']);
  });

  it('refuses a wrong, borrowed or missing signature with 401', async () => {
    const bobSignature = await signatureOf(bob.id);
    const cases = [
      { url: `/api/inbox/messages?${query({ externalId: 'ada', signature: 'forged' })}`, headers: {} },
      { url: `/api/inbox/messages?${query({ externalId: 'ada', signature: bobSignature })}`, headers: {} },
      { url: '/api/inbox/messages?externalId=ada', headers: {} },
      // a token does not make a wrong signature right
      { url: `/api/inbox/messages?${query({ externalId: 'ada', signature: bobSignature })}`, headers: t.auth },
      { url: `/api/inbox/stream?${query({ externalId: 'ada', signature: bobSignature })}`, headers: {} },
      { url: `/api/inbox/read-all?${query({ externalId: 'ada', signature: bobSignature })}`, headers: {}, method: 'POST' as const },
    ];
    for (const { url, headers, method } of cases) {
      const response = await t.app.inject({ method: method ?? 'GET', url, headers });
      expect(response.statusCode, url).toBe(401);
      expect(response.json().error.details.issues[0].field).toBe('signature');
    }
  });

  it('names the field of a malformed request and answers 404 for an unknown externalId', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/api/inbox/messages', headers: t.auth });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details.issues[0].field).toBe('externalId');
    const badLimit = await t.app.inject({ method: 'GET', url: '/api/inbox/messages?externalId=ada&limit=0', headers: t.auth });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().error.details.issues[0].field).toBe('limit');
    const unknown = await t.app.inject({ method: 'GET', url: '/api/inbox/messages?externalId=nobody', headers: t.auth });
    expect(unknown.statusCode).toBe(404);
  });

  it('marks one message read, keeps the first read time, and refuses another user\'s message', async () => {
    const signature = await signatureOf(ada.id);
    const url = `/api/inbox/messages/${adaMessageIds[0]}/read?${query({ externalId: 'ada', signature })}`;
    const first = await t.app.inject({ method: 'POST', url });
    expect(first.statusCode).toBe(200);
    const readAt = first.json<InboxMessage>().readAt;
    expect(readAt).toEqual(expect.any(String));
    const again = await t.app.inject({ method: 'POST', url });
    expect(again.json<InboxMessage>().readAt).toBe(readAt);

    const list = await t.app.inject({ method: 'GET', url: `/api/inbox/messages?${query({ externalId: 'ada', signature })}` });
    expect(list.json<InboxPage>().unreadCount).toBe(2);

    const foreign = await t.app.inject({ method: 'POST', url: `/api/inbox/messages/${bobMessageId}/read?${query({ externalId: 'ada', signature })}` });
    expect(foreign.statusCode).toBe(404);
    const [bobRow] = await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.id, bobMessageId));
    expect(bobRow!.readAt).toBeNull();
  });

  it('marks the whole inbox read', async () => {
    const signature = await signatureOf(ada.id);
    const response = await t.app.inject({ method: 'POST', url: `/api/inbox/read-all?${query({ externalId: 'ada', signature })}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ updated: 2 });
    const list = await t.app.inject({ method: 'GET', url: `/api/inbox/messages?${query({ externalId: 'ada', signature })}` });
    expect(list.json<InboxPage>().unreadCount).toBe(0);
    expect((await t.app.inject({ method: 'POST', url: `/api/inbox/read-all?${query({ externalId: 'ada', signature })}` })).json()).toEqual({ updated: 0 });
  });
});

describe('stream', () => {
  let port: number;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });

  type Stream = { text: () => string; waitFor: (pattern: RegExp) => Promise<string>; close: () => void; status: number; contentType: string | undefined };

  function openStream(url: string): Promise<Stream> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, (response) => {
        let received = '';
        const waiters = new Set<() => void>();
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          received += chunk;
          for (const waiter of waiters) waiter();
        });
        resolve({
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'],
          text: () => received,
          waitFor: (pattern) => new Promise((found, fail) => {
            const check = () => {
              const match = pattern.exec(received);
              if (!match) return;
              waiters.delete(check);
              clearTimeout(timer);
              found(match[0]);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no ${pattern} in the stream; got: ${received}`));
            }, 10_000);
            waiters.add(check);
            check();
          }),
          close: () => request.destroy(),
        });
      });
      request.on('error', reject);
    });
  }

  it('pushes a new message to the recipient\'s open stream, and cleans up on disconnect', async () => {
    const signature = await signatureOf(ada.id);
    const before = t.context.inboxHub.connectionCount;
    const stream = await openStream(`http://127.0.0.1:${port}/api/inbox/stream?${query({ externalId: 'ada', signature })}`);
    const bobStream = await openStream(`http://127.0.0.1:${port}/api/inbox/stream?${query({ externalId: 'bob', signature: await signatureOf(bob.id) })}`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      await stream.waitFor(/: connected/);
      expect(t.context.inboxHub.connectionCount).toBe(before + 2);

      // A message stored the way the worker stores it: the in-app sender, with pg_notify.
      const { db } = t.database;
      const [template] = await db.insert(templates).values({ name: 'T', content: { inapp: { title: 'x', body: 'y' } } }).returning();
      const [schedule] = await db.insert(schedules).values({ name: 'S', templateId: template!.id, timing: { type: 'once' }, timezone: 'UTC', audienceType: 'test', channels: ['inapp'] }).returning();
      const [run] = await db.insert(runs).values({ scheduleId: schedule!.id, occurrenceAt: new Date() }).returning();
      const [delivery] = await db.insert(deliveries).values({ runId: run!.id, scheduleId: schedule!.id, recipientId: ada.id, status: 'sent', dueAt: new Date(), channels: ['inapp'] }).returning();
      const result = await createInAppSender(t.database).send({
        channel: 'inapp',
        deliveryId: delivery!.id,
        runId: run!.id,
        scheduleId: schedule!.id,
        messageId: stableMessageId(delivery!.id, run!.id),
        attempt: 1,
        recipient: { id: ada.id, externalId: 'ada', email: null, phone: null, name: 'Ada', locale: null, timezone: null },
        content: { title: 'Live!', body: 'Just arrived', url: 'https://app.test/live' },
      });
      expect(result.ok).toBe(true);

      const event = await stream.waitFor(/event: message\ndata: (.*)\n\n/);
      const data = JSON.parse(/data: (.*)/.exec(event)![1]!) as InboxMessage;
      expect(data).toEqual({ id: result.ok ? result.providerMessageId : '', title: 'Live!', body: 'Just arrived', url: 'https://app.test/live', readAt: null, createdAt: expect.any(String) });
      expect(stream.text()).toContain(`id: ${data.id}\n`);
      // Bob's stream hears nothing of Ada's message.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(bobStream.text()).not.toContain('event: message');
    } finally {
      stream.close();
      bobStream.close();
    }
    const deadline = Date.now() + 5000;
    while (t.context.inboxHub.connectionCount > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.context.inboxHub.connectionCount).toBe(before);
  });

  it('ends open streams when the app closes, so shutting down does not hang', async () => {
    const stream = await openStream(`http://127.0.0.1:${port}/api/inbox/stream?${query({ externalId: 'ada', signature: await signatureOf(ada.id) })}`);
    await stream.waitFor(/: connected/);
    const ended = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (t.context.inboxHub.connectionCount === 0) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    const started = Date.now();
    await t.app.close();
    await ended;
    expect(Date.now() - started).toBeLessThan(5000);
    stream.close();
  });
});
