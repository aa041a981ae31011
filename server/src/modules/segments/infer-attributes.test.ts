import { describe, expect, it } from 'vitest';
import { inferAttributes } from './infer-attributes.ts';

describe('inferAttributes', () => {
  const cases: Array<{ name: string; samples: Record<string, unknown>[]; expected: ReturnType<typeof inferAttributes> }> = [
    { name: 'no recipients', samples: [], expected: [] },
    {
      name: 'one type per attribute, most frequent values first',
      samples: [{ plan: 'pro', age: 30, vip: true }, { plan: 'free', age: 41 }, { plan: 'pro' }],
      expected: [
        { name: 'plan', type: 'string', examples: ['pro', 'free'], coverage: 1 },
        { name: 'age', type: 'number', examples: [30, 41], coverage: 2 / 3 },
        { name: 'vip', type: 'boolean', examples: [true], coverage: 1 / 3 },
      ],
    },
    {
      name: 'dates: strings that are nearly all ISO dates, the earliest and latest as examples',
      samples: [{ signup: '2024-01-05T10:00:00+02:00' }, ...Array.from({ length: 8 }, (_, i) => ({ signup: `2024-01-0${i + 1}T10:00:00Z` })), { signup: 'unknown' }],
      expected: [{ name: 'signup', type: 'date', examples: ['2024-01-01T10:00:00Z', '2024-01-08T10:00:00Z'], coverage: 1 }],
    },
    {
      name: 'a date attribute holding one date',
      samples: [{ renewal: '2025-03-01' }, { renewal: '2025-03-01' }],
      expected: [{ name: 'renewal', type: 'date', examples: ['2025-03-01'], coverage: 1 }],
    },
    {
      name: 'a string attribute with a few dates stays a string',
      samples: [{ code: '2024-01-01' }, { code: 'A7' }],
      expected: [{ name: 'code', type: 'string', examples: ['2024-01-01', 'A7'], coverage: 1 }],
    },
    {
      name: 'arrays give their elements as examples; nulls are not presence',
      samples: [{ tags: ['a', 'b'] }, { tags: ['a'] }, { tags: null }],
      expected: [{ name: 'tags', type: 'array', examples: ['a', 'b'], coverage: 2 / 3 }],
    },
    {
      name: 'mixed types and objects',
      samples: [{ score: 1, address: { city: 'Paris' } }, { score: 'high' }],
      expected: [
        { name: 'score', type: 'mixed', examples: [1, 'high'], coverage: 1 },
        { name: 'address', type: 'object', examples: [], coverage: 0.5 },
      ],
    },
  ];
  it.each(cases)('$name', ({ samples, expected }) => {
    expect(inferAttributes(samples)).toEqual(expected);
  });

  it('keeps the most common attributes when there are too many', () => {
    const samples = [{ a: 1, b: 1 }, { b: 2 }];
    expect(inferAttributes(samples, 1).map((p) => p.name)).toEqual(['b']);
  });

  it('leaves long texts out of the examples', () => {
    expect(inferAttributes([{ bio: 'x'.repeat(101) }])[0]?.examples).toEqual([]);
  });
});
