import { describe, expect, it } from 'vitest';
import { describeQuietWait, isInWindow, quietWindowEnd, quietWindowOf, quietZoneOf } from './quiet-hours.ts';

const night = { start: '21:00', end: '08:00' };

describe('isInWindow', () => {
  it.each([
    ['21:00–08:00 at 21:00 (start included)', night, 21 * 60, true],
    ['21:00–08:00 at 23:59', night, 23 * 60 + 59, true],
    ['21:00–08:00 at 00:00', night, 0, true],
    ['21:00–08:00 at 07:59.99', night, 8 * 60 - 0.01, true],
    ['21:00–08:00 at 08:00 (end excluded)', night, 8 * 60, false],
    ['21:00–08:00 at noon', night, 12 * 60, false],
    ['12:00–14:00 at 12:00', { start: '12:00', end: '14:00' }, 12 * 60, true],
    ['12:00–14:00 at 14:00', { start: '12:00', end: '14:00' }, 14 * 60, false],
    ['12:00–14:00 at 11:59', { start: '12:00', end: '14:00' }, 11 * 60 + 59, false],
    ['00:00–06:00 at midnight', { start: '00:00', end: '06:00' }, 0, true],
    ['22:00–00:00 at 23:30', { start: '22:00', end: '00:00' }, 23 * 60 + 30, true],
    ['22:00–00:00 at 00:00', { start: '22:00', end: '00:00' }, 0, false],
  ])('%s', (_name, window, minute, expected) => {
    expect(isInWindow(minute, window)).toBe(expected);
  });
});

