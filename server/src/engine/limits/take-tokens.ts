/**
 * Taking rate-limit tokens and frequency-cap places for a batch, atomically across every
 * worker process, in one short transaction:
 *
 *   1. lock the batch's bucket rows (SELECT … ORDER BY key FOR UPDATE);
 *   2. with a frequency cap, lock the batch's recipients (transaction-level advisory locks,
 *      in hash order) and read their recent counted deliveries;
 *   3. decide in memory (decide.ts) and write the new bucket states and counted times back.
 *
 * Why this is safe: a worker reads a bucket only while holding its row lock, so no two
 * workers can spend the same token; the reads of step 2 are separate statements, so their
 * snapshot is taken after the locks are held and sees every earlier holder's commit (one
 * statement's snapshot would predate its own lock waits). Everyone takes bucket locks before
 * recipient locks and each kind in one global order, so two workers cannot deadlock. The
 * clock is the database's (clock_timestamp() after the locks), one clock for all processes.
 *
 * A batch with no limit and no cap configured skips all of it: no statement at all.
 */
import { sql } from 'drizzle-orm';
import { rateLimitWindows, type DeliverySettings, type RateLimit } from '@herald/shared';
import { rowsOf, type Database, type DbOrTx } from '../../db/client.ts';
import { bucketLimitsOf, parseBucketState } from './bucket.ts';
import { decideLimits, type Bucket, type LimitDecision, type LimitRequest } from './decide.ts';
import { capWindowsOf } from './frequency.ts';

export type TokenRequest = {
  deliveryId: number;
  recipientId: string;
  scheduleId: string;
  /** the channels this attempt sends on: one message each */
  channels: readonly string[];
  /** 0 critical … 3 low */
  priority: number;
  /** took its place under the frequency cap on an earlier attempt */
  isCounted: boolean;
  /** was deferred by a rate limit on its last claim */
  wasDeferred: boolean;
};

export type LimitSettings = {
  settings: DeliverySettings;
  /** each schedule's own limit, for the schedules of the batch */
  scheduleLimits: ReadonlyMap<string, RateLimit | null>;
  /** multiplies every window's length (1 in production) */
  scale: number;
};

/** The key of a bucket row: `global`, `channel:<channel>`, `schedule:<id>`. */
export const bucketKey = {
  global: 'global',
  channel: (channel: string) => `channel:${channel}`,
  schedule: (scheduleId: string) => `schedule:${scheduleId}`,
};

/** "100 per minute, 2000 per hour, bursts of 10" */
export function describeLimit(limit: RateLimit): string {
  const parts = rateLimitWindows.filter(({ key }) => limit[key] !== null).map(({ key, window }) => `${limit[key]} per ${window}`);
  if (limit.burstAllowed && limit.burstMax !== null) parts.push(`bursts of ${limit.burstMax}`);
  return parts.join(', ');
}

/** Every limit that applies to the requests, by bucket key. */
export function limitsFor(requests: readonly TokenRequest[], config: LimitSettings): Map<string, RateLimit> {
  const { rateLimits } = config.settings;
  const limits = new Map<string, RateLimit>();
  if (rateLimits.global) limits.set(bucketKey.global, rateLimits.global);
  for (const request of requests) {
    for (const channel of request.channels) {
      const limit = rateLimits.channels[channel as keyof typeof rateLimits.channels];
      if (limit) limits.set(bucketKey.channel(channel), limit);
    }
    const own = config.scheduleLimits.get(request.scheduleId);
    if (own) limits.set(bucketKey.schedule(request.scheduleId), own);
  }
  return limits;
}

/** What each request draws: every message counts globally, per channel and for its schedule. */
export function drawsOf(request: TokenRequest): LimitRequest['draws'] {
  const messages = request.channels.length;
  return [
    { key: bucketKey.global, tokens: messages },
    ...request.channels.map((channel) => ({ key: bucketKey.channel(channel), tokens: 1 })),
    { key: bucketKey.schedule(request.scheduleId), tokens: messages },
  ];
}

/** Bucket rows this process knows exist: they need no insert before being locked. */
const knownBuckets = new WeakMap<Database, Set<string>>();

