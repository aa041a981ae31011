import { describe, expect, it } from 'vitest';
import type { Template } from '@herald/shared';
import { channelsOf, contentOf, templateFieldOf, templateToValues, valuesToTemplateInput, type TemplateFormValues } from './template-form.ts';

function blank(): TemplateFormValues {
  return templateToValues();
}

describe('content as the API takes it', () => {
  it('leaves out channels with nothing typed, and blank optional inputs', () => {
    const values = blank();
    values.content.email = { subject: 'Hi', html: '<p>Hi</p>', text: '   ' };
    values.content.push = { title: 'T', body: 'B', url: '' };
    expect(contentOf(values.content)).toEqual({ email: { subject: 'Hi', html: '<p>Hi</p>' }, push: { title: 'T', body: 'B' } });
  });

  it('keeps a half-filled channel so its missing required input is reported', () => {
    const values = blank();
    values.name = 'Welcome';
    values.content.sms = { body: '' };
    values.content.inapp = { title: 'Hello', body: '', url: '' };
    const checked = valuesToTemplateInput(values);
    expect(checked.input).toBeNull();
    expect(checked.issues.map((issue) => issue.field)).toEqual(['content.inapp.body']);
  });

  it('asks for at least one channel', () => {
    const values = blank();
    values.name = 'Empty';
    const checked = valuesToTemplateInput(values);
    expect(checked.issues.map((issue) => templateFieldOf(issue.field))).toEqual(['content']);
  });

  it('defaults a blank category to general', () => {
    const values = blank();
    values.name = 'A';
    values.category = '  ';
    values.content.webhook = { body: '{}' };
    expect(valuesToTemplateInput(values).input?.category).toBe('general');
  });
});

describe('a saved template comes back unchanged through the form', () => {
  it('round-trips every channel', () => {
    const content = {
      email: { subject: 'S', html: '<b>H</b>', text: 'T' },
      inapp: { title: 'T', body: 'B', url: 'https://example.com' },
      sms: { body: 'S' },
      push: { title: 'T', body: 'B' },
      webhook: { body: '{"a":1}' },
    };
    const template = { id: 'x', name: 'N', description: 'D', category: 'c', content, scheduleCount: 0, createdAt: '', updatedAt: '' } satisfies Template;
    expect(valuesToTemplateInput(templateToValues(template)).input).toEqual({ name: 'N', description: 'D', category: 'c', content });
    expect(channelsOf(template)).toEqual(['email', 'inapp', 'sms', 'push', 'webhook']);
  });
});

describe('where an API issue shows', () => {
  it.each([
    ['name', 'name'],
    ['content', 'content'],
    ['content.email', 'content.email'],
    ['content.email.subject', 'content.email.subject'],
    ['content.email.unknownKey', 'content.email'],
    ['content.fax.body', null],
    ['recipientId', null],
  ])('%s → %s', (apiField, formField) => {
    expect(templateFieldOf(apiField)).toBe(formField);
  });
});
