/** What the channel comparison shows in its cells, apart from how it draws them. */
import { engagementTrackedChannels, type ScheduleChannelStats } from '@herald/shared';

/** A share as a percentage with one decimal, or a dash when there is nothing to divide by. */
export function rate(part: number, whole: number): string {
  return whole === 0 ? '—' : `${((part / whole) * 100).toFixed(1)}%`;
}

/**
 * Whether a channel's opens and clicks mean anything: only email is measured, and 0% opened
 * on a webhook would read as "nobody opened it" when nobody could have been seen opening it.
 */
export function isEngagementMeasured(row: Pick<ScheduleChannelStats, 'channel'>): boolean {
  return engagementTrackedChannels.includes(row.channel);
}

/** Cost per click: a dash when there were no clicks, or when clicks are not measured. */
export function costPerClick(row: Pick<ScheduleChannelStats, 'channel' | 'clicked' | 'cost'>, format: (amount: number) => string): string {
  return !isEngagementMeasured(row) || row.clicked === 0 ? '—' : format(row.cost / row.clicked);
}
