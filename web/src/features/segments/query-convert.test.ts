import { describe, expect, it } from 'vitest';
import { builderOperatorsOf, operatorLabel, valueInputOf, type BuilderField } from './operators.ts';
import { checkValue, fieldKeysOf, fromHeraldQuery, placeIssues, toHeraldQuery, type BuilderGroup, type BuilderRule } from './query-convert.ts';

const field = (key: string, type: BuilderField['type'], extra: Partial<BuilderField> = {}): BuilderField => ({
  key,
  label: key,
  group: 'attribute',
  type,
  operators: [],
  examples: [],
  description: '',
  ...extra,
});

const fields = new Map<string, BuilderField>(
  [
    field('isActive', 'boolean', { group: 'recipient' }),
    field('email', 'string', { group: 'recipient' }),
    field('createdAt', 'date', { group: 'recipient' }),
    field('role', 'string', { examples: ['user', 'premium_user'] }),
    field('location', 'string'),
    field('age', 'number'),
    field('tags', 'array', { examples: ['beta'] }),
    field('scores', 'array', { examples: [1, 2] }),
    field('misc', 'mixed'),
    field('opened', 'schedule', { group: 'engagement', options: [{ value: 'a1', label: 'Welcome' }] }),
  ].map((entry) => [entry.key, entry]),
);

function ids(): () => string {
  let next = 0;
  return () => `id${++next}`;
}

const rule = (id: string, fieldKey: string, operator: string, value: unknown, extra: Partial<BuilderRule> = {}): BuilderRule => ({ id, field: fieldKey, operator, value, ...extra });
const group = (id: string, combinator: 'and' | 'or', rules: Array<BuilderRule | BuilderGroup>, not = false): BuilderGroup => ({ id, combinator, rules, ...(not ? { not } : {}) });

const seedExample = {
  AND: [{ isActive: true }, { role: 'premium_user' }, { location: { $regex: 'California' } }, { createdAt: { $gte: '2024-01-01' } }],
};

describe('Herald query → builder → Herald query', () => {
  const roundTrips: Array<[string, Record<string, unknown>]> = [
    ['the seed example', seedExample],
    ['an empty segment (everyone)', { AND: [] }],
    ['OR at the top', { OR: [{ role: 'user' }, { age: { $gt: 30 } }] }],
    ['nested groups', { AND: [{ isActive: true }, { OR: [{ location: { $contains: 'Paris' } }, { location: { $startsWith: 'Berlin' } }] }] }],
    ['NOT around a group', { AND: [{ NOT: { OR: [{ role: 'user' }, { age: { $lte: 20 } }] } }] }],
    ['NOT at the top', { NOT: { AND: [{ role: 'user' }] } }],
    ['in / not in', { AND: [{ role: { $in: ['user', 'premium_user'] } }, { age: { $nin: [1, 2] } }] }],
    ['exists and missing', { AND: [{ email: { $exists: true } }, { location: { $exists: false } }] }],
    ['between numbers and dates', { AND: [{ age: { $between: [18, 30] } }, { createdAt: { $between: ['2024-01-01', '2024-12-31'] } }] }],
    ['dates', { AND: [{ createdAt: { $before: '2025-01-01' } }, { createdAt: { $after: '2024-01-01' } }, { createdAt: { $withinLastDays: 30 } }] }],
    ['regex ignoring case', { AND: [{ location: { $regex: '^cal', $options: 'i' } }] }],
    ['engagement', { AND: [{ opened: 'a1' }, { opened: { $nin: ['a1'] } }] }],
    ['not equals on booleans', { AND: [{ isActive: { $ne: false } }] }],
    ['contains on arrays', { AND: [{ tags: { $contains: 'beta' } }, { scores: { $contains: 2 } }] }],
  ];

  it.each(roundTrips)('keeps %s as it is', (_name, query) => {
    const imported = fromHeraldQuery(query, ids());
    expect(imported.ok).toBe(true);
    if (!imported.ok) return;
    const exported = toHeraldQuery(imported.root, fields);
    expect(exported.incomplete).toEqual({});
    const wrapped = 'AND' in query || 'OR' in query || 'NOT' in query ? query : { AND: [query] };
    expect(exported.query).toEqual(wrapped);
  });

  it('splits an object of several fields or operators into criteria of the AND it sits in', () => {
    const imported = fromHeraldQuery({ AND: [{ role: 'user', age: { $gte: 18, $lt: 30 } }] }, ids());
    expect(imported.ok && toHeraldQuery(imported.root, fields).query).toEqual({ AND: [{ role: 'user' }, { age: { $gte: 18 } }, { age: { $lt: 30 } }] });
  });

  it('keeps the criteria of a several-field object together inside an OR', () => {
    const imported = fromHeraldQuery({ OR: [{ role: 'user', age: 3 }, { isActive: false }] }, ids());
    expect(imported.ok && toHeraldQuery(imported.root, fields).query).toEqual({ OR: [{ AND: [{ role: 'user' }, { age: 3 }] }, { isActive: false }] });
  });

  it('reads a case-insensitive regex as the builder\'s "any case" operator', () => {
    const imported = fromHeraldQuery({ AND: [{ location: { $regex: 'cal', $options: 'i' } }, { location: { $regex: 'x', $options: '' } }] }, ids());
    expect(imported.ok && imported.root.rules.map((item) => ('operator' in item ? item.operator : null))).toEqual(['$regexAnyCase', '$regex']);
  });

  it('reads a NOT of a single criterion as a NOT group', () => {
    const imported = fromHeraldQuery({ AND: [{ NOT: { role: 'user' } }] }, ids());
    expect(imported.ok && imported.root.rules[0]).toMatchObject({ combinator: 'and', not: true, rules: [{ field: 'role', operator: '$eq', value: 'user' }] });
  });

  it('shows lists as text for the tag inputs', () => {
    const imported = fromHeraldQuery({ AND: [{ age: { $in: [18, 21] } }] }, ids());
    expect(imported.ok && imported.root.rules[0]).toMatchObject({ operator: '$in', value: ['18', '21'] });
  });

  it.each([
    ['a list as a bare value', { AND: [{ role: ['a'] }] }],
    ['null as a value', { AND: [{ role: null }] }],
    ['a group that is not a list', { AND: { role: 'a' } }],
    ['an object compared', { AND: [{ role: { plan: 'x' } }] }],
    ['$in without a list', { AND: [{ role: { $in: 'a' } }] }],
    ['a node that is not an object', { AND: ['role'] }],
    ['unknown regex options', { AND: [{ role: { $regex: 'a', $options: 'x' } }] }],
  ])('refuses %s', (_name, query) => {
    const imported = fromHeraldQuery(query, ids());
    expect(imported.ok).toBe(false);
  });
});

