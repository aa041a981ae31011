import { scheduleInputSchema, type Audience, type Channel, type ChannelMode, type Priority, type Schedule, type ScheduleInput, type Timing } from '@herald/shared';
import { draftOfRateLimit, draftOfRetryPolicy, emptyRateLimitDraft, rateLimitOfDraft, retryPolicyOfDraft, type RateLimitDraft, type RetryPolicyDraft } from '../delivery/limit-drafts.ts';
import type { FieldIssue } from '../../lib/api.ts';
import { issuesOfParse } from '../../lib/form-errors.ts';

export type ScheduleMode = 'once' | 'recurring';
export type Frequency = 'daily' | 'weekly' | 'monthly' | 'cron';
export type AudienceType = Audience['type'];

/** What the schedule modal edits; turned into the API's `scheduleInputSchema` shape on save. */
export type ScheduleFormValues = {
  name: string;
  templateId: string | null;
  timezone: string;
  mode: ScheduleMode;
  /** one-time: "YYYY-MM-DD" and "HH:mm", wall clock in `timezone` */
  onceDate: string | null;
  onceTime: string;
  frequency: Frequency;
  /** recurring: "HH:mm" */
  time: string;
  /** ISO weekdays as strings, "1" = Monday … "7" = Sunday */
  days: string[];
  /** "1" … "31" or "last" */
  monthDay: string;
  expression: string;
  /** optional window, "YYYY-MM-DD HH:mm:ss" as the date-time picker gives it */
  startsAt: string | null;
  endsAt: string | null;
  audienceType: AudienceType;
  recipientIds: string[];
  segmentId: string | null;
  /** in fallback mode, also the order channels are tried in */
  channels: Channel[];
  channelMode: ChannelMode;
  priority: Priority;
  isPaused: boolean;
  hasOwnRateLimit: boolean;
  rateLimit: RateLimitDraft;
  hasOwnRetryPolicy: boolean;
  retryPolicy: RetryPolicyDraft;
};

export type ScheduleDefaults = { templateId?: string | null; name?: string; channels?: Channel[]; timezone: string; onceDate: string; onceTime: string };

/** "2026-07-01 09:30:00" or "2026-07-01T09:30" → "2026-07-01T09:30", the API's local date-time. */
export function toLocalDateTime(value: string): string {
  return value.trim().replace(' ', 'T').slice(0, 16);
}

/** "2026-07-01T09:30" → "2026-07-01 09:30:00", what the date-time picker takes. */
export function fromLocalDateTime(value: string | undefined): string | null {
  if (!value) return null;
  const [date, time = '00:00'] = value.split('T');
  return `${date} ${time.length === 5 ? `${time}:00` : time}`;
}

/** The form's starting values: the schedule's, or defaults for a new one. */
export function scheduleToValues(schedule: Schedule | undefined, defaults: ScheduleDefaults): ScheduleFormValues {
  const values: ScheduleFormValues = {
    name: defaults.name ?? '',
    templateId: defaults.templateId ?? null,
    timezone: defaults.timezone,
    mode: 'once',
    onceDate: defaults.onceDate,
    onceTime: defaults.onceTime,
    frequency: 'daily',
    time: '09:00',
    days: ['1'],
    monthDay: '1',
    expression: '0 9 * * 1-5',
    startsAt: null,
    endsAt: null,
    audienceType: 'all',
    recipientIds: [],
    segmentId: null,
    channels: defaults.channels ?? [],
    channelMode: 'all',
    priority: 'normal',
    isPaused: false,
    hasOwnRateLimit: false,
    rateLimit: emptyRateLimitDraft,
    hasOwnRetryPolicy: false,
    retryPolicy: draftOfRetryPolicy(null),
  };
  if (!schedule) return values;
  const { timing, audience } = schedule;
  Object.assign(values, {
    name: schedule.name,
    templateId: schedule.templateId,
    timezone: schedule.timezone,
    channels: schedule.channels,
    channelMode: schedule.channelMode,
    priority: schedule.priority,
    isPaused: schedule.status === 'paused',
    hasOwnRateLimit: schedule.rateLimit !== null,
    rateLimit: draftOfRateLimit(schedule.rateLimit),
    hasOwnRetryPolicy: schedule.retryPolicy !== null,
    retryPolicy: draftOfRetryPolicy(schedule.retryPolicy),
    audienceType: audience.type,
    recipientIds: audience.type === 'test' ? audience.recipientIds : [],
    segmentId: audience.type === 'segment' ? audience.segmentId : null,
  });
  if (timing.type === 'once') {
    const [date, time] = timing.at.split('T');
    return { ...values, mode: 'once', onceDate: date ?? null, onceTime: (time ?? '').slice(0, 5) };
  }
  values.mode = 'recurring';
  values.frequency = timing.type;
  values.startsAt = fromLocalDateTime(timing.startsAt);
  values.endsAt = fromLocalDateTime(timing.endsAt);
  if (timing.type === 'cron') values.expression = timing.expression;
  else values.time = timing.time;
  if (timing.type === 'weekly') values.days = timing.days.map(String);
  if (timing.type === 'monthly') values.monthDay = String(timing.day);
  return values;
}

