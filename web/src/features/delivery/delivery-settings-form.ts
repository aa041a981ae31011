/**
 * The delivery settings as the Settings → Delivery form edits them: every limit and override
 * has an on/off switch and keeps its draft while off, so switching it back on restores what was
 * typed. Errors are keyed by the API's own dotted paths (`rateLimits.channels.sms.burstMax`),
 * so an issue from the shared schema or from a 400 lands at its input without translation.
 */
import { channels, deliverySettingsSchema, rateLimitWindows, type Channel, type DeliverySettings, type DeliverySettingsInput } from '@herald/shared';
import type { FieldIssue } from '../../lib/api.ts';
import { issuesOfParse } from '../../lib/form-errors.ts';
import {
  countOf, draftOfRateLimit, draftOfRetryPolicy, rateLimitOfDraft, retryPolicyOfDraft,
  type NumberDraft, type RateLimitDraft, type RetryPolicyDraft,
} from './limit-drafts.ts';
import { clockTimeOf, defaultQuietWindow } from './quiet-hours-draft.ts';

export type LimitToggle = { isOn: boolean; limit: RateLimitDraft };
export type PolicyToggle = { isOn: boolean; policy: RetryPolicyDraft };
export type FrequencyCapDraft = { isOn: boolean; maxPerDay: NumberDraft; maxPerWeek: NumberDraft };
/** `timezone` is null while none is picked */
export type QuietHoursDraft = { isOn: boolean; start: string; end: string; timezone: string | null };

export type DeliverySettingsFormValues = {
  globalLimit: LimitToggle;
  channelLimits: Record<Channel, LimitToggle>;
  defaultRetry: RetryPolicyDraft;
  channelRetries: Record<Channel, PolicyToggle>;
  frequencyCap: FrequencyCapDraft;
  costs: Record<Channel, NumberDraft>;
  quietHours: QuietHoursDraft;
};

function perChannel<T>(make: (channel: Channel) => T): Record<Channel, T> {
  return Object.fromEntries(channels.map((channel) => [channel, make(channel)])) as Record<Channel, T>;
}

function onlyOn<T, U>(record: Record<Channel, T>, isOn: (value: T) => boolean, convert: (value: T) => U): Partial<Record<Channel, U>> {
  return Object.fromEntries(channels.filter((channel) => isOn(record[channel])).map((channel) => [channel, convert(record[channel])]));
}

/**
 * The form's values for saved settings: what is not set starts switched off and empty; quiet
 * hours switched off start from a plain night in `zone` (the viewer's own, by default).
 */
export function valuesOfSettings(settings: DeliverySettings, zone: string | null = null): DeliverySettingsFormValues {
  const { rateLimits, retryPolicies, frequencyCap, costs, quietHours } = settings;
  return {
    globalLimit: { isOn: rateLimits.global !== null, limit: draftOfRateLimit(rateLimits.global) },
    channelLimits: perChannel((channel) => ({ isOn: Boolean(rateLimits.channels[channel]), limit: draftOfRateLimit(rateLimits.channels[channel]) })),
    defaultRetry: draftOfRetryPolicy(retryPolicies.default),
    channelRetries: perChannel((channel) => ({
      isOn: Boolean(retryPolicies.channels[channel]),
      // An override starts from the default, so switching it on changes nothing until edited.
      policy: draftOfRetryPolicy(retryPolicies.channels[channel] ?? retryPolicies.default),
    })),
    frequencyCap: { isOn: frequencyCap !== null, maxPerDay: frequencyCap?.maxPerDay ?? '', maxPerWeek: frequencyCap?.maxPerWeek ?? '' },
    costs: perChannel((channel) => costs[channel] ?? ''),
    quietHours: quietHours ? { isOn: true, ...quietHours } : { isOn: false, ...defaultQuietWindow, timezone: zone },
  };
}

