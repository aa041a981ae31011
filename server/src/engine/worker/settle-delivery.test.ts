import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from '@herald/shared';
import type { SendResult } from '../../channels/types.ts';
import { attemptEventType, planAttempt, settleDelivery, type DeliveryHistory, type EarlierOutcome, type SettleInput } from './settle-delivery.ts';

const policy: RetryPolicy = { baseDelaySeconds: 1, factor: 2, maxDelaySeconds: 60, maxAttempts: 5, jitter: 0 };
const smsPolicy: RetryPolicy = { ...policy, maxAttempts: 2, baseDelaySeconds: 10 };
const now = new Date('2030-01-01T00:00:00Z');
const ok: SendResult = { ok: true };
const transient = (error = '451 try later'): SendResult => ({ ok: false, isTransient: true, error });
const permanent = (error = '550 no such user'): SendResult => ({ ok: false, isTransient: false, error });
/** A transient failure whose receiver said how long to wait (Retry-After). */
const throttled = (retryAfterMs: number, error = 'HTTP 429'): SendResult => ({ ok: false, isTransient: true, error, retryAfterMs });
const sent = (channel: string): EarlierOutcome => ({ channel, status: 'sent', isTransient: null, error: null });
const failed = (channel: string, error = '550 no such user'): EarlierOutcome => ({ channel, status: 'failed', isTransient: false, error });
const retried = (channel: string, error = '451 try later'): EarlierOutcome => ({ channel, status: 'failed', isTransient: true, error });

const base: DeliveryHistory = {
  channels: ['email'],
  mode: 'all',
  earlier: [],
  policyFor: (channel) => (channel === 'sms' ? smsPolicy : policy),
  optedOut: [],
  isUnsubscribed: false,
};

describe('planAttempt', () => {
  it.each<{ name: string; history: Partial<DeliveryHistory>; expected: ReturnType<typeof planAttempt> }>([
    { name: 'all, first attempt: every channel', history: { channels: ['email', 'inapp'] }, expected: { kind: 'send', channels: ['email', 'inapp'] } },
    { name: 'all, a retry skips a channel that delivered', history: { channels: ['email', 'inapp'], earlier: [sent('inapp'), retried('email')] }, expected: { kind: 'send', channels: ['email'] } },
    { name: 'all, a retry skips a channel that failed for good', history: { channels: ['email', 'sms'], earlier: [failed('sms', 'no phone'), retried('email')] }, expected: { kind: 'send', channels: ['email'] } },
    { name: 'all, a repeated channel is sent once', history: { channels: ['email', 'email'] }, expected: { kind: 'send', channels: ['email'] } },
    { name: 'all, a channel opted out of since the fan-out is left out', history: { channels: ['email', 'inapp'], optedOut: ['email'] }, expected: { kind: 'send', channels: ['inapp'] } },
    { name: 'all, every channel opted out → skipped', history: { channels: ['email', 'inapp'], optedOut: ['email', 'inapp'] }, expected: { kind: 'settle', settlement: { status: 'skipped', reason: 'opted_out' } } },
    { name: 'unsubscribed since the fan-out → skipped', history: { isUnsubscribed: true }, expected: { kind: 'settle', settlement: { status: 'skipped', reason: 'unsubscribed' } } },
    { name: 'fallback: the first channel only', history: { mode: 'fallback', channels: ['email', 'sms', 'inapp'] }, expected: { kind: 'send', channels: ['email'] } },
    { name: 'fallback: the next channel after a permanent failure', history: { mode: 'fallback', channels: ['email', 'sms', 'inapp'], earlier: [failed('email')] }, expected: { kind: 'send', channels: ['sms'] } },
    { name: 'fallback: the same channel after a transient failure', history: { mode: 'fallback', channels: ['email', 'sms'], earlier: [retried('email')] }, expected: { kind: 'send', channels: ['email'] } },
    {
      name: 'fallback: the next channel once the retries of one are used up (sms allows 2)',
      history: { mode: 'fallback', channels: ['sms', 'email'], earlier: [retried('sms'), retried('sms')] },
      expected: { kind: 'send', channels: ['email'] },
    },
    { name: 'fallback: skips an opted-out channel', history: { mode: 'fallback', channels: ['email', 'sms'], optedOut: ['email'] }, expected: { kind: 'send', channels: ['sms'] } },
    {
      name: 'fallback: nothing left → failed with every reason',
      history: { mode: 'fallback', channels: ['email', 'sms'], earlier: [failed('email'), retried('sms', '503 busy'), retried('sms', '503 busy')] },
      expected: { kind: 'settle', settlement: { status: 'failed', reason: 'email: 550 no such user; sms: gave up after 2 attempts: 503 busy' } },
    },
    { name: 'no channels → failed', history: { channels: [] }, expected: { kind: 'settle', settlement: { status: 'failed', reason: 'no channel to send on' } } },
    { name: 'all, everything settled with one delivered → sent', history: { channels: ['email', 'inapp'], earlier: [sent('inapp'), failed('email')] }, expected: { kind: 'settle', settlement: { status: 'sent', channel: 'inapp', reason: 'email: 550 no such user' } } },
  ])('$name', ({ history, expected }) => {
    expect(planAttempt({ ...base, ...history })).toEqual(expected);
  });
});

