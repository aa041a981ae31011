import { describe, expect, it } from 'vitest';
import { firstValue, parseMultipartText, parseUrlEncoded } from './form-body.ts';

describe('parseUrlEncoded', () => {
  it('decodes fields, keeps repeats in order, and treats __proto__ as a plain field', () => {
    const fields = parseUrlEncoded('List-Unsubscribe=One-Click&To=%2B1555&a=1&a=2&__proto__=x&empty=');
    expect(Object.entries(fields)).toEqual([['List-Unsubscribe', 'One-Click'], ['To', '+1555'], ['a', ['1', '2']], ['__proto__', 'x'], ['empty', '']]);
    expect(firstValue(fields, 'a')).toBe('1');
    expect(firstValue(fields, 'missing')).toBeUndefined();
    expect(firstValue(undefined, 'a')).toBeUndefined();
  });
});

describe('parseMultipartText', () => {
  const body = [
    '--XyZ',
    'Content-Disposition: form-data; name="List-Unsubscribe"',
    '',
    'One-Click',
    '--XyZ',
    'Content-Disposition: form-data; name="note"',
    'Content-Type: text/plain',
    '',
    'two\r\nlines',
    '--XyZ',
    'Content-Disposition: form-data; name="file"; filename="a.txt"',
    '',
    'ignored',
    '--XyZ--',
    '',
  ].join('\r\n');

  it('reads text fields and skips files', () => {
    expect({ ...parseMultipartText(body, 'multipart/form-data; boundary=XyZ') }).toEqual({ 'List-Unsubscribe': 'One-Click', note: 'two\r\nlines' });
  });

  it('accepts a quoted boundary', () => {
    expect(firstValue(parseMultipartText(body, 'multipart/form-data; boundary="XyZ"') ?? undefined, 'List-Unsubscribe')).toBe('One-Click');
  });

  it('answers null without a boundary', () => {
    expect(parseMultipartText(body, 'multipart/form-data')).toBeNull();
  });
});