/** The API payload the form describes (switched-off parts left out), before any check. */
export function settingsOfValues(values: DeliverySettingsFormValues): DeliverySettingsInput {
  return {
    rateLimits: {
      global: values.globalLimit.isOn ? rateLimitOfDraft(values.globalLimit.limit) : null,
      channels: onlyOn(values.channelLimits, (toggle) => toggle.isOn, (toggle) => rateLimitOfDraft(toggle.limit)),
    },
    retryPolicies: {
      default: retryPolicyOfDraft(values.defaultRetry),
      channels: onlyOn(values.channelRetries, (toggle) => toggle.isOn, (toggle) => retryPolicyOfDraft(toggle.policy)),
    },
    frequencyCap: values.frequencyCap.isOn ? { maxPerDay: countOf(values.frequencyCap.maxPerDay), maxPerWeek: countOf(values.frequencyCap.maxPerWeek) } : null,
    // An empty cost is "no cost recorded"; anything typed goes to the schema as a number.
    costs: onlyOn(values.costs, (cost) => countOf(cost) !== null, (cost) => countOf(cost)!),
    // a zone not picked goes as '' so the schema names the field
    quietHours: values.quietHours.isOn
      ? { start: clockTimeOf(values.quietHours.start), end: clockTimeOf(values.quietHours.end), timezone: values.quietHours.timezone ?? '' }
      : null,
  };
}

/** The payload, or the issues the shared schema finds in it, named as the API names them. */
export function checkDeliverySettings(values: DeliverySettingsFormValues): { input: DeliverySettingsInput; issues: [] } | { input: null; issues: FieldIssue[] } {
  const input = settingsOfValues(values);
  const parsed = deliverySettingsSchema.safeParse(input);
  return parsed.success ? { input, issues: [] } : { input: null, issues: issuesOfParse(parsed.error.issues) };
}

const rateLimitFields = new Set<string>([...rateLimitWindows.map(({ key }) => key), 'burstAllowed', 'burstMax']);
const retryPolicyFields = new Set<string>(['maxAttempts', 'baseDelaySeconds', 'factor', 'maxDelaySeconds', 'jitter']);
const isChannel = (value: string | undefined): value is Channel => (channels as readonly string[]).includes(value ?? '');

/**
 * Where an API issue shows in the form: the same path when an input stands for it, null when
 * none does (a channel the form cannot name, such as `rateLimits.channels.fax`).
 */
export function deliverySettingsFieldOf(apiField: string): string | null {
  const parts = apiField.split('.');
  const [root, scope, ...rest] = parts;
  const leafOf = (path: string[], fields: Set<string>) => (path.length === 1 && fields.has(path[0]!) ? apiField : null);
  const under = (fields: Set<string>) => {
    if (scope === 'global' || scope === 'default') return leafOf(rest, fields);
    if (scope === 'channels' && isChannel(rest[0])) return leafOf(rest.slice(1), fields);
    return null;
  };
  switch (root) {
    case 'rateLimits':
      return scope === 'default' ? null : under(rateLimitFields);
    case 'retryPolicies':
      return scope === 'global' ? null : under(retryPolicyFields);
    case 'frequencyCap':
      return parts.length === 2 && (scope === 'maxPerDay' || scope === 'maxPerWeek') ? apiField : null;
    case 'costs':
      return parts.length === 2 && isChannel(scope) ? apiField : null;
    case 'quietHours':
      return parts.length === 2 && (scope === 'start' || scope === 'end' || scope === 'timezone') ? apiField : null;
    default:
      return null;
  }
}

/** The errors left once an editor under `prefix` changed: its own are stale, the others stay. */
export function withoutErrorsUnder(errors: Record<string, unknown>, prefix: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(errors).filter(([path]) => path !== prefix && !path.startsWith(`${prefix}.`)));
}

/** The errors under one limit or policy, by its own field names, for RateLimitFields and RetryPolicyFields. */
export function errorsUnder<T extends object>(errorAt: (path: string) => string | undefined, prefix: string, draft: T): Partial<Record<keyof T, string | undefined>> {
  return Object.fromEntries(Object.keys(draft).map((key) => [key, errorAt(`${prefix}.${key}`)])) as Partial<Record<keyof T, string | undefined>>;
}
