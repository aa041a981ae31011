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
    { name: '$contains needs no LIKE escaping', query: { email: { $contains: '100%_' } }, sql: 'strpos(lower(r.email), lower($1::text)) > 0', params: ['100%_'] },
    { name: '$startsWith', query: { name: { $startsWith: 'Jo' } }, sql: 'starts_with(lower(r.name), lower($1::text))', params: ['Jo'] },
    { name: '$regex ignoring case', query: { email: { $regex: '^a', $options: 'i' } }, sql: 'r.email ~* $1::text', params: ['^a'] },
    { name: '$exists: false', query: { phone: { $exists: false } }, sql: '(NOT COALESCE(r.phone IS NOT NULL, false))', params: [] },
    {
      name: 'dates between, normalized to UTC where no offset is given',
      query: { createdAt: { $between: ['2024-01-01', '2024-02-01T10:00:00+02:00'] } },
      sql: 'r.created_at BETWEEN $1::timestamptz AND $2::timestamptz',
      params: ['2024-01-01T00:00:00Z', '2024-02-01T10:00:00+02:00'],
    },
    { name: 'within the last N days', query: { createdAt: { $withinLastDays: 7 } }, sql: "r.created_at BETWEEN now() - $1::int * interval '1 day' AND now()", params: [7] },
    { name: 'element of an array column', query: { optedOutChannels: { $contains: 'sms' } }, sql: '$1::text = ANY(r.opted_out_channels)', params: ['sms'] },
    { name: 'attribute equals: containment, served by the GIN index', query: { plan: 'pro' }, sql: 'r.attributes @> $1::text::jsonb', params: ['{"plan":"pro"}'] },
    {
      name: 'attribute name with quotes stays inside the bound document',
      query: { "x'); DROP TABLE recipients; --": 1 },
      sql: 'r.attributes @> $1::text::jsonb',
      params: ['{"x\'); DROP TABLE recipients; --":1}'],
    },
    {
      name: 'attribute $in compares JSON values of any type',
      query: { plan: { $in: ['pro', 3, true] } },
      sql: '(r.attributes -> $1::text) IN ($2::text::jsonb, $3::text::jsonb, $4::text::jsonb)',
      params: ['plan', '"pro"', '3', 'true'],
    },
    {
      name: 'attribute numeric comparison casts only numbers',
      query: { age: { $gte: 18 } },
      sql: "(CASE WHEN jsonb_typeof((r.attributes -> $1::text)) = 'number' THEN ((r.attributes -> $2::text))::numeric END) >= $3::numeric",
      params: ['age', 'age', 18],
    },
    {
      name: 'attribute $contains: an array element or a substring',
      query: { tags: { $contains: 'vip' } },
      sql: "(r.attributes @> $1::text::jsonb OR strpos(lower((CASE WHEN jsonb_typeof((r.attributes -> $2::text)) = 'string' THEN (r.attributes ->> $3::text) END)), lower($4::text)) > 0)",
      params: ['{"tags":["vip"]}', 'tags', 'tags', 'vip'],
    },
    { name: 'attribute $contains a number: array element only', query: { tags: { $contains: 5 } }, sql: 'r.attributes @> $1::text::jsonb', params: ['{"tags":[5]}'] },
    {
      name: 'attribute $exists ignores JSON null',
      query: { plan: { $exists: true } },
      sql: "(r.attributes ? $1::text AND jsonb_typeof((r.attributes -> $2::text)) <> 'null')",
      params: ['plan', 'plan'],
    },
    {
      name: 'received a schedule: a semi-join on events',
      query: { received: scheduleId },
      sql: 'r.id IN (SELECT e.recipient_id FROM events e WHERE e.recipient_id IS NOT NULL AND e.type IN ($1::text, $2::text) AND e.schedule_id = $3::uuid)',
      params: ['sent', 'delivered', scheduleId],
    },
    {
      name: 'not opened: the complement',
      query: { NOT: { opened: { $in: [scheduleId] } } },
      sql: '(NOT COALESCE(r.id IN (SELECT e.recipient_id FROM events e WHERE e.recipient_id IS NOT NULL AND e.type IN ($1::text) AND e.schedule_id IN ($2::uuid)), false))',
      params: ['opened', scheduleId],
    },
    {
      name: 'open rate: an aggregate in HAVING',
      query: { openRate: { $gt: 20 } },
      sql: 'r.id IN (SELECT e.recipient_id FROM events e WHERE e.recipient_id IS NOT NULL AND e.type IN ($1::text, $2::text, $3::text) GROUP BY e.recipient_id HAVING (100.0 * count(DISTINCT e.delivery_id) FILTER (WHERE e.type IN ($4::text)) / NULLIF(count(DISTINCT e.delivery_id) FILTER (WHERE e.type IN ($5::text, $6::text)), 0)) > $7::numeric)',
      params: ['sent', 'delivered', 'opened', 'opened', 'sent', 'delivered', 20],
    },
    {
      name: 'last opened within N days',
      query: { lastOpenedAt: { $withinLastDays: 30 } },
      sql: "r.id IN (SELECT e.recipient_id FROM events e WHERE e.recipient_id IS NOT NULL AND e.type IN ($1::text) GROUP BY e.recipient_id HAVING (max(e.occurred_at)) BETWEEN now() - $2::int * interval '1 day' AND now())",
      params: ['opened', 30],
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
      sql: "(r.is_active = $1::boolean AND r.attributes @> $2::text::jsonb AND (CASE WHEN jsonb_typeof((r.attributes -> $3::text)) = 'string' THEN (r.attributes ->> $4::text) END) ~ $5::text AND r.created_at >= $6::timestamptz)",
      params: [true, '{"role":"premium_user"}', 'location', 'location', 'California', '2024-01-01T00:00:00Z'],
    },
  ];
  it.each(cases)('$name', ({ query, sql, params }) => {
    expect(render(query)).toEqual({ sql, params });
  });

  it('reads attribute dates behind a CASE, so a bad date string cannot fail the statement', () => {
    const { sql, params } = render({ signup: { $after: '2024-01-01' } });
    expect(sql).toMatch(/^\(CASE WHEN jsonb_typeof\(\(r\.attributes -> \$1::text\)\) = 'string' AND \(r\.attributes ->> \$2::text\) ~ '\^\[1-9\]/);
    expect(sql).toContain('CASE WHEN substr(');
    expect(sql).toContain("::timestamp AT TIME ZONE 'UTC'");
    expect(sql).toMatch(/> \$\d+::timestamptz$/);
    expect(params.filter((p) => p !== 'signup')).toEqual(['2024-01-01T00:00:00Z']);
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
