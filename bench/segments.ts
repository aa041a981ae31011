/**
 * Segments on 1,000,000 recipients, on PostgreSQL: the count and the preview (count + a sample
 * of 10, the builder's request) of typical 3–5 criterion segments, p50 and p95, against the
 * target p50 ≤ 300 ms; then a segment audience fanned out by the engine, to show it stays one
 * INSERT … SELECT however large the audience.
 *
 *   npm run bench -- segments
 *
 * DATABASE_URL picks the server (default postgres://postgres@127.0.0.1:5432/test); the data
 * goes into a schema of its own, dropped at the end. BENCH_RECIPIENTS changes the population,
 * BENCH_RUNS the timed runs per figure (default 11), BENCH_INDEXES=all also times the index
 * variants the schema's choice was measured against (docs/segments.md), BENCH_FAN_OUT=0 skips
 * the fan-out. BENCH_KEEP=1 keeps the schema and BENCH_SCHEMA=<name> reuses it without loading.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { adminQuery, databaseUrl } from './lib/bench-database.ts';
import { formatCount, formatRate, machineLine, percentile, perSecond, printTable } from './lib/report.ts';
import { openDatabase, rowsOf, type Database } from '../server/src/db/client.ts';
import { migrate } from '../server/src/db/migrate.ts';
import { fanOut } from '../server/src/engine/fan-out/fan-out.ts';
import { countSegment, explainSegmentCount, previewSegment } from '../server/src/modules/segments/evaluate.ts';
import type { SegmentTree } from '../server/src/modules/segments/tree.ts';
import { checkSegmentQuery } from '../server/src/modules/segments/validate.ts';

const population = Number(process.env.BENCH_RECIPIENTS ?? 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 11);
const targetP50Ms = 300;
/** generous: the bench measures, the API's own 5 s limit would cut a slow variant short */
const benchTimeoutMs = 120_000;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** Recipients: 85% active; plans, countries, devices and roles skewed as real user bases are; dates over three years. */
async function loadRecipients(database: Database): Promise<void> {
  await database.query(sql`
    INSERT INTO recipients (external_id, email, name, timezone, locale, is_active, attributes, opted_out_channels, created_at, updated_at)
    SELECT 'user-' || g,
           'user' || g || '@' || (ARRAY['gmail.com','yahoo.com','outlook.com','example.com','company.io'])[1 + g % 5],
           'User ' || g,
           (ARRAY['America/New_York','America/Los_Angeles','Europe/Paris','Europe/Berlin','Asia/Kolkata','America/Sao_Paulo'])[1 + g % 6],
           (ARRAY['en','en','en','fr','de','pt-BR','es'])[1 + g % 7],
           (g % 100) >= 15,
           jsonb_strip_nulls(jsonb_build_object(
             'plan', CASE WHEN h % 100 < 60 THEN 'free' WHEN h % 100 < 90 THEN 'pro' ELSE 'business' END,
             'role', CASE WHEN h % 100 < 7 THEN 'premium_user' WHEN h % 100 < 10 THEN 'admin' ELSE 'user' END,
             'country', (ARRAY['US','US','US','US','GB','FR','DE','BR','IN','CA','ES','JP'])[1 + (h / 7) % 12],
             'location', (ARRAY['San Jose, California','Austin, Texas','Los Angeles, California','New York, New York','London','Paris','Berlin','São Paulo','Bangalore','Toronto'])[1 + (h / 11) % 10],
             'device', (ARRAY['ios','android','android','web'])[1 + (h / 13) % 4],
             'age', 18 + (h / 17) % 62,
             'vip', (h / 19) % 20 = 0,
             'lifetimeValue', round(((h / 23) % 100000) / 100.0, 2),
             'tags', CASE (h / 29) % 4 WHEN 0 THEN '["beta","newsletter"]'::jsonb WHEN 1 THEN '["newsletter"]'::jsonb WHEN 2 THEN '[]'::jsonb ELSE '["beta"]'::jsonb END,
             'signupDate', to_char(timestamptz '2022-01-01' + ((h / 31) % 1095) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
             'lastSeenAt', to_char(now() - ((h / 37) % 120) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
             'referrer', CASE WHEN (h / 41) % 10 = 0 THEN 'partner-' || (h / 43) % 50 END
           )),
           CASE WHEN g % 50 = 0 THEN ARRAY['sms'] ELSE '{}'::text[] END,
           timestamptz '2023-01-01' + (g % 1095) * interval '1 day' + (g % 86400) * interval '1 second',
           now()
    FROM (SELECT g, abs(hashint4(g)::bigint) AS h FROM generate_series(1, ${population}) AS g) AS s`);
}

