import { describe, expect, it } from 'vitest';
import { clockTimeOf, describeQuietWindow } from './quiet-hours-draft.ts';

describe('quiet hours in words', () => {
  it.each([
    [{ start: '21:00', end: '08:00' }, 'Quiet from 21:00 to 08:00 the next morning'],
    [{ start: '12:00', end: '14:00' }, 'Quiet from 12:00 to 14:00'],
    [{ start: '22:00', end: '00:00' }, 'Quiet from 22:00 to 00:00 the next morning'],
    [{ start: '22:00:00', end: '06:30:00' }, 'Quiet from 22:00 to 06:30 the next morning'],
    [{ start: '', end: '08:00' }, null],
    [{ start: '08:00', end: '08:00' }, null],
    [{ start: '25:00', end: '08:00' }, null],
  ])('%j reads %j', (window, expected) => {
    expect(describeQuietWindow(window)).toBe(expected);
  });

  it('drops the seconds a time input may give', () => {
    expect(clockTimeOf('07:30:00')).toBe('07:30');
    expect(clockTimeOf('07:30')).toBe('07:30');
    expect(clockTimeOf('')).toBe('');
  });
});
