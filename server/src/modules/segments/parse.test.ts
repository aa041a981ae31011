import { describe, expect, it } from 'vitest';
import { parseSegmentQuery } from './parse.ts';
import type { SegmentTree } from './tree.ts';

const seedExample = { AND: [{ isActive: true }, { role: 'premium_user' }, { location: { $regex: 'California' } }, { createdAt: { $gte: '2024-01-01' } }] };

function nest(depth: number): unknown {
  let node: unknown = { isActive: true };
  for (let i = 0; i < depth; i += 1) node = { AND: [node] };
  return node;
}

describe('parseSegmentQuery accepts', () => {
  const cases: Array<{ name: string; query: unknown; tree: SegmentTree }> = [
    {
      name: 'the seed example as is',
      query: seedExample,
      tree: {
        kind: 'and',
        children: [
          { kind: 'criterion', path: 'query.AND.0.isActive', field: { source: 'registry', key: 'isActive' }, operator: '$eq', operand: { kind: 'scalar', value: true } },
          { kind: 'criterion', path: 'query.AND.1.role', field: { source: 'attribute', name: 'role', isExplicit: false }, operator: '$eq', operand: { kind: 'scalar', value: 'premium_user' } },
          { kind: 'criterion', path: 'query.AND.2.location.$regex', field: { source: 'attribute', name: 'location', isExplicit: false }, operator: '$regex', operand: { kind: 'pattern', value: 'California', isCaseInsensitive: false } },
          { kind: 'criterion', path: 'query.AND.3.createdAt.$gte', field: { source: 'registry', key: 'createdAt' }, operator: '$gte', operand: { kind: 'date', value: '2024-01-01T00:00:00Z' } },
        ],
      },
    },
    {
      name: 'NOT over a criterion, regex options',
      query: { NOT: { email: { $regex: '@example\\.com$', $options: 'i' } } },
      tree: { kind: 'not', child: { kind: 'criterion', path: 'query.NOT.email.$regex', field: { source: 'registry', key: 'email' }, operator: '$regex', operand: { kind: 'pattern', value: '@example\\.com$', isCaseInsensitive: true } } },
    },
    {
      name: 'several operators on one field as an AND',
      query: { age: { $gte: 18, $lt: 65 } },
      tree: {
        kind: 'and',
        children: [
          { kind: 'criterion', path: 'query.age.$gte', field: { source: 'attribute', name: 'age', isExplicit: false }, operator: '$gte', operand: { kind: 'number', value: 18 } },
          { kind: 'criterion', path: 'query.age.$lt', field: { source: 'attribute', name: 'age', isExplicit: false }, operator: '$lt', operand: { kind: 'number', value: 65 } },
        ],
      },
    },
    {
      name: 'an attribute named like a recipient field, with the explicit prefix',
      query: { 'attributes.email': { $exists: true } },
      tree: { kind: 'criterion', path: 'query.attributes.email.$exists', field: { source: 'attribute', name: 'email', isExplicit: true }, operator: '$exists', operand: { kind: 'flag', value: true } },
    },
    {
      name: 'dates between, a time without offset read as UTC',
      query: { signup: { $between: ['2024-01-01', '2024-06-30 12:00'] } },
      tree: { kind: 'criterion', path: 'query.signup.$between', field: { source: 'attribute', name: 'signup', isExplicit: false }, operator: '$between', operand: { kind: 'date-range', low: '2024-01-01T00:00:00Z', high: '2024-06-30T12:00Z' } },
    },
    {
      name: 'engagement with a schedule id, and within the last N days',
      query: { OR: [{ opened: '0F8FAD5B-D9CB-469F-A165-70867728950E' }, { lastClickedAt: { $withinLastDays: 30 } }] },
      tree: {
        kind: 'or',
        children: [
          { kind: 'criterion', path: 'query.OR.0.opened', field: { source: 'registry', key: 'opened' }, operator: '$eq', operand: { kind: 'scalar', value: '0f8fad5b-d9cb-469f-a165-70867728950e' } },
          { kind: 'criterion', path: 'query.OR.1.lastClickedAt.$withinLastDays', field: { source: 'registry', key: 'lastClickedAt' }, operator: '$withinLastDays', operand: { kind: 'days', value: 30 } },
        ],
      },
    },
    { name: 'an empty AND (everyone)', query: { AND: [] }, tree: { kind: 'and', children: [] } },
    {
      name: 'contains on an array field, a number element on an attribute',
      query: { AND: [{ optedOutChannels: { $contains: 'sms' } }, { tags: { $contains: 7 } }] },
      tree: {
        kind: 'and',
        children: [
          { kind: 'criterion', path: 'query.AND.0.optedOutChannels.$contains', field: { source: 'registry', key: 'optedOutChannels' }, operator: '$contains', operand: { kind: 'scalar', value: 'sms' } },
          { kind: 'criterion', path: 'query.AND.1.tags.$contains', field: { source: 'attribute', name: 'tags', isExplicit: false }, operator: '$contains', operand: { kind: 'scalar', value: 7 } },
        ],
      },
    },
  ];
  it.each(cases)('$name', ({ query, tree }) => {
    expect(parseSegmentQuery(query)).toEqual({ ok: true, tree });
  });

  it('accepts nesting 10 deep and 200 criteria', () => {
    expect(parseSegmentQuery(nest(10)).ok).toBe(true);
    expect(parseSegmentQuery({ OR: Array.from({ length: 200 }, (_, i) => ({ n: i })) }).ok).toBe(true);
    expect(parseSegmentQuery({ plan: { $in: Array.from({ length: 1000 }, (_, i) => `p${i}`) } }).ok).toBe(true);
  });
});