/** Two schedules; half the recipients got the first, a third the second; opens and clicks among them, over the last two months. */
async function loadEvents(database: Database): Promise<void> {
  const [template] = await rowsOf<{ id: string }>(database.db, sql`
    INSERT INTO templates (name, content) VALUES ('Bench', '{"inapp":{"title":"t","body":"b"}}') RETURNING id`);
  const scheduleRows = await rowsOf<{ id: string }>(database.db, sql`
    INSERT INTO schedules (name, template_id, timing, timezone, audience_type, channels, status)
    SELECT name, ${template!.id}::uuid, '{"type":"once","at":"2030-01-01T09:00"}', 'UTC', 'all', ARRAY['inapp'], 'paused'
    FROM unnest(ARRAY['Welcome', 'Spring sale']) AS name RETURNING id`);
  const [first, second] = [scheduleRows[0]!.id, scheduleRows[1]!.id];
  await database.query(sql`
    INSERT INTO events (type, schedule_id, recipient_id, delivery_id, occurred_at)
    SELECT kind.type, s.schedule_id, r.id, s.delivery_base + r.n, now() - ((r.n % 60) + kind.lag) * interval '1 day'
    FROM (SELECT id, row_number() OVER () AS n FROM recipients) AS r
    CROSS JOIN (VALUES (${first}::uuid, 0::bigint, 2), (${second}::uuid, 10000000::bigint, 3)) AS s(schedule_id, delivery_base, every)
    CROSS JOIN (VALUES ('sent', 0.0, 1), ('opened', 0.1, 3), ('clicked', 0.2, 10)) AS kind(type, lag, rarity)
    WHERE r.n % s.every = 0 AND (r.n / s.every) % kind.rarity = 0
    ORDER BY 5`); // in time order, as events arrive: one recipient's events lie far apart in the table
}

/** An index variant, applied to the migrated schema before timing and undone after. */
type Variant = { name: string; apply: string[]; undo: string[] };

/** The schema as migrated is timed always; BENCH_INDEXES=all adds what its choice was measured against. */
const variants: Variant[] = [
  { name: 'as migrated (server/src/db/schema.ts)', apply: [], undo: [] },
  ...(process.env.BENCH_INDEXES === 'all'
    ? [
      {
        name: '+ GIN (attributes jsonb_path_ops)',
        apply: ['CREATE INDEX bench_attributes_path_gin ON recipients USING gin (attributes jsonb_path_ops)'],
        undo: ['DROP INDEX bench_attributes_path_gin'],
      },
      {
        name: '+ GIN (attributes jsonb_ops)',
        apply: ['CREATE INDEX bench_attributes_gin ON recipients USING gin (attributes)'],
        undo: ['DROP INDEX bench_attributes_gin'],
      },
      {
        name: 'events by (recipient_id, occurred_at) instead of the engagement index',
        apply: ['DROP INDEX events_recipient_engagement_idx', 'CREATE INDEX bench_events_recipient_time ON events (recipient_id, occurred_at)'],
        undo: ['DROP INDEX bench_events_recipient_time', 'CREATE INDEX events_recipient_engagement_idx ON events (recipient_id, type, occurred_at, schedule_id, delivery_id)'],
      },
    ]
    : []),
];

type Segment = { name: string; query: unknown };

