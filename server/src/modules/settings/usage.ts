/**
 * What every rate limit and the frequency cap are doing right now: the same arithmetic the
 * workers use (engine/limits/bucket.ts) over the state they left in rate_limit_buckets, on
 * the database's clock.
 */
import { sql } from 'drizzle-orm';
import { channels, rateLimitSchema, type Channel, type DeliveryUsage, type RateLimit, type RateLimitUsage } from '@herald/shared';
import type { Database } from '../../db/client.ts';
import { bucketLimitsOf, parseBucketState, usageOf } from '../../engine/limits/bucket.ts';
import { capWindowsOf } from '../../engine/limits/frequency.ts';
import { bucketKey } from '../../engine/limits/take-tokens.ts';
import { readDeliverySettings } from './service.ts';

type ConfiguredLimit = Pick<RateLimitUsage, 'key' | 'scope' | 'channel' | 'scheduleId' | 'scheduleName'> & { limit: RateLimit };

/** Every limit the settings and the schedules set: global first, then channels, then schedules by name. */
async function configuredLimits(database: Database): Promise<{ limits: ConfiguredLimit[]; settings: Awaited<ReturnType<typeof readDeliverySettings>> }> {
  const settings = await readDeliverySettings(database.db);
  const limits: ConfiguredLimit[] = [];
  const none = { channel: null, scheduleId: null, scheduleName: null };
  if (settings.rateLimits.global) limits.push({ key: bucketKey.global, scope: 'global', ...none, limit: settings.rateLimits.global });
  for (const channel of channels) {
    const limit = settings.rateLimits.channels[channel];
    if (limit) limits.push({ key: bucketKey.channel(channel), scope: 'channel', ...none, channel, limit });
  }
  const scheduleRows = await database.query<{ id: string; name: string; rate_limit: unknown }>(sql`
    SELECT id, name, rate_limit FROM schedules WHERE rate_limit IS NOT NULL ORDER BY name, id`);
  for (const row of scheduleRows) {
    const parsed = rateLimitSchema.safeParse(row.rate_limit);
    if (parsed.success) limits.push({ key: bucketKey.schedule(row.id), scope: 'schedule', ...none, scheduleId: row.id, scheduleName: row.name, limit: parsed.data });
  }
  return { limits, settings };
}

/** The current usage of every limit and of the frequency cap. */
export async function readDeliveryUsage(database: Database, scale: number): Promise<DeliveryUsage> {
  const { limits, settings } = await configuredLimits(database);
  const keys = limits.map((l) => l.key);
  const cap = settings.frequencyCap;
  const capWindows = cap ? capWindowsOf(cap, scale) : null;
  const [clock] = await database.query<{ now: number | string; buckets: Array<{ key: string; state: unknown }> | null; deferred: Array<{ key: string; count: number }> | null }>(sql`
    SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now,
           (SELECT json_agg(json_build_object('key', key, 'state', state)) FROM rate_limit_buckets
             WHERE key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))) AS buckets,
           (SELECT json_agg(json_build_object('key', key, 'count', count)) FROM (
              SELECT CASE WHEN reason LIKE 'frequency cap:%' THEN 'frequency cap' ELSE substring(reason FROM '^rate limit (\\S+): ') END AS key, count(*)::int AS count
              FROM deliveries
              WHERE status = 'queued' AND (reason LIKE 'rate limit %' OR reason LIKE 'frequency cap:%')
              GROUP BY 1) AS waiting) AS deferred`);
  const now = Number(clock!.now);
  const states = new Map((clock!.buckets ?? []).map((b) => [b.key, parseBucketState(b.state)]));
  const deferred = new Map((clock!.deferred ?? []).map((d) => [d.key, Number(d.count)]));

  const limitUsage: RateLimitUsage[] = limits.map((configured) => {
    const usage = usageOf(states.get(configured.key) ?? parseBucketState(null), bucketLimitsOf(configured.limit, scale), now);
    return {
      ...configured,
      channel: configured.channel as Channel | null,
      windows: usage.windows,
      available: usage.available,
      nextAvailableAt: usage.nextAvailableAt === null ? null : new Date(usage.nextAvailableAt).toISOString(),
      deferred: deferred.get(configured.key) ?? 0,
    };
  });

  let frequencyCap: DeliveryUsage['frequencyCap'] = null;
  if (cap && capWindows) {
    const [atCap] = await database.query<{ daily: number; weekly: number }>(sql`
      SELECT
        (SELECT count(*)::int FROM (
           SELECT recipient_id FROM deliveries
           WHERE counted_at > to_timestamp(${now}::float8 / 1000) - ${capWindows.dayMs}::float8 * interval '1 millisecond'
           GROUP BY recipient_id HAVING count(*) >= ${cap.maxPerDay ?? 2_147_483_647}::int) AS d) AS daily,
        (SELECT count(*)::int FROM (
           SELECT recipient_id FROM deliveries
           WHERE counted_at > to_timestamp(${now}::float8 / 1000) - ${capWindows.weekMs}::float8 * interval '1 millisecond'
           GROUP BY recipient_id HAVING count(*) >= ${cap.maxPerWeek ?? 2_147_483_647}::int) AS w) AS weekly`);
    frequencyCap = {
      cap,
      recipientsAtDailyCap: cap.maxPerDay === null ? 0 : Number(atCap!.daily),
      recipientsAtWeeklyCap: cap.maxPerWeek === null ? 0 : Number(atCap!.weekly),
      deferred: deferred.get('frequency cap') ?? 0,
    };
  }
  return { at: new Date(now).toISOString(), limits: limitUsage, frequencyCap };
}
