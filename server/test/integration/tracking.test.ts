import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import type { TemplateContent } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { deliveries, deliveryAttempts, events, recipientEngagement, recipients, runs, schedules, templates } from '../../src/db/schema.ts';
import { fanOut } from '../../src/engine/fan-out/fan-out.ts';
import { startWorker } from '../../src/engine/worker/worker.ts';
import { stableMessageId } from '../../src/channels/types.ts';
import { clickUrl, openPixelUrl, unsubscribeUrl } from '../../src/modules/tracking/instrument.ts';
import { createToken } from '../../src/modules/tracking/tokens.ts';
import { twilioSignature } from '../../src/modules/tracking/twilio-signature.ts';
import { sign } from '../../src/lib/secrets.ts';

const publicUrl = 'http://herald.test';
const smsAuthToken = 'sms-auth-token-for-tests';
const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const person = { 'user-agent': chrome };
const homeAddress = '203.0.113.9';
const anHourAgo = () => new Date(Date.now() - 3_600_000);
const browser = { ...person, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const oneClickForm = { 'content-type': 'application/x-www-form-urlencoded' };

let t: TestApp;
let sink: SmtpSink;
let signingKey: Buffer;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await createTestApp({
    SMTP_URL: sink.url,
    SMTP_FROM: 'Herald <news@herald.test>',
    SMS_AUTH_TOKEN: smsAuthToken,
    HERALD_WORKER_INTERVAL_MS: '20',
  });
  signingKey = t.context.secrets.signingKey;
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

let sequence = 0;
const emailContent: TemplateContent = {
  email: {
    subject: 'News for {{ recipient.name }}',
    html: '<html><body><p>Hi {{ recipient.name }}</p>'
      + '<a href="https://example.com/welcome?x=1&amp;y=2">Welcome</a> '
      + '<a href="mailto:help@example.com">Help</a> '
      + '<a href="{{ unsubscribeUrl }}">Unsubscribe</a></body></html>',
    text: 'Hi {{ recipient.name }}',
  },
};

type Seeded = { deliveryId: number; recipientId: string; runId: string; scheduleId: string };

/** A template and a one-time schedule on `channel`, with a run of it that fired now. */
async function seedRun(channel: 'email' | 'sms'): Promise<{ scheduleId: string; runId: string }> {
  sequence += 1;
  const { db } = t.database;
  const [template] = await db.insert(templates).values({ name: `Tracking ${sequence}`, content: emailContent }).returning();
  const [schedule] = await db.insert(schedules).values({
    name: `Tracking ${sequence}`,
    templateId: template!.id,
    timing: { type: 'once', at: '2030-01-01T09:00' },
    timezone: 'UTC',
    audienceType: 'test',
    channels: [channel],
  }).returning();
  const [run] = await db.insert(runs).values({ scheduleId: schedule!.id, occurrenceAt: new Date() }).returning();
  return { scheduleId: schedule!.id, runId: run!.id };
}

async function seedRecipient(): Promise<string> {
  const [recipient] = await t.database.db.insert(recipients).values({
    externalId: `tracking-${sequence}`,
    email: `ada.${sequence}@example.com`,
    phone: '+14155550123',
    name: `Ada ${sequence}`,
  }).returning();
  return recipient!.id;
}

/** A run and a recipient, and one delivery already sent on `channel` (its attempt carries `providerMessageId`). */
async function seedSent(channel: 'email' | 'sms' = 'email', providerMessageId?: string): Promise<Seeded> {
  const { db } = t.database;
  const { scheduleId, runId } = await seedRun(channel);
  const recipientId = await seedRecipient();
  const [delivery] = await db.insert(deliveries).values({
    runId,
    scheduleId,
    recipientId,
    status: 'sent',
    dueAt: anHourAgo(),
    sentAt: anHourAgo(),
    channels: [channel],
    channel,
    attempts: 1,
  }).returning();
  if (providerMessageId) {
    await db.insert(deliveryAttempts).values({ deliveryId: delivery!.id, channel, attempt: 1, status: 'sent', providerMessageId });
  }
  return { deliveryId: delivery!.id, recipientId, runId, scheduleId };
}

async function eventsOf(deliveryId: number, type?: string) {
  const where = type ? and(eq(events.deliveryId, deliveryId), eq(events.type, type)) : eq(events.deliveryId, deliveryId);
  return t.database.db.select().from(events).where(where).orderBy(asc(events.id));
}

async function recipientRow(id: string) {
  const [row] = await t.database.db.select().from(recipients).where(eq(recipients.id, id));
  return row;
}

/** The path and query of one of Herald's public URLs, for app.inject. */
function pathOf(url: string): string {
  expect(url.startsWith(publicUrl)).toBe(true);
  return url.slice(publicUrl.length);
}

const track = (deliveryId: number, issuedAt: Date = anHourAgo()) => ({ deliveryId, publicUrl, signingKey, issuedAt });

describe('open pixel', () => {
  it('answers a no-store GIF and records one human open per delivery', async () => {
    const seeded = await seedSent();
    const url = pathOf(openPixelUrl(track(seeded.deliveryId)));
    expect(url).toMatch(/^\/t\/o\/[\w-]+\.[\w-]+\.gif$/);

    const response = await t.app.inject({ method: 'GET', url, headers: person, remoteAddress: homeAddress });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/gif');
    expect(response.headers['cache-control']).toContain('no-store');
    expect(response.rawPayload.subarray(0, 6).toString('latin1')).toBe('GIF89a');

    const again = await t.app.inject({ method: 'GET', url, headers: person, remoteAddress: homeAddress });
    expect(again.statusCode).toBe(200);

    const opened = await eventsOf(seeded.deliveryId, 'opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ channel: 'email', runId: seeded.runId, scheduleId: seeded.scheduleId, recipientId: seeded.recipientId });
    expect(opened[0]!.data).toMatchObject({ isMachine: false, userAgent: chrome, ip: homeAddress });
    expect(opened[0]!.data.secondsSinceSent).toBeGreaterThanOrEqual(3599);
  });

  it('records a privacy proxy\'s prefetch as a machine open, then the person\'s own open once', async () => {
    const seeded = await seedSent();
    const url = pathOf(openPixelUrl(track(seeded.deliveryId)));
    const fetches: Array<[string, string]> = [
      ['Mozilla/5.0', homeAddress], // Apple Mail Privacy Protection
      ['Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', homeAddress],
      [chrome, '17.58.1.20'], // a browser's User-Agent, but from Apple's network
      [chrome, homeAddress],
      [chrome, homeAddress],
    ];
    for (const [userAgent, remoteAddress] of fetches) {
      const response = await t.app.inject({ method: 'GET', url, headers: { 'user-agent': userAgent }, remoteAddress });
      expect(response.statusCode).toBe(200);
    }
    const opened = await eventsOf(seeded.deliveryId, 'opened');
    expect(opened.map((event) => [event.data.isMachine, event.data.machineReason])).toEqual([
      [true, 'apple-mail-privacy-protection'],
      [false, undefined],
    ]);
  });

  it('judges a fetch within seconds of sending as a machine, and the open from Apple\'s network too', async () => {
    const justSent = await seedSent();
    await t.app.inject({ method: 'GET', url: pathOf(openPixelUrl(track(justSent.deliveryId, new Date()))), headers: person, remoteAddress: homeAddress });
    expect((await eventsOf(justSent.deliveryId, 'opened')).map((event) => event.data.machineReason)).toEqual(['too-soon-after-send']);

    const apple = await seedSent();
    await t.app.inject({ method: 'GET', url: pathOf(openPixelUrl(track(apple.deliveryId))), headers: person, remoteAddress: '17.58.1.20' });
    expect((await eventsOf(apple.deliveryId, 'opened')).map((event) => event.data.machineReason)).toEqual(['apple-network']);
  });

  it('records one open when a client fetches the pixel many times at once', async () => {
    const seeded = await seedSent();
    const url = pathOf(openPixelUrl(track(seeded.deliveryId)));
    const responses = await Promise.all(Array.from({ length: 24 }, () => t.app.inject({ method: 'GET', url, headers: person, remoteAddress: homeAddress })));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(24).fill(200));
    expect(await eventsOf(seeded.deliveryId, 'opened')).toHaveLength(1);
  });

  it('still answers the GIF for a forged or foreign token, and records nothing', async () => {
    const seeded = await seedSent();
    const foreign = openPixelUrl({ ...track(seeded.deliveryId), signingKey: Buffer.alloc(32, 9) });
    const clickToken = pathOf(clickUrl('https://example.com/', track(seeded.deliveryId))).slice('/t/c/'.length);
    for (const url of [pathOf(foreign), `/t/o/${clickToken}.gif`, '/t/o/not-a-token.gif']) {
      const response = await t.app.inject({ method: 'GET', url, headers: person });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('image/gif');
    }
    expect(await eventsOf(seeded.deliveryId)).toEqual([]);
  });
});

describe('click redirects', () => {
  it('records the click and redirects to the signed URL, whatever the query string says', async () => {
    const seeded = await seedSent();
    const url = pathOf(clickUrl('https://example.com/pricing?plan=pro', track(seeded.deliveryId)));
    const response = await t.app.inject({ method: 'GET', url: `${url}?u=https://evil.example/&url=https://evil.example/`, headers: person, remoteAddress: homeAddress });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('https://example.com/pricing?plan=pro');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    const clicked = await eventsOf(seeded.deliveryId, 'clicked');
    expect(clicked).toHaveLength(1);
    expect(clicked[0]!.data).toMatchObject({ url: 'https://example.com/pricing?plan=pro', isMachine: false, ip: homeAddress });
  });

  it('records a double click sent as many requests at once as one click, and the recipient as clicking once', async () => {
    const seeded = await seedSent();
    const url = pathOf(clickUrl('https://example.com/', track(seeded.deliveryId)));
    const responses = await Promise.all(Array.from({ length: 40 }, () => t.app.inject({ method: 'GET', url, headers: person, remoteAddress: homeAddress })));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(40).fill(302));
    expect(await eventsOf(seeded.deliveryId, 'clicked')).toHaveLength(1);
    const [engagement] = await t.database.db.select().from(recipientEngagement).where(eq(recipientEngagement.recipientId, seeded.recipientId));
    expect(engagement).toMatchObject({ clicked: 1, opened: 0 });
  });

  it('flags a click by a link scanner', async () => {
    const seeded = await seedSent();
    const url = pathOf(clickUrl('https://example.com/', track(seeded.deliveryId)));
    const response = await t.app.inject({ method: 'GET', url, headers: { 'user-agent': 'Mozilla/5.0 (compatible; Barracuda Sentinel)' } });
    expect(response.statusCode).toBe(302);
    expect((await eventsOf(seeded.deliveryId, 'clicked'))[0]!.data).toMatchObject({ isMachine: true, machineReason: 'security-scanner' });
  });

  it('refuses a tampered link: another host under the original signature', async () => {
    const seeded = await seedSent();
    const token = pathOf(clickUrl('https://example.com/', track(seeded.deliveryId))).slice('/t/c/'.length);
    const signature = token.split('.')[1]!;
    const payload = Buffer.from(JSON.stringify({ d: seeded.deliveryId, t: 1, u: 'https://evil.example/' })).toString('base64url');
    const response = await t.app.inject({ method: 'GET', url: `/t/c/${payload}.${signature}`, headers: person });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.json()).toMatchObject({ error: { code: 'validation_failed', details: { issues: [{ field: 'token', rule: 'signature' }] } } });
    expect(await eventsOf(seeded.deliveryId)).toEqual([]);
  });

  it('refuses a foreign link (signed by another Herald) with a page for browsers', async () => {
    const seeded = await seedSent();
    const foreign = clickUrl('https://evil.example/', { ...track(seeded.deliveryId), signingKey: Buffer.alloc(32, 9) });
    const response = await t.app.inject({ method: 'GET', url: pathOf(foreign), headers: browser });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('This link is not valid');
    expect(response.body).not.toContain('evil.example');
    expect(await eventsOf(seeded.deliveryId)).toEqual([]);
  });

  it.each([
    ['an open token', (deliveryId: number) => createToken('open', { d: deliveryId, t: 1 }, signingKey), 'signature'],
    ['a signed javascript: URL', (deliveryId: number) => createToken('click', { d: deliveryId, t: 1, u: 'javascript:alert(1)' }, signingKey), 'url'],
    ['a cut-short token', (deliveryId: number) => createToken('click', { d: deliveryId, t: 1, u: 'https://example.com/' }, signingKey).slice(0, -5), 'signature'],
    ['no token', () => 'nothing', 'signature'],
  ])('refuses %s and never redirects', async (_name, tokenOf, rule) => {
    const seeded = await seedSent();
    const response = await t.app.inject({ method: 'GET', url: `/t/c/${tokenOf(seeded.deliveryId)}`, headers: person });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.json()).toMatchObject({ error: { details: { issues: [{ field: 'token', rule }] } } });
  });

  it('still redirects a genuine link whose delivery is gone, recording nothing', async () => {
    const response = await t.app.inject({ method: 'GET', url: pathOf(clickUrl('https://example.com/old', track(987_654_321))), headers: person });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('https://example.com/old');
    expect(await eventsOf(987_654_321)).toEqual([]);
  });
});

