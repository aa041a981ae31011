import { describe, expect, it } from 'vitest';
import type { Schedule, Timing } from '@herald/shared';
import {
  fromLocalDateTime,
  scheduleFieldOf,
  scheduleInputOf,
  scheduleToValues,
  timingOf,
  toLocalDateTime,
  valuesToScheduleInput,
  type ScheduleFormValues,
} from './schedule-form.ts';

const templateId = '0b7c2f4e-8f1a-4c1e-9a53-2f6d3c1b9e10';
const recipientId = '5f0e1d2c-3b4a-4958-8776-655443322110';
const defaults = { templateId, name: 'Digest', channels: ['email' as const], timezone: 'Europe/Paris', onceDate: '2030-05-01', onceTime: '09:15' };

function scheduleWith(timing: Timing, extra: Partial<Schedule> = {}): Schedule {
  return {
    id: '9d8c7b6a-5f4e-4d3c-8b2a-190817263544',
    name: 'Weekly digest',
    templateId,
    templateName: 'Digest',
    status: 'active',
    timezone: 'America/New_York',
    timing,
    description: '',
    audience: { type: 'all' },
    channels: ['email', 'sms'],
    priority: 'high',
    channelMode: 'all',
    rateLimit: null,
    retryPolicy: null,
    nextRunAt: null,
    lastRunAt: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    ...extra,
  };
}

function valuesWith(changes: Partial<ScheduleFormValues>): ScheduleFormValues {
  return { ...scheduleToValues(undefined, defaults), ...changes };
}

describe('local date-times', () => {
  it.each([
    ['2030-05-01 09:30:00', '2030-05-01T09:30'],
    ['2030-05-01T09:30', '2030-05-01T09:30'],
    [' 2030-12-31 23:59:59 ', '2030-12-31T23:59'],
  ])('toLocalDateTime(%j) is %j', (input, expected) => {
    expect(toLocalDateTime(input)).toBe(expected);
  });

  it.each([
    ['2030-05-01T09:30', '2030-05-01 09:30:00'],
    ['2030-05-01T09:30:15', '2030-05-01 09:30:15'],
    [undefined, null],
  ])('fromLocalDateTime(%j) is %j', (input, expected) => {
    expect(fromLocalDateTime(input)).toBe(expected);
  });
});

describe('a saved schedule comes back unchanged through the form', () => {
  const timings: Array<[string, Timing]> = [
    ['once', { type: 'once', at: '2030-05-01T09:30' }],
    ['daily with a window', { type: 'daily', time: '07:00', startsAt: '2030-01-01T00:00', endsAt: '2030-12-31T23:59' }],
    ['weekly, days in order', { type: 'weekly', time: '09:00', days: [1, 3, 7] }],
    ['monthly on the 31st', { type: 'monthly', time: '18:45', day: 31 }],
    ['monthly on the last day', { type: 'monthly', time: '08:00', day: 'last' }],
    ['cron', { type: 'cron', expression: '*/15 9-17 * * 1-5' }],
  ];
  it.each(timings)('%s', (_name, timing) => {
    const schedule = scheduleWith(timing);
    const input = scheduleInputOf(scheduleToValues(schedule, defaults));
    expect(input.timing).toEqual(timing);
    expect(input).toMatchObject({ name: 'Weekly digest', templateId, timezone: 'America/New_York', channels: ['email', 'sms'], priority: 'high', status: 'active' });
  });

  it('keeps a test list and a paused status', () => {
    const schedule = scheduleWith({ type: 'daily', time: '09:00' }, { status: 'paused', audience: { type: 'test', recipientIds: [recipientId] } });
    const input = scheduleInputOf(scheduleToValues(schedule, defaults));
    expect(input.audience).toEqual({ type: 'test', recipientIds: [recipientId] });
    expect(input.status).toBe('paused');
  });
});

describe('the timing the form describes', () => {
  it('sorts weekdays picked out of order', () => {
    expect(timingOf(valuesWith({ mode: 'recurring', frequency: 'weekly', days: ['5', '1', '3'] }))).toEqual({ type: 'weekly', time: '09:00', days: [1, 3, 5] });
  });

  it('leaves out an empty window', () => {
    expect(timingOf(valuesWith({ mode: 'recurring', frequency: 'daily', startsAt: null, endsAt: null }))).toEqual({ type: 'daily', time: '09:00' });
  });

  it('joins the one-time date and time', () => {
    expect(timingOf(valuesWith({ mode: 'once', onceDate: '2030-02-28', onceTime: '23:59' }))).toEqual({ type: 'once', at: '2030-02-28T23:59' });
  });

  it('trims a cron expression', () => {
    expect(timingOf(valuesWith({ mode: 'recurring', frequency: 'cron', expression: '  0 9 * * *  ' }))).toEqual({ type: 'cron', expression: '0 9 * * *' });
  });
});

