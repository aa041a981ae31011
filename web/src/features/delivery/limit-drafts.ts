/**
 * Rate limits and retry policies as forms edit them: number inputs give a number, or '' when
 * empty. These turn drafts into the API's shapes and back; the shared schemas judge them.
 */
import { defaultRetryPolicy, rateLimitWindows, type RateLimit, type RetryPolicy } from '@herald/shared';

/** What a NumberInput holds: a number, or '' (or a half-typed string) while it is not one. */
export type NumberDraft = number | string;

export type RateLimitDraft = {
  maxPerMinute: NumberDraft;
  maxPerHour: NumberDraft;
  maxPerDay: NumberDraft;
  burstAllowed: boolean;
  burstMax: NumberDraft;
};

export type RetryPolicyDraft = Record<keyof RetryPolicy, NumberDraft>;

export const emptyRateLimitDraft: RateLimitDraft = { maxPerMinute: '', maxPerHour: '', maxPerDay: '', burstAllowed: false, burstMax: '' };

/** An empty input is "not set" (null); anything else is sent as a number for the schema to judge. */
export function countOf(value: NumberDraft): number | null {
  if (value === '' || value === null) return null;
  return typeof value === 'number' ? value : Number(value);
}

export function rateLimitOfDraft(draft: RateLimitDraft): RateLimit {
  return {
    maxPerMinute: countOf(draft.maxPerMinute),
    maxPerHour: countOf(draft.maxPerHour),
    maxPerDay: countOf(draft.maxPerDay),
    burstAllowed: draft.burstAllowed,
    burstMax: draft.burstAllowed ? countOf(draft.burstMax) : null,
  };
}

export function draftOfRateLimit(limit: RateLimit | null | undefined): RateLimitDraft {
  if (!limit) return emptyRateLimitDraft;
  return {
    maxPerMinute: limit.maxPerMinute ?? '',
    maxPerHour: limit.maxPerHour ?? '',
    maxPerDay: limit.maxPerDay ?? '',
    burstAllowed: limit.burstAllowed,
    burstMax: limit.burstMax ?? '',
  };
}

export function retryPolicyOfDraft(draft: RetryPolicyDraft): RetryPolicy {
  return {
    maxAttempts: countOf(draft.maxAttempts) ?? Number.NaN,
    baseDelaySeconds: countOf(draft.baseDelaySeconds) ?? Number.NaN,
    factor: countOf(draft.factor) ?? Number.NaN,
    maxDelaySeconds: countOf(draft.maxDelaySeconds) ?? Number.NaN,
    jitter: countOf(draft.jitter) ?? Number.NaN,
  };
}

export function draftOfRetryPolicy(policy: RetryPolicy | null | undefined): RetryPolicyDraft {
  return { ...(policy ?? defaultRetryPolicy) };
}

/** "45 s", "2 min 15 s", "1 h 30 min": a delay a person reads at a glance. */
export function formatDelay(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60);
    const rest = Math.round(seconds % 60);
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
}

/** The nominal wait before each retry (before jitter): base × factor^(n-1), capped at the maximum. */
export function retryDelays(policy: RetryPolicy): number[] {
  const delays: number[] = [];
  for (let retry = 1; retry < policy.maxAttempts; retry += 1) {
    delays.push(Math.min(policy.baseDelaySeconds * policy.factor ** (retry - 1), policy.maxDelaySeconds));
  }
  return delays;
}

/** "Retries after 5 s, 15 s, 45 s (each ±20%).": the waits a policy gives, in words. */
export function describeRetryDelays(policy: RetryPolicy): string {
  const delays = retryDelays(policy);
  if (delays.length === 0) return 'No retry: a failed send fails at once (or falls back to the next channel).';
  return `Retries after ${delays.map(formatDelay).join(', ')}${policy.jitter > 0 ? ` (each ±${Math.round(policy.jitter * 100)}%)` : ''}.`;
}

/** "100 per minute, 2,000 per hour, bursts of 20": a limit in words. */
export function describeRateLimit(limit: RateLimit): string {
  const parts = rateLimitWindows.filter(({ key }) => limit[key] !== null).map(({ key, window }) => `${limit[key]!.toLocaleString()} per ${window}`);
  if (limit.burstAllowed && limit.burstMax !== null) parts.push(`bursts of ${limit.burstMax.toLocaleString()}`);
  return parts.join(', ') || 'no limit';
}
