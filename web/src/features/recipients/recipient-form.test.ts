import { describe, expect, it } from 'vitest';
import { recipientFieldOf, recipientToValues, valuesToRecipientInput, type RecipientFormValues } from './recipient-form.ts';

function valuesWith(changes: Partial<RecipientFormValues>): RecipientFormValues {
  return { ...recipientToValues(), externalId: 'user-1', ...changes };
}

describe('recipient form → API payload', () => {
  it('turns blank inputs into nulls and parses attributes', () => {
    const checked = valuesToRecipientInput(valuesWith({ name: '  ', email: ' ada@example.com ', attributes: '{"plan":"pro","seats":3}' }));
    expect(checked.input).toEqual({
      externalId: 'user-1', name: null, email: 'ada@example.com', phone: null, timezone: null, locale: null,
      isActive: true, attributes: { plan: 'pro', seats: 3 }, optedOutChannels: [], quietHours: null,
    });
  });

  it.each([
    ['the instance\'s quiet hours', { quietHours: 'instance' as const }, null],
    ['none at all', { quietHours: 'none' as const }, 'none'],
    ['a window of their own', { quietHours: 'own' as const, quietStart: '22:30', quietEnd: '06:00:00' }, { start: '22:30', end: '06:00' }],
  ])('sends %s', (_name, changes, expected) => {
    expect(valuesToRecipientInput(valuesWith(changes)).input?.quietHours).toEqual(expected);
  });

  it('starts from the recipient\'s choice, keeping a plain night ready for "their own"', () => {
    const base = { id: 'x', externalId: 'u', email: null, phone: null, name: null, timezone: null, locale: null, isActive: true, attributes: {}, optedOutChannels: [], unsubscribedAt: null, createdAt: '', updatedAt: '' };
    expect(recipientToValues({ ...base, quietHours: null })).toMatchObject({ quietHours: 'instance', quietStart: '21:00', quietEnd: '08:00' });
    expect(recipientToValues({ ...base, quietHours: 'none' })).toMatchObject({ quietHours: 'none' });
    expect(recipientToValues({ ...base, quietHours: { start: '23:00', end: '07:00' } })).toMatchObject({ quietHours: 'own', quietStart: '23:00', quietEnd: '07:00' });
  });

  it('refuses a window of their own whose end is its start, at the end input', () => {
    const checked = valuesToRecipientInput(valuesWith({ quietHours: 'own', quietStart: '22:00', quietEnd: '22:00' }));
    expect(checked.issues.map((issue) => recipientFieldOf(issue.field))).toEqual(['quietEnd']);
  });

  it.each([
    ['not JSON', '{plan: pro}', 'json'],
    ['an array', '[1, 2]', 'object'],
    ['a string', '"pro"', 'object'],
    ['null', 'null', 'object'],
  ])('refuses attributes that are %s', (_name, attributes, rule) => {
    const checked = valuesToRecipientInput(valuesWith({ attributes }));
    expect(checked.input).toBeNull();
    expect(checked.issues).toEqual([expect.objectContaining({ field: 'attributes', rule })]);
  });

  it.each([
    ['externalId', { externalId: ' ' }],
    ['email', { email: 'not-an-email' }],
    ['phone', { phone: '0612345678' }],
    ['timezone', { timezone: 'Mars/Olympus' }],
    ['locale', { locale: 'english!' }],
  ])('names %s when it is wrong', (field, changes) => {
    const checked = valuesToRecipientInput(valuesWith(changes));
    expect(checked.issues.map((issue) => recipientFieldOf(issue.field))).toContain(field);
  });
});

it('reports broken attributes and a bad email together', () => {
  const checked = valuesToRecipientInput(valuesWith({ email: 'nope', attributes: '{' }));
  expect(checked.issues.map((issue) => issue.field).sort()).toEqual(['attributes', 'email']);
});

describe('where an API issue shows', () => {
  it.each([
    ['email', 'email'],
    ['attributes.plan', 'attributes'],
    ['optedOutChannels.0', 'optedOutChannels'],
    ['quietHours', 'quietHours'],
    ['quietHours.start', 'quietStart'],
    ['quietHours.end', 'quietEnd'],
    ['recipients.3.email', null],
  ])('%s → %s', (apiField, formField) => {
    expect(recipientFieldOf(apiField)).toBe(formField);
  });
});
