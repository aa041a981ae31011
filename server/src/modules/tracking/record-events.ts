/**
 * The writes behind the tracking routes. Each is ONE statement (opens and clicks take a lock first), so
 * it is atomic and costs a round trip or two: opens and clicks arrive in bursts right after a
 * big send, and the pixel must answer fast.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from '../../db/client.ts';
import type { MachineVerdict } from './machine-traffic.ts';
import type { SmsStatusEffect } from './sms-status.ts';
import type { UnsubscribeTarget } from './tokens.ts';

/** Who fetched a pixel or followed a link, as stored in the event's data. */
export type Fetcher = { userAgent: string | null; ip: string | null; verdict: MachineVerdict; secondsSinceSent: number };

/** User agents longer than this are cut: the column is for analytics, not for storing abuse. */
const maxUserAgentLength = 512;

type FetcherData = { isMachine: boolean; machineReason?: string; userAgent: string | null; ip: string | null; secondsSinceSent: number };

function fetcherData(fetcher: Fetcher): FetcherData {
  return {
    isMachine: fetcher.verdict.isMachine,
    ...(fetcher.verdict.isMachine ? { machineReason: fetcher.verdict.reason } : {}),
    userAgent: fetcher.userAgent?.slice(0, maxUserAgentLength) ?? null,
    ip: fetcher.ip,
    secondsSinceSent: Math.round(fetcher.secondsSinceSent),
  };
}

/**
 * Records an `opened` event for the delivery, copying its run, schedule and recipient in the
 * same INSERT … SELECT, at most once per delivery: the first fetch of the pixel is recorded,
 * and when that one looked machine-made, so is the first fetch that looks like a person (a
 * privacy proxy fetches at delivery; the person may really open the message later). So a
 * delivery has at most one human open and at most one machine open, never a machine open
 * after a human one. Returns false when nothing was recorded (unknown delivery, or a repeat).
 *
 * Exact under concurrency (mail clients and proxies fetch the pixel several times at once):
 * opens of one delivery are recorded one at a time (insertEmailEvent).
 */
export async function recordOpen(database: Database, deliveryId: number, fetcher: Fetcher): Promise<boolean> {
  const data = fetcherData(fetcher);
  // A machine open is recorded only as the first; a human one unless a human one exists.
  const isRepeat = sql`(${data.isMachine}::boolean OR e.data->>'isMachine' = 'false')`;
  return insertEmailEvent(database, 'opened', deliveryId, data, isRepeat);
}

/**
 * Records a `clicked` event on `url` for the delivery. Every click counts (a person may come
 * back to a link), except a repeat of the same link by the same client within a second: a
 * double click, or a client that re-requests. Clicks of one delivery are recorded one at a
 * time (insertEmailEvent), so a double click sent as two concurrent requests is seen as a
 * repeat, and the engagement rollup's "first click of the delivery"
 * (drizzle/0001_derived_data.sql) is exact.
 */
export async function recordClick(database: Database, deliveryId: number, url: string, fetcher: Fetcher): Promise<boolean> {
  const data = { url, ...fetcherData(fetcher) };
  const isRepeat = sql`e.occurred_at > now() - interval '1 second'
    AND e.data->>'url' = ${url}::text
    AND e.data->>'userAgent' IS NOT DISTINCT FROM ${data.userAgent}::text
    AND e.data->>'ip' IS NOT DISTINCT FROM ${data.ip}::text`;
  return insertEmailEvent(database, 'clicked', deliveryId, data, isRepeat);
}

/**
 * Inserts an email event of the delivery, copying its run, schedule and recipient in the same
 * INSERT … SELECT, unless an event `e` of the same type and delivery matches `isRepeat`
 * (read through events_delivery_idx). False when nothing was inserted: an unknown delivery,
 * or a repeat. Events of one type and delivery are written one at a time: the transaction
 * first takes an advisory lock on (type, delivery), so a concurrent request waits, and its
 * INSERT then runs with a fresh snapshot (READ COMMITTED) that sees the first one's event.
 * The lock is transaction-scoped, so it cannot leak.
 */
async function insertEmailEvent(database: Database, type: 'opened' | 'clicked', deliveryId: number, data: object, isRepeat: SQL): Promise<boolean> {
  return database.db.transaction(async (tx) => {
    await rowsOf(tx, sql`SELECT pg_advisory_xact_lock(hashtextextended(${`herald.${type}:${deliveryId}`}::text, 0))`);
    const rows = await rowsOf(tx, sql`
      INSERT INTO events (type, delivery_id, run_id, schedule_id, recipient_id, channel, data)
      SELECT ${type}::text, d.id, d.run_id, d.schedule_id, d.recipient_id, 'email', ${JSON.stringify(data)}::jsonb
      FROM deliveries AS d
      WHERE d.id = ${deliveryId}
        AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.delivery_id = d.id AND e.type = ${type}::text AND ${isRepeat})
      RETURNING id`);
    return rows.length > 0;
  });
}

/** Who an unsubscribe page speaks of. */
export type UnsubscribePerson = { email: string | null; phone: string | null; unsubscribedAt: Date | null };

/** The recipient a link names directly, or through the delivery that carried it. */
function recipientOf(target: UnsubscribeTarget): SQL {
  return target.recipientId === undefined
    ? sql`(SELECT recipient_id FROM deliveries WHERE id = ${target.deliveryId})`
    : sql`${target.recipientId}::uuid`;
}

type PersonRow = { email: string | null; phone: string | null; unsubscribed_at: Date | string | null };

