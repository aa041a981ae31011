/**
 * The databases the benchmarks run on: a schema of its own on PostgreSQL (DATABASE_URL,
 * default the local test server), dropped at the end, or a fresh PGlite. Plus the set-based
 * loaders that fill them (a million recipients in one statement) and the objects a run needs.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, rowsOf, type Database } from '../../server/src/db/client.ts';
import { migrate } from '../../server/src/db/migrate.ts';

export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Driver = 'postgres' | 'pglite';

export type BenchDatabase = {
  database: Database;
  driver: Driver;
  /** the URL with the schema's search_path, for other processes (PostgreSQL only) */
  url: string | undefined;
  /** the schema's name (PostgreSQL only), also the application_name of the benchmark's connections */
  schema: string | undefined;
  /** closes the database and drops the schema (or removes PGlite's directory) */
  close: () => Promise<void>;
};

/** Runs one statement on its own connection, outside any schema (CREATE/DROP SCHEMA). */
export async function adminQuery(statement: string, url = databaseUrl): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The drivers to run on: BENCH_DRIVERS=postgres,pglite (the default is both). */
export function benchDrivers(): Driver[] {
  const list = (process.env.BENCH_DRIVERS ?? 'postgres,pglite').split(',').map((name) => name.trim());
  return list.filter((name): name is Driver => name === 'postgres' || name === 'pglite');
}

/** A fresh, migrated database: a new schema on PostgreSQL, or PGlite in a temporary directory. */
export async function openBenchDatabase(driver: Driver, poolSize = 10): Promise<BenchDatabase> {
  if (driver === 'pglite') {
    // On disk, as `npm start` runs it; memory:// would flatter PGlite's writes.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
    const database = await openDatabase({ dataDir });
    await migrate(database);
    return {
      database,
      driver,
      url: undefined,
      schema: undefined,
      close: async () => {
        await database.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const separator = databaseUrl.includes('?') ? '&' : '?';
  // The schema's name as application_name, so its server processes can be found (their CPU time is measured).
  const database = await openDatabase({ databaseUrl: `${databaseUrl}${separator}application_name=${schema}`, dataDir: '', searchPath: schema, poolSize });
  await migrate(database);
  return {
    database,
    driver,
    url: `${databaseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    schema,
    close: async () => {
      await database.close();
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

/**
 * Loads `count` recipients in chunks of set-based INSERTs: every one has an email address, a
 * name, a zone and a `webhookUrl` attribute (so every channel has an address), like the
 * people a real app pushes to Herald.
 */
export async function loadRecipients(database: Database, count: number, webhookUrl = 'http://127.0.0.1:9/hook'): Promise<void> {
  const chunk = 200_000;
  for (let from = 1; from <= count; from += chunk) {
    const to = Math.min(count, from + chunk - 1);
    await database.query(sql`
      INSERT INTO recipients (external_id, email, name, timezone, locale, attributes)
      SELECT 'user-' || g, 'user' || g || '@example.com', 'User ' || g,
             (ARRAY['America/New_York','Europe/Paris','Asia/Kolkata','UTC'])[1 + g % 4], 'en',
             jsonb_build_object('plan', (ARRAY['free','pro','business'])[1 + g % 3], 'webhookUrl', ${webhookUrl}::text)
      FROM generate_series(${from}::int, ${to}::int) AS g`);
  }
  // Fresh statistics, as autovacuum would have them on a table that grew over time.
  await database.query(sql`ANALYZE recipients`);
}

/** The content of the benchmark template: short texts with a little Liquid on each channel. */
export function benchTemplateContent(webhookUrl: string): Record<string, unknown> {
  return {
    email: { subject: 'Hello {{ recipient.name }}', html: '<p>Hi {{ recipient.name }}, news from {{ schedule.name }}.</p>', text: 'Hi {{ recipient.name }}, news from {{ schedule.name }}.' },
    inapp: { title: 'News for {{ recipient.name }}', body: 'Something new happened in {{ schedule.name }}.' },
    webhook: { url: webhookUrl, body: '{"name": {{ recipient.name | json }}, "schedule": {{ schedule.name | json }}}' },
  };
}

/** A paused schedule (so no scheduler fires it by itself) with the benchmark template, on the given channels. */
export async function createBenchSchedule(database: Database, channels: string[], webhookUrl = 'http://127.0.0.1:9/hook'): Promise<{ scheduleId: string; templateId: string }> {
  const [template] = await rowsOf<{ id: string }>(database.db, sql`
    INSERT INTO templates (name, content) VALUES ('Bench', ${JSON.stringify(benchTemplateContent(webhookUrl))}::jsonb) RETURNING id`);
  const channelList = sql.join(channels.map((channel) => sql`${channel}`), sql`, `);
  const [schedule] = await rowsOf<{ id: string }>(database.db, sql`
    INSERT INTO schedules (name, template_id, timing, timezone, audience_type, channels, status)
    VALUES ('Bench', ${template!.id}::uuid, '{"type":"once","at":"2030-01-01T09:00"}', 'UTC', 'all', ARRAY[${channelList}]::text[], 'paused')
    RETURNING id`);
  return { scheduleId: schedule!.id, templateId: template!.id };
}

/** A run of the schedule (as the scheduler would insert it before fanning out). */
export async function createBenchRun(database: Database, scheduleId: string, occurrenceAt = new Date()): Promise<string> {
  const [run] = await rowsOf<{ id: string }>(database.db, sql`
    INSERT INTO runs (schedule_id, occurrence_at, trigger) VALUES (${scheduleId}::uuid, ${occurrenceAt.toISOString()}::timestamptz, 'manual') RETURNING id`);
  return run!.id;
}

/** Deliveries of the run by status. */
export async function deliveryCounts(database: Database, runId: string): Promise<Record<string, number>> {
  const rows = await database.query<{ status: string; count: number }>(sql`
    SELECT status, count(*)::int AS count FROM deliveries WHERE run_id = ${runId}::uuid GROUP BY status`);
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}
