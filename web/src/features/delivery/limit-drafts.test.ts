import { describe, expect, it } from 'vitest';
import { rateLimitSchema, retryPolicySchema } from '@herald/shared';
import { describeRateLimit, describeRetryDelays, draftOfRateLimit, emptyRateLimitDraft, formatDelay, rateLimitOfDraft, retryDelays, retryPolicyOfDraft } from './limit-drafts.ts';

describe('rate limit drafts', () => {
  it('turns empty inputs into unset windows and keeps numbers', () => {
    const limit = rateLimitOfDraft({ ...emptyRateLimitDraft, maxPerMinute: 100, maxPerDay: '5000', burstAllowed: true, burstMax: 20 });
    expect(limit).toEqual({ maxPerMinute: 100, maxPerHour: null, maxPerDay: 5000, burstAllowed: true, burstMax: 20 });
    expect(rateLimitSchema.safeParse(limit).success).toBe(true);
    expect(draftOfRateLimit(limit)).toEqual({ maxPerMinute: 100, maxPerHour: '', maxPerDay: 5000, burstAllowed: true, burstMax: 20 });
  });

  it('drops the burst size when bursts are off', () => {
    expect(rateLimitOfDraft({ ...emptyRateLimitDraft, maxPerHour: 10, burstMax: 5 }).burstMax).toBeNull();
  });

  it('leaves an all-empty limit for the schema to refuse, at maxPerMinute', () => {
    const parsed = rateLimitSchema.safeParse(rateLimitOfDraft(emptyRateLimitDraft));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['maxPerMinute']);
  });

  it('describes a limit in words', () => {
    expect(describeRateLimit({ maxPerMinute: 100, maxPerHour: 2000, maxPerDay: null, burstAllowed: true, burstMax: 20 })).toBe('100 per minute, 2,000 per hour, bursts of 20');
  });
});

describe('retry policy drafts', () => {
  it('lists the waits before each retry, capped at the maximum', () => {
    expect(retryDelays({ maxAttempts: 5, baseDelaySeconds: 10, factor: 3, maxDelaySeconds: 200, jitter: 0.2 })).toEqual([10, 30, 90, 200]);
    expect(retryDelays({ maxAttempts: 1, baseDelaySeconds: 10, factor: 3, maxDelaySeconds: 200, jitter: 0 })).toEqual([]);
  });

  it('sends an empty input as NaN so the schema names it', () => {
    const parsed = retryPolicySchema.safeParse(retryPolicyOfDraft({ maxAttempts: '', baseDelaySeconds: 5, factor: 2, maxDelaySeconds: 60, jitter: 0.1 }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['maxAttempts']);
  });

  it('describes the waits in words, with the jitter', () => {
    expect(describeRetryDelays({ maxAttempts: 4, baseDelaySeconds: 5, factor: 3, maxDelaySeconds: 3600, jitter: 0.2 })).toBe('Retries after 5 s, 15 s, 45 s (each ±20%).');
    expect(describeRetryDelays({ maxAttempts: 2, baseDelaySeconds: 90, factor: 2, maxDelaySeconds: 60, jitter: 0 })).toBe('Retries after 1 min.');
    expect(describeRetryDelays({ maxAttempts: 1, baseDelaySeconds: 5, factor: 2, maxDelaySeconds: 60, jitter: 0.1 })).toMatch(/^No retry/);
  });

  it('formats delays for people', () => {
    expect(formatDelay(45)).toBe('45 s');
    expect(formatDelay(135)).toBe('2 min 15 s');
    expect(formatDelay(5400)).toBe('1 h 30 min');
  });
});