function typicalSegments(welcome: string): Segment[] {
  return [
    { name: 'seed example (4)', query: { AND: [{ isActive: true }, { role: 'premium_user' }, { location: { $regex: 'California' } }, { createdAt: { $gte: '2024-01-01' } }] } },
    { name: 'paying US users (4)', query: { AND: [{ isActive: true }, { plan: { $in: ['pro', 'business'] } }, { country: 'US' }, { createdAt: { $gte: '2024-06-01' } }] } },
    { name: 'young iOS vips or big spenders (4)', query: { AND: [{ age: { $between: [25, 34] } }, { device: 'ios' }, { OR: [{ vip: true }, { lifetimeValue: { $gt: 900 } }] }] } },
    { name: 'seen in 30 days, fr/de, not free (3)', query: { AND: [{ locale: { $in: ['fr', 'de'] } }, { lastSeenAt: { $withinLastDays: 30 } }, { NOT: { plan: 'free' } }] } },
    { name: 'signed up in 2024, android, pro (4)', query: { AND: [{ isActive: true }, { signupDate: { $between: ['2024-01-01', '2024-12-31T23:59:59Z'] } }, { device: 'android' }, { plan: 'pro' }] } },
    { name: 'gmail beta testers in US/CA (3)', query: { AND: [{ email: { $contains: 'gmail' } }, { tags: { $contains: 'beta' } }, { country: { $in: ['US', 'CA'] } }] } },
    { name: 'opened Welcome, no click, pro (4)', query: { AND: [{ isActive: true }, { opened: welcome }, { NOT: { clicked: welcome } }, { plan: 'pro' }] } },
    { name: 'rare: admins in Japan on web (3)', query: { AND: [{ role: 'admin' }, { country: 'JP' }, { device: 'web' }] } },
    { name: 'open rate ≥ 50%, seen this week (3)', query: { AND: [{ openRate: { $gte: 50 } }, { lastSeenAt: { $withinLastDays: 7 } }, { isActive: true }] } },
    { name: 'opened in 14 days, business (3)', query: { AND: [{ lastOpenedAt: { $withinLastDays: 14 } }, { plan: 'business' }, { isActive: true }] } },
  ];
}

async function measure(work: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await work(); // warm the cache and the catalog once
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) times.push((await timed(work)).ms);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** The scan and join nodes of the count's plan as it runs, on one line. */
async function planOf(database: Database, tree: SegmentTree): Promise<string> {
  const lines = await explainSegmentCount(database.db, tree);
  const nodes = lines.filter((line) => /^\s*(->\s+)?[A-Z][A-Za-z ]*(Scan|Join)|^\s*SubPlan/.test(line));
  return nodes.map((line) => line.trim().replace(/^->\s*/, '').replace(/\s+\(cost.*$/, '').replace(/ on (recipients|events) \w+$/, ' $1')).join(' / ');
}

async function timeSegments(database: Database, segments: Segment[]): Promise<number[]> {
  const p50s: number[] = [];
  const rows: string[][] = [];
  const plans: string[] = [];
  for (const segment of segments) {
    const tree = await checkSegmentQuery(database.db, segment.query);
    const size = await countSegment(database.db, tree, benchTimeoutMs);
    const count = await measure(() => countSegment(database.db, tree, benchTimeoutMs));
    // the API's preview path: check the query (the catalog is cached), then sample and count
    const preview = await measure(async () => previewSegment(database.db, await checkSegmentQuery(database.db, segment.query), 10, benchTimeoutMs));
    p50s.push(count.p50, preview.p50);
    plans.push(`  ${segment.name}: ${await planOf(database, tree)}`);
    rows.push([segment.name, formatCount(size), count.p50.toFixed(0), count.p95.toFixed(0), preview.p50.toFixed(0), preview.p95.toFixed(0)]);
  }
  printTable(`${runs} runs each, ms`, ['segment', 'size', 'count p50', 'p95', 'preview p50', 'p95'], rows);
  console.log(`plans of the counts:\n${plans.join('\n')}`);
  return p50s;
}

/** Counts the statements the pool's connections send while `work` runs. */
async function countingStatements<T>(work: () => Promise<T>): Promise<{ value: T; statements: string[] }> {
  const statements: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text ?? '';
    statements.push(text.replace(/\s+/g, ' ').trim());
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { value: await work(), statements };
  } finally {
    pg.Client.prototype.query = original;
  }
}

/**
 * The engine's fanOut() for a run of a schedule whose audience is a saved segment, in a
 * transaction rolled back at the end (so each measurement starts from the same data).
 */
