import { describe, expect, it } from 'vitest';
import { rateLimitSchema, type RateLimitInput } from '@herald/shared';
import { bucketLimitsOf, emptyBucketState } from './bucket.ts';
import { decideLimits, type Bucket, type LimitRequest } from './decide.ts';
import { capWindowsOf, checkCap } from './frequency.ts';

const day = 86_400_000;
const now = 10 * day;

function bucket(input: RateLimitInput): Bucket {
  return { limits: bucketLimitsOf(rateLimitSchema.parse(input)), state: emptyBucketState(), describe: 'test limit' };
}

function request(deliveryId: number, overrides: Partial<LimitRequest> = {}): LimitRequest {
  return { deliveryId, recipientId: `r${deliveryId}`, draws: [{ key: 'global', tokens: 1 }], isCapExempt: false, isCounted: false, wasDeferred: false, ...overrides };
}

describe('checkCap', () => {
  const cap = capWindowsOf({ maxPerDay: 2, maxPerWeek: 3 });

  it.each<{ name: string; history: number[]; expected: ReturnType<typeof checkCap> }>([
    { name: 'no history', history: [], expected: { isAllowed: true } },
    { name: 'one today', history: [now - 1000], expected: { isAllowed: true } },
    {
      name: 'two today → until the older leaves the day',
      history: [now - 1000, now - 5000],
      expected: { isAllowed: false, until: now - 5000 + day, reason: 'frequency cap: this recipient already had 2 per day' },
    },
    { name: 'two, one of them yesterday', history: [now - 1000, now - day - 1], expected: { isAllowed: true } },
    {
      name: 'three this week → until the oldest leaves the week',
      history: [now - 1000, now - 3 * day, now - 6 * day],
      expected: { isAllowed: false, until: now - 6 * day + 7 * day, reason: 'frequency cap: this recipient already had 3 per week' },
    },
    { name: 'three, the oldest more than a week ago', history: [now - 1000, now - 3 * day, now - 8 * day], expected: { isAllowed: true } },
    {
      name: 'both caps reached → the later of the two',
      history: [now - 1000, now - 2000, now - 6 * day],
      expected: { isAllowed: false, until: now + day, reason: 'frequency cap: this recipient already had 2 per day and 3 per week' },
    },
  ])('$name', ({ history, expected }) => {
    expect(checkCap(history, cap, now)).toEqual(expected);
  });

  it('shortens its windows by the scale', () => {
    const scaled = capWindowsOf({ maxPerDay: 1, maxPerWeek: null }, 1 / 86_400);
    expect(checkCap([now - 500], scaled, now)).toMatchObject({ isAllowed: false, until: now + 500 });
    expect(checkCap([now - 1500], scaled, now)).toEqual({ isAllowed: true });
  });
});

