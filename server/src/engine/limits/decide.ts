/**
 * Which deliveries of a batch may send now, given every rate limit and the frequency cap, and
 * when the others should come back. Pure: the caller reads the state under locks, calls this,
 * and writes the new state back in the same transaction (take-tokens.ts).
 */
import { availableAt, canTake, defer, take, type BucketLimits, type BucketState } from './bucket.ts';
import { checkCap, type CapWindows } from './frequency.ts';

export type LimitRequest = {
  deliveryId: number;
  recipientId: string;
  /** bucket keys this delivery draws on, with how many messages it draws from each */
  draws: ReadonlyArray<{ key: string; tokens: number }>;
  /** critical deliveries pass the frequency cap (and still count under it) */
  isCapExempt: boolean;
  /** already took its place under the cap on an earlier attempt */
  isCounted: boolean;
  /** was deferred by a rate limit before: it holds a place in the bucket's queue */
  wasDeferred: boolean;
};

export type Bucket = { limits: BucketLimits; state: BucketState; describe: string };

export type LimitDecision =
  | { isGranted: true; isCounted: boolean }
  | { isGranted: false; until: number; reason: string };

export type DecideInput = {
  /** most urgent first: the order decides who gets scarce tokens */
  requests: readonly LimitRequest[];
  buckets: ReadonlyMap<string, Bucket>;
  cap: CapWindows | null;
  /** by recipient: times of their deliveries counted under the cap (recent enough to matter) */
  history: ReadonlyMap<string, readonly number[]>;
  now: number;
};

export type DecideOutput = {
  decisions: Map<number, LimitDecision>;
  /** the new state of each bucket that granted or deferred anything */
  states: Map<string, BucketState>;
};

/** Grants in request order while tokens last; defers the rest to when their tokens should be free. */
export function decideLimits(input: DecideInput): DecideOutput {
  const { requests, buckets, cap, now } = input;
  const states = new Map<string, BucketState>();
  const stateOf = (key: string) => states.get(key) ?? buckets.get(key)!.state;
  const history = new Map<string, number[]>();
  const historyOf = (recipientId: string) => history.get(recipientId) ?? [...(input.history.get(recipientId) ?? [])];
  const decisions = new Map<number, LimitDecision>();

  for (const request of requests) {
    const draws = request.draws.filter(({ key }) => buckets.has(key));
    const capCheck = cap && !request.isCapExempt && !request.isCounted ? checkCap(historyOf(request.recipientId), cap, now) : { isAllowed: true as const };
    const blocked = draws.filter(({ key, tokens }) => !canTake(stateOf(key), buckets.get(key)!.limits, now, tokens));

    if (capCheck.isAllowed && blocked.length === 0) {
      for (const { key, tokens } of draws) states.set(key, take(stateOf(key), buckets.get(key)!.limits, now, tokens));
      const isCounted = cap !== null && !request.isCounted;
      if (isCounted) history.set(request.recipientId, [...historyOf(request.recipientId), now]);
      decisions.set(request.deliveryId, { isGranted: true, isCounted });
      continue;
    }

    let until = capCheck.isAllowed ? now : capCheck.until;
    let reason = capCheck.isAllowed ? '' : capCheck.reason;
    let latest = -Infinity;
    for (const { key, tokens } of blocked) {
      const bucket = buckets.get(key)!;
      let at: number;
      if (request.wasDeferred) {
        // Its promised time came a little before the token did (the previous send ran late):
        // it keeps its place and waits for that token, rather than going to the back of the queue.
        at = availableAt(stateOf(key), bucket.limits, now, tokens);
      } else {
        const deferred = defer(stateOf(key), bucket.limits, now, tokens);
        states.set(key, deferred.state);
        at = deferred.at;
      }
      if (at > latest) {
        latest = at;
        if (at >= until || !reason) reason = `rate limit ${key}: ${bucket.describe}`;
      }
      until = Math.max(until, at);
    }
    // A deferral always moves forward, so a delivery cannot spin in place.
    decisions.set(request.deliveryId, { isGranted: false, until: Math.max(until, now + 1), reason });
  }
  return { decisions, states };
}
