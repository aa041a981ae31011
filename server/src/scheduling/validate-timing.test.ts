import { describe, expect, it } from 'vitest';
import type { Timing } from '@herald/shared';
import { validateTiming } from './validate-timing.ts';

const now = new Date('2026-06-01T12:00:00Z');

const cases: Array<{ name: string; timing: Timing; zone?: string; expected: Array<{ field: string; rule: string; message?: RegExp }> }> = [
  { name: 'a daily timing is fine', timing: { type: 'daily', time: '09:00' }, expected: [] },
  { name: 'a future one-time send is fine', timing: { type: 'once', at: '2026-06-01T14:01' }, zone: 'Europe/Paris', expected: [] },
  {
    name: 'a one-time send in the past',
    timing: { type: 'once', at: '2026-06-01T13:59' }, zone: 'Europe/Paris',
    expected: [{ field: 'timing.at', rule: 'in_future', message: /2026-06-01 13:59 \(Europe\/Paris\) has already passed/ }],
  },
  { name: 'a one-time send exactly now is in the past', timing: { type: 'once', at: '2026-06-01T12:00' }, expected: [{ field: 'timing.at', rule: 'in_future' }] },
  { name: 'a one-time send on 30 February', timing: { type: 'once', at: '2027-02-30T09:00' }, expected: [{ field: 'timing.at', rule: 'date', message: /not a date/ }] },
  { name: 'a valid cron', timing: { type: 'cron', expression: '0 9 * * 1-5' }, expected: [] },
  { name: 'a valid cron with seconds', timing: { type: 'cron', expression: '0 0 9 * * *' }, expected: [] },
  { name: 'cron with a minute out of range says which field', timing: { type: 'cron', expression: '61 9 * * *' }, expected: [{ field: 'timing.expression', rule: 'cron', message: /minute/i }] },
  { name: 'cron with 7 fields', timing: { type: 'cron', expression: '0 0 9 * * * 2027' }, expected: [{ field: 'timing.expression', rule: 'cron', message: /5 fields/ }] },
  { name: 'cron with 3 fields', timing: { type: 'cron', expression: '0 9 *' }, expected: [{ field: 'timing.expression', rule: 'cron', message: /has 3/ }] },
  { name: 'cron nickname is not 5 fields', timing: { type: 'cron', expression: '@daily' }, expected: [{ field: 'timing.expression', rule: 'cron' }] },
  { name: 'cron that never matches (30 February)', timing: { type: 'cron', expression: '0 0 30 2 *' }, expected: [{ field: 'timing', rule: 'never_fires', message: /no date matches/ }] },
  {
    name: 'end before start',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-07-10T00:00', endsAt: '2026-07-01T00:00' },
    expected: [{ field: 'timing.endsAt', rule: 'after_start' }],
  },
  {
    name: 'end equal to start is allowed (one firing at most)',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-07-10T09:00', endsAt: '2026-07-10T09:00' },
    expected: [],
  },
  {
    name: 'a window that holds no firing time',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-07-10T10:00', endsAt: '2026-07-10T12:00' },
    expected: [{ field: 'timing', rule: 'never_fires' }],
  },
  {
    name: 'endsAt already passed',
    timing: { type: 'weekly', time: '09:00', days: [1], endsAt: '2026-05-31T23:00' },
    expected: [{ field: 'timing', rule: 'never_fires', message: /before endsAt 2026-05-31 23:00/ }],
  },
  { name: 'startsAt on 31 April', timing: { type: 'daily', time: '09:00', startsAt: '2026-04-31T00:00' }, expected: [{ field: 'timing.startsAt', rule: 'date' }] },
  { name: 'an unknown zone', timing: { type: 'daily', time: '09:00' }, zone: 'Mars/Olympus_Mons', expected: [{ field: 'timezone', rule: 'timezone' }] },
];

describe('validateTiming', () => {
  it.each(cases)('$name', ({ timing, zone, expected }) => {
    const issues = validateTiming(timing, zone ?? 'UTC', now);
    expect(issues.map(({ field, rule }) => ({ field, rule }))).toEqual(expected.map(({ field, rule }) => ({ field, rule })));
    expected.forEach((want, index) => {
      if (want.message) expect(issues[index]!.message).toMatch(want.message);
    });
  });
});
