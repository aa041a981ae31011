import { describe, expect, it } from 'vitest';
import { holdForQuietHours, type QuietHoursRequest } from './hold-for-quiet-hours.ts';

// 23:30 in Paris, 17:30 in New York, 07:30 (next day) in Tokyo
const now = new Date('2026-01-15T22:30:00Z');
const instance = { start: '21:00', end: '08:00', timezone: 'Europe/Paris' };

function request(deliveryId: number, overrides: Partial<QuietHoursRequest> = {}): QuietHoursRequest {
  return { deliveryId, priority: 2, timezone: null, quietHours: null, ...overrides };
}

describe('holdForQuietHours', () => {
  it('holds people in their quiet hours until the end, on their own clock, and lets the others go', () => {
    const holds = holdForQuietHours([
      request(1, { timezone: 'Europe/Paris' }),
      request(2, { timezone: 'America/New_York' }),
      request(3, { timezone: 'Asia/Tokyo' }),
      request(4),
    ], instance, now);
    expect(Object.fromEntries([...holds].map(([id, hold]) => [id, { until: hold.until.toISOString(), reason: hold.reason }]))).toEqual({
      1: { until: '2026-01-16T07:00:00.000Z', reason: 'quiet hours until 08:00 Europe/Paris' },
      // Tokyo: 07:30, half an hour left
      3: { until: '2026-01-15T23:00:00.000Z', reason: 'quiet hours until 08:00 Asia/Tokyo' },
      // no zone of their own: the instance's fallback zone
      4: { until: '2026-01-16T07:00:00.000Z', reason: 'quiet hours until 08:00 Europe/Paris' },
    });
  });

  it('sends critical deliveries at any hour', () => {
    expect(holdForQuietHours([request(1, { priority: 0, timezone: 'Europe/Paris' })], instance, now).size).toBe(0);
    expect(holdForQuietHours([request(1, { priority: 1, timezone: 'Europe/Paris' })], instance, now).size).toBe(1);
  });

  it('follows a person\'s own window over the instance\'s, and "none" over any', () => {
    const holds = holdForQuietHours([
      request(1, { timezone: 'Europe/Paris', quietHours: 'none' }),
      request(2, { timezone: 'Europe/Paris', quietHours: { start: '12:00', end: '14:00' } }),
      request(3, { timezone: 'America/New_York', quietHours: { start: '17:00', end: '18:00' } }),
    ], instance, now);
    expect([...holds.keys()]).toEqual([3]);
    expect(holds.get(3)).toEqual({ until: new Date('2026-01-15T23:00:00Z'), reason: 'quiet hours until 18:00 America/New_York' });
  });

  it('holds nobody without instance quiet hours, except people with a window of their own', () => {
    const holds = holdForQuietHours([
      request(1, { timezone: 'Europe/Paris' }),
      request(2, { quietHours: { start: '22:00', end: '23:00' } }),
    ], null, now);
    // no zone anywhere: UTC, where it is 22:30
    expect([...holds]).toEqual([[2, { until: new Date('2026-01-15T23:00:00Z'), reason: 'quiet hours until 23:00 UTC' }]]);
  });
});
