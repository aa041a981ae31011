/**
 * The SMS sender against a real Twilio-compatible API on loopback: what it sends, how it
 * reads answers, and which failures it retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import { createSmsSender } from '../../src/channels/sms.ts';
import { createChannelRegistry } from '../../src/channels/registry.ts';
import type { ChannelSender } from '../../src/channels/types.ts';
import { createContext } from '../../src/context.ts';
import { openTestDatabase, type TestDatabase } from '../harness.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.ts';
import { outgoingMessage } from '../support/outgoing-message.ts';

const accountSid = 'AC0123456789abcdef0123456789abcdef';
const authToken = 'sms-auth-token-never-shown';
const messagingService = 'MG0123456789abcdef0123456789abcdef';

let provider: HttpReceiver;
let sender: ChannelSender<'sms'>;

function smsConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    SMS_API_URL: `${provider.url}/`,
    SMS_ACCOUNT_SID: accountSid,
    SMS_AUTH_TOKEN: authToken,
    SMS_FROM: '+15005550006',
    HERALD_PUBLIC_URL: 'https://herald.example.com',
    ...env,
  });
}

const created = (sid: string) => ({ status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sid, status: 'queued' }) });
const twilioError = (status: number, code: number, message: string) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }) });

beforeAll(async () => {
  provider = await startHttpReceiver(() => created('SM00000000000000000000000000000001'));
  sender = createSmsSender(smsConfig(), { timeoutMs: 1000 })!;
});
afterAll(async () => {
  await sender.close();
  await provider.close();
});

describe('SMS sender', () => {
  it('posts the message form-encoded to the account\'s Messages resource with Basic auth, the status callback and the stable id', async () => {
    provider.respond(() => created('SM0123456789abcdef0123456789abcdef'));
    const message = outgoingMessage('sms', { body: 'Your code is 1234 – ça marche' }, { phone: '+1 (415) 555-0100' });
    const result = await sender.send(message);
    expect(result).toEqual({ ok: true, providerMessageId: 'SM0123456789abcdef0123456789abcdef' });

    const request = provider.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
    expect(request.headers['i-twilio-idempotency-token']).toBe(message.messageId);
    const form = Object.fromEntries(new URLSearchParams(request.body.toString('utf8')));
    expect(form).toEqual({
      To: '+14155550100',
      From: '+15005550006',
      Body: 'Your code is 1234 – ça marche',
      StatusCallback: 'https://herald.example.com/t/sms/status',
    });
  });

  it('sends the same idempotency token on every attempt of a delivery', async () => {
    const first = outgoingMessage('sms', { body: 'again' });
    await sender.send(first);
    await sender.send({ ...first, attempt: 2 });
    const tokens = provider.requests.slice(-2).map((r) => r.headers['i-twilio-idempotency-token']);
    expect(tokens).toEqual([first.messageId, first.messageId]);
  });

  it('sends from a messaging service when SMS_FROM is a messaging service SID', async () => {
    const viaService = createSmsSender(smsConfig({ SMS_FROM: messagingService }))!;
    try {
      expect((await viaService.send(outgoingMessage('sms', { body: 'hi' }))).ok).toBe(true);
      const form = new URLSearchParams(provider.requests.at(-1)!.body.toString('utf8'));
      expect(form.get('MessagingServiceSid')).toBe(messagingService);
      expect(form.has('From')).toBe(false);
    } finally {
      await viaService.close();
    }
  });

  const failures = [
    { name: '429 too many requests is transient', reply: twilioError(429, 20429, 'Too Many Requests'), isTransient: true, text: /^HTTP 429: 20429 Too Many Requests$/ },
    { name: '503 is transient', reply: { status: 503, body: 'upstream unavailable' }, isTransient: true, text: /^HTTP 503: upstream unavailable$/ },
    { name: '500 without a body is transient', reply: { status: 500 }, isTransient: true, text: /^HTTP 500$/ },
    { name: '400 invalid number is permanent, with the provider\'s code', reply: twilioError(400, 21211, 'The \'To\' number +1415 is not a valid phone number.'), isTransient: false, text: /^HTTP 400: 21211 The 'To' number/ },
    { name: '404 unknown account is permanent', reply: twilioError(404, 20404, 'The requested resource was not found'), isTransient: false, text: /HTTP 404/ },
    { name: 'a redirect is permanent and says why', reply: { status: 301, headers: { location: 'https://elsewhere.example' } }, isTransient: false, text: /redirects are not followed/ },
  ];

  it.each(failures)('$name', async ({ reply, isTransient, text }) => {
    provider.respond(() => reply);
    const result = await sender.send(outgoingMessage('sms', { body: 'x' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.isTransient).toBe(isTransient);
    expect(result.error).toMatch(text);
  });

  it('never repeats the auth token, even when the provider echoes it', async () => {
    provider.respond(() => twilioError(401, 20003, `Authenticate: bad token ${authToken}`));
    const result = await sender.send(outgoingMessage('sms', { body: 'x' }));
    expect(result).toMatchObject({ ok: false, isTransient: false });
    expect(JSON.stringify(result)).not.toContain(authToken);
    expect(JSON.stringify(result)).toContain('***');
  });

  it('treats a provider that does not answer in time as transient', async () => {
    provider.respond(() => 'hang');
    const hurried = createSmsSender(smsConfig(), { timeoutMs: 200 })!;
    try {
      const result = await hurried.send(outgoingMessage('sms', { body: 'x' }));
      expect(result).toMatchObject({ ok: false, isTransient: true, error: expect.stringMatching(/timeout/i) });
    } finally {
      await hurried.close();
    }
  });

  it('treats a refused connection as transient', async () => {
    const gone = await startHttpReceiver();
    const url = gone.url;
    await gone.close();
    const unreachable = createSmsSender(loadConfig({ SMS_API_URL: url, SMS_ACCOUNT_SID: accountSid, SMS_AUTH_TOKEN: authToken, SMS_FROM: '+15005550006' }))!;
    try {
      const result = await unreachable.send(outgoingMessage('sms', { body: 'x' }));
      expect(result).toMatchObject({ ok: false, isTransient: true, error: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      await unreachable.close();
    }
  });

  it('refuses, without calling the provider, a recipient with no phone or a number not in E.164', async () => {
    provider.respond(() => created('SM1'));
    const before = provider.requests.length;
    expect(await sender.send(outgoingMessage('sms', { body: 'x' }, { phone: null }))).toEqual({ ok: false, isTransient: false, error: 'the recipient has no phone number' });
    expect(await sender.send(outgoingMessage('sms', { body: 'x' }, { phone: '0612345678' }))).toMatchObject({ ok: false, isTransient: false, error: expect.stringMatching(/E\.164/) });
    expect(provider.requests.length).toBe(before);
  });
});

describe('SMS configuration', () => {
  it('has no SMS sender without an account, and refuses half a setup at start naming what is missing', async () => {
    expect(createSmsSender(loadConfig({}))).toBeUndefined();
    expect(createSmsSender(loadConfig({ SMS_AUTH_TOKEN: authToken }))).toBeUndefined();
    expect(() => loadConfig({ SMS_ACCOUNT_SID: accountSid })).toThrow(/SMS_AUTH_TOKEN: is required to send SMS[\s\S]*SMS_FROM: is required to send SMS/);
    expect(() => loadConfig({ SMS_API_URL: 'not a url' })).toThrow(/SMS_API_URL/);
  });

  it('registers the SMS sender only when SMS is configured', async () => {
    let database: TestDatabase | undefined;
    try {
      database = await openTestDatabase();
      const logger = pino({ level: 'silent' });
      const without = createChannelRegistry(await createContext(loadConfig({}), database, logger));
      const withSms = createChannelRegistry(await createContext(smsConfig(), database, logger));
      expect(Object.keys(without.senders).sort()).toEqual(['email', 'inapp', 'push', 'webhook']);
      expect(Object.keys(withSms.senders).sort()).toEqual(['email', 'inapp', 'push', 'sms', 'webhook']);
      await without.close();
      await withSms.close();
    } finally {
      await database?.close();
    }
  });
});
