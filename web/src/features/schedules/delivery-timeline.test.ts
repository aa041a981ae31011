import { describe, expect, it } from 'vitest';
import { eventColor, eventDetails, formatEventTime } from './delivery-timeline.ts';

const lines = (data: Record<string, unknown>, timeZone = 'UTC') => eventDetails({ data }, timeZone).map(({ label, value }) => `${label}: ${value}`);

describe('delivery timeline', () => {
  it.each([
    ['queued', 'gray'],
    ['sent', 'teal'],
    ['failed', 'red'],
    ['deferred', 'orange'],
    ['retrying', 'yellow'],
    ['a type added later', 'gray'],
  ])('colors %s %s', (type, color) => {
    expect(eventColor(type)).toBe(color);
  });

  it('shows an instant to the second, in the zone asked for, with its name', () => {
    const at = '2026-03-29T00:59:30.000Z';
    // the hour reads 00 or 12 AM, 03 or 3 AM, by the viewer's locale
    expect(formatEventTime(at, 'UTC')).toMatch(/(00|12):59:30.*UTC/);
    // a second before Paris moves its clocks on, and a second after
    expect(formatEventTime('2026-03-29T00:59:59.000Z', 'Europe/Paris')).toMatch(/\b0?1:59:59.*GMT\+1/);
    expect(formatEventTime('2026-03-29T01:00:01.000Z', 'Europe/Paris')).toMatch(/\b0?3:00:01.*GMT\+2/);
    expect(formatEventTime('not a time', 'UTC')).toBe('not a time');
  });

  it('reads a retry: the attempt, the error, and when it goes again', () => {
    expect(lines({ retryAt: '2026-01-15T10:00:05.000Z', error: 'SMTP 451 try later', attempt: 2 })).toEqual([
      'Attempt: 2',
      'Error: SMTP 451 try later',
      expect.stringMatching(/^Retry at: .*10:00:05/),
    ]);
    expect(eventDetails({ data: { error: 'refused' } }).map((detail) => detail.isError)).toEqual([true]);
  });

  it('reads a deferral: until when, and why', () => {
    expect(lines({ until: '2026-01-16T07:00:00.000Z', reason: 'quiet hours until 08:00 Europe/Paris' }, 'Europe/Paris')).toEqual([
      expect.stringMatching(/^Deferred until: .*\b0?8:00:00/),
      'Why: quiet hours until 08:00 Europe/Paris',
    ]);
  });

  it('reads a send with its cost, and the queued channels in the order they will be tried', () => {
    expect(lines({ attempt: 1, cost: 0.0075 })).toEqual(['Attempt: 1', `Cost: ${(0.0075).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`]);
    expect(lines({ channels: ['sms', 'email'] })).toEqual(['Channels: SMS, then Email']);
  });

  it('says who opened: a machine with its reason in one line, or a person', () => {
    expect(lines({ isMachine: true, machineReason: 'Apple Mail Privacy Protection', secondsSinceSent: 1.2 })).toEqual([
      'By: a machine (Apple Mail Privacy Protection)',
      'After: 1 s',
    ]);
    expect(lines({ isMachine: false, machineReason: null })).toEqual(['By: a person']);
  });

  it('keeps fields it does not know, under their own name, after the known ones, and leaves out empty ones', () => {
    expect(lines({ zeta: 1, attempt: 3, alpha: { nested: true }, error: null })).toEqual(['Attempt: 3', 'alpha: {"nested":true}', 'zeta: 1']);
    expect(lines({})).toEqual([]);
  });
});