describe('unsubscribe', () => {
  const linkOf = (seeded: Seeded) => pathOf(unsubscribeUrl({ recipientId: seeded.recipientId, deliveryId: seeded.deliveryId, publicUrl, signingKey }));

  it('GET shows a confirmation page with a button and changes nothing', async () => {
    const seeded = await seedSent();
    const response = await t.app.inject({ method: 'GET', url: linkOf(seeded), headers: browser });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.body).toContain(`Unsubscribe a***@example.com from these notifications?`);
    expect(response.body).toMatch(/<form method="post">[\s\S]*<button type="submit">Unsubscribe<\/button>/);
    expect((await recipientRow(seeded.recipientId))!.unsubscribedAt).toBeNull();
    expect(await eventsOf(seeded.deliveryId)).toEqual([]);
  });

  it('one-click POST (RFC 8058) unsubscribes at once and records it once', async () => {
    const seeded = await seedSent();
    const response = await t.app.inject({ method: 'POST', url: linkOf(seeded), headers: oneClickForm, payload: 'List-Unsubscribe=One-Click' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'unsubscribed', hasChanged: true });
    expect((await recipientRow(seeded.recipientId))!.unsubscribedAt).toBeInstanceOf(Date);
    const again = await t.app.inject({ method: 'POST', url: linkOf(seeded), headers: oneClickForm, payload: 'List-Unsubscribe=One-Click' });
    expect(again.json()).toEqual({ status: 'unsubscribed', hasChanged: false });

    const recorded = await eventsOf(seeded.deliveryId, 'unsubscribed');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ channel: 'email', runId: seeded.runId, scheduleId: seeded.scheduleId, recipientId: seeded.recipientId, data: { method: 'one-click' } });

    const page = await t.app.inject({ method: 'GET', url: linkOf(seeded), headers: browser });
    expect(page.body).toContain('You are already unsubscribed');
    expect(page.body).not.toContain('<form');
  });

  it('accepts the one-click POST as multipart/form-data too', async () => {
    const seeded = await seedSent();
    const body = '--b0undary\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b0undary--\r\n';
    const response = await t.app.inject({ method: 'POST', url: linkOf(seeded), headers: { 'content-type': 'multipart/form-data; boundary=b0undary' }, payload: body });
    expect(response.json()).toEqual({ status: 'unsubscribed', hasChanged: true });
    expect((await eventsOf(seeded.deliveryId, 'unsubscribed'))[0]!.data).toEqual({ method: 'one-click' });
  });

  it('the page\'s button POSTs and shows that it is done', async () => {
    const seeded = await seedSent();
    const response = await t.app.inject({ method: 'POST', url: linkOf(seeded), headers: { ...browser, ...oneClickForm }, payload: 'confirm=yes' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('You are unsubscribed');
    expect((await eventsOf(seeded.deliveryId, 'unsubscribed'))[0]!.data).toEqual({ method: 'page' });
  });

  it('takes the worker\'s {{ unsubscribeUrl }} link (/u/<delivery>.<signature>) to the same pages', async () => {
    const seeded = await seedSent();
    const url = `/u/${seeded.deliveryId}.${sign(signingKey, `unsubscribe:${seeded.deliveryId}`)}`;
    const page = await t.app.inject({ method: 'GET', url, headers: browser });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Unsubscribe a***@example.com');
    const response = await t.app.inject({ method: 'POST', url, headers: { ...browser, ...oneClickForm }, payload: 'confirm=yes' });
    expect(response.body).toContain('You are unsubscribed');
    expect((await recipientRow(seeded.recipientId))!.unsubscribedAt).toBeInstanceOf(Date);
    expect(await eventsOf(seeded.deliveryId, 'unsubscribed')).toEqual([expect.objectContaining({ channel: 'email', data: { method: 'page' } })]);
  });

  it('refuses a tampered or foreign link: a page for browsers, the field and rule for programs', async () => {
    const seeded = await seedSent();
    const other = await seedSent();
    const foreign = pathOf(unsubscribeUrl({ recipientId: seeded.recipientId, publicUrl, signingKey: Buffer.alloc(32, 9) }));
    const swapped = `/u/${other.deliveryId}.${sign(signingKey, `unsubscribe:${seeded.deliveryId}`)}`;
    for (const url of [foreign, swapped]) {
      const page = await t.app.inject({ method: 'POST', url, headers: { ...browser, ...oneClickForm }, payload: 'List-Unsubscribe=One-Click' });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('This link is not valid');
      const json = await t.app.inject({ method: 'POST', url, headers: oneClickForm, payload: 'List-Unsubscribe=One-Click' });
      expect(json.statusCode).toBe(400);
      expect(json.json()).toMatchObject({ error: { details: { issues: [{ field: 'token', rule: 'signature' }] } } });
    }
    expect((await recipientRow(seeded.recipientId))!.unsubscribedAt).toBeNull();
    expect((await recipientRow(other.recipientId))!.unsubscribedAt).toBeNull();
  });

  it('answers 404 for a recipient who no longer exists', async () => {
    const seeded = await seedSent();
    const url = linkOf(seeded);
    await t.database.db.delete(recipients).where(eq(recipients.id, seeded.recipientId));
    const page = await t.app.inject({ method: 'GET', url, headers: browser });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Nothing to unsubscribe');
    const json = await t.app.inject({ method: 'POST', url, headers: oneClickForm, payload: 'List-Unsubscribe=One-Click' });
    expect(json.statusCode).toBe(404);
    expect(json.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('keeps the unsubscribed recipient out of the next fan-out', async () => {
    const seeded = await seedSent();
    await t.app.inject({ method: 'POST', url: linkOf(seeded), headers: oneClickForm, payload: 'List-Unsubscribe=One-Click' });
    const [run] = await t.database.db.insert(runs).values({ scheduleId: seeded.scheduleId, occurrenceAt: new Date(Date.now() + 60_000) }).returning();
    const counts = await fanOut(t.database.db, {
      runId: run!.id,
      scheduleId: seeded.scheduleId,
      audience: { type: 'test', recipientIds: [seeded.recipientId] },
      channels: ['email'],
      priority: 'normal',
      dueAt: new Date(),
    });
    expect(counts).toMatchObject({ queued: 0, skipped: 1 });
    const [row] = await t.database.db.select().from(deliveries).where(eq(deliveries.runId, run!.id));
    expect(row).toMatchObject({ status: 'skipped', reason: 'unsubscribed' });
  });
});

describe('SMS status callbacks', () => {
  const callbackUrl = `${publicUrl}/t/sms/status`;

  function callback(params: Record<string, string>, signature: string | null = twilioSignature(smsAuthToken, callbackUrl, params)) {
    return t.app.inject({
      method: 'POST',
      url: '/t/sms/status',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
      payload: new URLSearchParams(params).toString(),
    });
  }

  it('records delivered once, matched by the provider\'s message id', async () => {
    const sid = `SM${'1'.repeat(30)}${sequence}`;
    const seeded = await seedSent('sms', sid);
    const params = { MessageSid: sid, MessageStatus: 'delivered', AccountSid: 'AC123', To: '+14155550123' };
    const response = await callback(params);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ deliveryId: seeded.deliveryId, event: 'delivered', isDeliveryFailed: false });
    expect((await callback(params)).json()).toEqual({ deliveryId: seeded.deliveryId, event: null, isDeliveryFailed: false });
    const delivered = await eventsOf(seeded.deliveryId, 'delivered');
    expect(delivered).toEqual([expect.objectContaining({ channel: 'sms', recipientId: seeded.recipientId, data: { messageSid: sid, status: 'delivered' } })]);
  });

  it.each([
    ['undelivered', '30003', 'bounced', 'SMS provider: undelivered (error 30003: unreachable handset)'],
    ['failed', '30007', 'failed', 'SMS provider: failed (error 30007: filtered by the carrier)'],
  ])('turns %s into a %s event and fails the delivery with the reason', async (status, errorCode, eventType, reason) => {
    const sid = `SM${status}${sequence}`;
    const seeded = await seedSent('sms', sid);
    const response = await callback({ MessageSid: sid, MessageStatus: status, ErrorCode: errorCode });
    expect(response.json()).toEqual({ deliveryId: seeded.deliveryId, event: eventType, isDeliveryFailed: true });
    expect(await eventsOf(seeded.deliveryId, eventType)).toEqual([expect.objectContaining({ channel: 'sms', data: { messageSid: sid, status, errorCode, reason } })]);
    const [row] = await t.database.db.select().from(deliveries).where(eq(deliveries.id, seeded.deliveryId));
    expect(row).toMatchObject({ status: 'failed', reason });
  });

  it('ignores statuses on the way (queued, sent) and messages Herald did not send', async () => {
    const sid = `SMsent${sequence}`;
    const seeded = await seedSent('sms', sid);
    expect((await callback({ MessageSid: sid, MessageStatus: 'sent' })).json()).toEqual({ deliveryId: null, event: null, isDeliveryFailed: false });
    expect((await callback({ MessageSid: 'SMunknown', MessageStatus: 'delivered' })).json()).toEqual({ deliveryId: null, event: null, isDeliveryFailed: false });
    expect(await eventsOf(seeded.deliveryId)).toEqual([]);
  });

  it.each([
    ['a missing signature', null, 'required'],
    ['a signature by another auth token', twilioSignature('another-token', callbackUrl, { MessageSid: 'X', MessageStatus: 'failed' }), 'signature'],
    ['a signature of another URL', twilioSignature(smsAuthToken, 'https://elsewhere.example/t/sms/status', { MessageSid: 'X', MessageStatus: 'failed' }), 'signature'],
    ['a signature of other parameters', twilioSignature(smsAuthToken, callbackUrl, { MessageSid: 'X', MessageStatus: 'delivered' }), 'signature'],
  ])('refuses %s with 403 and changes nothing', async (_name, signature, rule) => {
    const sid = `SMforged${sequence}`;
    const seeded = await seedSent('sms', sid);
    const params = { MessageSid: 'X', MessageStatus: 'failed' };
    const response = await callback({ ...params, MessageSid: sid }, signature === null ? null : signature);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'forbidden', details: { issues: [{ field: 'x-twilio-signature', rule }] } } });
    expect(await eventsOf(seeded.deliveryId)).toEqual([]);
    const [row] = await t.database.db.select().from(deliveries).where(eq(deliveries.id, seeded.deliveryId));
    expect(row!.status).toBe('sent');
  });
});

