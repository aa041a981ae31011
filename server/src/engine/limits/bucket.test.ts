import { describe, expect, it } from 'vitest';
import { rateLimitSchema, type RateLimitInput } from '@herald/shared';
import { maxInAnyWindow } from '../../../test/support/sliding-window.ts';
import { availableAt, bucketLimitsOf, canTake, defer, emptyBucketState, parseBucketState, sustainedRatePerSecond, take, usageOf, type BucketLimits, type BucketState } from './bucket.ts';

const limitsOf = (input: RateLimitInput, scale = 1) => bucketLimitsOf(rateLimitSchema.parse(input), scale);

/** Tries to send one message every `stepMs` from `start` to `end`; returns the times that were allowed. */
function simulate(limits: BucketLimits, start: number, end: number, stepMs: number, perStep = 1): number[] {
  let state: BucketState = emptyBucketState();
  const sent: number[] = [];
  for (let now = start; now < end; now += stepMs) {
    for (let i = 0; i < perStep; i += 1) {
      if (!canTake(state, limits, now, 1)) break;
      state = take(state, limits, now, 1);
      sent.push(now);
    }
  }
  return sent;
}

describe('bucketLimitsOf', () => {
  it('lengthens each window by a guard of 5%, at most a second', () => {
    const limits = limitsOf({ maxPerMinute: 100, maxPerDay: 10_000 });
    expect(limits.windows.map((w) => [w.window, w.max, w.lengthMs])).toEqual([['minute', 100, 61_000], ['day', 10_000, 86_401_000]]);
    expect(limitsOf({ maxPerMinute: 10 }, 1 / 60).windows[0]!.lengthMs).toBe(1050);
  });

  it('spaces sends by the shortest window, and allows a burst only when asked', () => {
    expect(limitsOf({ maxPerHour: 3600 }).burst).toBe(1);
    expect(limitsOf({ maxPerHour: 3600, burstAllowed: false, burstMax: 50 }).burst).toBe(1);
    const bursty = limitsOf({ maxPerMinute: 60, burstAllowed: true, burstMax: 10 });
    expect(bursty.burst).toBe(10);
    expect(bursty.toleranceMs).toBeCloseTo(9 * bursty.intervalMs);
  });
});

