/**
 * One rate limit as pure arithmetic over a small state, so every rule is unit-tested and the
 * same code serves the workers (take tokens) and the API (show usage).
 *
 * Two mechanisms, both needed:
 * - Hard windows: never more than `maxPerX` messages in ANY window of that length (sliding,
 *   not calendar). Each window keeps its recent sends in slots of 1/60 of its length; a slot
 *   counts until its END leaves the window, so a send is counted for at least the window's
 *   length (the count errs on the safe side by at most one slot).
 * - Smoothing: a GCRA ("virtual scheduling" token bucket) over the shortest window spaces
 *   sends evenly (100 per minute: one every 0.6 s) and lets `burstMax` go back to back when
 *   bursts are allowed. It keeps one number, the theoretical arrival time (TAT).
 *
 * Deliveries over the limit are deferred into a virtual queue: the bucket remembers the time it
 * promised the last deferred message (`horizon`) and the next one is promised a slot after it,
 * so a queue of a million deferred deliveries is deferred once each, at its projected send
 * time, instead of all coming back together and being deferred again and again.
 *
 * Every window is lengthened by a guard (5% of it, at most a second): a limit counts the
 * moment Herald hands a message over, a receiver counts its arrival, and the time between
 * varies; the guard keeps the receiver's count within the limit too.
 */
import { rateLimitWindows, type RateLimit, type RateLimitWindow } from '@herald/shared';

const slotsPerWindow = 60;
const maxGuardMs = 1000;
const guardFraction = 0.05;

export type WindowLimit = {
  window: RateLimitWindow;
  max: number;
  /** the window's length with its guard, in ms */
  lengthMs: number;
  slotMs: number;
};

export type BucketLimits = {
  windows: WindowLimit[];
  /** GCRA emission interval: the even spacing of sends */
  intervalMs: number;
  /** GCRA tolerance: how far ahead of the even spacing a burst may run */
  toleranceMs: number;
  /** messages that may go back to back */
  burst: number;
};

/** [end of slot in ms since the epoch, messages counted in it], oldest first */
export type Slot = [number, number];

export type BucketState = {
  /** GCRA theoretical arrival time in ms since the epoch; null when the bucket is idle */
  tat: number | null;
  slots: Partial<Record<RateLimitWindow, Slot[]>>;
  /** the time promised to the last deferred message; null when nothing was deferred */
  horizon: number | null;
};

export const emptyBucketState = (): BucketState => ({ tat: null, slots: {}, horizon: null });

/**
 * The arithmetic form of a rate limit. `scale` multiplies every window's length (1 in
 * production; tests shorten a minute to seconds).
 */
export function bucketLimitsOf(limit: RateLimit, scale = 1): BucketLimits {
  const windows = rateLimitWindows.flatMap(({ key, window, seconds }): WindowLimit[] => {
    const max = limit[key];
    if (max === null) return [];
    const nominalMs = seconds * 1000 * scale;
    const lengthMs = nominalMs + Math.min(maxGuardMs, nominalMs * guardFraction);
    return [{ window, max, lengthMs, slotMs: lengthMs / slotsPerWindow }];
  });
  const shortest = windows[0];
  const burst = limit.burstAllowed && limit.burstMax !== null ? limit.burstMax : 1;
  // Spacing that fits `max` sends in the window as the slots count it (length + one slot).
  const intervalMs = shortest ? (shortest.lengthMs + shortest.slotMs) / shortest.max : 0;
  return { windows, intervalMs, toleranceMs: (burst - 1) * intervalMs, burst };
}

/** Reads a state stored as JSON; anything unreadable is an idle bucket (it errs on the generous side once). */
export function parseBucketState(value: unknown): BucketState {
  const state = emptyBucketState();
  if (typeof value !== 'object' || value === null) return state;
  const raw = value as { tat?: unknown; slots?: unknown; horizon?: unknown };
  if (typeof raw.tat === 'number' && Number.isFinite(raw.tat)) state.tat = raw.tat;
  if (typeof raw.horizon === 'number' && Number.isFinite(raw.horizon)) state.horizon = raw.horizon;
  if (typeof raw.slots === 'object' && raw.slots !== null) {
    for (const { window } of rateLimitWindows) {
      const list = (raw.slots as Record<string, unknown>)[window];
      if (!Array.isArray(list) || list.length === 0) continue;
      state.slots[window] = list.filter((slot): slot is Slot => Array.isArray(slot) && slot.length === 2 && slot.every((n) => typeof n === 'number' && Number.isFinite(n)));
    }
  }
  return state;
}

/** Messages counted in the window at `now`. */
export function usedIn(state: BucketState, window: WindowLimit, now: number): number {
  let used = 0;
  for (const [end, count] of state.slots[window.window] ?? []) if (end > now - window.lengthMs) used += count;
  return used;
}

