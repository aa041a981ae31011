/**
 * The worker's claim, record and run check are named prepared statements on PostgreSQL: each
 * connection parses them once and PostgreSQL may keep one plan for them, instead of parsing and
 * planning them for every batch. Their rows are the same either way, and PGlite, which has no
 * named statements here, runs them unnamed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, testDriver, type TestApp } from '../harness.ts';
import { seedDeliveries } from '../support/delivery-seed.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { claimDeliveries } from '../../src/engine/worker/claim-deliveries.ts';
import { completeSettledRuns, recordResults } from '../../src/engine/worker/record-results.ts';
import { buildResultRows } from '../../src/engine/worker/result-rows.ts';

let t: TestApp;
/** one connection, so that what it has prepared can be read on it */
let single: Database;

beforeAll(async () => {
  t = await createTestApp();
  single = testDriver === 'postgres'
    ? await openDatabase({ databaseUrl: t.database.url, dataDir: '', searchPath: t.database.schema, poolSize: 1 })
    : t.database;
});
afterAll(async () => {
  if (single !== t.database) await single.close();
  await t.close();
});

type Prepared = { name: string; runs: number };
const preparedOnConnection = () =>
  single.query<Prepared>(sql`SELECT name, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements ORDER BY name`);

describe('prepared statements', () => {
  it('answer with the same rows as the statement run unnamed, values parsed alike', async () => {
    const statement = () => sql`SELECT ${'x'}::text AS word, 7::bigint AS big, timestamptz '2030-01-02T03:04:05Z' AS at, '{"a":1}'::jsonb AS doc`;
    const unnamed = await single.query(statement());
    const first = await single.query(statement(), { prepared: 'herald_test_same_rows' });
    const again = await single.query(statement(), { prepared: 'herald_test_same_rows' });
    expect(first).toEqual(unnamed);
    expect(again).toEqual(unnamed);
    if (testDriver === 'postgres') expect(await preparedOnConnection()).toContainEqual({ name: 'herald_test_same_rows', runs: 2 });
  });

  it.runIf(testDriver === 'postgres')('refuse a name used before for another text', async () => {
    await single.query(sql`SELECT 1 AS one`, { prepared: 'herald_test_one_text' });
    const refusal = await single.query(sql`SELECT 2 AS two`, { prepared: 'herald_test_one_text' }).catch((error: unknown) => error);
    // Drizzle wraps the driver's error
    expect((refusal as Error).cause).toMatchObject({ message: expect.stringMatching(/Prepared statements must be unique/) });
  });

  it('are what the worker claims, records and completes runs with', async () => {
    const seeded = await seedDeliveries(t, { count: 3, channels: ['webhook'], dueAt: new Date(Date.now() - 60_000) });
    for (const size of [2, 1]) {
      const claimed = await claimDeliveries(single, 'prepared-worker', size, 60_000);
      expect(claimed).toHaveLength(size);
      expect(claimed.every((delivery) => delivery.recipient?.id === delivery.recipientId)).toBe(true);
      const settledAt = new Date();
      const rows = buildResultRows(claimed.map((delivery) => ({
        delivery,
        outcomes: [{ channel: 'webhook', result: { ok: true as const, providerMessageId: `p-${delivery.id}` } }],
        settlement: { status: 'sent' as const, channel: 'webhook', reason: null },
        settledAt,
      })));
      expect(await recordResults(single, 'prepared-worker', rows)).toBe(size);
      await completeSettledRuns(single, [seeded.runId]);
    }
    const [run] = await single.query<{ status: string }>(sql`SELECT status FROM runs WHERE id = ${seeded.runId}`);
    expect(run?.status).toBe('completed');
    if (testDriver === 'postgres') {
      expect(await preparedOnConnection()).toEqual(expect.arrayContaining([
        { name: 'herald_claim_deliveries', runs: 2 },
        { name: 'herald_complete_runs', runs: 2 },
        { name: 'herald_record_results', runs: 2 },
      ]));
    }
  });
});
