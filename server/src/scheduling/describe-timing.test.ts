import { describe, expect, it } from 'vitest';
import type { Timing } from '@herald/shared';
import { describeTiming } from './describe-timing.ts';

const cases: Array<{ name: string; timing: Timing; zone: string; expected: string }> = [
  { name: 'once', timing: { type: 'once', at: '2026-12-01T09:30' }, zone: 'Europe/Paris', expected: 'Once on 2026-12-01 09:30 (Europe/Paris)' },
  { name: 'once with seconds', timing: { type: 'once', at: '2026-12-01T09:30:15' }, zone: 'UTC', expected: 'Once on 2026-12-01 09:30:15 (UTC)' },
  { name: 'daily', timing: { type: 'daily', time: '08:15' }, zone: 'UTC', expected: 'Every day at 08:15 (UTC)' },
  { name: 'weekly, two days', timing: { type: 'weekly', time: '09:00', days: [5, 1] }, zone: 'Europe/Paris', expected: 'Every Monday and Friday at 09:00 (Europe/Paris)' },
  { name: 'weekly, one day', timing: { type: 'weekly', time: '18:00', days: [7] }, zone: 'UTC', expected: 'Every Sunday at 18:00 (UTC)' },
  { name: 'weekly, three days', timing: { type: 'weekly', time: '07:00', days: [3, 1, 5] }, zone: 'UTC', expected: 'Every Monday, Wednesday and Friday at 07:00 (UTC)' },
  { name: 'weekly, Monday to Friday', timing: { type: 'weekly', time: '09:00', days: [1, 2, 3, 4, 5] }, zone: 'UTC', expected: 'Every weekday (Monday to Friday) at 09:00 (UTC)' },
  { name: 'weekly, all seven days', timing: { type: 'weekly', time: '09:00', days: [1, 2, 3, 4, 5, 6, 7] }, zone: 'UTC', expected: 'Every day at 09:00 (UTC)' },
  { name: 'monthly, the 1st', timing: { type: 'monthly', time: '09:00', day: 1 }, zone: 'UTC', expected: 'Every month on the 1st at 09:00 (UTC)' },
  { name: 'monthly, the 22nd', timing: { type: 'monthly', time: '09:00', day: 22 }, zone: 'UTC', expected: 'Every month on the 22nd at 09:00 (UTC)' },
  { name: 'monthly, the 11th (not 11st)', timing: { type: 'monthly', time: '09:00', day: 11 }, zone: 'UTC', expected: 'Every month on the 11th at 09:00 (UTC)' },
  { name: 'monthly, the 31st says what shorter months do', timing: { type: 'monthly', time: '09:00', day: 31 }, zone: 'UTC', expected: 'Every month on the 31st (or the last day of shorter months) at 09:00 (UTC)' },
  { name: 'monthly, last day', timing: { type: 'monthly', time: '23:00', day: 'last' }, zone: 'UTC', expected: 'Every month on the last day at 23:00 (UTC)' },
  { name: 'cron', timing: { type: 'cron', expression: '0 9 * * 1-5' }, zone: 'America/New_York', expected: 'At 09:00, Monday through Friday (America/New_York)' },
  { name: 'cron with seconds', timing: { type: 'cron', expression: '30 0 9 * * *' }, zone: 'UTC', expected: 'At 09:00:30 (UTC)' },
  { name: 'an invalid cron still gets a sentence', timing: { type: 'cron', expression: 'nope' }, zone: 'UTC', expected: 'On cron schedule "nope" (UTC)' },
  {
    name: 'a window',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-01-01T00:00', endsAt: '2026-06-30T23:59' },
    zone: 'UTC',
    expected: 'Every day at 09:00 (UTC), from 2026-01-01 00:00 until 2026-06-30 23:59',
  },
  { name: 'only an end', timing: { type: 'cron', expression: '*/15 * * * *', endsAt: '2026-06-30T12:00' }, zone: 'UTC', expected: 'Every 15 minutes (UTC), until 2026-06-30 12:00' },
];

describe('describeTiming', () => {
  it.each(cases)('$name', ({ timing, zone, expected }) => {
    expect(describeTiming(timing, zone)).toBe(expected);
  });
});