/** True when `tokens` messages may go at `now` under every window and the smoothing. */
export function canTake(state: BucketState, limits: BucketLimits, now: number, tokens: number): boolean {
  if (state.tat !== null && now < state.tat - limits.toleranceMs) return false;
  return limits.windows.every((window) => usedIn(state, window, now) + tokens <= window.max);
}

/** Counts `tokens` messages sent at `now` (call only after `canTake`). Returns the new state. */
export function take(state: BucketState, limits: BucketLimits, now: number, tokens: number): BucketState {
  const slots: BucketState['slots'] = {};
  for (const window of limits.windows) {
    const end = (Math.floor(now / window.slotMs) + 1) * window.slotMs;
    const kept = (state.slots[window.window] ?? []).filter(([slotEnd]) => slotEnd > now - window.lengthMs);
    const last = kept[kept.length - 1];
    if (last && last[0] === end) kept[kept.length - 1] = [end, last[1] + tokens];
    else kept.push([end, tokens]);
    slots[window.window] = kept;
  }
  const start = state.tat === null ? now : Math.max(state.tat, now);
  return { ...state, tat: start + tokens * limits.intervalMs, slots };
}

/**
 * The earliest time `tokens` messages could go if nothing else were sent meanwhile. An
 * estimate for a deferral: if it is early, the delivery is simply deferred again.
 */
export function availableAt(state: BucketState, limits: BucketLimits, now: number, tokens: number): number {
  let at = now;
  if (state.tat !== null) at = Math.max(at, state.tat - limits.toleranceMs);
  for (const window of limits.windows) {
    const live = (state.slots[window.window] ?? []).filter(([end]) => end > now - window.lengthMs);
    const used = live.reduce((sum, [, count]) => sum + count, 0);
    const mustLeave = used + tokens - window.max;
    if (mustLeave <= 0) continue;
    let left = 0;
    let freeAt: number | undefined;
    for (const [end, count] of live) {
      left += count;
      if (left >= mustLeave) {
        // a millisecond past the exact edge, so float rounding cannot leave it counted
        freeAt = end + window.lengthMs + 1;
        break;
      }
    }
    // More asked at once than the window holds: it goes once the window is empty.
    at = Math.max(at, freeAt ?? (live.length > 0 ? live[live.length - 1]![0] + window.lengthMs : now));
  }
  return at;
}

/** A bucket unused for this long (or two spacings, if longer) has nobody queued on it any more. */
const idleAfterMs = 1000;

/**
 * Defers `tokens` messages that cannot go now: they are promised the first time they could go,
 * or, when earlier deferred messages are promised later than that, one spacing after the last
 * of them. Returns the promised time and the state that remembers it.
 *
 * The queue is only believed while it drains: if the bucket sat unused (its deferred
 * deliveries were cancelled or sent elsewhere), the promises behind the horizon are stale
 * and a newcomer is promised the first free time instead of waiting behind ghosts.
 */
export function defer(state: BucketState, limits: BucketLimits, now: number, tokens: number): { at: number; state: BucketState } {
  const free = availableAt(state, limits, now, tokens);
  const isDraining = state.tat !== null && state.tat >= now - Math.max(2 * limits.intervalMs, idleAfterMs);
  const at = isDraining && state.horizon !== null && state.horizon >= free ? state.horizon + tokens * limits.intervalMs : free;
  return { at, state: { ...state, horizon: at } };
}

export type BucketUsage = {
  windows: Array<{ window: RateLimitWindow; limit: number; used: number; remaining: number }>;
  /** messages that may go at once now */
  available: number;
  /** when the next message may go, when none may go now */
  nextAvailableAt: number | null;
};

/** What the limit is doing at `now`, for people. */
export function usageOf(state: BucketState, limits: BucketLimits, now: number): BucketUsage {
  const windows = limits.windows.map((window) => {
    const used = usedIn(state, window, now);
    return { window: window.window, limit: window.max, used, remaining: Math.max(0, window.max - used) };
  });
  const debt = state.tat === null ? 0 : Math.max(0, state.tat - now);
  const smoothing = debt > limits.toleranceMs ? 0 : Math.floor((limits.toleranceMs - debt) / Math.max(limits.intervalMs, 1e-9)) + 1;
  const available = Math.max(0, Math.min(smoothing, limits.burst, ...windows.map((w) => w.remaining)));
  return { windows, available, nextAvailableAt: available > 0 ? null : availableAt(state, limits, now, 1) };
}

/** The sustained rate the limit allows, in messages per second (the tightest window). */
export function sustainedRatePerSecond(limits: BucketLimits): number {
  const rates = limits.windows.map((window) => window.max / ((window.lengthMs + window.slotMs) / 1000));
  return Math.min(...rates);
}
