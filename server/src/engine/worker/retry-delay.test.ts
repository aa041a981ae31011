import { describe, expect, it } from 'vitest';
import { canRetry, defaultRetryPolicy, retryDelayMs, type RetryPolicy } from './retry-delay.ts';

const policy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 10_000, maxAttempts: 5 };

describe('retryDelayMs', () => {
  it.each([
    { attempt: 1, random: 0, expected: 500 },
    { attempt: 1, random: 0.999999, expected: 1000 },
    { attempt: 2, random: 0, expected: 1000 },
    { attempt: 3, random: 0.5, expected: 3000 },
    { attempt: 4, random: 0, expected: 4000 },
    { attempt: 5, random: 0, expected: 5000 },
    { attempt: 30, random: 0.999999, expected: 10_000 },
    { attempt: 0, random: 0, expected: 500 },
  ])('attempt $attempt, random $random → $expected ms', ({ attempt, random, expected }) => {
    expect(retryDelayMs(attempt, policy, () => random)).toBe(expected);
  });

  it('grows with each attempt until the cap', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, defaultRetryPolicy, () => 0.5));
    for (let i = 1; i < delays.length; i += 1) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    expect(retryDelayMs(10_000, defaultRetryPolicy, () => 0.999999)).toBeLessThanOrEqual(defaultRetryPolicy.maxDelayMs);
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
