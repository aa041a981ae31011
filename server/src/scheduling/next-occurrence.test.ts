import { describe, expect, it } from 'vitest';
import type { Timing } from '@herald/shared';
import { nextOccurrence, nextOccurrences } from './next-occurrence.ts';

type Case = { name: string; timing: Timing; zone: string; after: string; count: number; expected: string[] };

// 2026 transitions used below:
//   America/New_York springs forward 8 Mar 02:00 EST → 03:00 EDT (07:00Z), falls back 1 Nov 02:00 EDT → 01:00 EST (06:00Z)
//   Europe/Paris springs forward 29 Mar 02:00 CET → 03:00 CEST (01:00Z), falls back 25 Oct 03:00 CEST → 02:00 CET (01:00Z)
//   Australia/Lord_Howe springs forward half an hour, 4 Oct 02:00 (+10:30) → 02:30 (+11) (15:30Z on 3 Oct)
const cases: Case[] = [
  // ── daily ──
  {
    name: 'daily: the next three days at 09:00 Paris (winter, UTC+1)',
    timing: { type: 'daily', time: '09:00' }, zone: 'Europe/Paris', after: '2026-01-15T12:00:00Z', count: 3,
    expected: ['2026-01-16T08:00:00.000Z', '2026-01-17T08:00:00.000Z', '2026-01-18T08:00:00.000Z'],
  },
  {
    name: 'daily: strictly after — an occurrence exactly at `after` is not returned',
    timing: { type: 'daily', time: '09:00' }, zone: 'Europe/Paris', after: '2026-01-16T08:00:00Z', count: 1,
    expected: ['2026-01-17T08:00:00.000Z'],
  },
  {
    name: 'daily: later the same day when the time has not come yet',
    timing: { type: 'daily', time: '09:00' }, zone: 'Europe/Paris', after: '2026-01-16T07:59:59.999Z', count: 1,
    expected: ['2026-01-16T08:00:00.000Z'],
  },
  {
    name: 'daily: 09:00 keeps its wall time across spring-forward (UTC+1 → UTC+2)',
    timing: { type: 'daily', time: '09:00' }, zone: 'Europe/Paris', after: '2026-03-27T12:00:00Z', count: 3,
    expected: ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
  },
  {
    name: 'DST gap, New York: 02:30 on 8 Mar 2026 does not exist → 03:00 EDT, the instant clocks jump',
    timing: { type: 'daily', time: '02:30' }, zone: 'America/New_York', after: '2026-03-07T12:00:00Z', count: 3,
    expected: ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z'],
  },
  {
    name: 'DST gap, Paris: 02:30 on 29 Mar 2026 → 03:00 CEST',
    timing: { type: 'daily', time: '02:30' }, zone: 'Europe/Paris', after: '2026-03-28T12:00:00Z', count: 2,
    expected: ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
  },
  {
    name: 'DST gap at the very start of the gap: 02:00 on spring-forward day → 03:00 EDT',
    timing: { type: 'daily', time: '02:00' }, zone: 'America/New_York', after: '2026-03-08T00:00:00Z', count: 1,
    expected: ['2026-03-08T07:00:00.000Z'],
  },
  {
    name: 'half-hour DST gap, Lord Howe: 02:15 on 4 Oct 2026 → 02:30 (+11)',
    timing: { type: 'daily', time: '02:15' }, zone: 'Australia/Lord_Howe', after: '2026-10-03T00:00:00Z', count: 2,
    expected: ['2026-10-03T15:30:00.000Z', '2026-10-04T15:15:00.000Z'],
  },
  {
    name: 'a whole skipped day (Samoa, 30 Dec 2011): 09:00 that day fires when the clocks jump',
    timing: { type: 'daily', time: '09:00' }, zone: 'Pacific/Apia', after: '2011-12-29T12:00:00Z', count: 3,
    expected: ['2011-12-29T19:00:00.000Z', '2011-12-30T10:00:00.000Z', '2011-12-30T19:00:00.000Z'],
  },
  {
    name: 'DST overlap, New York: 01:30 on 1 Nov 2026 happens twice → fires once, at the first (EDT)',
    timing: { type: 'daily', time: '01:30' }, zone: 'America/New_York', after: '2026-10-31T12:00:00Z', count: 2,
    expected: ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  },
  {
    name: 'DST overlap: asked between the two passes, the second pass is not a new occurrence',
    timing: { type: 'daily', time: '01:30' }, zone: 'America/New_York', after: '2026-11-01T06:00:00Z', count: 1,
    expected: ['2026-11-02T06:30:00.000Z'],
  },
  {
    name: 'DST overlap, Paris: 02:30 on 25 Oct 2026 → the first, CEST instant',
    timing: { type: 'daily', time: '02:30' }, zone: 'Europe/Paris', after: '2026-10-24T12:00:00Z', count: 2,
    expected: ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
  },
  // ── weekly ──
  {
    name: 'weekly: Monday and Friday, starting from a Wednesday',
    timing: { type: 'weekly', time: '09:00', days: [1, 5] }, zone: 'Europe/Paris', after: '2026-01-14T00:00:00Z', count: 3,
    expected: ['2026-01-16T08:00:00.000Z', '2026-01-19T08:00:00.000Z', '2026-01-23T08:00:00.000Z'],
  },
  {
    name: 'weekly: days given out of order and repeated fire once each',
    timing: { type: 'weekly', time: '09:00', days: [5, 1, 5] }, zone: 'UTC', after: '2026-01-14T00:00:00Z', count: 3,
    expected: ['2026-01-16T09:00:00.000Z', '2026-01-19T09:00:00.000Z', '2026-01-23T09:00:00.000Z'],
  },
  {
    name: 'weekly: Sunday is 7',
    timing: { type: 'weekly', time: '10:00', days: [7] }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 2,
    expected: ['2026-01-04T10:00:00.000Z', '2026-01-11T10:00:00.000Z'],
  },
  {
    name: 'weekly: the local weekday counts, not the UTC one (Monday 08:00 in Tokyo is Sunday in UTC)',
    timing: { type: 'weekly', time: '08:00', days: [1] }, zone: 'Asia/Tokyo', after: '2026-01-01T00:00:00Z', count: 1,
    expected: ['2026-01-04T23:00:00.000Z'],
  },
  // ── monthly ──
  {
    name: 'monthly day 31: shorter months fire on their last day',
    timing: { type: 'monthly', time: '09:00', day: 31 }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 4,
    expected: ['2026-01-31T09:00:00.000Z', '2026-02-28T09:00:00.000Z', '2026-03-31T09:00:00.000Z', '2026-04-30T09:00:00.000Z'],
  },
  {
    name: 'monthly day 29 in a leap year: 29 Feb exists (2028)',
    timing: { type: 'monthly', time: '09:00', day: 29 }, zone: 'UTC', after: '2028-01-01T00:00:00Z', count: 3,
    expected: ['2028-01-29T09:00:00.000Z', '2028-02-29T09:00:00.000Z', '2028-03-29T09:00:00.000Z'],
  },
  {
    name: 'monthly day 29 in a common year: February fires on the 28th (2027)',
    timing: { type: 'monthly', time: '09:00', day: 29 }, zone: 'UTC', after: '2027-02-01T00:00:00Z', count: 2,
    expected: ['2027-02-28T09:00:00.000Z', '2027-03-29T09:00:00.000Z'],
  },
  {
    name: 'monthly day 30: February fires on its last day, March on the 30th',
    timing: { type: 'monthly', time: '09:00', day: 30 }, zone: 'UTC', after: '2027-02-01T00:00:00Z', count: 2,
    expected: ['2027-02-28T09:00:00.000Z', '2027-03-30T09:00:00.000Z'],
  },
  {
    name: "monthly 'last': 31 Dec, 31 Jan, 29 Feb of a leap year",
    timing: { type: 'monthly', time: '09:00', day: 'last' }, zone: 'UTC', after: '2027-12-15T00:00:00Z', count: 3,
    expected: ['2027-12-31T09:00:00.000Z', '2028-01-31T09:00:00.000Z', '2028-02-29T09:00:00.000Z'],
  },
  {
    name: 'monthly: local 09:00 in New York is 14:00Z in winter and 13:00Z in summer',
    timing: { type: 'monthly', time: '09:00', day: 15 }, zone: 'America/New_York', after: '2026-02-01T00:00:00Z', count: 3,
    expected: ['2026-02-15T14:00:00.000Z', '2026-03-15T13:00:00.000Z', '2026-04-15T13:00:00.000Z'],
  },
  {
    name: 'monthly: the last day of the month late in the evening crosses into the next UTC month',
    timing: { type: 'monthly', time: '23:30', day: 'last' }, zone: 'America/Los_Angeles', after: '2026-01-02T00:00:00Z', count: 1,
    expected: ['2026-02-01T07:30:00.000Z'],
  },
  // ── cron ──
  {
    name: 'cron in a zone: weekdays at 09:00 Paris, from a Friday afternoon',
    timing: { type: 'cron', expression: '0 9 * * 1-5' }, zone: 'Europe/Paris', after: '2026-01-16T12:00:00Z', count: 2,
    expected: ['2026-01-19T08:00:00.000Z', '2026-01-20T08:00:00.000Z'],
  },
  {
    name: 'cron with seconds (6 fields)',
    timing: { type: 'cron', expression: '30 0 9 * * *' }, zone: 'UTC', after: '2026-01-16T12:00:00Z', count: 1,
    expected: ['2026-01-17T09:00:30.000Z'],
  },
  {
    name: 'cron in a DST gap follows the same rule: 30 2 * * * → 03:00 EDT on spring-forward day',
    timing: { type: 'cron', expression: '30 2 * * *' }, zone: 'America/New_York', after: '2026-03-08T00:00:00Z', count: 2,
    expected: ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
  },
  {
    name: 'cron every 30 minutes over spring-forward: skipped times collapse into one firing at 03:00',
    timing: { type: 'cron', expression: '*/30 * * * *' }, zone: 'America/New_York', after: '2026-03-08T06:15:00Z', count: 3,
    expected: ['2026-03-08T06:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z'],
  },
  {
    name: 'cron hourly over fall-back: the repeated 01:00 fires once',
    timing: { type: 'cron', expression: '0 * * * *' }, zone: 'America/New_York', after: '2026-11-01T04:30:00Z', count: 3,
    expected: ['2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z'],
  },
  {
    name: 'cron: day-of-month and day-of-week are OR-ed, as in classic cron (the 13th or any Friday)',
    timing: { type: 'cron', expression: '0 12 13 * 5' }, zone: 'UTC', after: '2026-02-01T00:00:00Z', count: 3,
    expected: ['2026-02-06T12:00:00.000Z', '2026-02-13T12:00:00.000Z', '2026-02-20T12:00:00.000Z'],
  },
  {
    name: 'cron that can never match (30 February) → none',
    timing: { type: 'cron', expression: '0 0 30 2 *' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 1,
    expected: [],
  },
  // ── startsAt / endsAt ──
  {
    name: 'startsAt is inclusive',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-02-10T09:00' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 2,
    expected: ['2026-02-10T09:00:00.000Z', '2026-02-11T09:00:00.000Z'],
  },
  {
    name: 'startsAt one minute late skips that day',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-02-10T09:01' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 1,
    expected: ['2026-02-11T09:00:00.000Z'],
  },
  {
    name: 'startsAt and endsAt are local to the zone (Paris 09:00 = 08:00Z)',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-02-10T09:00', endsAt: '2026-02-11T09:00' }, zone: 'Europe/Paris', after: '2026-01-01T00:00:00Z', count: 5,
    expected: ['2026-02-10T08:00:00.000Z', '2026-02-11T08:00:00.000Z'],
  },
  {
    name: 'endsAt is inclusive and stops the recurrence',
    timing: { type: 'daily', time: '09:00', endsAt: '2026-01-03T09:00' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 5,
    expected: ['2026-01-01T09:00:00.000Z', '2026-01-02T09:00:00.000Z', '2026-01-03T09:00:00.000Z'],
  },
  {
    name: 'endsAt before startsAt → none',
    timing: { type: 'daily', time: '09:00', startsAt: '2026-02-10T00:00', endsAt: '2026-02-01T00:00' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 5,
    expected: [],
  },
  {
    name: 'endsAt already past → none',
    timing: { type: 'weekly', time: '09:00', days: [1], endsAt: '2025-12-31T23:59' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 1,
    expected: [],
  },
  {
    name: 'cron with a window',
    timing: { type: 'cron', expression: '0 12 * * *', startsAt: '2026-03-01T00:00', endsAt: '2026-03-02T12:00' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 5,
    expected: ['2026-03-01T12:00:00.000Z', '2026-03-02T12:00:00.000Z'],
  },
  // ── once ──
  {
    name: 'once in the future fires once',
    timing: { type: 'once', at: '2026-12-01T09:30' }, zone: 'Europe/Paris', after: '2026-11-01T00:00:00Z', count: 3,
    expected: ['2026-12-01T08:30:00.000Z'],
  },
  {
    name: 'once with seconds',
    timing: { type: 'once', at: '2026-12-01T09:30:15' }, zone: 'UTC', after: '2026-11-01T00:00:00Z', count: 1,
    expected: ['2026-12-01T09:30:15.000Z'],
  },
  {
    name: 'once in the past → none',
    timing: { type: 'once', at: '2026-01-01T09:30' }, zone: 'UTC', after: '2026-06-01T00:00:00Z', count: 1,
    expected: [],
  },
  {
    name: 'once exactly at `after` → none (strictly after)',
    timing: { type: 'once', at: '2026-01-01T09:30' }, zone: 'UTC', after: '2026-01-01T09:30:00Z', count: 1,
    expected: [],
  },
  {
    name: 'once inside a DST gap → the instant the clocks jump',
    timing: { type: 'once', at: '2026-03-29T02:30' }, zone: 'Europe/Paris', after: '2026-03-01T00:00:00Z', count: 1,
    expected: ['2026-03-29T01:00:00.000Z'],
  },
  {
    name: 'count 0 → none',
    timing: { type: 'daily', time: '09:00' }, zone: 'UTC', after: '2026-01-01T00:00:00Z', count: 0,
    expected: [],
  },
];

describe('nextOccurrences', () => {
  it.each(cases)('$name', ({ timing, zone, after, count, expected }) => {
    expect(nextOccurrences(timing, zone, new Date(after), count).map((d) => d.toISOString())).toEqual(expected);
  });

  it('nextOccurrence is the first of nextOccurrences, or null', () => {
    expect(nextOccurrence({ type: 'daily', time: '09:00' }, 'UTC', new Date('2026-01-01T10:00:00Z'))?.toISOString()).toBe('2026-01-02T09:00:00.000Z');
    expect(nextOccurrence({ type: 'once', at: '2020-01-01T00:00' }, 'UTC', new Date('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('refuses an unknown zone instead of falling back to UTC', () => {
    expect(() => nextOccurrences({ type: 'daily', time: '09:00' }, 'Mars/Olympus_Mons', new Date(), 1)).toThrow(/unknown time zone/);
  });

  it('refuses an invalid cron expression with the reason', () => {
    expect(() => nextOccurrences({ type: 'cron', expression: '61 * * * *' }, 'UTC', new Date(), 1)).toThrow(/minute/);
    expect(() => nextOccurrences({ type: 'cron', expression: '* * * * * * *' }, 'UTC', new Date(), 1)).toThrow(/5 fields/);
  });

  it('results are strictly increasing and after `after`, across a year of DST in several zones', () => {
    const timings: Timing[] = [
      { type: 'cron', expression: '*/20 0-4 * * *' },
      { type: 'daily', time: '02:30' },
      { type: 'monthly', time: '01:30', day: 'last' },
    ];
    for (const zone of ['America/New_York', 'Europe/Paris', 'Australia/Lord_Howe', 'America/Santiago']) {
      for (const timing of timings) {
        const after = new Date('2026-01-01T00:00:00Z');
        const found = nextOccurrences(timing, zone, after, 400);
        expect(found.length).toBe(400);
        expect(found[0]!.getTime()).toBeGreaterThan(after.getTime());
        for (let i = 1; i < found.length; i++) expect(found[i]!.getTime()).toBeGreaterThan(found[i - 1]!.getTime());
        // Continuing from any result gives the rest of the same sequence.
        expect(nextOccurrences(timing, zone, found[199]!, 5)).toEqual(found.slice(200, 205));
      }
    }
  });
});
