/**
 * The words bad input is refused with (@herald/shared's messages.ts): what the API's 400s and
 * the web UI's forms say for zod's built-in checks.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { retryPolicySchema, timingSchema } from '@herald/shared';

const messagesOf = (schema: z.ZodType, input: unknown) => schema.safeParse(input).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);

describe('messages for bad input', () => {
  it.each<[string, z.ZodType, unknown, string]>([
    ['a missing field', z.object({ name: z.string() }), {}, 'is required'],
    ['text for a number', z.object({ n: z.number() }), { n: '3' }, 'must be a number, not text'],
    ['null for text', z.object({ s: z.string() }), { s: null }, 'must be text, not null'],
    ['a list for an object', z.object({ o: z.object({}) }), { o: [] }, 'must be an object, not a list'],
    ['a fraction for a whole number', z.object({ n: z.number().int() }), { n: 1.5 }, 'must be a whole number'],
    ['a word for true or false', z.object({ b: z.boolean() }), { b: 'yes' }, 'must be true or false, not text'],
    ['an unknown option', z.object({ e: z.enum(['a', 'b']) }), { e: 'c' }, 'must be one of "a", "b"'],
    ['the wrong constant', z.object({ l: z.literal('none') }), { l: 'all' }, 'must be "none"'],
    ['empty text', z.object({ s: z.string().min(1) }), { s: '' }, 'must not be empty'],
    ['an empty list', z.object({ a: z.array(z.number()).min(1) }), { a: [] }, 'must not be empty'],
    ['short text', z.object({ s: z.string().min(3) }), { s: 'ab' }, 'must be at least 3 characters'],
    ['long text', z.object({ s: z.string().max(1) }), { s: 'ab' }, 'must be at most 1 character'],
    ['a long list', z.object({ a: z.array(z.number()).max(2) }), { a: [1, 2, 3] }, 'must be at most 2 items'],
    ['a number at an exclusive bound', z.object({ n: z.number().positive() }), { n: 0 }, 'must be more than 0'],
    ['a number too large', z.object({ n: z.number().max(10) }), { n: 11 }, 'must be at most 10'],
    ['text of the wrong length', z.object({ s: z.string().length(2) }), { s: 'abc' }, 'must be exactly 2 characters'],
    ['a malformed id', z.object({ id: z.string().uuid() }), { id: 'nope' }, 'must be a UUID'],
    ['text off its pattern', z.object({ s: z.string().regex(/^\d+$/) }), { s: 'x' }, 'is not in the expected form'],
  ])('%s', (_name, schema, input, message) => {
    expect(messagesOf(schema, input)?.[0]?.[1]).toBe(message);
  });

  it('names an unknown field with the fields there are', () => {
    expect(messagesOf(z.strictObject({ a: z.number(), b: z.number() }), { a: 1, b: 2, c: 3 })).toEqual([['', 'has an unknown field "c"; its fields are a, b']]);
    expect(messagesOf(z.strictObject({ a: z.number() }), { a: 1, b: 2, c: 3 })).toEqual([['', 'has unknown fields "b", "c"; its fields are a']]);
    expect(messagesOf(retryPolicySchema, { maxAttempts: 3, baseDelaySeconds: 1, baseDelayMs: 1000, factor: 2, maxDelaySeconds: 60, jitter: 0 })).toEqual([
      ['', 'has an unknown field "baseDelayMs"; its fields are maxAttempts, baseDelaySeconds, factor, maxDelaySeconds, jitter'],
    ]);
  });

  it('lists the kinds a union tells apart by a field, at that field', () => {
    expect(messagesOf(timingSchema, { type: 'yearly' })).toEqual([['type', 'must be one of "once", "daily", "weekly", "monthly", "cron"']]);
  });

  it('keeps the messages schemas give themselves', () => {
    expect(messagesOf(retryPolicySchema, { maxAttempts: 0, baseDelaySeconds: 1, factor: 2, maxDelaySeconds: 60, jitter: 0 })).toEqual([['maxAttempts', 'must be at least 1']]);
  });
});
