import { describe, expect, it } from 'vitest';
import { instantOfWallTime, parseLocalDateTime, wallTimeAt, zoneNamed } from './wall-clock.ts';

describe('instantOfWallTime', () => {
  const cases = [
    { name: 'an ordinary time', zone: 'Europe/Paris', wall: '2026-01-15T09:00', expected: '2026-01-15T08:00:00.000Z' },
    { name: 'UTC is itself', zone: 'UTC', wall: '2026-01-15T09:00', expected: '2026-01-15T09:00:00.000Z' },
    { name: 'gap start (02:00 New York, spring forward)', zone: 'America/New_York', wall: '2026-03-08T02:00', expected: '2026-03-08T07:00:00.000Z' },
    { name: 'gap end minus a second', zone: 'America/New_York', wall: '2026-03-08T02:59:59', expected: '2026-03-08T07:00:00.000Z' },
    { name: 'the first valid time after the gap', zone: 'America/New_York', wall: '2026-03-08T03:00', expected: '2026-03-08T07:00:00.000Z' },
    { name: 'the last time before the gap', zone: 'America/New_York', wall: '2026-03-08T01:59:59', expected: '2026-03-08T06:59:59.000Z' },
    { name: 'overlap → the earlier instant (EDT)', zone: 'America/New_York', wall: '2026-11-01T01:00', expected: '2026-11-01T05:00:00.000Z' },
    { name: 'just after the overlap', zone: 'America/New_York', wall: '2026-11-01T02:00', expected: '2026-11-01T07:00:00.000Z' },
    { name: 'Chile springs forward at midnight: 00:30 → 01:00', zone: 'America/Santiago', wall: '2026-09-06T00:30', expected: '2026-09-06T04:00:00.000Z' },
  ];
  it.each(cases)('$name', ({ zone, wall, expected }) => {
    expect(new Date(instantOfWallTime(parseLocalDateTime(wall), zoneNamed(zone))).toISOString()).toBe(expected);
  });

  it('reads back every instant of a year it produced, in several zones', () => {
    for (const name of ['America/New_York', 'Europe/Paris', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
      const zone = zoneNamed(name);
      for (let instant = Date.UTC(2026, 0, 1); instant < Date.UTC(2027, 0, 1); instant += 187 * 60_000) {
        const wall = wallTimeAt(instant, zone);
        const back = instantOfWallTime(wall, zone);
        // The same instant, or the earlier pass of a repeated wall time.
        expect(wallTimeAt(back, zone)).toBe(wall);
        expect(back).toBeLessThanOrEqual(instant);
        expect(instant - back).toBeLessThanOrEqual(60 * 60_000);
      }
    }
  });
});

describe('parseLocalDateTime', () => {
  it.each([
    ['2026-02-28T09:00', Date.UTC(2026, 1, 28, 9)],
    ['2028-02-29T09:00:30', Date.UTC(2028, 1, 29, 9, 0, 30)],
  ])('reads %s', (text, expected) => {
    expect(parseLocalDateTime(text)).toBe(expected);
  });
  it.each(['2026-02-29T09:00', '2026-04-31T09:00', '2026-13-01T09:00', '2026-01-01 09:00', '2026-01-01'])('refuses %s', (text) => {
    expect(() => parseLocalDateTime(text)).toThrow();
  });
});
