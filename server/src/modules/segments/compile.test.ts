import { describe, expect, it } from 'vitest';
import { PgDialect } from 'drizzle-orm/pg-core';
import { compileSegment } from './compile.ts';

const dialect = new PgDialect();
const render = (query: unknown) => {
  const { sql, params } = dialect.sqlToQuery(compileSegment(query));
  return { sql, params };
};

const scheduleId = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('compileSegment: tree → SQL over recipients r', () => {
  const cases: Array<{ name: string; query: unknown; sql: string; params: unknown[] }> = [
    { name: 'boolean column', query: { isActive: true }, sql: 'r.is_active = $1::boolean', params: [true] },
    { name: '$ne also matches a missing value', query: { email: { $ne: 'a@b.c' } }, sql: '(NOT COALESCE(r.email = $1::text, false))', params: ['a@b.c'] },
    { name: '$in on a column', query: { locale: { $in: ['en', 'fr'] } }, sql: 'r.locale IN ($1::text, $2::text)', params: ['en', 'fr'] },
    { name: '$nin is the complement of $in', query: { locale: { $nin: ['en'] } }, sql: '(NOT COALESCE(r.locale IN ($1::text), false))', params: ['en'] },
    { name: '$contains escapes LIKE wildcards in the value', query: { email: { $contains: '100%_\\' } }, sql: 'r.email COLLATE "C" ILIKE $1::text', params: ['%100\\%\\_\\\\%'] },
    { name: '$contains with a non-ASCII value folds case by the locale', query: { name: { $contains: 'Zoë' } }, sql: 'r.name ILIKE $1::text', params: ['%Zoë%'] },
    { name: '$startsWith', query: { name: { $startsWith: 'Jo' } }, sql: 'r.name COLLATE "C" ILIKE $1::text', params: ['Jo%'] },
    { name: '$regex ignoring case', query: { email: { $regex: '^a', $options: 'i' } }, sql: 'r.email ~* $1::text', params: ['^a'] },
    { name: '$exists: false', query: { phone: { $exists: false } }, sql: '(NOT COALESCE(r.phone IS NOT NULL, false))', params: [] },
    {
      name: 'dates between, normalized to UTC where no offset is given',
      query: { createdAt: { $between: ['2024-01-01', '2024-02-01T10:00:00+02:00'] } },
      sql: 'r.created_at BETWEEN $1::timestamptz AND $2::timestamptz',
      params: ['2024-01-01T00:00:00Z', '2024-02-01T10:00:00+02:00'],
    },
    { name: 'within the last N days', query: { createdAt: { $withinLastDays: 7 } }, sql: "r.created_at BETWEEN now() - $1::int * interval '24 hours' AND now()", params: [7] },
    { name: 'element of an array column', query: { optedOutChannels: { $contains: 'sms' } }, sql: '$1::text = ANY(r.opted_out_channels)', params: ['sms'] },
    { name: 'attribute equals: containment, served by the GIN index', query: { plan: 'pro' }, sql: 'r.attributes @> $1::text::jsonb', params: ['{"plan":"pro"}'] },
    {
      name: 'attribute name with quotes stays inside the bound document',
      query: { "x'); DROP TABLE recipients; --": 1 },
      sql: 'r.attributes @> $1::text::jsonb',
      params: ['{"x\'); DROP TABLE recipients; --":1}'],
    },
    {
      name: 'attribute $in: one containment per value, of any JSON type, each served by the GIN index',
      query: { plan: { $in: ['pro', 3, true] } },
      sql: '(r.attributes @> $1::text::jsonb OR r.attributes @> $2::text::jsonb OR r.attributes @> $3::text::jsonb)',
      params: ['{"plan":"pro"}', '{"plan":3}', '{"plan":true}'],
    },
    {
      name: 'attribute $in of many values: one hashed comparison',
      query: { plan: { $in: Array.from({ length: 17 }, (_, i) => i) } },
      sql: `(r.attributes -> $1::text) = ANY(ARRAY[${Array.from({ length: 17 }, (_, i) => `$${i + 2}::text::jsonb`).join(', ')}])`,
      params: ['plan', ...Array.from({ length: 17 }, (_, i) => String(i))],
    },
    {
      name: 'attribute number comparison: a strict JSON path, false on any other type',
      query: { age: { $gte: 18 } },
      sql: "jsonb_path_exists(r.attributes, $1::text::jsonpath, '{}', true)",
      params: ['strict $."age" ? (@ >= 18)'],
    },
    {
      name: 'attribute numbers between, the name JSON-quoted inside the bound path',
      query: { 'a"b': { $between: [1.5, 1e21] } },
      sql: "jsonb_path_exists(r.attributes, $1::text::jsonpath, '{}', true)",
      params: ['strict $."a\\"b" ? (@ >= 1.5 && @ <= 1e+21)'],
    },
    {
      name: 'attribute $contains: an array element or a substring of a string',
      query: { tags: { $contains: 'vip' } },
      sql: "(r.attributes @> $1::text::jsonb OR ((r.attributes ->> $2::text) COLLATE \"C\" ILIKE $3::text AND jsonb_typeof(r.attributes -> $4::text) = 'string'))",
      params: ['{"tags":["vip"]}', 'tags', '%vip%', 'tags'],
    },
    { name: 'attribute $contains a number: array element only', query: { tags: { $contains: 5 } }, sql: 'r.attributes @> $1::text::jsonb', params: ['{"tags":[5]}'] },
    {
      name: 'attribute $exists ignores JSON null',
      query: { plan: { $exists: true } },
      sql: '(r.attributes ? $1::text AND NOT r.attributes @> $2::text::jsonb)',
      params: ['plan', '{"plan":null}'],
    },
    {
      name: 'received a schedule: an EXISTS over the recipient\'s events (a semi-join at the top)',
      query: { received: scheduleId },
      sql: 'EXISTS (SELECT 1 FROM events e WHERE e.recipient_id = r.id AND e.type IN ($1::text, $2::text) AND e.schedule_id = $3::uuid)',
      params: ['sent', 'delivered', scheduleId],
    },
    {
      name: 'not opened: a plain NOT EXISTS (an anti-join), since EXISTS is never NULL',
      query: { NOT: { opened: { $in: [scheduleId] } } },
      sql: '(NOT EXISTS (SELECT 1 FROM events e WHERE e.recipient_id = r.id AND e.type IN ($1::text) AND e.schedule_id IN ($2::uuid)))',
      params: ['opened', scheduleId],
    },
    {
      name: '$ne on a schedule field is the same complement',
      query: { clicked: { $ne: scheduleId } },
      sql: '(NOT EXISTS (SELECT 1 FROM events e WHERE e.recipient_id = r.id AND e.type IN ($1::text) AND e.schedule_id = $2::uuid))',
      params: ['clicked', scheduleId],
    },
    {
      name: 'open rate: the recipient\'s engagement row, none when nothing was received',
      query: { openRate: { $gt: 20 } },
      sql: 'EXISTS (SELECT 1 FROM recipient_engagement g WHERE g.recipient_id = r.id AND g.received > 0 AND (100.0::float8 * g.opened / g.received) > $1::float8)',
      params: [20],
    },
    {
      name: 'click rate between',
      query: { clickRate: { $between: [20, 30] } },
      sql: 'EXISTS (SELECT 1 FROM recipient_engagement g WHERE g.recipient_id = r.id AND g.received > 0 AND (100.0::float8 * g.clicked / g.received) BETWEEN $1::float8 AND $2::float8)',
      params: [20, 30],
    },
    {
      name: 'open rate exists: something was received',
      query: { openRate: { $exists: true } },
      sql: 'EXISTS (SELECT 1 FROM recipient_engagement g WHERE g.recipient_id = r.id AND g.received > 0)',
      params: [],
    },
    {
      name: 'last opened within N days: the latest open in the window (none in the future)',
      query: { lastOpenedAt: { $withinLastDays: 30 } },
      sql: "EXISTS (SELECT 1 FROM recipient_engagement g WHERE g.recipient_id = r.id AND g.last_opened_at BETWEEN now() - $1::int * interval '24 hours' AND now())",
      params: [30],
    },
    {
      name: 'last opened before a date',
      query: { lastOpenedAt: { $before: '2024-01-01' } },
      sql: 'EXISTS (SELECT 1 FROM recipient_engagement g WHERE g.recipient_id = r.id AND g.last_opened_at < $1::timestamptz)',
      params: ['2024-01-01T00:00:00Z'],
    },
    {
      name: 'never clicked: the complement, a plain NOT (an anti-join)',
      query: { lastClickedAt: { $exists: false } },
      sql: '(NOT EXISTS (SELECT 1 FROM recipient_engagement g WHERE g.recipient_id = r.id AND g.last_clicked_at IS NOT NULL))',
      params: [],
    },
    { name: 'an empty AND matches everyone', query: { AND: [] }, sql: 'true', params: [] },
    { name: 'an empty OR matches nobody', query: { OR: [] }, sql: 'false', params: [] },
    {
      name: 'NOT over OR',
      query: { NOT: { OR: [{ isActive: false }, { plan: 'free' }] } },
      sql: '(NOT COALESCE((r.is_active = $1::boolean OR r.attributes @> $2::text::jsonb), false))',
      params: [false, '{"plan":"free"}'],
    },
    {
      name: 'the seed example',
      query: { AND: [{ isActive: true }, { role: 'premium_user' }, { location: { $regex: 'California' } }, { createdAt: { $gte: '2024-01-01' } }] },
      sql: "(r.is_active = $1::boolean AND r.attributes @> $2::text::jsonb AND ((r.attributes ->> $3::text) ~ $4::text AND jsonb_typeof(r.attributes -> $5::text) = 'string') AND r.created_at >= $6::timestamptz)",
      params: [true, '{"role":"premium_user"}', 'location', 'California', 'location', '2024-01-01T00:00:00Z'],
    },
  ];
  it.each(cases)('$name', ({ query, sql, params }) => {
    expect(render(query)).toEqual({ sql, params });
  });

  describe('attribute dates', () => {
    const instant = '(r.attribute_instants ->> $1::text) COLLATE "C"';
    it.each([
      ['$after', { $after: '2024-01-01' }, `${instant} > (SELECT herald_instant_key($2::timestamptz))`, ['signup', '2024-01-01T00:00:00Z']],
      ['$gte with an offset, kept as written', { $gte: '2024-03-01T01:00:00+02:00' }, `${instant} >= (SELECT herald_instant_key($2::timestamptz))`, ['signup', '2024-03-01T01:00:00+02:00']],
      ['$before', { $before: '2024-12-31T23:59:59Z' }, `${instant} < (SELECT herald_instant_key($2::timestamptz))`, ['signup', '2024-12-31T23:59:59Z']],
      ['$lte', { $lte: '2024-02-28' }, `${instant} <= (SELECT herald_instant_key($2::timestamptz))`, ['signup', '2024-02-28T00:00:00Z']],
      [
        '$between',
        { $between: ['2024-01-01', '2024-02-01'] },
        `${instant} BETWEEN (SELECT herald_instant_key($2::timestamptz)) AND (SELECT herald_instant_key($3::timestamptz))`,
        ['signup', '2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z'],
      ],
      [
        'within the last N days: bounds from now(), once per statement',
        { $withinLastDays: 7 },
        `${instant} BETWEEN (SELECT herald_instant_key(now() - $2::int * interval '24 hours')) AND (SELECT herald_instant_key(now()))`,
        ['signup', 7],
      ],
    ])('compare the instant PostgreSQL keeps for the attribute with the bound\'s (%s)', (_name, operators, expectedSql, params) => {
      expect(render({ signup: operators })).toEqual({ sql: expectedSql, params });
    });
  });

  it('never puts a value or a field name in the statement text', () => {
    const hostile = "zz'\"; DROP TABLE recipients; --";
    const { sql } = render({
      OR: [
        { [hostile]: hostile },
        { [hostile]: { $in: [hostile] } },
        { [hostile]: { $contains: hostile } },
        { [hostile]: { $regex: hostile } },
        { [hostile]: { $exists: true } },
        { [hostile]: { $gt: 1 } },
        { email: hostile },
      ],
    });
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain('zz');
  });

  it('refuses a query that does not parse with a 400 naming the criterion', () => {
    expect(() => compileSegment({ AND: [{ isActive: 'yes' }] })).toThrow(/query\.AND\.0\.isActive/);
  });
});
