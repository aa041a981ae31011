/**
 * A delivery's events as analytics read them: the `events` table plus each delivery's
 * creation. The fan-out writes no event per delivery (it must stay one cheap INSERT … SELECT
 * of deliveries); the delivery row already records that it was queued (created_at, run,
 * schedule, recipient, channels), so the `queued` event is read from it here, next to the
 * stored ones. A delivery the fan-out skipped (unsubscribed, opted out, no address) reads as
 * `skipped` with its reason instead: it was never queued. It is the only skipped delivery
 * with no attempt; one skipped at dispatch has its own `skipped` event row.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DeliveryEvent, DeliveryEventCount } from '@herald/shared';
import { rowsOf, type Db } from '../../db/client.ts';
import { notFound } from '../../lib/errors.ts';
import type { PageQuery } from '../../lib/pagination.ts';
import { getSchedule } from './service.ts';

/** Which deliveries' events to read: a predicate over events `e` and the same set as one over deliveries `d`, each able to use its own index. */
export type EventScope = { events: SQL; deliveries: SQL };

/** One delivery's events. */
export function deliveryScope(deliveryId: number): EventScope {
  return { events: sql`e.delivery_id = ${deliveryId}::bigint`, deliveries: sql`d.id = ${deliveryId}::bigint` };
}

/** The events of every delivery of a schedule (its deliveries found through its runs, by the (run, recipient) key). */
export function scheduleScope(scheduleId: string): EventScope {
  return {
    events: sql`e.schedule_id = ${scheduleId}::uuid`,
    deliveries: sql`d.run_id IN (SELECT r.id FROM runs r WHERE r.schedule_id = ${scheduleId}::uuid)`,
  };
}

/**
 * The events of the deliveries in `scope`, each delivery's creation included, as rows shaped
 * like the events table (`id` null for the creation). Use it as a FROM item.
 */
export function eventsWithCreation(scope: EventScope): SQL {
  return sql`(
    SELECT e.id, e.type, e.delivery_id, e.run_id, e.schedule_id, e.recipient_id, e.channel, e.data, e.occurred_at
      FROM events e WHERE ${scope.events}
    UNION ALL
    SELECT NULL::bigint, CASE WHEN d.status = 'skipped' AND d.attempts = 0 THEN 'skipped' ELSE 'queued' END,
           d.id, d.run_id, d.schedule_id, d.recipient_id, NULL::text,
           CASE WHEN d.status = 'skipped' AND d.attempts = 0 THEN jsonb_build_object('channels', to_jsonb(d.channels), 'reason', d.reason)
                ELSE jsonb_build_object('channels', to_jsonb(d.channels)) END,
           d.created_at
      FROM deliveries d WHERE ${scope.deliveries}
  )`;
}

type EventRow = { id: string | number | null; type: string; channel: string | null; data: Record<string, unknown>; occurred_at: Date | string; total: number };

/** One page of a delivery of this schedule's events, oldest first, its creation first; 404 when the schedule or the delivery is not there. */
export async function listDeliveryEvents(db: Db, scheduleId: string, deliveryId: number, page: PageQuery): Promise<{ rows: DeliveryEvent[]; total: number }> {
  await getSchedule(db, scheduleId);
  const [delivery] = await rowsOf(db, sql`SELECT 1 FROM deliveries WHERE id = ${deliveryId}::bigint AND schedule_id = ${scheduleId}::uuid`);
  if (!delivery) throw notFound('Delivery', String(deliveryId));
  const events = eventsWithCreation(deliveryScope(deliveryId));
  const rows = await rowsOf<EventRow>(db, sql`
    SELECT x.id, x.type, x.channel, x.data, x.occurred_at, count(*) OVER ()::int AS total
      FROM ${events} AS x
     ORDER BY x.occurred_at, x.id NULLS FIRST
     LIMIT ${page.limit} OFFSET ${page.offset}`);
  const total = rows[0]?.total ?? (await rowsOf<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${events} AS x`))[0]?.n ?? 0;
  return {
    total,
    rows: rows.map((row) => ({
      id: row.id === null ? null : Number(row.id),
      type: row.type,
      channel: row.channel,
      data: row.data,
      occurredAt: new Date(row.occurred_at).toISOString(),
    })),
  };
}

/** How often each event type happened over all of a schedule's deliveries, queued included, in the order a delivery lives them. */
export async function countScheduleEvents(db: Db, scheduleId: string): Promise<DeliveryEventCount[]> {
  await getSchedule(db, scheduleId);
  const rows = await rowsOf<{ type: string; events: number; deliveries: number }>(db, sql`
    SELECT x.type, count(*)::int AS events, count(DISTINCT x.delivery_id)::int AS deliveries
      FROM ${eventsWithCreation(scheduleScope(scheduleId))} AS x
     GROUP BY x.type`);
  return rows.sort((a, b) => typeRank(a.type) - typeRank(b.type) || a.type.localeCompare(b.type));
}

/** The order a delivery lives its events in, for reading counts as a funnel; others after, by name. */
const lifeOrder = ['queued', 'deferred', 'retrying', 'requeued', 'sent', 'delivered', 'opened', 'clicked', 'unsubscribed', 'bounced', 'failed', 'skipped'];
const typeRank = (type: string) => {
  const index = lifeOrder.indexOf(type);
  return index === -1 ? lifeOrder.length : index;
};
