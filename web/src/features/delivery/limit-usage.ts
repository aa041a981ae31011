/** How a rate limit's current usage reads: shares, colors and the words under the bars. */
import type { DeliveryUsage, RateLimitUsage } from '@herald/shared';
import { formatRelative } from '../../lib/time.ts';

/** Used out of limit as a percentage from 0 to 100 (a limit lowered below its use shows full). */
export function usageShare(used: number, limit: number): number {
  if (limit <= 0) return used > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, (used / limit) * 100));
}

/** Green while there is room, yellow when nearly used up, red when full. */
export function usageColor(share: number): string {
  if (share >= 100) return 'red';
  if (share >= 80) return 'yellow';
  return 'teal';
}

/** The usage of each limit by its key: `global`, `channel:<channel>`, `schedule:<id>`. */
export function usageByKey(usage: DeliveryUsage | undefined): Map<string, RateLimitUsage> {
  return new Map((usage?.limits ?? []).map((limit) => [limit.key, limit]));
}

/** "12 waiting · next in 8 seconds" or "20 may go now": what the limit does to the queue. */
export function usageSummary(usage: Pick<RateLimitUsage, 'available' | 'nextAvailableAt' | 'deferred'>, now = Date.now()): string {
  const parts: string[] = [];
  if (usage.deferred > 0) parts.push(`${usage.deferred.toLocaleString()} held back`);
  else parts.push('none held back');
  if (usage.available > 0) parts.push(`${usage.available.toLocaleString()} may go now`);
  else if (usage.nextAvailableAt) {
    const waitMs = new Date(usage.nextAvailableAt).getTime() - now;
    // Under a second away reads "now" in relative words; say it plainly.
    parts.push(waitMs < 1000 ? 'next one may go now' : `next one ${formatRelative(usage.nextAvailableAt, now)}`);
  }
  return parts.join(' · ');
}
