/**
 * The per-recipient frequency cap as pure arithmetic: at most N notifications in any rolling
 * day / week, across all schedules. The history is the times the recipient's earlier
 * deliveries took their place under the cap.
 */
import type { FrequencyCap } from '@herald/shared';

const dayMs = 86_400_000;

export type CapWindows = { maxPerDay: number | null; maxPerWeek: number | null; dayMs: number; weekMs: number };

/** The cap with its window lengths (`scale` shortens them in tests, as for rate limits). */
export function capWindowsOf(cap: FrequencyCap, scale = 1): CapWindows {
  return { maxPerDay: cap.maxPerDay, maxPerWeek: cap.maxPerWeek, dayMs: dayMs * scale, weekMs: 7 * dayMs * scale };
}

export type CapCheck = { isAllowed: true } | { isAllowed: false; until: number; reason: string };

/**
 * Whether one more notification may reach the recipient at `now`, given the times (any order)
 * of the notifications already counted; if not, when the oldest one in the way leaves the window.
 */
export function checkCap(history: readonly number[], cap: CapWindows, now: number): CapCheck {
  const sorted = [...history].sort((a, b) => a - b);
  let until = now;
  const reasons: string[] = [];
  for (const [max, length, name] of [[cap.maxPerDay, cap.dayMs, 'day'], [cap.maxPerWeek, cap.weekMs, 'week']] as const) {
    if (max === null) continue;
    const inWindow = sorted.filter((at) => at > now - length);
    if (inWindow.length < max) continue;
    // The (count - max + 1)-th oldest must leave the window before one more fits.
    until = Math.max(until, inWindow[inWindow.length - max]! + length);
    reasons.push(`${max} per ${name}`);
  }
  if (reasons.length === 0) return { isAllowed: true };
  return { isAllowed: false, until, reason: `frequency cap: this recipient already had ${reasons.join(' and ')}` };
}
