import { describe, expect, it } from 'vitest';
import { createParsedCache } from './parsed-cache.ts';

function counting() {
  const parsed: string[] = [];
  const parse = (text: string) => {
    parsed.push(text);
    if (text === 'bad') throw new Error('does not parse');
    return { text };
  };
  return { parsed, parse };
}

describe('createParsedCache', () => {
  it('parses a text once and returns the same parse after', () => {
    const cache = createParsedCache<{ text: string }>({ maxEntries: 10, maxTextLength: 1_000 });
    const { parsed, parse } = counting();
    const first = cache.get('Hello {{ name }}', parse);
    expect(cache.get('Hello {{ name }}', parse)).toBe(first);
    expect(parsed).toEqual(['Hello {{ name }}']);
  });

  it('keeps nothing for a text that does not parse, and refuses it each time', () => {
    const cache = createParsedCache<{ text: string }>({ maxEntries: 10, maxTextLength: 1_000 });
    const { parsed, parse } = counting();
    expect(() => cache.get('bad', parse)).toThrow('does not parse');
    expect(() => cache.get('bad', parse)).toThrow('does not parse');
    expect(parsed).toEqual(['bad', 'bad']);
    expect(cache.size()).toBe(0);
  });

  it('drops the least recently used text beyond the entry bound', () => {
    const cache = createParsedCache<{ text: string }>({ maxEntries: 2, maxTextLength: 1_000 });
    const { parsed, parse } = counting();
    cache.get('a', parse);
    cache.get('b', parse);
    cache.get('a', parse); // now b is the least recently used
    cache.get('c', parse);
    expect(cache.size()).toBe(2);
    cache.get('a', parse);
    cache.get('b', parse);
    expect(parsed).toEqual(['a', 'b', 'c', 'b']);
  });

  it('drops the oldest texts beyond the length bound, and does not keep a text longer than the bound', () => {
    const cache = createParsedCache<{ text: string }>({ maxEntries: 100, maxTextLength: 10 });
    const { parsed, parse } = counting();
    cache.get('12345', parse);
    cache.get('67890', parse);
    cache.get('abc', parse); // 13 characters: the first goes
    expect(cache.size()).toBe(2);
    cache.get('this is longer than ten', parse);
    cache.get('this is longer than ten', parse);
    expect(cache.size()).toBe(2);
    cache.get('67890', parse);
    cache.get('12345', parse);
    expect(parsed).toEqual(['12345', '67890', 'abc', 'this is longer than ten', 'this is longer than ten', '12345']);
  });
});