describe('client-side checks name the input at fault', () => {
  const cases: Array<[string, Partial<ScheduleFormValues>, string]> = [
    ['an empty name', { name: '  ' }, 'name'],
    ['no template', { templateId: null }, 'templateId'],
    ['no send date', { onceDate: null }, 'onceAt'],
    ['no weekday', { mode: 'recurring', frequency: 'weekly', days: [] }, 'days'],
    ['a bad time of day', { mode: 'recurring', frequency: 'daily', time: '' }, 'time'],
    ['an empty cron expression', { mode: 'recurring', frequency: 'cron', expression: '' }, 'expression'],
    ['an empty test list', { audienceType: 'test', recipientIds: [] }, 'recipientIds'],
    ['no segment', { audienceType: 'segment', segmentId: null }, 'segmentId'],
    ['no channel', { channels: [] }, 'channels'],
    ['an own rate limit with no maximum', { hasOwnRateLimit: true }, 'rateLimit.maxPerMinute'],
    ['bursts without a size', { hasOwnRateLimit: true, rateLimit: { maxPerMinute: 10, maxPerHour: '', maxPerDay: '', burstAllowed: true, burstMax: '' } }, 'rateLimit.burstMax'],
    ['an empty retry attempts input', { hasOwnRetryPolicy: true, retryPolicy: { maxAttempts: '', baseDelaySeconds: 5, factor: 2, maxDelaySeconds: 60, jitter: 0 } }, 'retryPolicy.maxAttempts'],
  ];
  it.each(cases)('%s', (_name, changes, field) => {
    const checked = valuesToScheduleInput(valuesWith(changes));
    expect(checked.input).toBeNull();
    expect(checked.issues.map((issue) => scheduleFieldOf(issue.field))).toContain(field);
  });

  it('passes a complete form', () => {
    expect(valuesToScheduleInput(valuesWith({})).issues).toEqual([]);
  });

  it('sends no own limit or policy unless switched on, and the fallback order as the channel order', () => {
    const input = scheduleInputOf(valuesWith({ channels: ['sms', 'email'], channelMode: 'fallback', rateLimit: { maxPerMinute: 5, maxPerHour: '', maxPerDay: '', burstAllowed: false, burstMax: '' } }));
    expect(input).toMatchObject({ channels: ['sms', 'email'], channelMode: 'fallback', rateLimit: null, retryPolicy: null });
    const own = scheduleInputOf(valuesWith({ hasOwnRateLimit: true, rateLimit: { maxPerMinute: 5, maxPerHour: '', maxPerDay: '', burstAllowed: false, burstMax: '' } }));
    expect(own.rateLimit).toEqual({ maxPerMinute: 5, maxPerHour: null, maxPerDay: null, burstAllowed: false, burstMax: null });
  });

  it("reads a schedule's own limit and policy back into the form", () => {
    const values = scheduleToValues(scheduleWith({ type: 'daily', time: '09:00' }, { rateLimit: { maxPerMinute: null, maxPerHour: 100, maxPerDay: null, burstAllowed: false, burstMax: null }, retryPolicy: { maxAttempts: 3, baseDelaySeconds: 1, factor: 2, maxDelaySeconds: 10, jitter: 0 } }), defaults);
    expect(values).toMatchObject({ hasOwnRateLimit: true, rateLimit: { maxPerHour: 100, maxPerMinute: '' }, hasOwnRetryPolicy: true, retryPolicy: { maxAttempts: 3 } });
  });
});

describe('where an API issue shows', () => {
  it.each([
    ['name', 'name'],
    ['timing.at', 'onceAt'],
    ['timing.time', 'time'],
    ['timing.days', 'days'],
    ['timing.days.2', 'days'],
    ['timing.day', 'monthDay'],
    ['timing.expression', 'expression'],
    ['timing.startsAt', 'startsAt'],
    ['timing.endsAt', 'endsAt'],
    ['timing', 'timing'],
    ['timing.type', 'timing'],
    ['audience', 'audienceType'],
    ['audience.type', 'audienceType'],
    ['audience.recipientIds', 'recipientIds'],
    ['audience.recipientIds.0', 'recipientIds'],
    ['audience.segmentId', 'segmentId'],
    ['channels.1', 'channels'],
    ['status', 'isPaused'],
    ['channelMode', 'channelMode'],
    ['rateLimit.maxPerHour', 'rateLimit.maxPerHour'],
    ['retryPolicy.jitter', 'retryPolicy.jitter'],
    ['body', null],
    ['somethingElse', null],
  ])('%s → %s', (apiField, formField) => {
    expect(scheduleFieldOf(apiField)).toBe(formField);
  });
});