function personOf(row: PersonRow): UnsubscribePerson {
  return { email: row.email, phone: row.phone, unsubscribedAt: row.unsubscribed_at === null ? null : new Date(row.unsubscribed_at) };
}

/** The recipient an unsubscribe link names, for its confirmation page; null when gone. */
export async function findUnsubscribePerson(database: Database, target: UnsubscribeTarget): Promise<UnsubscribePerson | null> {
  const [row] = await database.query<PersonRow>(sql`
    SELECT email, phone, unsubscribed_at FROM recipients WHERE id = ${recipientOf(target)}`);
  return row ? personOf(row) : null;
}

export type UnsubscribeOutcome = { isFound: boolean; hasChanged: boolean; person: UnsubscribePerson | null };

/**
 * Unsubscribes the recipient from everything (fan-out skips recipients with
 * `unsubscribed_at` set) and records one `unsubscribed` event, tied to the delivery when the
 * link carried one (and it is this recipient's). Repeating it changes nothing and records
 * nothing: the UPDATE's `unsubscribed_at IS NULL` is re-checked on the locked row, so of two
 * concurrent POSTs exactly one records the event.
 */
export async function unsubscribeRecipient(
  database: Database,
  input: { target: UnsubscribeTarget; method: 'one-click' | 'page'; channel: 'email' | null },
): Promise<UnsubscribeOutcome> {
  const { target } = input;
  const data = { method: input.method };
  const [row] = await database.query<PersonRow & { changed: number }>(sql`
    WITH person AS (
      SELECT ${recipientOf(target)} AS id
    ), updated AS (
      UPDATE recipients SET unsubscribed_at = now(), updated_at = now()
      WHERE id = (SELECT id FROM person) AND unsubscribed_at IS NULL
      RETURNING id, unsubscribed_at
    ), recorded AS (
      INSERT INTO events (type, delivery_id, run_id, schedule_id, recipient_id, channel, data)
      SELECT 'unsubscribed', d.id, d.run_id, d.schedule_id, u.id, coalesce(${input.channel}::text, d.channel), ${JSON.stringify(data)}::jsonb
      FROM updated AS u
      LEFT JOIN deliveries AS d ON d.id = ${target.deliveryId ?? null}::bigint AND d.recipient_id = u.id
      RETURNING id
    )
    SELECT (SELECT count(*) FROM recorded)::int AS changed, r.email, r.phone,
      coalesce((SELECT unsubscribed_at FROM updated), r.unsubscribed_at) AS unsubscribed_at
    FROM recipients AS r
    WHERE r.id = (SELECT id FROM person)`);
  if (!row) return { isFound: false, hasChanged: false, person: null };
  return { isFound: true, hasChanged: row.changed > 0, person: personOf(row) };
}

export type SmsStatusOutcome = { deliveryId: number | null; isRecorded: boolean; isMarkedFailed: boolean };

/**
 * Applies a provider's status callback to the delivery whose SMS attempt carries this
 * provider message id: records the event once per (delivery, type, message), and when the
 * provider says the message did not arrive, turns a delivery that was `sent` on SMS into
 * `failed` with the reason. A callback for an unknown message id changes nothing.
 */
export async function applySmsStatus(
  database: Database,
  input: { messageSid: string; status: string; errorCode: string | undefined; effect: Exclude<SmsStatusEffect, { kind: 'ignore' }> },
): Promise<SmsStatusOutcome> {
  const { effect } = input;
  const type = effect.kind === 'delivered' ? 'delivered' : effect.eventType;
  const reason = effect.kind === 'delivered' ? null : effect.reason;
  const data = { messageSid: input.messageSid, status: input.status, ...(input.errorCode ? { errorCode: input.errorCode } : {}), ...(reason ? { reason } : {}) };
  const [row] = await database.query<{ delivery_id: number | string | null; recorded: number; failed: number }>(sql`
    WITH target AS (
      SELECT d.id, d.run_id, d.schedule_id, d.recipient_id
      FROM delivery_attempts AS a
      JOIN deliveries AS d ON d.id = a.delivery_id
      WHERE a.provider_message_id = ${input.messageSid} AND a.channel = 'sms'
      ORDER BY a.id DESC
      LIMIT 1
    ), recorded AS (
      INSERT INTO events (type, delivery_id, run_id, schedule_id, recipient_id, channel, data)
      SELECT ${type}::text, t.id, t.run_id, t.schedule_id, t.recipient_id, 'sms', ${JSON.stringify(data)}::jsonb
      FROM target AS t
      WHERE NOT EXISTS (
        SELECT 1 FROM events AS e
        WHERE e.delivery_id = t.id AND e.type = ${type}::text AND e.data->>'messageSid' = ${input.messageSid}::text
      )
      RETURNING id
    ), failed AS (
      -- Only a delivery that reached the recipient on SMS alone: if another channel carried
      -- it (or it is still in flight), the SMS's fate does not make the whole delivery fail.
      UPDATE deliveries AS d
      SET status = 'failed', reason = ${reason}::text, updated_at = now()
      FROM target AS t
      WHERE d.id = t.id AND ${reason !== null}::boolean AND d.status = 'sent' AND d.channel = 'sms'
      RETURNING d.id
    )
    SELECT (SELECT id FROM target) AS delivery_id,
      (SELECT count(*) FROM recorded)::int AS recorded,
      (SELECT count(*) FROM failed)::int AS failed`);
  return {
    deliveryId: row?.delivery_id === null || row?.delivery_id === undefined ? null : Number(row.delivery_id),
    isRecorded: (row?.recorded ?? 0) > 0,
    isMarkedFailed: (row?.failed ?? 0) > 0,
  };
}
