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
      isActive: true, attributes: { plan: 'pro', seats: 3 }, optedOutChannels: [],
    });
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
    ['recipients.3.email', null],
  ])('%s → %s', (apiField, formField) => {
    expect(recipientFieldOf(apiField)).toBe(formField);
  });
});