describe('settleDelivery: all channels', () => {
  const input: SettleInput = { ...base, outcomes: [], now, random: () => 0.5 };

  it.each<{ name: string; input: Partial<SettleInput>; expected: Record<string, unknown> }>([
    { name: 'one channel delivered → sent on it', input: { outcomes: [{ channel: 'email', result: ok }] }, expected: { status: 'sent', channel: 'email', reason: null } },
    {
      name: 'a transient failure on the first try → queued after the base delay',
      input: { outcomes: [{ channel: 'email', result: transient() }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 1000), reason: 'email: 451 try later', retrying: ['email'] },
    },
    {
      name: 'a transient failure on the fourth try → later (1 s × 2³)',
      input: { earlier: [retried('email'), retried('email'), retried('email')], outcomes: [{ channel: 'email', result: transient() }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 8000) },
    },
    {
      name: 'a transient failure on the last try → failed, saying it gave up',
      input: { earlier: [1, 2, 3, 4].map(() => retried('email')), outcomes: [{ channel: 'email', result: transient() }] },
      expected: { status: 'failed', reason: 'email: gave up after 5 attempts: 451 try later' },
    },
    { name: 'a permanent failure → failed at once', input: { outcomes: [{ channel: 'email', result: permanent() }] }, expected: { status: 'failed', reason: 'email: 550 no such user' } },
    {
      name: 'two channels, one delivered and one failed for good → sent, the failure kept as reason',
      input: { channels: ['email', 'inapp'], outcomes: [{ channel: 'email', result: permanent() }, { channel: 'inapp', result: ok }] },
      expected: { status: 'sent', channel: 'inapp', reason: 'email: 550 no such user' },
    },
    {
      name: 'two channels, one delivered and one transient → queued for the other',
      input: { channels: ['email', 'inapp'], outcomes: [{ channel: 'email', result: transient() }, { channel: 'inapp', result: ok }] },
      expected: { status: 'queued', reason: 'email: 451 try later', retrying: ['email'] },
    },
    {
      name: 'two channels retried with their own policies → the later of their delays (sms: 10 s)',
      input: { channels: ['email', 'sms'], outcomes: [{ channel: 'email', result: transient() }, { channel: 'sms', result: transient() }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 10_000), retrying: ['email', 'sms'] },
    },
    {
      name: 'a 429 asking for 30 s → retried no sooner than that, though the backoff says 1 s',
      input: { outcomes: [{ channel: 'email', result: throttled(30_000) }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 30_000), retrying: ['email'] },
    },
    {
      name: 'a Retry-After shorter than the backoff → the backoff (1 s × 2³)',
      input: { earlier: [retried('email'), retried('email'), retried('email')], outcomes: [{ channel: 'email', result: throttled(2000) }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 8000) },
    },
    {
      name: 'a Retry-After longer than the policy allows → the policy\'s maximum (60 s)',
      input: { outcomes: [{ channel: 'email', result: throttled(3_600_000) }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 60_000) },
    },
    {
      name: 'two channels retried, one with a Retry-After → the delivery waits for it',
      input: { channels: ['email', 'sms'], outcomes: [{ channel: 'email', result: throttled(45_000) }, { channel: 'sms', result: transient() }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 45_000), retrying: ['email', 'sms'] },
    },
    {
      name: 'a retry that delivers the rest → sent on the first channel in order, even if delivered earlier',
      input: { channels: ['email', 'inapp'], earlier: [sent('email'), retried('inapp')], outcomes: [{ channel: 'inapp', result: ok }] },
      expected: { status: 'sent', channel: 'email', reason: null },
    },
    {
      name: 'every channel failed for good, on different attempts → failed naming both',
      input: { channels: ['sms', 'email'], earlier: [failed('sms', 'no phone')], outcomes: [{ channel: 'email', result: permanent() }] },
      expected: { status: 'failed', reason: 'sms: no phone; email: 550 no such user' },
    },
  ])('$name', ({ input: overrides, expected }) => {
    expect(settleDelivery({ ...input, ...overrides })).toMatchObject(expected);
  });
});

