/**
 * Quiet hours at dispatch, for a whole claimed batch: which deliveries must wait, and until
 * when. Pure: the worker calls it with the batch's recipients before asking the rate limits
 * for tokens, so a delivery held for the night takes no token and no place under the
 * frequency cap. It covers whatever reaches a worker, whether fan-out already moved it past
 * the night or not: retries, deferrals by a limit, a late claim, a settings change since.
 */
import type { QuietHoursOverride, QuietHoursSettings } from '@herald/shared';
import { describeQuietWait, quietWindowEnd, quietWindowOf, quietZoneOf } from './quiet-hours.ts';

export type QuietHoursRequest = {
  deliveryId: number;
  /** 0 critical … 3 low: critical goes at any hour */
  priority: number;
  /** the recipient's own zone, if known */
  timezone: string | null;
  /** the recipient's own quiet hours (a window or "none"); null follows the instance's */
  quietHours: QuietHoursOverride | null;
};

export type QuietHoursHold = { until: Date; reason: string };

/** The deliveries to hold at `now` because their recipient is in quiet hours, with until when and why. */
export function holdForQuietHours(requests: readonly QuietHoursRequest[], instance: QuietHoursSettings | null, now: Date): Map<number, QuietHoursHold> {
  const holds = new Map<number, QuietHoursHold>();
  // One answer per zone and window for the whole batch: the arithmetic reads the zone's
  // rules (tens of microseconds), and a batch holds many people of few zones.
  const answers = new Map<string, QuietHoursHold | null>();
  for (const request of requests) {
    if (request.priority === 0) continue;
    const window = quietWindowOf(request.quietHours, instance);
    if (!window) continue;
    const zone = quietZoneOf(request.timezone, instance);
    const key = `${zone} ${window.start} ${window.end}`;
    let answer = answers.get(key);
    if (answer === undefined) {
      const until = quietWindowEnd(now, window, zone);
      answer = until ? { until, reason: describeQuietWait(until, zone) } : null;
      answers.set(key, answer);
    }
    if (answer) holds.set(request.deliveryId, answer);
  }
  return holds;
}