async function timeFanOut(database: Database, name: string, query: unknown): Promise<string[]> {
  const rollback = new Error('rollback');
  let figure: string[] = [];
  await database.db.transaction(async (tx) => {
    const [segment] = await rowsOf<{ id: string }>(tx, sql`INSERT INTO segments (name, query) VALUES (${name}, ${JSON.stringify(query)}::jsonb) RETURNING id`);
    const [schedule] = await rowsOf<{ id: string }>(tx, sql`
      UPDATE schedules SET audience_type = 'segment', segment_id = ${segment!.id}::uuid WHERE name = 'Welcome' RETURNING id`);
    const [run] = await rowsOf<{ id: string }>(tx, sql`
      INSERT INTO runs (schedule_id, occurrence_at, trigger) VALUES (${schedule!.id}::uuid, now(), 'manual') RETURNING id`);
    const { ms, value } = await timed(() => countingStatements(() => fanOut(tx, {
      runId: run!.id,
      scheduleId: schedule!.id,
      audience: { type: 'segment', segmentId: segment!.id },
      channels: ['inapp'],
      priority: 'normal',
      dueAt: new Date(),
    })));
    const inserts = value.statements.filter((text) => /INSERT INTO deliveries .*\bSELECT\b/i.test(text)).length;
    figure = [name, formatCount(value.value.audienceSize), formatCount(value.value.queued), `${(ms / 1000).toFixed(2)} s`, formatRate(perSecond(value.value.audienceSize, ms)),
      `${value.statements.length} (${inserts} INSERT … SELECT)`];
    throw rollback;
  }).catch((error: unknown) => {
    if (error !== rollback) throw error;
  });
  return figure;
}

async function serverLine(database: Database): Promise<string> {
  const [row] = await rowsOf<{ version: string; shared_buffers: string; workers: string; size: string }>(database.db, sql`
    SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers,
           current_setting('max_parallel_workers_per_gather') AS workers, pg_size_pretty(pg_table_size('recipients')) AS size`);
  return `PostgreSQL ${row!.version}, shared_buffers ${row!.shared_buffers}, ${row!.workers} parallel workers per query; recipients table ${row!.size}`;
}

const load = () => os.loadavg()[0]!.toFixed(1);

export async function main(): Promise<void> {
  const reused = process.env.BENCH_SCHEMA;
  const schema = reused ?? `bench_segments_${crypto.randomBytes(4).toString('hex')}`;
  if (!reused) await adminQuery(`CREATE SCHEMA ${schema}`);
  const database = await openDatabase({ databaseUrl, dataDir: '', searchPath: schema, poolSize: 4 });
  try {
    if (!reused) {
      await migrate(database);
      console.log(`Loading ${formatCount(population)} recipients into schema ${schema}…`);
      const recipientsLoad = await timed(() => loadRecipients(database));
      const eventsLoad = await timed(() => loadEvents(database));
      await database.query(sql`VACUUM ANALYZE recipients`);
      await database.query(sql`VACUUM ANALYZE events`);
      await database.query(sql`VACUUM ANALYZE recipient_engagement`);
      const [events] = await rowsOf<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM events`);
      console.log(`  recipients: ${(recipientsLoad.ms / 1000).toFixed(1)} s; ${formatCount(events!.n)} events: ${(eventsLoad.ms / 1000).toFixed(1)} s`);
    }
    console.log(`${machineLine()}\n${await serverLine(database)}\nload average at start: ${load()}`);
    const [welcome] = await rowsOf<{ id: string }>(database.db, sql`SELECT id FROM schedules WHERE name = 'Welcome'`);
    const segments = typicalSegments(welcome!.id);

    for (const variant of variants) {
      for (const statement of variant.apply) await database.query(sql.raw(statement));
      if (variant.apply.length > 0) await database.query(sql`ANALYZE recipients, events`);
      console.log(`\n── ${variant.name}`);
      const p50s = await timeSegments(database, segments);
      const worst = Math.max(...p50s);
      const met = p50s.filter((p50) => p50 <= targetP50Ms).length;
      console.log(`p50 ≤ ${targetP50Ms} ms: ${met} of ${p50s.length} figures (worst p50 ${worst.toFixed(0)} ms); load average now ${load()}`);
      for (const statement of variant.undo) await database.query(sql.raw(statement));
    }

    if (process.env.BENCH_FAN_OUT !== '0') {
      const figures = [
        await timeFanOut(database, 'seed example', segments[0]!.query),
        await timeFanOut(database, 'active, not admins', { AND: [{ isActive: true }, { NOT: { role: 'admin' } }] }),
      ];
      printTable('Fan-out of a segment audience (engine fanOut, rolled back after)', ['segment', 'audience', 'queued', 'time', 'rate', 'statements sent'], figures);
    }
  } finally {
    await database.close();
    if (process.env.BENCH_KEEP === '1' || reused) console.log(`kept schema ${schema}`);
    else await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
  }
}

await main();