describe('decideLimits', () => {
  it('grants in request order while tokens last, and defers the rest one after another', () => {
    const buckets = new Map([['global', bucket({ maxPerMinute: 60, burstAllowed: true, burstMax: 2 })]]);
    const { decisions, states } = decideLimits({ requests: [1, 2, 3, 4].map((id) => request(id)), buckets, cap: null, history: new Map(), now });
    expect(decisions.get(1)).toEqual({ isGranted: true, isCounted: false });
    expect(decisions.get(2)).toEqual({ isGranted: true, isCounted: false });
    const third = decisions.get(3)!;
    const fourth = decisions.get(4)!;
    expect(third).toMatchObject({ isGranted: false, reason: 'rate limit global: test limit' });
    if (third.isGranted || fourth.isGranted) throw new Error('expected deferrals');
    expect(third.until).toBeGreaterThan(now);
    expect(fourth.until).toBeGreaterThan(third.until);
    expect(states.get('global')!.horizon).toBe(fourth.until);
  });

  it('takes from every bucket a delivery draws on, or from none', () => {
    const buckets = new Map([['global', bucket({ maxPerMinute: 100, burstAllowed: true, burstMax: 100 })], ['channel:sms', bucket({ maxPerMinute: 1 })]]);
    const draws = [{ key: 'global', tokens: 1 }, { key: 'channel:sms', tokens: 1 }, { key: 'schedule:none', tokens: 1 }];
    const { decisions, states } = decideLimits({ requests: [request(1, { draws }), request(2, { draws }), request(3)], buckets, cap: null, history: new Map(), now });
    expect([1, 2, 3].map((id) => decisions.get(id)!.isGranted)).toEqual([true, false, true]);
    expect(decisions.get(2)).toMatchObject({ reason: 'rate limit channel:sms: test limit' });
    // the refused delivery took nothing from the global bucket: two sends counted, not three
    expect(states.get('global')!.slots.minute!.reduce((sum, [, count]) => sum + count, 0)).toBe(2);
  });

  it('applies the frequency cap per recipient across the batch, lets critical through, and counts it', () => {
    const cap = capWindowsOf({ maxPerDay: 1, maxPerWeek: null });
    const requests = [
      request(1, { recipientId: 'ann' }),
      request(2, { recipientId: 'ann' }),
      request(3, { recipientId: 'ann', isCapExempt: true }),
      request(4, { recipientId: 'bob' }),
      request(5, { recipientId: 'cy', isCounted: true }),
    ];
    const { decisions } = decideLimits({ requests, buckets: new Map(), cap, history: new Map([['bob', [now - 1000]], ['cy', [now - 1000]]]), now });
    expect(decisions.get(1)).toEqual({ isGranted: true, isCounted: true });
    expect(decisions.get(2)).toEqual({ isGranted: false, until: now + day, reason: 'frequency cap: this recipient already had 1 per day' });
    expect(decisions.get(3)).toEqual({ isGranted: true, isCounted: true });
    expect(decisions.get(4)).toEqual({ isGranted: false, until: now - 1000 + day, reason: 'frequency cap: this recipient already had 1 per day' });
    // counted on an earlier attempt (a retry): keeps its place, not counted twice
    expect(decisions.get(5)).toEqual({ isGranted: true, isCounted: false });
  });

  it('a delivery held by the cap takes no rate-limit token', () => {
    const buckets = new Map([['global', bucket({ maxPerMinute: 1 })]]);
    const cap = capWindowsOf({ maxPerDay: 1, maxPerWeek: null });
    const { decisions } = decideLimits({ requests: [request(1, { recipientId: 'ann' }), request(2, { recipientId: 'bob' })], buckets, cap, history: new Map([['ann', [now - 1]]]), now });
    expect(decisions.get(1)).toMatchObject({ isGranted: false });
    expect(decisions.get(2)).toMatchObject({ isGranted: true });
  });

  it('a delivery deferred before keeps its place: it waits for the next token, not behind the queue', () => {
    const buckets = new Map([['global', bucket({ maxPerMinute: 60 })]]);
    const queue = decideLimits({ requests: [1, 2, 3, 4].map((id) => request(id)), buckets, cap: null, history: new Map(), now });
    const later = new Map([['global', { ...buckets.get('global')!, state: queue.states.get('global')! }]]);
    const { decisions, states } = decideLimits({ requests: [request(5, { wasDeferred: true }), request(6)], buckets: later, cap: null, history: new Map(), now: now + 10 });
    const returning = decisions.get(5)!;
    const newcomer = decisions.get(6)!;
    if (returning.isGranted || newcomer.isGranted) throw new Error('expected deferrals');
    const queued = queue.decisions.get(4)!;
    if (queued.isGranted) throw new Error('expected a deferral');
    expect(returning.until).toBeLessThan(queued.until);
    expect(newcomer.until).toBeGreaterThan(queued.until);
    expect(states.get('global')!.horizon).toBe(newcomer.until);
  });

  it('critical still waits for a rate limit', () => {
    const buckets = new Map([['global', bucket({ maxPerMinute: 1 })]]);
    const { decisions } = decideLimits({ requests: [request(1), request(2, { isCapExempt: true })], buckets, cap: null, history: new Map(), now });
    expect(decisions.get(2)).toMatchObject({ isGranted: false });
  });
});