describe('builder → Herald query', () => {
  it('writes equals as a bare value, the rest as operators, groups as AND / OR / NOT', () => {
    const root = group('g0', 'and', [
      rule('r1', 'isActive', '$eq', true),
      group('g1', 'or', [rule('r2', 'age', '$gte', '21'), rule('r3', 'location', '$missing', '')], true),
    ]);
    expect(toHeraldQuery(root, fields).query).toEqual({ AND: [{ isActive: true }, { NOT: { OR: [{ age: { $gte: 21 } }, { location: { $exists: false } }] } }] });
  });

  it('leaves out incomplete rules, says what each lacks, and drops the groups they leave empty', () => {
    const root = group('g0', 'and', [
      rule('r1', '~', '~', ''),
      rule('r2', 'role', '$eq', ''),
      group('g1', 'or', [rule('r3', 'age', '$between', ['1', ''])]),
      rule('r4', 'role', '$eq', 'user'),
    ]);
    const result = toHeraldQuery(root, fields);
    expect(result.query).toEqual({ AND: [{ role: 'user' }] });
    expect(result.incomplete).toEqual({ r1: 'pick a field', r2: 'enter a value', r3: 'enter a number to end the range' });
    // the one complete rule sits at index 0, whatever came before it in the builder
    expect(result.owners).toContainEqual({ path: 'query.AND.0', id: 'r4', kind: 'rule' });
  });

  it('sends an empty builder as {"AND": []}, which matches everyone', () => {
    expect(toHeraldQuery(group('g0', 'and', []), fields).query).toEqual({ AND: [] });
  });

  it('exports a field the catalog does not list with the values as typed', () => {
    const root = group('g0', 'and', [rule('r1', 'attributes.newThing', '$eq', '42'), rule('r2', 'attributes.newThing', '$gt', 'x')]);
    expect(toHeraldQuery(root, fields).query).toEqual({ AND: [{ 'attributes.newThing': 42 }, { 'attributes.newThing': { $gt: 'x' } }] });
  });
});

