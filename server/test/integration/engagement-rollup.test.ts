import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openTestDatabase, type TestDatabase } from '../harness.ts';

/**
 * recipient_engagement against what it sums up: whatever batches of events arrive, in
 * whatever order, each recipient's row equals the aggregate of their events computed from
 * scratch (deliveries counted once per kind, the latest time of each kind).
 */

let database: TestDatabase;
beforeAll(async () => { database = await openTestDatabase(); });
afterAll(async () => { await database?.close(); });

const recipientIds = Array.from({ length: 4 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
/** Deliveries 1–12, each to one recipient, as in the deliveries table. */
const recipientOfDelivery = (deliveryId: number) => recipientIds[deliveryId % recipientIds.length]!;

type EventRow = { type: string; deliveryId: number | null; recipient: number; minutesAgo: number };

const eventRow: fc.Arbitrary<EventRow> = fc.record({
  type: fc.constantFrom('sent', 'delivered', 'opened', 'clicked', 'failed', 'retrying'),
  deliveryId: fc.option(fc.integer({ min: 1, max: 12 }), { freq: 8 }),
  recipient: fc.integer({ min: 0, max: recipientIds.length - 1 }),
  minutesAgo: fc.integer({ min: 0, max: 10_000 }),
});

async function insertBatch(batch: EventRow[]): Promise<void> {
  const values = batch.map((event) => {
    const recipient = event.deliveryId === null ? recipientIds[event.recipient]! : recipientOfDelivery(event.deliveryId);
    return sql`(${event.type}::text, ${event.deliveryId}::bigint, ${recipient}::uuid, now() - ${event.minutesAgo}::int * interval '1 minute')`;
  });
  await database.query(sql`INSERT INTO events (type, delivery_id, recipient_id, occurred_at) VALUES ${sql.join(values, sql`, `)}`);
}

type Summary = { recipient_id: string; received: number; opened: number; clicked: number; last_received_at: string | null; last_opened_at: string | null; last_clicked_at: string | null };

const columns = sql`recipient_id::text, received::int, opened::int, clicked::int,
  last_received_at::text, last_opened_at::text, last_clicked_at::text`;

async function rollup(): Promise<Summary[]> {
  return rowsOf<Summary>(database.db, sql`SELECT ${columns} FROM recipient_engagement ORDER BY recipient_id`);
}

async function fromScratch(): Promise<Summary[]> {
  return rowsOf<Summary>(database.db, sql`
    SELECT ${columns} FROM (
      SELECT recipient_id,
             count(DISTINCT delivery_id) FILTER (WHERE type IN ('sent', 'delivered')) AS received,
             count(DISTINCT delivery_id) FILTER (WHERE type = 'opened') AS opened,
             count(DISTINCT delivery_id) FILTER (WHERE type = 'clicked') AS clicked,
             max(occurred_at) FILTER (WHERE type IN ('sent', 'delivered')) AS last_received_at,
             max(occurred_at) FILTER (WHERE type = 'opened') AS last_opened_at,
             max(occurred_at) FILTER (WHERE type = 'clicked') AS last_clicked_at
        FROM events WHERE type IN ('sent', 'delivered', 'opened', 'clicked')
       GROUP BY recipient_id) AS s
    ORDER BY recipient_id`);
}

describe('the engagement rollup kept by the trigger on events', () => {
  it('equals the aggregate of the events after any sequence of inserts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(eventRow, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        await database.query(sql`TRUNCATE events, recipient_engagement`);
        for (const batch of batches) await insertBatch(batch);
        expect(await rollup()).toEqual(await fromScratch());
      }),
      { numRuns: 40 },
    );
  });

  it('counts a delivery opened twice once, and keeps the later time', async () => {
    await database.query(sql`TRUNCATE events, recipient_engagement`);
    await insertBatch([{ type: 'sent', deliveryId: 4, recipient: 0, minutesAgo: 60 }]);
    await insertBatch([{ type: 'opened', deliveryId: 4, recipient: 0, minutesAgo: 30 }]);
    await insertBatch([{ type: 'opened', deliveryId: 4, recipient: 0, minutesAgo: 10 }, { type: 'delivered', deliveryId: 4, recipient: 0, minutesAgo: 50 }]);
    const [row] = await rollup();
    expect(row).toMatchObject({ recipient_id: recipientIds[0], received: 1, opened: 1, clicked: 0, last_clicked_at: null });
    const [times] = await rowsOf<{ opened_ago: number }>(database.db, sql`
      SELECT round(extract(epoch FROM now() - last_opened_at) / 60)::int AS opened_ago FROM recipient_engagement`);
    expect(times!.opened_ago).toBe(10);
  });

  it('sums up the events recorded before the migration that adds it', async () => {
    // the database as it was before 0001: no trigger, no summary
    await database.query(sql`DROP TRIGGER events_engagement_rollup ON events`);
    await database.query(sql`DROP FUNCTION herald_roll_up_engagement()`);
    await database.query(sql`ALTER TABLE recipients DROP COLUMN attribute_instants`);
    await database.query(sql`DROP FUNCTION herald_attribute_instants(jsonb), herald_instant_key(timestamptz)`);
    await database.query(sql`DELETE FROM herald_migrations WHERE tag = '0001_derived_data'`);
    await database.query(sql`TRUNCATE events, recipient_engagement`);
    await insertBatch([
      { type: 'sent', deliveryId: 4, recipient: 0, minutesAgo: 90 },
      { type: 'opened', deliveryId: 4, recipient: 0, minutesAgo: 80 },
      { type: 'opened', deliveryId: 4, recipient: 0, minutesAgo: 70 },
      { type: 'delivered', deliveryId: 8, recipient: 0, minutesAgo: 60 },
      { type: 'clicked', deliveryId: 12, recipient: 0, minutesAgo: 50 },
    ]);
    expect(await rollup()).toEqual([]);

    await migrate(database);
    expect(await rollup()).toEqual(await fromScratch());
    expect((await rollup())[0]).toMatchObject({ received: 2, opened: 1, clicked: 1 });
    // and the trigger is back
    await insertBatch([{ type: 'sent', deliveryId: 16, recipient: 0, minutesAgo: 1 }]);
    expect(await rollup()).toEqual(await fromScratch());
  });
});
