import { describe, expect, it } from 'vitest';
import { parseChannelList, parseFlag, parseQuietHoursCell, readHeader, readRow, typedAttribute } from './csv-rows.ts';

describe('readHeader', () => {
  it('maps known names without case, `_` or `-`, and any other name to an attribute', () => {
    const { columns, issues } = readHeader(['External_ID', ' E-mail ', 'is_active', 'opted-out-channels', 'Plan', 'constructor', '__proto__']);
    expect(issues).toEqual([]);
    expect(columns).toEqual([
      { kind: 'field', field: 'externalId' },
      { kind: 'field', field: 'email' },
      { kind: 'field', field: 'isActive' },
      { kind: 'field', field: 'optedOutChannels' },
      { kind: 'attribute', name: 'Plan' },
      { kind: 'attribute', name: 'constructor' },
      { kind: 'attribute', name: '__proto__' },
    ]);
  });

  it.each([
    ['no externalId column', ['email', 'name'], [{ row: 1, field: 'externalId', rule: 'required' }]],
    ['a nameless column', ['externalId', ' '], [{ row: 1, field: 'column 2', rule: 'required' }]],
    ['a field twice under two spellings', ['externalId', 'email', 'EMAIL'], [{ row: 1, field: 'email', rule: 'duplicate' }]],
    ['an attribute twice', ['externalId', 'plan', 'plan'], [{ row: 1, field: 'plan', rule: 'duplicate' }]],
  ])('refuses %s', (_name, header, expected) => {
    expect(readHeader(header).issues).toEqual(expected.map((issue) => expect.objectContaining(issue)));
  });
});

describe('cells', () => {
  it.each([
    ['true', true], ['FALSE', false], [' yes ', true], ['No', false], ['1', true], ['0', false],
    ['maybe', undefined], ['constructor', undefined], ['', undefined],
  ])('reads the flag %j as %j', (text, expected) => {
    expect(parseFlag(text)).toBe(expected);
  });

  it.each([
    ['', null], ['  ', null], ['true', true], ['False', false], ['42', 42], ['-3.25', -3.25], ['0', 0],
    ['007', '007'], ['1e5', '1e5'], ['1,5', '1,5'], ['9007199254740993', '9007199254740993'],
    ['0.12345678901234567', '0.12345678901234567'], [' pro ', ' pro '], ['-0', -0],
  ])('types the attribute %j as %j', (text, expected) => {
    expect(typedAttribute(text)).toEqual(expected);
  });

  it.each([
    ['email;sms', ['email', 'sms']], ['Email, SMS ,push', ['email', 'sms', 'push']], ['inapp webhook', ['inapp', 'webhook']],
    ['', []], [' ; ', []], ['email;email', ['email']],
  ])('splits the channel list %j', (text, expected) => {
    expect(parseChannelList(text)).toEqual(expected);
  });

  it.each([
    ['22:00-07:00', { start: '22:00', end: '07:00' }],
    [' 22:00 – 7:00 ', { start: '22:00', end: '07:00' }],
    ['12:30—14:00', { start: '12:30', end: '14:00' }],
    ['None', 'none'],
    ['', null],
    ['  ', null],
    ['22:00', undefined],
    ['after dinner', undefined],
    ['22h-7h', undefined],
  ])('reads the quiet hours %j as %j', (text, expected) => {
    expect(parseQuietHoursCell(text)).toEqual(expected);
  });

  it('names the time a quiet hours cell gets wrong, and refuses a cell that is no window at all', () => {
    const { columns } = readHeader(['externalId', 'quietHours']);
    expect(readRow(columns, ['u1', '22:00-25:00'], 2)).toEqual({ issues: [expect.objectContaining({ row: 2, field: 'quietHours.end' })] });
    expect(readRow(columns, ['u1', 'late'], 3)).toEqual({ issues: [expect.objectContaining({ row: 3, field: 'quietHours', rule: 'quiet_hours' })] });
  });
});

describe('readRow', () => {
  const { columns } = readHeader(['externalId', 'email', 'timezone', 'isActive', 'optedOutChannels', 'plan', 'seats']);

  it('writes the fields of its columns, typed, with empty cells clearing fields', () => {
    expect(readRow(columns, ['u1', ' ada@example.com ', 'europe/paris', 'yes', 'email; sms', 'pro', '3'], 2)).toEqual({
      write: {
        externalId: 'u1', email: 'ada@example.com', timezone: 'Europe/Paris', isActive: true,
        optedOutChannels: ['email', 'sms'], attributes: { plan: 'pro', seats: 3 },
      },
    });
    expect(readRow(columns, ['u2', '', '', '', '', '', ''], 3)).toEqual({
      write: { externalId: 'u2', email: null, timezone: null, optedOutChannels: [], attributes: { plan: null, seats: null } },
    });
  });

  it('leaves out the fields the file has no column for, so they keep their stored values', () => {
    const outcome = readRow(readHeader(['externalId', 'name']).columns, ['u1', 'Ada'], 2);
    expect(outcome).toEqual({ write: { externalId: 'u1', name: 'Ada' } });
  });

  it('reports every bad cell of the row at once, with the row, field and rule', () => {
    const outcome = readRow(columns, ['u1', 'not-an-email', 'Mars/Olympus', 'maybe', 'email;fax', '', ''], 7);
    expect('issues' in outcome && outcome.issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ row: 7, field: 'email', rule: 'invalid_format' }),
      expect.objectContaining({ row: 7, field: 'timezone', rule: 'custom' }),
      expect.objectContaining({ row: 7, field: 'isActive', rule: 'boolean' }),
      expect.objectContaining({ row: 7, field: 'optedOutChannels.1', rule: 'invalid_value' }),
    ]));
  });

  it.each([
    ['an empty externalId', ['', '', '', '', '', '', ''], 'externalId', 'too_small'],
    ['too few cells', ['u1', 'a@b.co'], 'row', 'column_count'],
    ['too many cells', ['u1', '', '', '', '', '', '', 'extra'], 'row', 'column_count'],
  ])('refuses %s', (_name, cells, field, rule) => {
    const outcome = readRow(columns, cells, 4);
    expect('issues' in outcome && outcome.issues).toEqual([expect.objectContaining({ row: 4, field, rule })]);
  });

  it('stores an attribute column named __proto__ as an attribute', () => {
    const outcome = readRow(readHeader(['externalId', '__proto__']).columns, ['u1', 'x'], 2);
    expect('write' in outcome && JSON.stringify(outcome.write.attributes)).toBe('{"__proto__":"x"}');
  });
});
