import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, type RetryPolicy } from '@herald/shared';
import { canRetry, maxRetryAfterMs, retryDelayMs } from './retry-delay.ts';

const policy: RetryPolicy = { baseDelaySeconds: 1, factor: 2, maxDelaySeconds: 10, maxAttempts: 5, jitter: 0.5 };

describe('retryDelayMs', () => {
  it.each([
    { name: 'first failure, no spread (random 0.5)', attempt: 1, random: 0.5, expected: 1000 },
    { name: 'first failure, lowest spread', attempt: 1, random: 0, expected: 500 },
    { name: 'first failure, highest spread', attempt: 1, random: 0.999999, expected: 1500 },
    { name: 'doubles', attempt: 2, random: 0.5, expected: 2000 },
    { name: 'doubles again', attempt: 3, random: 0.5, expected: 4000 },
    { name: 'capped at the maximum', attempt: 5, random: 0.5, expected: 10_000 },
    { name: 'the spread never passes the maximum', attempt: 30, random: 0.999999, expected: 10_000 },
    { name: 'the spread goes below the maximum', attempt: 30, random: 0, expected: 5000 },
    { name: 'attempt 0 counts as the first', attempt: 0, random: 0.5, expected: 1000 },
    // the receiver's Retry-After: at least that long, not spread (the receiver named the time), up to the maximum
    { name: 'a Retry-After longer than the backoff', attempt: 1, random: 0.5, retryAfterMs: 7000, expected: 7000 },
    { name: 'a Retry-After is not spread down', attempt: 1, random: 0, retryAfterMs: 8000, expected: 8000 },
    { name: 'a Retry-After shorter than the backoff', attempt: 3, random: 0.5, retryAfterMs: 1000, expected: 4000 },
    { name: 'a Retry-After of zero (a date already past)', attempt: 1, random: 0.5, retryAfterMs: 0, expected: 1000 },
    { name: 'a Retry-After beyond the maximum', attempt: 1, random: 0.5, retryAfterMs: 3_600_000, expected: 10_000 },
  ])('$name: attempt $attempt → $expected ms', ({ attempt, random, retryAfterMs, expected }) => {
    expect(retryDelayMs(attempt, policy, () => random, retryAfterMs)).toBe(expected);
  });

  it('with factor 1 the delay stays the base', () => {
    expect([1, 2, 3].map((attempt) => retryDelayMs(attempt, { ...policy, factor: 1, jitter: 0 }))).toEqual([1000, 1000, 1000]);
  });

  it('without jitter it is the same every time', () => {
    expect(retryDelayMs(2, { ...policy, jitter: 0 }, () => 0)).toBe(retryDelayMs(2, { ...policy, jitter: 0 }, () => 0.99));
  });

  it('grows with each attempt until the cap', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, defaultRetryPolicy, () => 0.5));
    for (let i = 1; i < delays.length; i += 1) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    expect(retryDelayMs(10_000, defaultRetryPolicy, () => 0.999999)).toBeLessThanOrEqual(defaultRetryPolicy.maxDelaySeconds * 1000);
  });
});

describe('retryDelayMs with a Retry-After and a long maximum', () => {
  it('is honoured up to a week-long maximum delay, but never beyond a day', () => {
    const patient: RetryPolicy = { ...policy, maxDelaySeconds: 7 * 86_400 };
    expect(retryDelayMs(1, patient, () => 0.5, 3 * 3_600_000)).toBe(3 * 3_600_000);
    expect(retryDelayMs(1, patient, () => 0.5, 30 * 86_400_000)).toBe(maxRetryAfterMs);
  });
});

describe('canRetry', () => {
  it.each([
    { attempt: 1, expected: true },
    { attempt: 4, expected: true },
    { attempt: 5, expected: false },
    { attempt: 6, expected: false },
  ])('after $attempt attempts of 5 → $expected', ({ attempt, expected }) => {
    expect(canRetry(attempt, policy)).toBe(expected);
  });
});