describe('checking values', () => {
  it.each([
    ['number', 'age', '$gt', ' 42 ', 42],
    ['number not a number', 'age', '$gt', 'abc', null],
    ['boolean from text', 'isActive', '$eq', 'false', false],
    ['date', 'createdAt', '$after', '2024-02-03', '2024-02-03'],
    ['date and time', 'createdAt', '$after', '2024-02-03T10:00:00Z', '2024-02-03T10:00:00Z'],
    ['not a date', 'createdAt', '$after', '03/02/2024', null],
    ['days', 'createdAt', '$withinLastDays', 7, 7],
    ['days not whole', 'createdAt', '$withinLastDays', 1.5, null],
    ['zero days', 'createdAt', '$withinLastDays', 0, null],
    ['list of numbers', 'age', '$in', ['1', ' 2', ''], [1, 2]],
    ['empty list', 'role', '$in', [], null],
    ['list from comma text', 'role', '$nin', 'a, b', ['a', 'b']],
    ['schedules', 'opened', '$in', ['a1'], ['a1']],
    ['regex kept as typed', 'location', '$regex', ' ^Cal ', ' ^Cal '],
    ['mixed numbers', 'misc', '$eq', '12', 12],
    ['mixed text', 'misc', '$eq', 'abc', 'abc'],
    ['mixed contains stays text', 'misc', '$contains', '12', '12'],
    ['date range', 'createdAt', '$between', ['2024-01-01', '2024-02-01'], ['2024-01-01', '2024-02-01']],
    ['reversed number range is the server\'s to judge', 'age', '$between', [9, '1'], [9, 1]],
  ])('%s', (_name, key, operator, raw, expected) => {
    const checked = checkValue(fields.get(key)!, operator as never, raw);
    if (expected === null) expect(checked.ok).toBe(false);
    else expect(checked).toEqual({ ok: true, value: expected });
  });
});

describe('placing the API\'s issues', () => {
  const root = group('g0', 'and', [
    rule('r1', 'isActive', '$eq', true),
    group('g1', 'or', [rule('r2', 'location', '$regex', '('), rule('r3', 'age', '$gt', '3')], true),
  ]);
  const { owners } = toHeraldQuery(root, fields);

  it('puts each issue at the rule whose path is the longest prefix of its field', () => {
    const placed = placeIssues(
      [
        { field: 'query.AND.1.NOT.OR.0.location.$regex', rule: 'regex', message: 'is not a valid regular expression' },
        { field: 'query.AND.0.isActive', rule: 'type', message: 'must be true or false' },
        { field: 'query.AND.1.NOT.OR', rule: 'max_depth', message: 'too deep' },
        { field: 'name', rule: 'min', message: 'is required' },
      ],
      owners,
    );
    expect(placed.byId).toEqual({ r2: 'is not a valid regular expression', r1: 'must be true or false', g1: 'too deep' });
    expect(placed.unplaced).toEqual([{ field: 'name', rule: 'min', message: 'is required' }]);
  });

  it('does not confuse index 1 with index 10', () => {
    const many = group('g0', 'and', Array.from({ length: 11 }, (_, index) => rule(`r${index}`, 'role', '$eq', 'x')));
    const placed = placeIssues([{ field: 'query.AND.10.role', rule: 'type', message: 'bad' }], toHeraldQuery(many, fields).owners);
    expect(placed.byId).toEqual({ r10: 'bad' });
  });
});

describe('operators and inputs', () => {
  it('offers exists as "exists" and "is missing"', () => {
    expect(builderOperatorsOf({ operators: ['$eq', '$exists'] })).toEqual(['$eq', '$exists', '$missing']);
  });

  it('offers regex as it is and in any case', () => {
    expect(builderOperatorsOf({ operators: ['$regex'] })).toEqual(['$regex', '$regexAnyCase']);
  });

  it.each([
    ['string', '$eq', 'text'],
    ['string', '$in', 'list'],
    ['number', '$eq', 'number'],
    ['number', '$between', 'number-range'],
    ['date', '$between', 'date-range'],
    ['date', '$gte', 'date'],
    ['date', '$withinLastDays', 'days'],
    ['boolean', '$eq', 'boolean'],
    ['schedule', '$eq', 'choice'],
    ['schedule', '$in', 'choices'],
    ['mixed', '$between', 'text-range'],
    ['string', '$missing', 'none'],
  ] as const)('a %s field under %s takes a %s input', (type, operator, input) => {
    expect(valueInputOf({ type }, operator)).toBe(input);
  });

  it('words dates and notifications in their own terms', () => {
    expect(operatorLabel('$gte', 'date')).toBe('is on or after');
    expect(operatorLabel('$gte', 'number')).toBe('is at least');
    expect(operatorLabel('$missing', 'string')).toBe('is missing');
  });

  it('lists the fields a tree uses', () => {
    const root = group('g0', 'and', [rule('r1', 'role', '$eq', 'x'), group('g1', 'or', [rule('r2', 'age', '$gt', 1), rule('r3', '~', '~', '')])]);
    expect(fieldKeysOf(root).sort()).toEqual(['age', 'role']);
  });
});
