import { describe, expect, it } from 'vitest';
import type { SegmentFieldType } from '@herald/shared';
import { attributeTypeIssues } from './check-attribute-types.ts';
import { parseSegmentQuery } from './parse.ts';
import { criteriaOf } from './tree.ts';

const types = new Map<string, { type: SegmentFieldType; examples: Array<string | number | boolean> }>([
  ['age', { type: 'number', examples: [30, 41] }],
  ['plan', { type: 'string', examples: ['pro'] }],
  ['vip', { type: 'boolean', examples: [] }],
  ['signup', { type: 'date', examples: [] }],
  ['tags', { type: 'array', examples: ['a'] }],
  ['address', { type: 'object', examples: [] }],
  ['score', { type: 'mixed', examples: [] }],
]);

function issuesOf(query: unknown) {
  const parsed = parseSegmentQuery(query);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return attributeTypeIssues(criteriaOf(parsed.tree), types);
}

describe('attributeTypeIssues', () => {
  const fits: Array<[string, unknown]> = [
    ['a number for a number', { age: { $gt: 18 } }],
    ['numbers in $in', { age: { $in: [1, 2] } }],
    ['text operators on text', { plan: { $regex: '^p', $options: 'i' } }],
    ['a date comparison on text that may hold dates', { plan: { $after: '2024-01-01' } }],
    ['a date on a date', { signup: { $withinLastDays: 3 } }],
    ['exact text on a date attribute', { signup: '2024-01-01' }],
    ['$contains on a list', { tags: { $contains: 'a' } }],
    ['$exists on anything', { address: { $exists: true } }],
    ['anything on mixed', { score: { $gt: '2024-01-01' } }],
    ['an attribute the catalog does not know', { brandNew: 'x' }],
    ['a recipient field', { email: 'a@b.c' }],
  ];
  it.each(fits)('lets through %s', (_name, query) => {
    expect(issuesOf(query)).toEqual([]);
  });

  const misfits: Array<[string, unknown, string]> = [
    ['text for a number', { AND: [{ age: '18' }] }, 'query.AND.0.age'],
    ['a number for text', { plan: { $in: ['pro', 3] } }, 'query.plan.$in'],
    ['a number for a boolean', { vip: 1 }, 'query.vip'],
    ['equals on a list', { tags: 'a' }, 'query.tags'],
    ['a value for an object', { address: 'Paris' }, 'query.address'],
    ['a date comparison on a number', { age: { $after: '2024-01-01' } }, 'query.age.$after'],
  ];
  it.each(misfits)('refuses %s', (_name, query, field) => {
    expect(issuesOf(query)).toEqual([expect.objectContaining({ field, rule: 'type' })]);
  });
});
