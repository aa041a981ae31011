/**
 * Exactly-once firing on real PostgreSQL: several schedulers, each with its own connection
 * pool (as separate processes would have), tick at the same time over the same schedules.
 * Every occurrence must get exactly one run and every recipient exactly one delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createContext, type HeraldContext } from '../../src/context.ts';
import { openDatabase, rowsOf, type Database } from '../../src/db/client.ts';
import { recipients, schedules, templates } from '../../src/db/schema.ts';
import { fireDueSchedules } from '../../src/engine/scheduler/fire-due.ts';
import { insertRun } from '../../src/engine/scheduler/runs.ts';
import { openTestDatabase, type TestDatabase } from '../harness.ts';

const SCHEDULERS = 4;
const TICKS_PER_SCHEDULER = 3;
const RECIPIENTS = 300;
const SCHEDULES = 8;

let primary: TestDatabase;
const extraDatabases: Database[] = [];
const contexts: HeraldContext[] = [];

beforeAll(async () => {
  primary = await openTestDatabase();
  const config = loadConfig({ HERALD_SECRET: 'test-secret-test-secret' });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  contexts.push(await createContext(config, primary, logger));
  for (let i = 1; i < SCHEDULERS; i++) {
    const database = await openDatabase({ databaseUrl: primary.url, dataDir: '', searchPath: primary.schema, poolSize: 4 });
    extraDatabases.push(database);
    contexts.push(await createContext(config, database, logger));
  }
  const { db } = primary;
  const [template] = await db.insert(templates).values({ name: 'Race', content: { inapp: { title: 'Hi', body: 'News' } } }).returning({ id: templates.id });
  await db.insert(recipients).values(Array.from({ length: RECIPIENTS }, (_, i) => ({ externalId: `race-${i}`, email: `race-${i}@example.com` })));
  await db.insert(schedules).values(
    Array.from({ length: SCHEDULES }, (_, i) => ({
      name: `Race ${i}`,
      templateId: template!.id,
      timing: { type: 'daily', time: '09:00' },
      timezone: 'UTC',
      audienceType: 'all',
      channels: ['email', 'inapp'],
      nextRunAt: new Date('2026-03-02T09:00:00Z'),
    })),
  );
}, 120_000);

afterAll(async () => {
  for (const database of extraDatabases) await database.close();
  await primary?.close();
});

type Count = { count: number };
const countOf = async (statement: ReturnType<typeof sql>) => (await rowsOf<Count>(primary.db, statement))[0]!.count;

describe('several schedulers ticking at once', () => {
  it('fire each occurrence exactly once, with exactly one delivery per recipient', async () => {
    // Three days in a row: each round, every scheduler ticks several times concurrently.
    for (const [round, now] of ['2026-03-02T09:00:01Z', '2026-03-03T09:00:01Z', '2026-03-04T09:00:01Z'].entries()) {
      const ticks = contexts.flatMap((context) => Array.from({ length: TICKS_PER_SCHEDULER }, () => fireDueSchedules(context, new Date(now))));
      const results = await Promise.all(ticks);
      expect(results.reduce((sum, result) => sum + result.fired, 0), `runs reported in round ${round}`).toBe(SCHEDULES);
    }

    expect(await countOf(sql`SELECT count(*)::int AS count FROM runs`)).toBe(SCHEDULES * 3);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM (
      SELECT schedule_id, occurrence_at FROM runs GROUP BY 1, 2 HAVING count(*) > 1) AS duplicated`)).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM deliveries`)).toBe(SCHEDULES * 3 * RECIPIENTS);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM (
      SELECT run_id, recipient_id FROM deliveries GROUP BY 1, 2 HAVING count(*) > 1) AS duplicated`)).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM runs WHERE queued_count <> ${RECIPIENTS} OR audience_size <> ${RECIPIENTS}`)).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM schedules WHERE next_run_at <> '2026-03-05T09:00:00Z'`)).toBe(0);
  });

  it('records a catch-up once when several schedulers come back together', async () => {
    await primary.db.execute(sql`UPDATE schedules SET next_run_at = '2026-03-05T09:00:00Z'`);
    // Down for three days; back an hour after the latest occurrence, within the catch-up window.
    const now = new Date('2026-03-07T10:00:00Z');
    const results = await Promise.all(contexts.flatMap((context) => [fireDueSchedules(context, now), fireDueSchedules(context, now)]));
    expect(results.reduce((sum, result) => sum + result.fired, 0)).toBe(SCHEDULES);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM runs WHERE trigger = 'catch-up' AND occurrence_at = '2026-03-07T09:00:00Z'`)).toBe(SCHEDULES);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM schedule_history WHERE action = 'missed' AND (data->>'count')::int = 2`)).toBe(SCHEDULES);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM schedule_history WHERE action = 'missed'`)).toBe(SCHEDULES);
  });

  it('lets only one of many concurrent inserts of the same occurrence win, without any lock held', async () => {
    // The unique key alone, apart from the row lock: each transaction on its own pool.
    const [schedule] = await rowsOf<{ id: string }>(primary.db, sql`SELECT id FROM schedules LIMIT 1`);
    const occurrenceAt = new Date('2030-01-01T00:00:00Z');
    const attempts = contexts.flatMap((context) =>
      [0, 1].map(() =>
        context.database.db.transaction((tx) => insertRun(tx, { scheduleId: schedule!.id, occurrenceAt, trigger: 'scheduled', firedAt: occurrenceAt })),
      ),
    );
    const ids = (await Promise.all(attempts)).filter((id): id is string => id !== null);
    expect(ids).toHaveLength(1);
  });
});