async function ensureBuckets(database: Database, tx: DbOrTx, keys: readonly string[]): Promise<void> {
  const known = knownBuckets.get(database) ?? new Set<string>();
  knownBuckets.set(database, known);
  const missing = keys.filter((key) => !known.has(key));
  if (missing.length === 0) return;
  // A separate statement before the lock: if another worker is inserting the same key, ours
  // waits for its commit, and the locking SELECT that follows sees the row either way.
  await rowsOf(tx, sql`
    INSERT INTO rate_limit_buckets (key)
    SELECT jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb)
    ON CONFLICT (key) DO NOTHING`);
  for (const key of missing) known.add(key);
}

/** Takes what the requests need (most urgent first) and answers, per delivery, go or wait until when. */
export async function takeTokens(database: Database, requests: readonly TokenRequest[], config: LimitSettings): Promise<Map<number, LimitDecision>> {
  const limits = limitsFor(requests, config);
  const capConfig = config.settings.frequencyCap;
  if (requests.length === 0 || (limits.size === 0 && !capConfig)) {
    return new Map(requests.map((request) => [request.deliveryId, { isGranted: true, isCounted: false }]));
  }
  const cap = capConfig ? capWindowsOf(capConfig, config.scale) : null;
  const keys = [...limits.keys()].sort();
  const recipientIds = [...new Set(requests.map((request) => request.recipientId))];

  return database.db.transaction(async (tx) => {
    await ensureBuckets(database, tx, keys);
    const stateRows = keys.length === 0 ? [] : await rowsOf<{ key: string; state: unknown }>(tx, sql`
      SELECT key, state FROM rate_limit_buckets
      WHERE key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
      ORDER BY key
      FOR UPDATE`);
    if (cap) {
      // Volatile calls in the select list run after the sort, so the locks go in hash order.
      await rowsOf(tx, sql`
        SELECT pg_advisory_xact_lock(7275, h)
        FROM (SELECT DISTINCT hashtext(id) AS h FROM jsonb_array_elements_text(${JSON.stringify(recipientIds)}::jsonb) AS id) AS r
        ORDER BY h`);
    }
    const [clock] = await rowsOf<{ now: number | string; history: Array<{ recipient_id: string; times: number[] }> | null }>(tx, sql`
      SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now,
             ${cap ? sql`(
               SELECT json_agg(json_build_object('recipient_id', recipient_id, 'times', times))
               FROM (
                 SELECT recipient_id, array_agg((extract(epoch FROM counted_at) * 1000)::float8) AS times
                 FROM deliveries
                 WHERE recipient_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(recipientIds)}::jsonb)::uuid)
                   AND counted_at > clock_timestamp() - ${Math.ceil(Math.max(cap.dayMs, cap.weekMs))}::bigint * interval '1 millisecond'
                 GROUP BY recipient_id
               ) AS recent)` : sql`NULL::json`} AS history`);
    const now = Number(clock!.now);

    const buckets = new Map<string, Bucket>();
    for (const row of stateRows) {
      const limit = limits.get(row.key)!;
      buckets.set(row.key, { limits: bucketLimitsOf(limit, config.scale), state: parseBucketState(row.state), describe: describeLimit(limit) });
    }
    const history = new Map((clock!.history ?? []).map((entry) => [entry.recipient_id, entry.times.map(Number)]));
    const { decisions, states } = decideLimits({
      requests: requests.map((request) => ({
        deliveryId: request.deliveryId,
        recipientId: request.recipientId,
        draws: drawsOf(request),
        isCapExempt: request.priority === 0,
        isCounted: request.isCounted,
        wasDeferred: request.wasDeferred,
      })),
      buckets,
      cap,
      history,
      now,
    });

    const counted = [...decisions].filter(([, decision]) => decision.isGranted && decision.isCounted).map(([id]) => id);
    const newStates = [...states].map(([key, state]) => ({ key, state }));
    if (counted.length > 0 || newStates.length > 0) {
      await rowsOf(tx, sql`
        WITH counted AS (
          UPDATE deliveries SET counted_at = to_timestamp(${now}::float8 / 1000)
          WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(counted)}::jsonb)::bigint) AND counted_at IS NULL
          RETURNING 1
        )
        UPDATE rate_limit_buckets AS b
        SET state = s.state, updated_at = now()
        FROM jsonb_to_recordset(${JSON.stringify(newStates)}::jsonb) AS s(key text, state jsonb)
        WHERE b.key = s.key`);
    }
    return decisions;
  });
}
