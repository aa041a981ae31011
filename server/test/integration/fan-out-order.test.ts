/**
 * The fan-out inserts a run's deliveries in recipient id order (random UUIDs in table order
 * would scatter the (run_id, recipient_id) key's entries over the whole index), and gives its
 * sort the memory to stay off disk for the rest of its transaction only, never lowering a
 * larger `work_mem`. On PGlite and on PostgreSQL.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { recipients, runs, schedules, templates } from '../../src/db/schema.ts';
import { fanOut } from '../../src/engine/fan-out/fan-out.ts';
import { fanOutSortMemory } from '../../src/engine/fan-out/insert-deliveries.ts';
import { openTestDatabase, type TestDatabase } from '../harness.ts';

let database: TestDatabase;
let scheduleId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  const [template] = await database.db.insert(templates).values({ name: 'Order', content: { inapp: { title: 'Hi', body: 'News' } } }).returning({ id: templates.id });
  const [schedule] = await database.db.insert(schedules).values({
    name: 'Order', templateId: template!.id, timing: { type: 'once', at: '2030-01-01T09:00' }, timezone: 'UTC', audienceType: 'all', channels: ['inapp'], status: 'paused',
  }).returning({ id: schedules.id });
  scheduleId = schedule!.id;
  await database.db.insert(recipients).values(Array.from({ length: 300 }, (_, i) => ({ externalId: `person-${i}` })));
});

afterAll(async () => {
  await database?.close();
});

const workMemBytes = async (tx: Parameters<typeof rowsOf>[0]) =>
  Number((await rowsOf<{ bytes: string }>(tx, sql`SELECT pg_size_bytes(current_setting('work_mem'))::text AS bytes`))[0]!.bytes);

/** Fans a new run out to everyone, in a transaction that first runs `before`; returns work_mem after the fan-out, in it. */
async function fanOutRun(before?: ReturnType<typeof sql>): Promise<{ runId: string; workMem: number }> {
  return database.db.transaction(async (tx) => {
    if (before) await tx.execute(before);
    const [run] = await tx.insert(runs).values({ scheduleId, occurrenceAt: new Date() }).returning({ id: runs.id });
    const counts = await fanOut(tx, { runId: run!.id, scheduleId, audience: { type: 'all' }, channels: ['inapp'], priority: 'normal', dueAt: new Date() });
    expect(counts).toMatchObject({ audienceSize: 300, queued: 300 });
    return { runId: run!.id, workMem: await workMemBytes(tx) };
  });
}

describe('the fan-out\'s order and memory', () => {
  it('inserts the deliveries in recipient id order', async () => {
    const { runId } = await fanOutRun();
    const rows = await rowsOf<{ recipient_id: string }>(database.db, sql`SELECT recipient_id FROM deliveries WHERE run_id = ${runId} ORDER BY id`);
    const inserted = rows.map((row) => row.recipient_id);
    expect(inserted).toHaveLength(300);
    // UUIDs in their text form sort as PostgreSQL sorts them (lowercase hex, fixed places).
    expect(inserted).toEqual([...inserted].sort());
  });

  it('raises work_mem for its own transaction only', async () => {
    const outside = await workMemBytes(database.db);
    expect(outside).toBeLessThan(fanOutSortMemory);
    const { workMem } = await fanOutRun();
    expect(workMem).toBe(fanOutSortMemory);
    expect(await workMemBytes(database.db)).toBe(outside);
  });

  it('keeps a larger work_mem as it is', async () => {
    const { workMem } = await fanOutRun(sql`SET LOCAL work_mem = '1GB'`);
    expect(workMem).toBe(1024 * 1024 * 1024);
  });
});
