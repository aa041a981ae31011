import { describe, expect, it } from 'vitest';
import { costPerClick, isEngagementMeasured, rate } from './channel-comparison.ts';

const format = (amount: number) => amount.toFixed(2);

describe('channel comparison', () => {
  it('shows a share with one decimal, and a dash when nothing was sent', () => {
    expect(rate(1, 3)).toBe('33.3%');
    expect(rate(0, 5)).toBe('0.0%');
    expect(rate(0, 0)).toBe('—');
  });

  it('measures opens and clicks on email alone', () => {
    expect(isEngagementMeasured({ channel: 'email' })).toBe(true);
    for (const channel of ['sms', 'push', 'webhook', 'inapp'] as const) expect(isEngagementMeasured({ channel })).toBe(false);
  });

  it('divides the cost by the clicks only where clicks are measured and there were some', () => {
    expect(costPerClick({ channel: 'email', clicked: 4, cost: 1 }, format)).toBe('0.25');
    expect(costPerClick({ channel: 'email', clicked: 0, cost: 1 }, format)).toBe('—');
    expect(costPerClick({ channel: 'sms', clicked: 0, cost: 3 }, format)).toBe('—');
  });
});
