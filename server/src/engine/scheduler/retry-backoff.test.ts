import { describe, expect, it } from 'vitest';
import { RetryBackoff } from './retry-backoff.ts';

describe('RetryBackoff', () => {
  it('doubles the pause after each failure, up to the maximum, and forgets on success', () => {
    const backoff = new RetryBackoff(1000, 5000);
    expect(backoff.canTry('a', 0)).toBe(true);
    expect([1, 2, 3, 4].map(() => backoff.failed('a', 0))).toEqual([1000, 2000, 4000, 5000]);
    expect(backoff.canTry('a', 4999)).toBe(false);
    expect(backoff.canTry('a', 5000)).toBe(true);
    expect(backoff.canTry('b', 0)).toBe(true);
    backoff.succeeded('a');
    expect(backoff.canTry('a', 0)).toBe(true);
    expect(backoff.failed('a', 0)).toBe(1000);
  });

  it('tells the soonest retry still to come, and nothing once every pause has passed or succeeded', () => {
    const backoff = new RetryBackoff(1000, 5000);
    expect(backoff.nextRetryAfter(0)).toBeNull();
    backoff.failed('a', 0);
    backoff.failed('b', 500);
    backoff.failed('b', 500);
    expect(backoff.nextRetryAfter(0)).toBe(1000);
    expect(backoff.nextRetryAfter(1000)).toBe(2500);
    expect(backoff.nextRetryAfter(2500)).toBeNull();
    backoff.succeeded('b');
    expect(backoff.nextRetryAfter(999)).toBe(1000);
  });
});
