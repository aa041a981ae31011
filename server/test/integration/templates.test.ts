import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Template } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { createRecipients, createSchedule, createTemplate, sampleTemplateContent } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const base = '/api/notifications/templates';
type Issue = { field: string; rule: string; message: string };

async function templateCount(): Promise<number> {
  const [row] = await t.database.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM templates`);
  return row!.n;
}

function issuesOf(body: string): Issue[] {
  return (JSON.parse(body) as { error: { details: { issues: Issue[] } } }).error.details.issues;
}

describe('templates: create, read, update, delete', () => {
  it('creates a template and reads it back with ISO dates and a schedule count of 0', async () => {
    const response = await t.app.inject({
      method: 'POST', url: base, headers: t.auth,
      payload: { name: '  Welcome  ', description: 'First mail', category: 'onboarding', content: sampleTemplateContent },
    });
    expect(response.statusCode).toBe(201);
    const created = response.json<Template>();
    expect(created).toMatchObject({ name: 'Welcome', description: 'First mail', category: 'onboarding', scheduleCount: 0, content: sampleTemplateContent });
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const read = await t.app.inject({ method: 'GET', url: `${base}/${created.id}`, headers: t.auth });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(created);
  });

  it('defaults the category to "general" and the description to empty', async () => {
    const created = await createTemplate(t);
    expect(created).toMatchObject({ category: 'general', description: '' });
  });

  it('replaces a template with PUT', async () => {
    const created = await createTemplate(t);
    const response = await t.app.inject({
      method: 'PUT', url: `${base}/${created.id}`, headers: t.auth,
      payload: { name: 'Renamed', category: 'billing', content: { sms: { body: 'Hi {{ recipient.name }}' } } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: created.id, name: 'Renamed', category: 'billing', content: { sms: { body: 'Hi {{ recipient.name }}' } } });
    expect(response.json<Template>().content.email).toBeUndefined();
    expect(Date.parse(response.json<Template>().updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
  });

  it('deletes a template, then answers 404 for it', async () => {
    const created = await createTemplate(t);
    expect((await t.app.inject({ method: 'DELETE', url: `${base}/${created.id}`, headers: t.auth })).statusCode).toBe(204);
    const again = await t.app.inject({ method: 'GET', url: `${base}/${created.id}`, headers: t.auth });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('not_found');
    expect((await t.app.inject({ method: 'DELETE', url: `${base}/${created.id}`, headers: t.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'PUT', url: `${base}/${created.id}`, headers: t.auth, payload: { name: 'x', content: sampleTemplateContent } })).statusCode).toBe(404);
  });

  it('answers 400 naming the id for an id that is not a uuid', async () => {
    const response = await t.app.inject({ method: 'GET', url: `${base}/not-a-uuid`, headers: t.auth });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)[0]).toMatchObject({ field: 'id' });
  });
});

describe('templates: content is checked before anything is written', () => {
  it.each([
    ['an unknown variable', { email: { subject: 'Hi {{ user.name }}', html: '<p>x</p>' } }, 'content.email.subject', 'unknown_variable'],
    ['an unknown property of a known root', { sms: { body: 'Hi {{ recipient.nickname }}' } }, 'content.sms.body', 'unknown_variable'],
    ['broken Liquid', { inapp: { title: 'Hi {% if %}', body: 'x' } }, 'content.inapp.title', 'liquid_syntax'],
    ['an unknown filter', { push: { title: 'x', body: '{{ recipient.name | shout }}' } }, 'content.push.body', 'liquid_syntax'],
    ['a misspelled channel', { inapp: { title: 'x', body: 'y' }, emial: { subject: 'Hi', html: '<p>x</p>' } }, 'content', 'unrecognized_keys'],
    ['a misspelled part of a channel', { email: { subject: 'Hi', html: '<p>x</p>', plain: 'x' } }, 'content.email', 'unrecognized_keys'],
  ])('refuses %s with 400 naming the field and rule', async (_label, content, field, rule) => {
    const before = await templateCount();
    const response = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: { name: 'Bad', content } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(issuesOf(response.body)).toContainEqual(expect.objectContaining({ field, rule }));
    expect(await templateCount()).toBe(before);
  });

  it('refuses a misspelled field of a template by name', async () => {
    const before = await templateCount();
    const response = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: { name: 'Misspelled', categroy: 'billing', content: { sms: { body: 'Hi' } } } });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)).toEqual([expect.objectContaining({ field: 'body', rule: 'unrecognized_keys', message: 'has an unknown field "categroy"; its fields are name, description, category, content' })]);
    expect(await templateCount()).toBe(before);
  });

  it('refuses content with no channel at all, and a channel missing a required part', async () => {
    const empty = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: { name: 'Empty', content: {} } });
    expect(empty.statusCode).toBe(400);
    expect(issuesOf(empty.body)[0]!.field).toBe('content');
    const noSubject = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: { name: 'x', content: { email: { html: 'x' } } } });
    expect(noSubject.statusCode).toBe(400);
    expect(issuesOf(noSubject.body)).toContainEqual(expect.objectContaining({ field: 'content.email.subject' }));
  });

  it('keeps the old content when an update has an unknown variable', async () => {
    const created = await createTemplate(t);
    const response = await t.app.inject({
      method: 'PUT', url: `${base}/${created.id}`, headers: t.auth,
      payload: { name: 'Changed', content: { email: { subject: '{{ recipient.age }}', html: 'x' } } },
    });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)).toContainEqual(expect.objectContaining({ field: 'content.email.subject', rule: 'unknown_variable' }));
    const read = await t.app.inject({ method: 'GET', url: `${base}/${created.id}`, headers: t.auth });
    expect(read.json()).toMatchObject({ name: created.name, content: sampleTemplateContent });
  });
});

describe('templates: list, search, categories', () => {
  let own: Template[];
  beforeAll(async () => {
    own = [
      await createTemplate(t, { name: 'Quarterly zebra digest', category: 'zebra-digests' }),
      await createTemplate(t, { name: 'Other', description: 'the zebra one', category: 'zebra-digests' }),
      await createTemplate(t, { name: 'Zebra alert', category: 'zebra-alerts' }),
    ];
  });

  it('searches name and description, case-insensitively, newest first', async () => {
    const response = await t.app.inject({ method: 'GET', url: `${base}?q=ZEBRA`, headers: t.auth });
    expect(response.statusCode).toBe(200);
    const page = response.json<{ items: Template[]; total: number }>();
    expect(page.total).toBe(3);
    expect(page.items.map((item) => item.id)).toEqual([own[2]!.id, own[1]!.id, own[0]!.id]);
  });

  it('takes % and _ in the search text literally', async () => {
    const response = await t.app.inject({ method: 'GET', url: `${base}?q=${encodeURIComponent('%')}`, headers: t.auth });
    expect(response.json().total).toBe(0);
  });

  it('filters by category and paginates', async () => {
    const first = await t.app.inject({ method: 'GET', url: `${base}?category=zebra-digests&limit=1`, headers: t.auth });
    expect(first.json()).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(first.json().items).toHaveLength(1);
    const second = await t.app.inject({ method: 'GET', url: `${base}?category=zebra-digests&limit=1&offset=1`, headers: t.auth });
    expect(second.json().items).toHaveLength(1);
    expect(second.json().items[0].id).not.toBe(first.json().items[0].id);
  });

  it('refuses a limit out of range', async () => {
    const response = await t.app.inject({ method: 'GET', url: `${base}?limit=0`, headers: t.auth });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)[0]!.field).toBe('limit');
  });

  it('lists categories with their template counts', async () => {
    const response = await t.app.inject({ method: 'GET', url: `${base}/categories?limit=500`, headers: t.auth });
    expect(response.statusCode).toBe(200);
    const items = response.json<{ items: Array<{ name: string; templateCount: number }> }>().items;
    expect(items).toContainEqual({ name: 'zebra-digests', templateCount: 2 });
    expect(items).toContainEqual({ name: 'zebra-alerts', templateCount: 1 });
    expect(items.map((item) => item.name)).toEqual([...items.map((item) => item.name)].sort());
  });
});

describe('templates: preview', () => {
  it('renders unsaved content for the sample recipient', async () => {
    const response = await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: t.auth, payload: { content: sampleTemplateContent } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      rendered: {
        email: { subject: 'Hello Ada Lovelace', html: '<p>Hi Ada Lovelace, news from Sample schedule.</p>', text: 'Hi Ada Lovelace' },
        inapp: { title: 'News for Ada Lovelace', body: 'Something new happened.' },
      },
      errors: [],
    });
  });

  it('renders for a real recipient, and reports a channel that needs an attribute they lack', async () => {
    const [withPlan, withoutPlan] = await createRecipients(t, 2, (index) => ({ name: `Grace ${index}`, attributes: index === 0 ? { plan: 'pro' } : {} }));
    const content = { sms: { body: 'Hi {{ recipient.name }}' }, inapp: { title: 'Your plan: {{ recipient.attributes.plan }}', body: 'x' } };
    const pro = await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: t.auth, payload: { content, recipientId: withPlan!.id } });
    expect(pro.json()).toEqual({ rendered: { sms: { body: 'Hi Grace 0' }, inapp: { title: 'Your plan: pro', body: 'x' } }, errors: [] });
    const none = await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: t.auth, payload: { content, recipientId: withoutPlan!.id } });
    expect(none.statusCode).toBe(200);
    expect(none.json().rendered).toEqual({ sms: { body: 'Hi Grace 1' } });
    expect(none.json().errors).toEqual([{ channel: 'inapp', message: expect.stringContaining('plan') }]);
  });

  it('refuses an unknown recipient and invalid content with 400', async () => {
    const unknown = await t.app.inject({
      method: 'POST', url: `${base}/preview`, headers: t.auth,
      payload: { content: sampleTemplateContent, recipientId: '00000000-0000-4000-8000-00000000abcd' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(issuesOf(unknown.body)).toEqual([expect.objectContaining({ field: 'recipientId', rule: 'exists' })]);
    const bad = await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: t.auth, payload: { content: { sms: { body: '{{ nope }}' } } } });
    expect(bad.statusCode).toBe(400);
    expect(issuesOf(bad.body)).toContainEqual(expect.objectContaining({ field: 'content.sms.body', rule: 'unknown_variable' }));
  });

  it('renders a saved template, with or without a body', async () => {
    const created = await createTemplate(t, { content: { sms: { body: 'Hello {{ recipient.externalId }}' } } });
    const [recipient] = await createRecipients(t, 1);
    const sample = await t.app.inject({ method: 'POST', url: `${base}/${created.id}/preview`, headers: t.auth });
    expect(sample.statusCode).toBe(200);
    expect(sample.json().rendered).toEqual({ sms: { body: 'Hello user-123' } });
    const real = await t.app.inject({ method: 'POST', url: `${base}/${created.id}/preview`, headers: t.auth, payload: { recipientId: recipient!.id } });
    expect(real.json().rendered).toEqual({ sms: { body: `Hello ${recipient!.externalId}` } });
    const missing = await t.app.inject({ method: 'POST', url: `${base}/00000000-0000-4000-8000-000000000000/preview`, headers: t.auth });
    expect(missing.statusCode).toBe(404);
  });
});

describe('templates: in use by schedules', () => {
  it('counts the schedules that use a template and refuses to delete it with 409', async () => {
    const template = await createTemplate(t);
    await createSchedule(t, { templateId: template.id, name: 'Morning digest' });
    await createSchedule(t, { templateId: template.id });
    const read = await t.app.inject({ method: 'GET', url: `${base}/${template.id}`, headers: t.auth });
    expect(read.json().scheduleCount).toBe(2);
    const listed = await t.app.inject({ method: 'GET', url: `${base}?q=${encodeURIComponent(template.name)}`, headers: t.auth });
    expect(listed.json().items[0]).toMatchObject({ id: template.id, scheduleCount: 2 });

    const refused = await t.app.inject({ method: 'DELETE', url: `${base}/${template.id}`, headers: t.auth });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'conflict', message: expect.stringContaining('Morning digest') });
    expect((await t.app.inject({ method: 'GET', url: `${base}/${template.id}`, headers: t.auth })).statusCode).toBe(200);
  });

  it('refuses to drop the content of a channel a schedule sends on', async () => {
    const template = await createTemplate(t);
    await createSchedule(t, { templateId: template.id, name: 'In-app news', channels: ['inapp'] });
    const response = await t.app.inject({
      method: 'PUT', url: `${base}/${template.id}`, headers: t.auth,
      payload: { name: template.name, content: { email: sampleTemplateContent.email } },
    });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)).toEqual([expect.objectContaining({ field: 'content.inapp', rule: 'used_by_schedule', message: expect.stringContaining('In-app news') })]);
    const kept = await t.app.inject({ method: 'PUT', url: `${base}/${template.id}`, headers: t.auth, payload: { name: template.name, content: { inapp: sampleTemplateContent.inapp } } });
    expect(kept.statusCode).toBe(200);
  });
});

describe('templates: roles', () => {
  it('lets a viewer read and preview but not write', async () => {
    const viewer = await t.authAs('viewer');
    const template = await createTemplate(t);
    expect((await t.app.inject({ method: 'GET', url: base, headers: viewer })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `${base}/${template.id}`, headers: viewer })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `${base}/categories`, headers: viewer })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: viewer, payload: { content: sampleTemplateContent } })).statusCode).toBe(200);
    const before = await templateCount();
    expect((await t.app.inject({ method: 'POST', url: base, headers: viewer, payload: { name: 'x', content: sampleTemplateContent } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'PUT', url: `${base}/${template.id}`, headers: viewer, payload: { name: 'x', content: sampleTemplateContent } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `${base}/${template.id}`, headers: viewer })).statusCode).toBe(403);
    expect(await templateCount()).toBe(before);
  });

  it('lets an editor write and refuses anonymous callers', async () => {
    const editor = await t.authAs('editor');
    expect((await t.app.inject({ method: 'POST', url: base, headers: editor, payload: { name: 'By editor', content: sampleTemplateContent } })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: base })).statusCode).toBe(401);
  });
});
