import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asc, eq, inArray, like, sql } from 'drizzle-orm';
import type { SegmentField } from '@herald/shared';
import { createTestApp, testDriver, type TestApp } from '../harness.ts';
import { deliveries, recipients, runs, schedules } from '../../src/db/schema.ts';
import { fireNow } from '../../src/engine/scheduler/fire-now.ts';
import { parseSegmentQuery } from '../../src/modules/segments/parse.ts';
import { hostileKey, loadFixture, readPopulation, type Fixture } from '../../src/modules/segments/test-support/fixtures.ts';
import { matchesSegment } from '../../src/modules/segments/test-support/oracle.ts';

const base = '/api/notifications/segments';
let t: TestApp;
let fixture: Fixture;

type Issue = { field: string; rule: string; message: string };
type Preview = { count: number; sample: Array<{ id: string; externalId: string }> };

beforeAll(async () => {
  t = await createTestApp();
  fixture = await loadFixture(t.database.db);
});
afterAll(async () => { await t?.close(); });

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers = t.auth) =>
  t.app.inject({ method, url: `${base}${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

/** The externalIds the oracle says match, sorted. */
function expected(query: unknown): string[] {
  const parsed = parseSegmentQuery(query);
  if (!parsed.ok) throw new Error(`the test's own query does not parse: ${JSON.stringify(parsed.issues)}`);
  return fixture.population.filter((r) => matchesSegment(parsed.tree, r)).map((r) => r.externalId).sort();
}

async function previewIds(query: unknown): Promise<string[]> {
  const response = await call('POST', '/preview', { query, sampleSize: 100 });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<Preview>();
  expect(body.count).toBe(body.sample.length);
  return body.sample.map((r) => r.externalId).sort();
}

describe('the seed example and each operator, against the oracle', () => {
  const seedExample = { AND: [{ isActive: true }, { role: 'premium_user' }, { location: { $regex: 'California' } }, { createdAt: { $gte: '2024-01-01' } }] };
  const s = () => fixture.scheduleIds;
  const cases: Array<[string, () => unknown]> = [
    ['the seed example, as is', () => seedExample],
    ['$ne matches missing values', () => ({ email: { $ne: 'user1@example.com' } })],
    ['$in / $nin on a column', () => ({ OR: [{ locale: { $in: ['en', 'fr'] } }, { timezone: { $nin: ['Europe/Paris'] } }] })],
    ['contains and starts with, any case', () => ({ AND: [{ email: { $contains: 'GMAIL' } }, { name: { $startsWith: 'user 1' } }] })],
    ['regex with and without case', () => ({ OR: [{ name: { $regex: 'smith$' } }, { name: { $regex: '^USER 2', $options: 'i' } }] })],
    ['exists / missing on columns', () => ({ AND: [{ phone: { $exists: true } }, { unsubscribedAt: { $exists: false } }] })],
    ['dates between, before, after', () => ({ OR: [{ createdAt: { $between: ['2024-02-01', '2024-04-01T00:00:00+02:00'] } }, { updatedAt: { $after: '2025-03-01' } }] })],
    ['array column contains', () => ({ optedOutChannels: { $contains: 'sms' } })],
    ['attribute equals, exact type', () => ({ OR: [{ plan: 'pro' }, { score: 10 }] })],
    ['attribute $in of mixed types', () => ({ score: { $in: ['10', 2.5] } })],
    ['attribute numbers between, gt', () => ({ OR: [{ age: { $between: [20, 30] } }, { age: { $gt: 60 } }] })],
    ['attribute booleans', () => ({ vip: true })],
    ['attribute list contains', () => ({ tags: { $contains: 'vip' } })],
    ['attribute exists ignores null', () => ({ score: { $exists: true } })],
    ['attribute missing', () => ({ plan: { $exists: false } })],
    ['attribute dates, bad ones skipped', () => ({ signup: { $after: '2024-04-01' } })],
    ['attribute dates before, with offsets', () => ({ signup: { $before: '2024-07-01T00:00:00.124Z' } })],
    ['attribute whose name has quotes', () => ({ [hostileKey]: "'; DROP TABLE recipients; --" })],
    ['attribute named like a field, explicitly', () => ({ 'attributes.email': { $exists: true } })],
    ['attribute starting with $, explicitly', () => ({ 'attributes.$dollar': { $gte: 10 } })],
    ['NOT of an OR', () => ({ NOT: { OR: [{ isActive: false }, { plan: 'free' }] } })],
    ['received a schedule', () => ({ received: s()[1] })],
    ['opened any of, not clicked', () => ({ AND: [{ opened: { $in: [s()[0], s()[1]] } }, { NOT: { clicked: s()[0] } }] })],
    ['never opened anything', () => ({ opened: { $exists: false } })],
    ['last opened within N days', () => ({ lastOpenedAt: { $withinLastDays: 10 } })],
    ['open rate above X', () => ({ openRate: { $gte: 50 } })],
    ['last received before a date', () => ({ lastReceivedAt: { $before: new Date(Date.now() - 5 * 86_400_000).toISOString() } })],
    ['last opened between, at most, at least', () => ({ OR: [
      { lastOpenedAt: { $between: [new Date(Date.now() - 30 * 86_400_000).toISOString(), new Date(Date.now() - 10 * 86_400_000).toISOString()] } },
      { lastClickedAt: { $lte: new Date(Date.now() - 12 * 86_400_000).toISOString() } },
      { lastReceivedAt: { $gte: new Date(Date.now() - 2 * 86_400_000).toISOString() } },
    ] })],
    ['not opened lately, or a click rate in a range', () => ({ OR: [{ NOT: { lastOpenedAt: { $withinLastDays: 15 } } }, { clickRate: { $between: [40, 100] } }] })],
    ['engagement under OR and NOT', () => ({ OR: [{ NOT: { received: s()[0] } }, { AND: [{ clicked: { $exists: true } }, { openRate: { $lt: 100 } }] }] })],
    ['an empty AND is everyone', () => ({ AND: [] })],
  ];
  it.each(cases)('%s', async (_name, query) => {
    const want = expected(query());
    expect(await previewIds(query())).toEqual(want);
  });

  it('finds a non-trivial audience for most of those', () => {
    const sizes = cases.map(([, query]) => expected(query()).length);
    expect(sizes.filter((n) => n > 0 && n < fixture.population.length).length).toBeGreaterThan(cases.length - 4);
  });
});

describe('preview', () => {
  it('answers the count and a sample of 10 by default, each with its attributes', async () => {
    const response = await call('POST', '/preview', { query: { isActive: true } });
    expect(response.statusCode).toBe(200);
    const body = response.json<Preview & { tookMs: number; sample: Array<{ attributes: Record<string, unknown>; createdAt: string }> }>();
    expect(body.count).toBe(expected({ isActive: true }).length);
    expect(body.sample).toHaveLength(10);
    expect(body.sample[0]!.attributes).toHaveProperty('age');
    expect(body.sample[0]!.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(body.tookMs).toBeGreaterThanOrEqual(0);
  });

  it('lets a viewer preview', async () => {
    const viewer = await t.authAs('viewer');
    expect((await call('POST', '/preview', { query: { AND: [] } }, viewer)).statusCode).toBe(200);
  });
});

describe('the field catalog', () => {
  it('lists recipient, engagement and discovered attribute fields with types, operators and examples', async () => {
    const response = await call('GET', '/fields');
    expect(response.statusCode).toBe(200);
    const body = response.json<{ items: SegmentField[]; total: number; sampledRecipients: number }>();
    const byKey = new Map(body.items.map((field) => [field.key, field]));
    expect(body.sampledRecipients).toBe(fixture.population.length);
    expect(byKey.get('isActive')).toMatchObject({ group: 'recipient', type: 'boolean', operators: ['$eq', '$ne', '$exists'] });
    expect(byKey.get('createdAt')).toMatchObject({ type: 'date', operators: expect.arrayContaining(['$withinLastDays', '$before']) });
    expect(byKey.get('plan')).toMatchObject({ group: 'attribute', type: 'string', examples: expect.arrayContaining(['free', 'pro', 'business']) });
    expect(byKey.get('age')).toMatchObject({ type: 'number', operators: expect.arrayContaining(['$between']) });
    expect(byKey.get('vip')?.type).toBe('boolean');
    expect(byKey.get('tags')).toMatchObject({ type: 'array', examples: ['beta', 'vip'] });
    expect(byKey.get('signup')?.type).toBe('date');
    expect(byKey.get('score')?.type).toBe('mixed');
    expect(byKey.get('address')?.type).toBe('object');
    expect(byKey.get('attributes.email')).toMatchObject({ label: 'email', group: 'attribute' });
    expect(byKey.get('attributes.$dollar')?.type).toBe('number');
    expect(byKey.get(hostileKey)?.type).toBe('string');
    expect(byKey.get('opened')).toMatchObject({ group: 'engagement', type: 'schedule', options: expect.arrayContaining([{ value: fixture.scheduleIds[0], label: 'Welcome series' }]) });
    expect(byKey.get('openRate')?.type).toBe('number');
    const engagement = ['received', 'opened', 'clicked', 'lastReceivedAt', 'lastOpenedAt', 'lastClickedAt', 'openRate', 'clickRate'];
    expect(engagement.map((key) => byKey.get(key)?.group)).toEqual(engagement.map(() => 'engagement'));
    expect(body.total).toBe(body.items.length);
  });

  it('pages', async () => {
    const page = (await call('GET', '/fields?limit=2&offset=1')).json<{ items: SegmentField[]; limit: number; offset: number; total: number }>();
    expect(page).toMatchObject({ limit: 2, offset: 1 });
    expect(page.items.map((f) => f.key)).toEqual(['email', 'phone']);
    expect(page.total).toBeGreaterThan(20);
  });
});

describe('saved segments', () => {
  it('saves, lists with sizes and users, renames, requeries and deletes', async () => {
    const created = await call('POST', '', { name: 'Premium Californians', query: { AND: [{ role: 'premium_user' }, { location: { $regex: 'California' } }] } });
    expect(created.statusCode, created.body).toBe(201);
    const segment = created.json<{ id: string; size: number; schedules: unknown[]; description: string }>();
    expect(segment).toMatchObject({ size: expected({ AND: [{ role: 'premium_user' }, { location: { $regex: 'California' } }] }).length, schedules: [], description: '' });

    const second = (await call('POST', '', { name: 'All vips', description: 'VIP flag set', query: { vip: true } })).json<{ id: string }>();
    const list = await call('GET', '?withCount=true&limit=1&offset=0');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ total: 2, limit: 1, offset: 0, items: [{ name: 'All vips', size: expected({ vip: true }).length }] });
    const withoutCount = (await call('GET', '')).json<{ items: Array<{ size: number | null }> }>();
    expect(withoutCount.items.map((i) => i.size)).toEqual([null, null]);
    expect((await call('GET', '?search=premium')).json<{ total: number }>().total).toBe(1);

    const renamed = await call('PUT', `/${segment.id}`, { name: 'Premium in California' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Premium in California', size: segment.size });
    const requeried = await call('PUT', `/${segment.id}`, { query: { plan: 'pro' } });
    expect(requeried.json()).toMatchObject({ query: { plan: 'pro' }, size: expected({ plan: 'pro' }).length });
    const fetched = await call('GET', `/${segment.id}`);
    expect(fetched.json()).toMatchObject({ name: 'Premium in California', query: { plan: 'pro' }, size: expected({ plan: 'pro' }).length });

    expect((await call('DELETE', `/${segment.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/${segment.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/${segment.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/${second.id}`)).statusCode).toBe(204);
  });

  it('refuses to delete a segment a schedule uses, naming the schedules', async () => {
    const segment = (await call('POST', '', { name: 'Used', query: { isActive: true } })).json<{ id: string }>();
    await t.database.db.update(schedules).set({ audienceType: 'segment', segmentId: segment.id }).where(sql`${schedules.id} = ${fixture.scheduleIds[1]}`);
    const listed = (await call('GET', `/${segment.id}`)).json<{ schedules: Array<{ id: string; name: string }> }>();
    expect(listed.schedules).toEqual([{ id: fixture.scheduleIds[1], name: 'Spring sale', status: 'paused' }]);
    const refused = await call('DELETE', `/${segment.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain('"Spring sale"');
    expect(refused.json().error.details.issues).toEqual([expect.objectContaining({ field: 'id', rule: 'in_use' })]);
    expect((await call('GET', `/${segment.id}`)).statusCode).toBe(200);
    await t.database.db.update(schedules).set({ audienceType: 'all', segmentId: null }).where(sql`${schedules.id} = ${fixture.scheduleIds[1]}`);
    expect((await call('DELETE', `/${segment.id}`)).statusCode).toBe(204);
  });

  it('lets a viewer read but not write', async () => {
    const viewer = await t.authAs('viewer');
    expect((await call('GET', '', undefined, viewer)).statusCode).toBe(200);
    expect((await call('POST', '', { name: 'x', query: { AND: [] } }, viewer)).statusCode).toBe(403);
  });

  it('names the field of a bad save and writes nothing', async () => {
    const response = await call('POST', '', { name: '', query: { AND: [{ isActive: 'yes' }] } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues.map((i: Issue) => i.field)).toContain('name');
    const badQuery = await call('POST', '', { name: 'Bad', query: { AND: [{ isActive: 'yes' }] } });
    expect(badQuery.json().error.details.issues).toEqual([expect.objectContaining({ field: 'query.AND.0.isActive', rule: 'type' })]);
    expect((await call('GET', '?search=Bad')).json<{ total: number }>().total).toBe(0);
  });

  it('refuses a misspelled field of a save by name', async () => {
    const response = await call('POST', '', { name: 'Misspelled', descripton: 'Pro users', query: { isActive: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues).toEqual([expect.objectContaining({ field: 'body', rule: 'unrecognized_keys', message: expect.stringContaining('"descripton"; its fields are name, description, query') })]);
    expect((await call('GET', '?search=Misspelled')).json<{ total: number }>().total).toBe(0);
  });
});

describe('bad queries get a 400 naming the criterion', () => {
  const deep = (depth: number) => {
    let node: unknown = { isActive: true };
    for (let i = 0; i < depth; i += 1) node = { OR: [node] };
    return node;
  };
  const cases: Array<[string, () => unknown, string, string]> = [
    ['an unknown field', () => ({ AND: [{ isActive: true }, { nosuchattribute: 'x' }] }), 'query.AND.1.nosuchattribute', 'unknown_field'],
    ['a wrong value type for an attribute', () => ({ age: { $gt: 'old' } }), 'query.age.$gt', 'type'],
    ['text compared with a numeric attribute', () => ({ age: '30' }), 'query.age', 'type'],
    ['a malformed tree', () => ({ OR: { isActive: true } }), 'query.OR', 'type'],
    ['over-deep nesting', () => deep(11), `query${'.OR.0'.repeat(10)}.OR`, 'max_depth'],
    ['a huge IN list', () => ({ plan: { $in: Array.from({ length: 1001 }, (_, i) => `p${i}`) } }), 'query.plan.$in', 'max'],
    ['a regex PostgreSQL cannot compile', () => ({ AND: [{ isActive: true }, { isActive: true }, { location: { $regex: '(unclosed' } }] }), 'query.AND.2.location.$regex', 'regex'],
    ['an unknown schedule', () => ({ opened: '00000000-0000-4000-8000-000000000000' }), 'query.opened', 'unknown_schedule'],
    ['an operator that does not fit', () => ({ createdAt: { $regex: '2024' } }), 'query.createdAt.$regex', 'operator'],
    ['a NUL character', () => ({ name: 'a\u0000' }), 'query.name', 'characters'],
  ];
  it.each(cases)('%s', async (_name, query, field, rule) => {
    const response = await call('POST', '/preview', { query: query() });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.details.issues).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('refuses a query that is not an object, through the schema', async () => {
    const response = await call('POST', '/preview', { query: [1, 2] });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues[0].field).toBe('query');
  });

  it('survives a body nested 100,000 deep', async () => {
    const body = `{"query":${'{"NOT":'.repeat(100_000)}{"isActive":true}${'}'.repeat(100_000)}}`;
    const response = await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: { ...t.auth, 'content-type': 'application/json' }, payload: body });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
  });
});

describe('property: random trees and injection strings', () => {
  const hostile = ["'; DROP TABLE recipients; --", '" OR "1"="1', '\\', '$1', '?', '%', '_', "' OR 1=1 --", 'é', '😀', 'a\u0000b', 'x'.repeat(1001), ''];
  const texts = fc.constantFrom('pro', 'free', 'user1@example.com', 'gmail', 'USER', 'en', 'fr', 'Europe/Paris', 'calm', 'beta', 'vip', '10', 'California', ...hostile);
  const patterns = fc.constantFrom('^user1', 'gmail', '^[a-m]', 'a.c', '(pro|free)', 'e$', 'California', '[0-9]+', 'O', '^$', "'; DROP TABLE recipients; --", '%', '(unclosed', 'x"y');
  const dates = fc.constantFrom('2024-01-01', '2025-06-15T12:00:00Z', '2023-12-31T23:59:59+02:00', '2024-03-10 08:00', '2024-07-01T00:00:00.123Z', '2024-02-30', 'yesterday');
  const numbers = fc.oneof(fc.integer({ min: -5, max: 110 }), fc.constantFrom(2.5, 18.5, 1e300));
  const scalars = fc.oneof(texts, numbers, fc.boolean());
  const fields = fc.constantFrom(
    'email', 'name', 'locale', 'timezone', 'externalId', 'phone', 'isActive', 'createdAt', 'updatedAt', 'unsubscribedAt', 'optedOutChannels',
    'plan', 'age', 'vip', 'tags', 'signup', 'location', 'score', 'role', 'address', hostileKey, 'attributes.email', 'attributes.$dollar', 'nope', "x'; --",
    'received', 'opened', 'clicked', 'lastOpenedAt', 'lastReceivedAt', 'openRate', 'clickRate',
  );
  const operand = (schedules: string[]) => fc.oneof(
    scalars.map((v) => ({ op: '$eq', v })),
    scalars.map((v) => ({ op: '$ne', v })),
    fc.array(scalars, { minLength: 1, maxLength: 4 }).map((v) => ({ op: '$in', v })),
    fc.array(scalars, { minLength: 1, maxLength: 4 }).map((v) => ({ op: '$nin', v })),
    texts.map((v) => ({ op: '$contains', v })),
    texts.map((v) => ({ op: '$startsWith', v })),
    fc.tuple(patterns, fc.constantFrom(undefined, 'i')).map(([v, options]) => ({ op: '$regex', v, options })),
    fc.boolean().map((v) => ({ op: '$exists', v })),
    fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), fc.oneof(numbers, dates)).map(([op, v]) => ({ op, v })),
    fc.tuple(fc.oneof(numbers, dates), fc.oneof(numbers, dates)).map((v) => ({ op: '$between', v })),
    fc.tuple(fc.constantFrom('$before', '$after'), dates).map(([op, v]) => ({ op, v })),
    fc.integer({ min: 0, max: 60 }).map((v) => ({ op: '$withinLastDays', v })),
    fc.constantFrom(...schedules, '00000000-0000-4000-8000-000000000000').map((v) => ({ op: '$eq', v })),
  );
  const randomCriterion = (schedules: string[]) => fc.tuple(fields, operand(schedules)).map(([field, { op, v, options }]: [string, { op: string; v: unknown; options?: string | undefined }]) =>
    ({ [field]: op === '$eq' && Math.random() < 0.5 ? v : { [op]: v, ...(options ? { $options: options } : {}) } }));
  // Mostly criteria that fit their field's type, so that most trees are valid and compared
  // with the oracle; the random ones above probe the refusals.
  const on = (names: string[], ops: fc.Arbitrary<Record<string, unknown> | unknown>) =>
    fc.tuple(fc.constantFrom(...names), ops).map(([field, value]) => ({ [field]: value }));
  const textOps = fc.oneof(
    texts, texts.map(($ne) => ({ $ne })), fc.array(texts, { minLength: 1, maxLength: 3 }).map(($in) => ({ $in })),
    fc.array(texts, { minLength: 1, maxLength: 3 }).map(($nin) => ({ $nin })), texts.map(($contains) => ({ $contains })),
    texts.map(($startsWith) => ({ $startsWith })), fc.tuple(patterns, fc.constantFrom('', 'i')).map(([$regex, $options]) => ({ $regex, $options })),
    fc.boolean().map(($exists) => ({ $exists })),
  );
  const numberOps = fc.oneof(
    numbers, numbers.map(($ne) => ({ $ne })), fc.array(numbers, { minLength: 1, maxLength: 3 }).map(($in) => ({ $in })),
    fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), numbers).map(([op, v]) => ({ [op]: v })),
    fc.tuple(numbers, numbers).map(([a, b]) => ({ $between: [Math.min(a, b), Math.max(a, b)] })), fc.boolean().map(($exists) => ({ $exists })),
  );
  const dateOps = fc.oneof(
    fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte', '$before', '$after'), dates).map(([op, v]) => ({ [op]: v })),
    fc.tuple(dates, dates).map(($between) => ({ $between })), fc.integer({ min: 1, max: 60 }).map(($withinLastDays) => ({ $withinLastDays })),
    fc.boolean().map(($exists) => ({ $exists })),
  );
  const booleanOps = fc.oneof(fc.boolean(), fc.boolean().map(($ne) => ({ $ne })), fc.boolean().map(($exists) => ({ $exists })));
  const typedCriterion = (schedules: string[]) => fc.oneof(
    on(['email', 'name', 'locale', 'timezone', 'externalId', 'phone', 'plan', 'location', 'role', hostileKey, 'attributes.email'], textOps),
    on(['age', 'attributes.$dollar', 'openRate', 'clickRate', 'score'], numberOps),
    on(['createdAt', 'updatedAt', 'unsubscribedAt', 'signup', 'lastOpenedAt', 'lastReceivedAt', 'lastClickedAt'], dateOps),
    on(['isActive', 'vip'], booleanOps),
    on(['optedOutChannels', 'tags'], fc.oneof(fc.constantFrom('sms', 'email', 'beta', 'vip').map(($contains) => ({ $contains })), fc.boolean().map(($exists) => ({ $exists })))),
    on(['received', 'opened', 'clicked'], fc.oneof(
      fc.constantFrom(...schedules), fc.constantFrom(...schedules).map(($ne) => ({ $ne })),
      fc.subarray(schedules, { minLength: 1 }).map(($in) => ({ $in })), fc.subarray(schedules, { minLength: 1 }).map(($nin) => ({ $nin })),
      fc.boolean().map(($exists) => ({ $exists })),
    )),
  );
  const criterion = (schedules: string[]) => fc.oneof({ arbitrary: typedCriterion(schedules), weight: 4 }, { arbitrary: randomCriterion(schedules), weight: 1 });
  const tree = (schedules: string[]) => fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      criterion(schedules),
      fc.array(tie('node'), { maxLength: 3 }).map((children) => ({ AND: children })),
      fc.array(tie('node'), { maxLength: 3 }).map((children) => ({ OR: children })),
      tie('node').map((child) => ({ NOT: child })),
    ),
  })).node;

  it('never answers 5xx, and every 200 holds exactly the recipients the oracle picks', async () => {
    let answered = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(tree(fixture.scheduleIds), async (query) => {
        const response = await call('POST', '/preview', { query, sampleSize: 100 });
        if (response.statusCode === 400) {
          refused += 1;
          const issues = response.json().error.details.issues as Issue[];
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) expect(issue.field).toMatch(/^query/);
          return;
        }
        expect(response.statusCode, response.body).toBe(200);
        answered += 1;
        const body = response.json<Preview>();
        expect(body.count).toBe(body.sample.length);
        expect(body.sample.map((r) => r.externalId).sort()).toEqual(expected(query));
      }),
      { numRuns: testDriver === 'postgres' ? 150 : 250 },
    );
    // a generator that only produced refusals would prove nothing
    console.log(`${answered} answered, ${refused} refused`);
    expect(answered, `${answered} answered, ${refused} refused`).toBeGreaterThan((answered + refused) * 0.4);
    const [{ n }] = await t.database.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${recipients}`) as [{ n: number }];
    expect(n).toBe(fixture.population.length);
  });
});

describe('attribute dates at the edges', () => {
  // Offsets up to ±14:59 put a date's text up to a day away from its UTC day: the cheap text
  // window in front of the exact comparison must never turn such a date away.
  const stored: unknown[] = [
    '2024-01-01T23:30:00-14:00', '2024-01-03T00:30:00+14:59', '2024-01-02T13:30:00Z', '2024-01-02 13:30', '2024-01-02T13:30Z',
    '2024-01-02T13:30', '2024-01-02', '2024-01-02T13:30:00.000001Z', '2024-01-02T13:30:00+0000', '2024-01-02T13:29:59.999-00:00',
    '2024-02-29', '2023-02-29', '2024-02-30', '2024-13-01', '2024-01-02T24:00:00Z', '2024-01-02T13:30:00+15:00', '2024-01-02x',
    '0999-12-31', '9999-12-31T23:59:59Z', 'yesterday', '', 20240102, ['2024-01-02'], { at: '2024-01-02' }, null, true,
  ];
  let ids: string[] = [];
  beforeAll(async () => {
    const rows = await t.database.db.insert(recipients)
      .values(stored.map((value, i) => ({ externalId: `edge-${String(i).padStart(2, '0')}`, attributes: { edge: value } })))
      .returning({ id: recipients.id });
    ids = rows.map((row) => row.id);
  });
  afterAll(async () => { await t.database.db.delete(recipients).where(inArray(recipients.id, ids)); });

  it('compares every real ISO date as the instant it is, and skips every other value', async () => {
    const population = (await readPopulation(t.database.db)).filter((r) => r.externalId.startsWith('edge-'));
    const bounds = ['2024-01-02T13:30:00Z', '2024-01-02T09:31:00Z', '2024-01-02', '2024-01-03T00:00:00+14:00', '2024-02-29', '2023-03-01'];
    const queries: unknown[] = bounds.flatMap((bound) => ['$gt', '$gte', '$lt', '$lte', '$before', '$after'].map((op) => ({ [op]: bound })));
    queries.push({ $between: ['2024-01-02T13:30:00Z', '2024-01-02T13:30:00Z'] }, { $between: ['2024-01-01', '2024-01-03'] }, { $exists: true });
    let matched = 0;
    for (const operators of queries) {
      const query = { AND: [{ externalId: { $startsWith: 'edge-' } }, { edge: operators }] };
      const parsed = parseSegmentQuery(query);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      const want = population.filter((r) => matchesSegment(parsed.tree, r)).map((r) => r.externalId).sort();
      expect(await previewIds(query), JSON.stringify(operators)).toEqual(want);
      matched += want.length;
    }
    expect(matched).toBeGreaterThan(queries.length);
  });
});

describe('a run records the size its segment had when it fired', () => {
  it('evaluates the segment at each run, in the fan-out, and keeps the size on the run', async () => {
    const { db } = t.database;
    const scheduleId = fixture.scheduleIds[1];
    const created = await call('POST', '', { name: 'Spring cohort', query: { 'attributes.cohort': 'spring' } });
    expect(created.statusCode, created.body).toBe(201);
    const segment = created.json<{ id: string; size: number }>();
    expect(segment.size).toBe(0);
    await db.update(schedules).set({ audienceType: 'segment', segmentId: segment.id }).where(eq(schedules.id, scheduleId));
    const sendNow = async () => {
      // the engine's "send now": the same run creation and fan-out as a scheduled firing
      const { runId } = await fireNow(t.context, scheduleId, null);
      const [run] = await db.select({ id: runs.id, audienceSize: runs.audienceSize }).from(runs).where(eq(runs.id, runId));
      return run!;
    };
    const joiners = fixture.population.filter((r) => r.isActive).slice(0, 3);
    try {
      const before = await sendNow();
      await db.update(recipients).set({ attributes: sql`${recipients.attributes} || '{"cohort":"spring"}'::jsonb` }).where(inArray(recipients.id, joiners.map((r) => r.id)));
      const after = await sendNow();
      expect([before.audienceSize, after.audienceSize]).toEqual([0, 3]);
      const stored = await db.select({ id: runs.id, audienceSize: runs.audienceSize }).from(runs).where(eq(runs.scheduleId, scheduleId)).orderBy(asc(runs.firedAt));
      expect(stored).toEqual([{ id: before.id, audienceSize: 0 }, { id: after.id, audienceSize: 3 }]);
      const delivered = await db.select({ recipientId: deliveries.recipientId }).from(deliveries).where(eq(deliveries.runId, after.id));
      expect(delivered.map((d) => d.recipientId).sort()).toEqual(joiners.map((r) => r.id).sort());
    } finally {
      await db.update(recipients).set({ attributes: sql`${recipients.attributes} - 'cohort'` }).where(inArray(recipients.id, joiners.map((r) => r.id)));
      await db.update(schedules).set({ audienceType: 'all', segmentId: null }).where(eq(schedules.id, scheduleId));
    }
  });
});

describe.runIf(testDriver === 'postgres')('a regex that runs away (PostgreSQL)', () => {
  it('is stopped by the statement timeout and answered 422, naming the criterion', async () => {
    const { db } = t.database;
    // a lookahead is tried at every position: quadratic in the text's length
    await db.insert(recipients).values({ externalId: 'runaway', attributes: { essay: 'a'.repeat(100_000) } });
    try {
      const response = await call('POST', '/preview', { query: { AND: [{ isActive: true }, { essay: { $regex: '(?=a*b)' } }] } });
      expect(response.statusCode, response.body).toBe(422);
      const { error } = response.json<{ error: { message: string; details: { issues: Issue[] } } }>();
      expect(error.message).toContain('query.AND.1.essay.$regex');
      expect(error.details.issues).toEqual([expect.objectContaining({ field: 'query.AND.1.essay.$regex', rule: 'timeout' })]);
      // the connection went back to the pool unharmed
      expect((await call('POST', '/preview', { query: { isActive: true } })).statusCode).toBe(200);
    } finally {
      await db.delete(recipients).where(like(recipients.externalId, 'runaway'));
    }
  });
});