describe('quietWindowEnd', () => {
  it.each<{ name: string; window: { start: string; end: string }; zone: string; at: string; end: string | null }>([
    // plain days
    { name: 'late evening in Paris waits for 08:00 the next morning', window: night, zone: 'Europe/Paris', at: '2026-01-15T21:30:00Z', end: '2026-01-16T07:00:00Z' },
    { name: 'after midnight in Paris waits for 08:00 the same morning', window: night, zone: 'Europe/Paris', at: '2026-01-16T02:00:00Z', end: '2026-01-16T07:00:00Z' },
    { name: 'noon in Paris is not quiet', window: night, zone: 'Europe/Paris', at: '2026-01-16T11:00:00Z', end: null },
    { name: 'the start itself is quiet', window: night, zone: 'Europe/Paris', at: '2026-01-15T20:00:00Z', end: '2026-01-16T07:00:00Z' },
    { name: 'the end itself is not', window: night, zone: 'Europe/Paris', at: '2026-01-16T07:00:00Z', end: null },
    { name: 'a millisecond before the end still waits for it', window: night, zone: 'Europe/Paris', at: '2026-01-16T06:59:59.999Z', end: '2026-01-16T07:00:00Z' },
    { name: 'a minute before midnight waits for the next morning', window: night, zone: 'Europe/Paris', at: '2026-01-15T22:59:00Z', end: '2026-01-16T07:00:00Z' },
    { name: 'a window within one day (lunch in Tokyo)', window: { start: '12:00', end: '14:00' }, zone: 'Asia/Tokyo', at: '2026-01-16T04:00:00Z', end: '2026-01-16T05:00:00Z' },
    { name: 'after a window within one day', window: { start: '12:00', end: '14:00' }, zone: 'Asia/Tokyo', at: '2026-01-16T05:00:00Z', end: null },
    { name: 'a half-hour zone (Kolkata, +05:30)', window: { start: '22:00', end: '07:00' }, zone: 'Asia/Kolkata', at: '2026-01-15T17:30:00Z', end: '2026-01-16T01:30:00Z' },
    { name: 'the same instant is daytime in New York', window: { start: '22:00', end: '07:00' }, zone: 'America/New_York', at: '2026-01-15T17:30:00Z', end: null },
    { name: 'a window ending at midnight', window: { start: '22:00', end: '00:00' }, zone: 'UTC', at: '2026-01-15T23:00:00Z', end: '2026-01-16T00:00:00Z' },
    { name: 'a zone luxon does not know reads the window in UTC', window: night, zone: 'Mars/Olympus', at: '2026-01-15T22:00:00Z', end: '2026-01-16T08:00:00Z' },
    // DST: the end is read on the clock of the day it falls on
    { name: 'Paris, the night clocks spring forward: 08:00 CEST is 06:00 UTC', window: night, zone: 'Europe/Paris', at: '2026-03-28T21:00:00Z', end: '2026-03-29T06:00:00Z' },
    { name: 'Paris, the night clocks fall back: 08:00 CET is 07:00 UTC', window: night, zone: 'Europe/Paris', at: '2026-10-24T20:00:00Z', end: '2026-10-25T07:00:00Z' },
    { name: 'New York, spring forward night', window: night, zone: 'America/New_York', at: '2026-03-08T03:00:00Z', end: '2026-03-08T12:00:00Z' },
    { name: 'Sydney, autumn (April) fall back: 08:00 AEST is 22:00 UTC', window: night, zone: 'Australia/Sydney', at: '2026-04-04T11:00:00Z', end: '2026-04-04T22:00:00Z' },
    // DST: an end that never comes (a gap) ends at the jump
    { name: 'an end of 02:30 on the spring-forward night ends at the jump (03:00 CEST)', window: { start: '22:00', end: '02:30' }, zone: 'Europe/Paris', at: '2026-03-28T22:00:00Z', end: '2026-03-29T01:00:00Z' },
    { name: 'the same, asked ten minutes before the jump', window: { start: '22:00', end: '02:30' }, zone: 'Europe/Paris', at: '2026-03-29T00:50:00Z', end: '2026-03-29T01:00:00Z' },
    { name: 'a start of 02:30 that never comes: 03:10 CEST is inside the window', window: { start: '02:30', end: '06:00' }, zone: 'Europe/Paris', at: '2026-03-29T01:10:00Z', end: '2026-03-29T04:00:00Z' },
    // DST: an end that comes twice (an overlap) ends at the first one still ahead
    { name: 'New York 22:00–01:30 the evening before fall back: the first 01:30 (EDT)', window: { start: '22:00', end: '01:30' }, zone: 'America/New_York', at: '2026-11-01T03:00:00Z', end: '2026-11-01T05:30:00Z' },
    { name: 'between the two 01:30s the clock reads 01:40 EDT: not quiet', window: { start: '22:00', end: '01:30' }, zone: 'America/New_York', at: '2026-11-01T05:40:00Z', end: null },
    { name: 'on the second pass, 01:10 EST waits for 01:30 EST', window: { start: '22:00', end: '01:30' }, zone: 'America/New_York', at: '2026-11-01T06:10:00Z', end: '2026-11-01T06:30:00Z' },
  ])('$name', ({ window, zone, at, end }) => {
    const result = quietWindowEnd(new Date(at), window, zone);
    expect(result?.toISOString() ?? null).toBe(end === null ? null : new Date(end).toISOString());
  });

  it('always ends after the instant it was asked about, in any zone, at any minute of a DST year', () => {
    const zones = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham'];
    const windows = [night, { start: '01:30', end: '02:30' }, { start: '02:15', end: '01:45' }];
    for (const zone of zones) {
      for (const window of windows) {
        // a prime number of minutes (and some seconds) a step: every minute of the day comes up over the year
        for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2027, 0, 1); at += 421 * 60_000 + 13_000) {
          const end = quietWindowEnd(new Date(at), window, zone);
          if (end === null) continue;
          expect(end.getTime(), `${zone} ${JSON.stringify(window)} at ${new Date(at).toISOString()}`).toBeGreaterThan(at);
          // a window lasts less than a day plus a jump
          expect(end.getTime() - at).toBeLessThanOrEqual(26 * 3_600_000);
          // and once it ended, the person's clock is out of the window
          expect(quietWindowEnd(end, window, zone), `${zone} ${JSON.stringify(window)} at ${new Date(at).toISOString()}`).toBeNull();
        }
      }
    }
    // ~19,000 instants through luxon: seconds of CPU on a busy machine, not the default 5
  }, 60_000);
});

describe('which window and zone apply', () => {
  const instance = { start: '21:00', end: '08:00', timezone: 'Europe/Paris' };

  it.each([
    ['no window of their own: the instance\'s', null, instance, { start: '21:00', end: '08:00' }],
    ['their own window wins', { start: '23:00', end: '06:00' }, instance, { start: '23:00', end: '06:00' }],
    ['"none" wants none, whatever the instance says', 'none' as const, instance, null],
    ['their own window without instance quiet hours', { start: '23:00', end: '06:00' }, null, { start: '23:00', end: '06:00' }],
    ['nothing anywhere', null, null, null],
  ])('%s', (_name, own, settings, expected) => {
    expect(quietWindowOf(own, settings)).toEqual(expected);
  });

  it('reads the window in the recipient\'s zone, else the instance\'s fallback zone, else UTC', () => {
    expect(quietZoneOf('Asia/Tokyo', instance)).toBe('Asia/Tokyo');
    expect(quietZoneOf(null, instance)).toBe('Europe/Paris');
    expect(quietZoneOf(null, null)).toBe('UTC');
  });

  it('says until when, on the person\'s clock', () => {
    expect(describeQuietWait(new Date('2026-01-16T07:00:00Z'), 'Europe/Paris')).toBe('quiet hours until 08:00 Europe/Paris');
    expect(describeQuietWait(new Date('2026-03-29T01:00:00Z'), 'Europe/Paris')).toBe('quiet hours until 03:00 Europe/Paris');
  });
});
