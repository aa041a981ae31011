import { describe, expect, it } from 'vitest';
import { finishText, formatRate, runShare, throughputChartData, throughputTotals } from './queue-view.ts';

describe('queue view', () => {
  it('measures a run\'s progress, an empty run being done', () => {
    expect(runShare({ done: 25, remaining: 75 })).toBe(25);
    expect(runShare({ done: 0, remaining: 10 })).toBe(0);
    expect(runShare({ done: 0, remaining: 0 })).toBe(100);
  });

  it.each([
    [null, 'no limit'],
    [250, '250/s'],
    [2.5, '2.5/s'],
    [1, '1/s'],
    [0.5, '30/min'],
    [1 / 60, '1/min'],
    [1 / 62, '1/min'], // a limit of 1 a minute, less the engine's margin
    [0.96, '1/s'],
    [0.001, '3.6/h'],
    [12_345, '12,345/s'],
  ])('writes a rate of %s per second as %s', (perSecond, text) => {
    expect(formatRate(perSecond)).toBe(text);
  });

  it('says when a run should finish, or why it cannot', () => {
    const now = Date.parse('2030-01-01T12:00:00Z');
    expect(finishText({ projectedFinishAt: '2030-01-01T12:05:00Z', remaining: 300 }, now)).toBe('in 5 minutes');
    expect(finishText({ projectedFinishAt: '2030-01-01T11:59:00Z', remaining: 3 }, now)).toBe('any moment');
    expect(finishText({ projectedFinishAt: null, remaining: 3 }, now)).toBe('not known yet');
    expect(finishText({ projectedFinishAt: null, remaining: 0 }, now)).toBe('finishing');
  });

  it('labels each minute of the chart on a 24-hour clock in the zone given', () => {
    const points = [
      { minute: '2030-01-01T13:59:00Z', sent: 4, failed: 0, retried: 1 },
      { minute: '2030-01-01T14:00:00Z', sent: 10, failed: 2, retried: 0 },
    ];
    expect(throughputChartData(points, 'UTC')).toEqual([
      { minute: '13:59', sent: 4, retried: 1, failed: 0 },
      { minute: '14:00', sent: 10, retried: 0, failed: 2 },
    ]);
    expect(throughputChartData(points, 'Asia/Kolkata')[0]?.minute).toBe('19:29');
  });

  it('totals the hour and finds the busiest minute', () => {
    const points = [
      { minute: 'a', sent: 4, failed: 1, retried: 2 },
      { minute: 'b', sent: 9, failed: 0, retried: 0 },
      { minute: 'c', sent: 2, failed: 3, retried: 5 },
    ];
    expect(throughputTotals(points)).toEqual({ sent: 15, retried: 7, failed: 4, peakPerMinute: 9 });
    expect(throughputTotals([])).toEqual({ sent: 0, retried: 0, failed: 0, peakPerMinute: 0 });
  });
});