describe('parseSegmentQuery refuses, naming the criterion and the rule', () => {
  const cases: Array<{ name: string; query: unknown; field: string; rule: string }> = [
    { name: 'a query that is not an object', query: [], field: 'query', rule: 'type' },
    { name: 'an empty criterion', query: { AND: [{}] }, field: 'query.AND.0', rule: 'empty' },
    { name: 'AND that is not an array', query: { AND: { isActive: true } }, field: 'query.AND', rule: 'type' },
    { name: 'a group member that is not an object', query: { OR: [{ isActive: true }, 'x'] }, field: 'query.OR.1', rule: 'type' },
    { name: 'a $-field', query: { $where: 'sleep(1)' }, field: 'query.$where', rule: 'unknown_field' },
    { name: 'a lowercase group name', query: { and: [] }, field: 'query.and', rule: 'unknown_field' },
    { name: 'an unknown operator', query: { AND: [{ plan: { $like: '%x%' } }] }, field: 'query.AND.0.plan.$like', rule: 'unknown_operator' },
    { name: 'an operator that does not fit the type', query: { isActive: { $regex: 'x' } }, field: 'query.isActive.$regex', rule: 'operator' },
    { name: 'a wrong value type on a typed field', query: { AND: [{ isActive: 'yes' }] }, field: 'query.AND.0.isActive', rule: 'type' },
    { name: 'a text where a date is due', query: { createdAt: { $gte: 'last tuesday' } }, field: 'query.createdAt.$gte', rule: 'date' },
    { name: 'a date that does not exist', query: { createdAt: { $before: '2023-02-29' } }, field: 'query.createdAt.$before', rule: 'date' },
    { name: 'an empty criterion beside a good one', query: { AND: [{}, { location: { $regex: 'x' } }] }, field: 'query.AND.0', rule: 'empty' },
    { name: 'a regex option other than i', query: { location: { $regex: 'x', $options: 'gx' } }, field: 'query.location.$options', rule: 'options' },
    { name: '$options without $regex', query: { location: { $options: 'i' } }, field: 'query.location.$options', rule: 'operator' },
    { name: 'an object value', query: { address: { city: 'Paris' } }, field: 'query.address', rule: 'type' },
    { name: 'a null value', query: { plan: null }, field: 'query.plan', rule: 'type' },
    { name: 'an array value for equals', query: { plan: ['a', 'b'] }, field: 'query.plan', rule: 'type' },
    { name: 'an empty $in', query: { plan: { $in: [] } }, field: 'query.plan.$in', rule: 'min' },
    { name: 'a huge $in', query: { plan: { $in: Array.from({ length: 1001 }, (_, i) => i) } }, field: 'query.plan.$in', rule: 'max' },
    { name: 'a bad value inside $in', query: { locale: { $in: ['en', 3] } }, field: 'query.locale.$in.1', rule: 'type' },
    { name: 'nesting deeper than 10', query: nest(11), field: `query${'.AND.0'.repeat(10)}.AND`, rule: 'max_depth' },
    { name: 'more than 200 criteria', query: { OR: Array.from({ length: 201 }, (_, i) => ({ n: i })) }, field: 'query.OR.200.n', rule: 'max_criteria' },
    { name: 'the NUL character', query: { name: 'a\u0000b' }, field: 'query.name', rule: 'characters' },
    { name: 'a too long value', query: { name: 'x'.repeat(1001) }, field: 'query.name', rule: 'max' },
    { name: 'a too long field name', query: { ['f'.repeat(201)]: 1 }, field: `query.${'f'.repeat(201)}`, rule: 'field_name' },
    { name: 'an empty regex', query: { name: { $regex: '' } }, field: 'query.name.$regex', rule: 'min' },
    { name: 'a between that is not a pair', query: { createdAt: { $between: ['2024-01-01'] } }, field: 'query.createdAt.$between', rule: 'type' },
    { name: 'a between upside down', query: { score: { $between: [10, 1] } }, field: 'query.score.$between', rule: 'range' },
    { name: 'a between of a number and a date', query: { score: { $between: [1, '2024-01-01'] } }, field: 'query.score.$between', rule: 'type' },
    { name: 'a fractional number of days', query: { lastOpenedAt: { $withinLastDays: 1.5 } }, field: 'query.lastOpenedAt.$withinLastDays', rule: 'days' },
    { name: 'a schedule value that is not an id', query: { opened: "1' OR '1'='1" }, field: 'query.opened', rule: 'uuid' },
    { name: 'a comparison with a boolean', query: { score: { $gt: true } }, field: 'query.score.$gt', rule: 'type' },
    { name: 'an attribute compared with a word', query: { score: { $gt: 'x' } }, field: 'query.score.$gt', rule: 'type' },
    { name: 'an $exists that is not a boolean', query: { score: { $exists: 'yes' } }, field: 'query.score.$exists', rule: 'type' },
    { name: 'an empty attribute name', query: { 'attributes.': 1 }, field: 'query.attributes.', rule: 'field_name' },
  ];
  it.each(cases)('$name', ({ query, field, rule }) => {
    const result = parseSegmentQuery(query);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('reports every bad criterion at once', () => {
    const result = parseSegmentQuery({ AND: [{ isActive: 'x' }, { createdAt: { $after: 'soon' } }] });
    expect(result.ok ? [] : result.issues.map((issue) => issue.field)).toEqual(['query.AND.0.isActive', 'query.AND.1.createdAt.$after']);
  });
});
