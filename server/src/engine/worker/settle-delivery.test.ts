import { describe, expect, it } from 'vitest';
import type { SendResult } from '../../channels/types.ts';
import { attemptEventType, channelsToSend, settleDelivery, type EarlierOutcome, type SettleInput } from './settle-delivery.ts';
import type { RetryPolicy } from './retry-delay.ts';

const policy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 5 };
const now = new Date('2030-01-01T00:00:00Z');
const ok: SendResult = { ok: true };
const transient = (error = '451 try later'): SendResult => ({ ok: false, isTransient: true, error });
const permanent = (error = '550 no such user'): SendResult => ({ ok: false, isTransient: false, error });

describe('channelsToSend', () => {
  it.each<{ name: string; channels: string[]; earlier: EarlierOutcome[]; expected: string[] }>([
    { name: 'first attempt: every selected channel', channels: ['email', 'inapp'], earlier: [], expected: ['email', 'inapp'] },
    { name: 'a retry skips a channel that delivered', channels: ['email', 'inapp'], earlier: [{ channel: 'inapp', status: 'sent', error: null }], expected: ['email'] },
    { name: 'a retry skips a channel that failed for good', channels: ['email', 'sms'], earlier: [{ channel: 'sms', status: 'failed', error: 'no phone' }], expected: ['email'] },
    { name: 'nothing left when all settled', channels: ['email'], earlier: [{ channel: 'email', status: 'sent', error: null }], expected: [] },
    { name: 'a repeated channel is sent once', channels: ['email', 'email'], earlier: [], expected: ['email'] },
    { name: 'no channels', channels: [], earlier: [], expected: [] },
  ])('$name', ({ channels, earlier, expected }) => {
    expect(channelsToSend(channels, earlier)).toEqual(expected);
  });
});

describe('settleDelivery', () => {
  const base: SettleInput = { channels: ['email'], earlier: [], outcomes: [], attempt: 1, policy, now, random: () => 0 };

  it.each<{ name: string; input: Partial<SettleInput>; expected: Record<string, unknown> }>([
    { name: 'one channel delivered → sent on it', input: { outcomes: [{ channel: 'email', result: ok }] }, expected: { status: 'sent', channel: 'email', reason: null } },
    {
      name: 'a transient failure on attempt 1 → queued after the base delay (half, with random 0)',
      input: { outcomes: [{ channel: 'email', result: transient() }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 500), reason: 'email: 451 try later' },
    },
    {
      name: 'a transient failure on attempt 4 → still queued, later',
      input: { attempt: 4, outcomes: [{ channel: 'email', result: transient() }] },
      expected: { status: 'queued', retryAt: new Date(now.getTime() + 4000) },
    },
    {
      name: 'a transient failure on the last attempt → failed, saying it gave up',
      input: { attempt: 5, outcomes: [{ channel: 'email', result: transient() }] },
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
      expected: { status: 'queued', reason: 'email: 451 try later' },
    },
    {
      name: 'a retry that delivers the rest → sent on the first channel in order, even if delivered earlier',
      input: { channels: ['email', 'inapp'], attempt: 2, earlier: [{ channel: 'email', status: 'sent', error: null }], outcomes: [{ channel: 'inapp', result: ok }] },
      expected: { status: 'sent', channel: 'email', reason: null },
    },
    {
      name: 'a retry that fails for good after an earlier channel delivered → sent with the reason',
      input: { channels: ['email', 'inapp'], attempt: 2, earlier: [{ channel: 'inapp', status: 'sent', error: null }], outcomes: [{ channel: 'email', result: permanent() }] },
      expected: { status: 'sent', channel: 'inapp', reason: 'email: 550 no such user' },
    },
    {
      name: 'every channel failed for good, on different attempts → failed naming both',
      input: { channels: ['sms', 'email'], attempt: 2, earlier: [{ channel: 'sms', status: 'failed', error: 'no phone' }], outcomes: [{ channel: 'email', result: permanent() }] },
      expected: { status: 'failed', reason: 'sms: no phone; email: 550 no such user' },
    },
    { name: 'nothing to send and nothing sent → failed', input: { channels: [] }, expected: { status: 'failed', reason: 'no channel to send on' } },
  ])('$name', ({ input, expected }) => {
    expect(settleDelivery({ ...base, ...input })).toMatchObject(expected);
  });
});

describe('attemptEventType', () => {
  it.each<{ result: SendResult; settlement: Parameters<typeof attemptEventType>[1]; expected: string }>([
    { result: ok, settlement: { status: 'sent', channel: 'email', reason: null }, expected: 'sent' },
    { result: ok, settlement: { status: 'queued', retryAt: now, reason: 'x' }, expected: 'sent' },
    { result: transient(), settlement: { status: 'queued', retryAt: now, reason: 'x' }, expected: 'retrying' },
    { result: transient(), settlement: { status: 'failed', reason: 'x' }, expected: 'failed' },
    { result: permanent(), settlement: { status: 'queued', retryAt: now, reason: 'x' }, expected: 'failed' },
  ])('$result → $expected', ({ result, settlement, expected }) => {
    expect(attemptEventType(result, settlement)).toBe(expected);
  });
});