/** The timing the form describes (maybe not a valid one: the shared schema and the server judge that). */
export function timingOf(values: ScheduleFormValues): Timing {
  if (values.mode === 'once') {
    return { type: 'once', at: `${values.onceDate ?? ''}T${values.onceTime}` };
  }
  const window = {
    ...(values.startsAt ? { startsAt: toLocalDateTime(values.startsAt) } : {}),
    ...(values.endsAt ? { endsAt: toLocalDateTime(values.endsAt) } : {}),
  };
  switch (values.frequency) {
    case 'daily':
      return { type: 'daily', time: values.time, ...window };
    case 'weekly':
      return { type: 'weekly', time: values.time, days: values.days.map(Number).sort((a, b) => a - b), ...window };
    case 'monthly':
      return { type: 'monthly', time: values.time, day: values.monthDay === 'last' ? 'last' : Number(values.monthDay), ...window };
    case 'cron':
      return { type: 'cron', expression: values.expression.trim(), ...window };
  }
}

/** The audience the form describes. */
export function audienceOf(values: ScheduleFormValues): Audience {
  switch (values.audienceType) {
    case 'test':
      return { type: 'test', recipientIds: values.recipientIds };
    case 'segment':
      return { type: 'segment', segmentId: values.segmentId ?? '' };
    default:
      return { type: values.audienceType };
  }
}

/** The API payload the form describes, before any check. */
export function scheduleInputOf(values: ScheduleFormValues): ScheduleInput {
  return {
    name: values.name.trim(),
    templateId: values.templateId ?? '',
    timezone: values.timezone,
    timing: timingOf(values),
    audience: audienceOf(values),
    channels: values.channels,
    channelMode: values.channelMode,
    priority: values.priority,
    status: values.isPaused ? 'paused' : 'active',
    rateLimit: values.hasOwnRateLimit ? rateLimitOfDraft(values.rateLimit) : null,
    retryPolicy: values.hasOwnRetryPolicy ? retryPolicyOfDraft(values.retryPolicy) : null,
  };
}

/** The payload, or the issues the shared schema finds in it (named like the API names them). */
export function valuesToScheduleInput(values: ScheduleFormValues): { input: ScheduleInput; issues: [] } | { input: null; issues: FieldIssue[] } {
  const input = scheduleInputOf(values);
  const result = scheduleInputSchema.safeParse(input);
  if (!result.success) return { input: null, issues: issuesOfParse(result.error.issues) };
  return { input, issues: [] };
}

const timingFields: Record<string, keyof ScheduleFormValues | 'onceAt' | 'timing'> = {
  at: 'onceAt',
  time: 'time',
  days: 'days',
  day: 'monthDay',
  expression: 'expression',
  startsAt: 'startsAt',
  endsAt: 'endsAt',
  type: 'timing',
};

/**
 * Where an API issue shows in the modal. `timing.at` stands for the date and time inputs
 * together (`onceAt`); `timing` itself (e.g. "never fires") has a slot of its own.
 */
export function scheduleFieldOf(apiField: string): string | null {
  const [root, child] = apiField.split('.');
  switch (root) {
    case 'name':
    case 'templateId':
    case 'timezone':
    case 'priority':
    case 'channels':
    case 'channelMode':
      return root;
    case 'rateLimit':
    case 'retryPolicy':
      return child ? `${root}.${child}` : root;
    case 'status':
      return 'isPaused';
    case 'timing':
      return child ? (timingFields[child] ?? 'timing') : 'timing';
    case 'audience':
      if (child === 'recipientIds') return 'recipientIds';
      if (child === 'segmentId') return 'segmentId';
      return 'audienceType';
    default:
      return null;
  }
}
