/**
 * The queue dashboard in one read: a handful of aggregate statements, each served by an index
 * (the claim index for the waiting work, the run index for running runs, the BRIN index on
 * events for the last hour), plus the projection of each running run.
 */
import { sql } from 'drizzle-orm';
import { channels, priorities, rateLimitSchema, type Channel, type QueueStats } from '@herald/shared';
import type { Database } from '../../db/client.ts';
import { deliveriesWithLeases, shownStatus } from '../../db/delivery-status.ts';
import { bucketLimitsOf, sustainedRatePerSecond } from '../../engine/limits/bucket.ts';
import { readDeliverySettings } from '../settings/service.ts';
import { projectRuns, type RunToProject } from './projection.ts';

const statuses = ['queued', 'sending', 'sent', 'failed', 'skipped', 'cancelled'] as const;
/**
 * Queued deliveries held back until a later time by a rate limit, the frequency cap or the
 * recipient's quiet hours (moved at fan-out or deferred at dispatch: "quiet hours until 08:00
 * Europe/Paris"). The reason stays on the row until the next attempt, so one whose time has
 * come is due, no longer held.
 */
const heldReason = sql`(d.reason LIKE 'rate limit %' OR d.reason LIKE 'frequency cap:%' OR d.reason LIKE 'quiet hours until %')`;
const heldBack = sql`(d.due_at > now() AND ${heldReason})`;
/**
 * Queued deliveries due later for any other reason: only a failed attempt's backoff sets a
 * later time without one of those reasons (its reason is the failure), so a queued delivery is
 * due, held back or retrying.
 */
const retrying = sql`(d.due_at > now() AND d.reason IS NOT NULL AND NOT ${heldReason})`;
/** how far back the pace of the queue is measured, for runs that no limit bounds */
const observedWindowSeconds = 300;

/** Channel messages over some span: sent, failed for good, failed and to be retried. */
type Tally = { sent: number; failed: number; retried: number };
const noSends: Tally = { sent: 0, failed: 0, retried: 0 };

type RunRow = {
  id: string;
  schedule_id: string;
  schedule_name: string;
  priority: string;
  fired_at: string | Date;
  channels: string[];
  channel_mode: string;
  rate_limit: unknown;
  remaining: number;
  done: number;
  latest_due_at: string | Date | null;
};

const iso = (value: string | Date) => new Date(value).toISOString();
const priorityName = (rank: number) => priorities[rank] ?? 'normal';