describe('settleDelivery: fallback', () => {
  const input: SettleInput = { ...base, mode: 'fallback', channels: ['email', 'sms', 'inapp'], outcomes: [], now, random: () => 0.5 };

  it.each<{ name: string; input: Partial<SettleInput>; expected: Record<string, unknown> }>([
    { name: 'the first channel delivers → sent on it', input: { outcomes: [{ channel: 'email', result: ok }] }, expected: { status: 'sent', channel: 'email', reason: null } },
    {
      name: 'a transient failure → retried on the same channel',
      input: { outcomes: [{ channel: 'email', result: transient() }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 1000), retrying: ['email'] },
    },
    {
      name: 'a permanent failure → on to the next channel at once',
      input: { outcomes: [{ channel: 'email', result: permanent() }] },
      expected: { status: 'queued', retryAt: now, reason: 'email: 550 no such user; falling back to sms', retrying: [] },
    },
    {
      name: 'the retries of a channel used up → on to the next channel',
      input: { earlier: [failed('email')], outcomes: [{ channel: 'sms', result: transient('503 busy') }], policyFor: () => ({ ...policy, maxAttempts: 1 }) },
      expected: { status: 'queued', retryAt: now, reason: 'email: 550 no such user; sms: gave up after 1 attempt: 503 busy; falling back to inapp' },
    },
    {
      name: 'the next channel delivers → sent on it, with why the first did not',
      input: { earlier: [failed('email')], outcomes: [{ channel: 'sms', result: ok }] },
      expected: { status: 'sent', channel: 'sms', reason: 'email: 550 no such user' },
    },
    {
      name: 'the last channel fails for good → failed with every reason (a dead letter)',
      input: { earlier: [failed('email'), failed('sms', 'invalid number')], outcomes: [{ channel: 'inapp', result: permanent('no content') }] },
      expected: { status: 'failed', reason: 'email: 550 no such user; sms: invalid number; inapp: no content' },
    },
    {
      name: 'the next channel is opted out → skips to the one after',
      input: { optedOut: ['sms'], outcomes: [{ channel: 'email', result: permanent() }] },
      expected: { status: 'queued', reason: 'email: 550 no such user; falling back to inapp' },
    },
  ])('$name', ({ input: overrides, expected }) => {
    expect(settleDelivery({ ...input, ...overrides })).toMatchObject(expected);
  });
});

describe('attemptEventType', () => {
  const queued = { status: 'queued' as const, retryAt: now, reason: 'x', retrying: ['email'] };
  it.each<{ name: string; channel: string; result: SendResult; settlement: Parameters<typeof attemptEventType>[2]; expected: string }>([
    { name: 'delivered', channel: 'email', result: ok, settlement: { status: 'sent', channel: 'email', reason: null }, expected: 'sent' },
    { name: 'delivered while another channel retries', channel: 'inapp', result: ok, settlement: queued, expected: 'sent' },
    { name: 'a transient failure that is retried', channel: 'email', result: transient(), settlement: queued, expected: 'retrying' },
    { name: 'a transient failure that gave up', channel: 'email', result: transient(), settlement: { status: 'failed', reason: 'x' }, expected: 'failed' },
    { name: 'a channel left behind by a fallback', channel: 'email', result: transient(), settlement: { ...queued, retrying: [] }, expected: 'failed' },
    { name: 'a permanent failure while another channel retries', channel: 'sms', result: permanent(), settlement: queued, expected: 'failed' },
  ])('$name → $expected', ({ channel, result, settlement, expected }) => {
    expect(attemptEventType(channel, result, settlement)).toBe(expected);
  });
});
