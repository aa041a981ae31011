import { describe, expect, it } from 'vitest';
import type { DeliveryUsage } from '@herald/shared';
import { usageByKey, usageColor, usageShare, usageSummary } from './limit-usage.ts';

describe('limit usage', () => {
  it.each([
    [0, 100, 0],
    [25, 100, 25],
    [100, 100, 100],
    [150, 100, 100], // a limit lowered below its use
    [0, 0, 0],
    [3, 0, 100],
  ])('%i used of %i is %i%%', (used, limit, share) => {
    expect(usageShare(used, limit)).toBe(share);
  });

  it('colors by how full the window is', () => {
    expect(usageColor(0)).toBe('teal');
    expect(usageColor(79.9)).toBe('teal');
    expect(usageColor(80)).toBe('yellow');
    expect(usageColor(100)).toBe('red');
  });

  it('says what the limit holds back and when the next message may go', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(usageSummary({ available: 20, nextAvailableAt: null, deferred: 0 }, now)).toBe('none held back · 20 may go now');
    expect(usageSummary({ available: 0, nextAvailableAt: '2030-01-01T00:00:08Z', deferred: 1200 }, now)).toBe('1,200 held back · next one in 8 seconds');
    expect(usageSummary({ available: 0, nextAvailableAt: '2029-12-31T23:59:59Z', deferred: 3 }, now)).toBe('3 held back · next one may go now');
    expect(usageSummary({ available: 0, nextAvailableAt: '2030-01-01T00:00:00.400Z', deferred: 3 }, now)).toBe('3 held back · next one may go now');
  });

  it('finds each limit by its key', () => {
    const usage = { at: '', frequencyCap: null, limits: [{ key: 'global' }, { key: 'channel:sms' }] } as unknown as DeliveryUsage;
    const byKey = usageByKey(usage);
    expect([...byKey.keys()]).toEqual(['global', 'channel:sms']);
    expect(usageByKey(undefined).size).toBe(0);
  });
});