describe('never more than the limit in any window', () => {
  it.each<{ name: string; limit: RateLimitInput; stepMs: number; perStep: number; durationMs: number }>([
    { name: '10 per minute, asked every 100 ms', limit: { maxPerMinute: 10 }, stepMs: 100, perStep: 1, durationMs: 5 * 60_000 },
    { name: '10 per minute with bursts of 10, asked 50 at a time', limit: { maxPerMinute: 10, burstAllowed: true, burstMax: 10 }, stepMs: 1000, perStep: 50, durationMs: 5 * 60_000 },
    { name: '100 per minute with bursts of 40', limit: { maxPerMinute: 100, burstAllowed: true, burstMax: 40 }, stepMs: 250, perStep: 20, durationMs: 4 * 60_000 },
    { name: '30 per minute and 100 per hour', limit: { maxPerMinute: 30, maxPerHour: 100 }, stepMs: 500, perStep: 3, durationMs: 3 * 3_600_000 },
  ])('$name', ({ limit, stepMs, perStep, durationMs }) => {
    const limits = limitsOf(limit);
    const sent = simulate(limits, 1_000_000, 1_000_000 + durationMs, stepMs, perStep);
    expect(sent.length).toBeGreaterThan(0);
    for (const window of limits.windows) {
      // the nominal window (without the guard) is what a receiver counts
      const nominal = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[window.window];
      expect(maxInAnyWindow(sent, window.lengthMs)).toBeLessThanOrEqual(window.max);
      expect(maxInAnyWindow(sent, nominal)).toBeLessThanOrEqual(window.max);
    }
  });

  it('uses nearly all of the limit when asked all the time', () => {
    const limits = limitsOf({ maxPerMinute: 60 });
    const sent = simulate(limits, 0, 10 * 60_000, 10);
    // 600 at most in ten minutes; the guard and the slot cost a few percent
    expect(sent.length).toBeGreaterThan(560);
    expect(sent.length).toBeLessThanOrEqual(600);
  });

  it('spreads sends evenly without a burst', () => {
    const limits = limitsOf({ maxPerMinute: 60 });
    const sent = simulate(limits, 0, 60_000, 10);
    const gaps = sent.slice(1).map((at, i) => at - sent[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(limits.intervalMs - 10);
  });

  it('lets a burst go at once, then spreads', () => {
    const limits = limitsOf({ maxPerMinute: 60, burstAllowed: true, burstMax: 5 });
    const sent = simulate(limits, 0, 10_000, 100, 50);
    expect(sent.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(sent[5]).toBeGreaterThan(0);
  });
});

describe('several tokens at once', () => {
  it('a delivery on two channels takes two tokens of a global limit, even without a burst', () => {
    const limits = limitsOf({ maxPerMinute: 10 });
    expect(canTake(emptyBucketState(), limits, 0, 2)).toBe(true);
    const state = take(emptyBucketState(), limits, 0, 2);
    expect(usageOf(state, limits, 0).windows[0]).toMatchObject({ used: 2, remaining: 8 });
    expect(canTake(state, limits, 1, 1)).toBe(false);
  });

  it('never more than the window holds', () => {
    const limits = limitsOf({ maxPerMinute: 3, burstAllowed: true, burstMax: 3 });
    expect(canTake(emptyBucketState(), limits, 0, 4)).toBe(false);
  });
});

describe('availableAt and defer', () => {
  const limits = limitsOf({ maxPerMinute: 2 });

  it('is now for an idle bucket', () => {
    expect(availableAt(emptyBucketState(), limits, 5000, 1)).toBe(5000);
  });

  it('is when the spacing allows the next send', () => {
    const state = take(emptyBucketState(), limits, 0, 1);
    expect(availableAt(state, limits, 100, 1)).toBeCloseTo(limits.intervalMs);
  });

  it('is when the oldest send leaves a full window', () => {
    const limits = limitsOf({ maxPerMinute: 2, burstAllowed: true, burstMax: 2 });
    const state = take(take(emptyBucketState(), limits, 0, 1), limits, 0, 1);
    const at = availableAt(state, limits, 10, 1);
    expect(at).toBeGreaterThanOrEqual(limits.windows[0]!.lengthMs);
    expect(canTake(state, limits, at, 1)).toBe(true);
    expect(canTake(state, limits, at - 2, 1)).toBe(false);
  });

  it('queues deferred messages one spacing after another', () => {
    const first = take(emptyBucketState(), limits, 0, 1);
    const a = defer(first, limits, 10, 1);
    const b = defer(a.state, limits, 10, 1);
    const c = defer(b.state, limits, 10, 1);
    expect(a.at).toBeCloseTo(limits.intervalMs);
    expect(b.at - a.at).toBeCloseTo(limits.intervalMs);
    expect(c.at - b.at).toBeCloseTo(limits.intervalMs);
  });

  it('forgets a queue that stopped draining (its deliveries were cancelled)', () => {
    const limits = limitsOf({ maxPerHour: 60 });
    const busy = { ...take(emptyBucketState(), limits, 0, 1), horizon: 3_600_000 };
    // right after the last send, the queue is believed
    expect(defer(busy, limits, 1000, 1).at).toBeGreaterThan(3_600_000);
    // nothing taken for more than two spacings (2 minutes): the promises were not kept
    const later = 3 * 60_000 + 2 * limits.intervalMs;
    expect(defer(busy, limits, later, 1).at).toBe(later);
  });

  it('forgets a horizon that has passed', () => {
    const state = { ...take(emptyBucketState(), limits, 0, 1), horizon: 5 };
    expect(defer(state, limits, 10, 1).at).toBeCloseTo(limits.intervalMs);
  });
});

describe('usageOf', () => {
  it('reports each window, what may go now, and when the next may go', () => {
    const limits = limitsOf({ maxPerMinute: 10, maxPerHour: 100, burstAllowed: true, burstMax: 4 });
    let state = emptyBucketState();
    for (let i = 0; i < 4; i += 1) state = take(state, limits, 0, 1);
    const usage = usageOf(state, limits, 0);
    expect(usage.windows).toEqual([
      { window: 'minute', limit: 10, used: 4, remaining: 6 },
      { window: 'hour', limit: 100, used: 4, remaining: 96 },
    ]);
    expect(usage.available).toBe(0);
    expect(usage.nextAvailableAt).toBeGreaterThan(0);
    expect(usageOf(emptyBucketState(), limits, 0)).toMatchObject({ available: 4, nextAvailableAt: null });
  });

  it('forgets sends once they leave the window', () => {
    const limits = limitsOf({ maxPerMinute: 10 });
    const state = take(emptyBucketState(), limits, 0, 1);
    expect(usageOf(state, limits, 30_000).windows[0]!.used).toBe(1);
    expect(usageOf(state, limits, 70_000).windows[0]!.used).toBe(0);
  });
});

describe('parseBucketState', () => {
  it.each([null, 'x', 42, { tat: 'soon' }, { slots: { minute: [] } }])('reads %j as an idle bucket', (value) => {
    expect(parseBucketState(value)).toEqual(emptyBucketState());
  });

  it('keeps what is well formed', () => {
    expect(parseBucketState({ tat: 5, horizon: 9, slots: { minute: [[10, 2], ['x', 1]], hour: 'no' } })).toEqual({ tat: 5, horizon: 9, slots: { minute: [[10, 2]] } });
  });
});

describe('sustainedRatePerSecond', () => {
  it('is the tightest window', () => {
    const rate = sustainedRatePerSecond(limitsOf({ maxPerMinute: 600, maxPerHour: 3600 }));
    expect(rate).toBeLessThan(1);
    expect(rate).toBeGreaterThan(0.95);
  });
});