describe('a real email through the worker', () => {
  it('carries the List-Unsubscribe headers, tracked links and the pixel, and each works', async () => {
    const { db } = t.database;
    const { scheduleId, runId } = await seedRun('email');
    const recipientId = await seedRecipient();
    const counts = await fanOut(db, {
      runId,
      scheduleId,
      audience: { type: 'test', recipientIds: [recipientId] },
      channels: ['email'],
      priority: 'normal',
      dueAt: new Date(Date.now() - 1000),
    });
    expect(counts.queued).toBe(1);
    const [delivery] = await db.select().from(deliveries).where(eq(deliveries.runId, runId));
    const messageId = stableMessageId(delivery!.id, runId);

    const worker = startWorker(t.context);
    try {
      const deadline = Date.now() + 15_000;
      while (!sink.messages.some((m) => m.messageId === messageId)) {
        if (Date.now() > deadline) throw new Error('the email did not reach the SMTP sink');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await worker.stop();
    }
    const message = sink.messages.find((m) => m.messageId === messageId)!;

    // RFC 8058: the HTTPS URL and a mailto: in List-Unsubscribe, and the one-click marker.
    expect(message.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const header = /^<(http:\/\/herald\.test\/t\/u\/([\w-]+\.[\w-]+))>, <mailto:news@herald\.test\?subject=unsubscribe%20([\w-]+\.[\w-]+)>$/.exec(message.headers['list-unsubscribe'] ?? '');
    expect(header, `List-Unsubscribe: ${message.headers['list-unsubscribe']}`).not.toBeNull();
    expect(header![3]).toBe(header![2]);

    // The welcome link is tracked; mailto: and the unsubscribe link are left as they were.
    const html = message.text;
    const clickLinks = [...html.matchAll(/href="(http:\/\/herald\.test\/t\/c\/[\w-]+\.[\w-]+)"/g)].map((match) => match[1]!);
    expect(clickLinks).toHaveLength(1);
    expect(html).not.toContain('https://example.com/welcome');
    expect(html).toContain('href="mailto:help@example.com"');
    expect(html).toMatch(new RegExp(`href="http://herald\\.test/u/${delivery!.id}\\.[\\w-]+"`));
    const pixel = /<img src="(http:\/\/herald\.test\/t\/o\/[\w-]+\.[\w-]+\.gif)"[^>]*\/><\/body>/.exec(html);
    expect(pixel).not.toBeNull();

    // The pixel fetched right away is a machine's; the click redirects to the original.
    await t.app.inject({ method: 'GET', url: pathOf(pixel![1]!), headers: person, remoteAddress: homeAddress });
    const click = await t.app.inject({ method: 'GET', url: pathOf(clickLinks[0]!), headers: person, remoteAddress: homeAddress });
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe('https://example.com/welcome?x=1&y=2');

    // The mail client's one-click POST to the header's URL.
    const oneClick = await t.app.inject({ method: 'POST', url: pathOf(header![1]!), headers: oneClickForm, payload: 'List-Unsubscribe=One-Click' });
    expect(oneClick.json()).toEqual({ status: 'unsubscribed', hasChanged: true });
    expect((await recipientRow(recipientId))!.unsubscribedAt).toBeInstanceOf(Date);

    const recorded = await eventsOf(delivery!.id);
    expect(recorded.map((event) => event.type)).toEqual(['sent', 'opened', 'clicked', 'unsubscribed']);
    expect(recorded.every((event) => event.runId === runId && event.recipientId === recipientId && event.channel === 'email')).toBe(true);
    expect(recorded[1]!.data).toMatchObject({ isMachine: true, machineReason: 'too-soon-after-send' });
    expect(recorded[2]!.data).toMatchObject({ url: 'https://example.com/welcome?x=1&y=2', isMachine: true, machineReason: 'too-soon-after-send' });
  });
});