/** Counts, throughput, the oldest waiting delivery and the projected finish of each running run. */
export async function readQueueStats(database: Database, scale: number): Promise<QueueStats> {
  const [[clock], statusRows, priorityRows, waitingRows, minuteRows, oldestRows, runRows, settings] = await Promise.all([
    database.query<{ now: string | Date }>(sql`SELECT now() AS now`),
    database.query<{ status: string; channel: string | null; count: number }>(sql`
      SELECT ${shownStatus} AS status, d.channel, count(*)::int AS count FROM ${deliveriesWithLeases} GROUP BY 1, 2`),
    database.query<{ priority: number; queued: number; due: number; deferred: number; retrying: number; sending: number }>(sql`
      SELECT d.priority,
             count(*) FILTER (WHERE l.delivery_id IS NULL)::int AS queued,
             count(*) FILTER (WHERE l.delivery_id IS NULL AND d.due_at <= now())::int AS due,
             count(*) FILTER (WHERE l.delivery_id IS NULL AND ${heldBack})::int AS deferred,
             count(*) FILTER (WHERE l.delivery_id IS NULL AND ${retrying})::int AS retrying,
             count(l.delivery_id)::int AS sending
      FROM ${deliveriesWithLeases} WHERE d.status = 'queued' GROUP BY d.priority`),
    database.query<{ channel: string; count: number }>(sql`
      SELECT c AS channel, count(*)::int AS count
      FROM deliveries CROSS JOIN LATERAL unnest(channels) AS c
      WHERE status = 'queued' GROUP BY c`),
    database.query<Tally & { minute: string | Date; channel: string | null }>(sql`
      SELECT date_trunc('minute', occurred_at) AS minute, channel,
             count(*) FILTER (WHERE type = 'sent')::int AS sent,
             count(*) FILTER (WHERE type = 'failed')::int AS failed,
             count(*) FILTER (WHERE type = 'retrying')::int AS retried
      FROM events
      WHERE occurred_at > date_trunc('minute', now()) - interval '59 minutes' AND type IN ('sent', 'failed', 'retrying')
      GROUP BY 1, 2`),
    // The oldest due delivery of each priority comes straight off the claim index; the oldest of those four wins.
    database.query<{ id: string | number; schedule_id: string; priority: number; due_at: string | Date; waiting_seconds: number }>(sql`
      SELECT d.id, d.schedule_id, d.priority, d.due_at, extract(epoch FROM now() - d.due_at)::float8 AS waiting_seconds
      FROM (VALUES (0), (1), (2), (3)) AS p(priority)
      CROSS JOIN LATERAL (
        SELECT id, schedule_id, priority, due_at FROM deliveries AS q
        WHERE status = 'queued' AND priority = p.priority AND due_at <= now()
          AND NOT EXISTS (SELECT 1 FROM delivery_leases AS l WHERE l.delivery_id = q.id)
        ORDER BY due_at LIMIT 1
      ) AS d
      ORDER BY d.due_at LIMIT 1`),
    database.query<RunRow>(sql`
      SELECT r.id, r.schedule_id, s.name AS schedule_name, s.priority, r.fired_at, s.channels, s.channel_mode, s.rate_limit,
             count(d.id) FILTER (WHERE d.status = 'queued')::int AS remaining,
             count(d.id) FILTER (WHERE d.status <> 'queued')::int AS done,
             max(d.due_at) FILTER (WHERE d.status = 'queued') AS latest_due_at
      FROM runs r
      JOIN schedules s ON s.id = r.schedule_id
      LEFT JOIN deliveries d ON d.run_id = r.id
      WHERE r.status = 'sending'
      GROUP BY r.id, s.id
      ORDER BY r.fired_at`),
    readDeliverySettings(database.db),
  ]);

  const now = new Date(clock!.now);
  const byStatus = Object.fromEntries(statuses.map((status) => [status, 0])) as QueueStats['byStatus'];
  const delivered = new Map<string, number>();
  for (const row of statusRows) {
    if (row.status in byStatus) byStatus[row.status as keyof QueueStats['byStatus']] += Number(row.count);
    if (row.status === 'sent' && row.channel) delivered.set(row.channel, (delivered.get(row.channel) ?? 0) + Number(row.count));
  }

  const byPriority = priorities.map((priority, rank) => {
    const row = priorityRows.find((r) => Number(r.priority) === rank);
    return {
      priority,
      queued: Number(row?.queued ?? 0),
      due: Number(row?.due ?? 0),
      deferred: Number(row?.deferred ?? 0),
      retrying: Number(row?.retrying ?? 0),
      sending: Number(row?.sending ?? 0),
    };
  });

  const lastHour = new Map<string, Tally>();
  const perMinute = new Map<number, Tally>();
  const add = (total: Tally = noSends, row: Tally) => ({
    sent: total.sent + Number(row.sent),
    failed: total.failed + Number(row.failed),
    retried: total.retried + Number(row.retried),
  });
  for (const row of minuteRows) {
    const minute = new Date(row.minute).getTime();
    perMinute.set(minute, add(perMinute.get(minute), row));
    if (row.channel) lastHour.set(row.channel, add(lastHour.get(row.channel), row));
  }
  const currentMinute = Math.floor(now.getTime() / 60_000) * 60_000;
  const throughput = Array.from({ length: 60 }, (_, i) => {
    const minute = currentMinute - (59 - i) * 60_000;
    return { minute: new Date(minute).toISOString(), ...(perMinute.get(minute) ?? noSends) };
  });

  const byChannel = channels.map((channel: Channel) => ({
    channel,
    waiting: Number(waitingRows.find((r) => r.channel === channel)?.count ?? 0),
    delivered: delivered.get(channel) ?? 0,
    sentLastHour: lastHour.get(channel)?.sent ?? 0,
    failedLastHour: lastHour.get(channel)?.failed ?? 0,
    retriedLastHour: lastHour.get(channel)?.retried ?? 0,
  }));

  const oldest = oldestRows[0];
  const oldestWaiting = oldest
    ? { deliveryId: Number(oldest.id), scheduleId: oldest.schedule_id, priority: priorityName(Number(oldest.priority)), dueAt: iso(oldest.due_at), waitingSeconds: Math.max(0, Number(oldest.waiting_seconds)) }
    : null;

  // Limits in messages per second, and the recent pace for runs no limit bounds.
  const rateOf = (limit: Parameters<typeof bucketLimitsOf>[0]) => sustainedRatePerSecond(bucketLimitsOf(limit, scale));
  const channelRates = new Map<string, number>();
  for (const channel of channels) {
    const limit = settings.rateLimits.channels[channel];
    if (limit) channelRates.set(channel, rateOf(limit));
  }
  const runRates = new Map<string, number>();
  for (const row of runRows) {
    const own = rateLimitSchema.safeParse(row.rate_limit);
    if (row.rate_limit !== null && own.success) runRates.set(row.id, rateOf(own.data));
  }
  const recentMessages = throughput.slice(-observedWindowSeconds / 60).reduce((sum, minute) => sum + minute.sent + minute.failed, 0);
  const runs: RunToProject[] = runRows.map((row) => ({
    runId: row.id,
    priority: Math.max(0, priorities.indexOf(row.priority as (typeof priorities)[number])),
    firedAt: new Date(row.fired_at),
    channels: row.channels,
    channelMode: row.channel_mode === 'fallback' ? 'fallback' : 'all',
    remaining: Number(row.remaining),
    latestDueAt: row.latest_due_at === null ? null : new Date(row.latest_due_at),
  }));
  const projections = projectRuns(runs, {
    globalRate: settings.rateLimits.global ? rateOf(settings.rateLimits.global) : null,
    channelRates,
    runRates,
    observedRate: recentMessages / observedWindowSeconds,
  }, now);

  return {
    at: now.toISOString(),
    byStatus,
    byPriority,
    byChannel,
    throughput,
    oldestWaiting,
    runs: runRows.map((row, i) => ({
      runId: row.id,
      scheduleId: row.schedule_id,
      scheduleName: row.schedule_name,
      priority: priorities.includes(row.priority as (typeof priorities)[number]) ? (row.priority as (typeof priorities)[number]) : 'normal',
      firedAt: iso(row.fired_at),
      remaining: Number(row.remaining),
      done: Number(row.done),
      allowedRatePerSecond: projections[i]!.allowedRatePerSecond,
      projectedFinishAt: projections[i]!.projectedFinishAt?.toISOString() ?? null,
    })),
  };
}
