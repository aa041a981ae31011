/**
 * How the API reads JSON bodies: an empty one is no body (an action needs none, a route that
 * wants one says so by field), malformed or poisoned JSON is a 400, a body of a type the route
 * does not take is a 415 that says which it takes; nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { createRecipients, createSchedule, createTemplate } from '../support/factories.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const base = '/api/notifications/scheduled';
const json = () => ({ ...t.auth, 'content-type': 'application/json' });
const templateCount = async () => (await t.app.inject({ method: 'GET', url: '/api/notifications/templates', headers: t.auth })).json<{ total: number }>().total;

describe('JSON bodies', () => {
  it('takes an empty body sent as JSON as no body: an action that needs none goes ahead', async () => {
    const people = await createRecipients(t, 1);
    const schedule = await createSchedule(t, { channels: ['inapp'], audience: { type: 'test', recipientIds: people.map((p) => p.id) } });
    const response = await t.app.inject({ method: 'POST', url: `${base}/${schedule.id}/send-now`, headers: json(), payload: '' });
    expect(response.statusCode).toBe(202);
    expect(response.json<Run>()).toMatchObject({ scheduleId: schedule.id, trigger: 'manual', audienceSize: 1 });
  });

  it('says by field that a route needing a body got none', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/notifications/templates', headers: json(), payload: '  ' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'validation_failed', details: { issues: [{ field: 'body', rule: 'invalid_type', message: 'is required' }] } } });
  });

  it('refuses malformed JSON and a __proto__ key with a 400, and writes nothing', async () => {
    await createTemplate(t);
    const before = await templateCount();
    const malformed = await t.app.inject({ method: 'POST', url: '/api/notifications/templates', headers: json(), payload: '{"name": "Welcome",' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { code: 'bad_request' } });
    const poisoned = await t.app.inject({
      method: 'POST',
      url: '/api/notifications/templates',
      headers: json(),
      payload: '{"name": "Welcome", "content": {"inapp": {"title": "Hi", "body": "Hello"}}, "__proto__": {"isAdmin": true}}',
    });
    expect(poisoned.statusCode).toBe(400);
    expect(await templateCount()).toBe(before);
  });

  it('names the content type a route takes when it gets another, a form upload of a CSV file say', async () => {
    const before = await templateCount();
    const form = { ...t.auth, 'content-type': 'multipart/form-data; boundary=x' };
    const payload = '--x\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\n\r\nexternalId\r\nform-upload-1\r\n--x--\r\n';

    const toJsonRoute = await t.app.inject({ method: 'POST', url: '/api/notifications/templates', headers: form, payload });
    expect(toJsonRoute.statusCode).toBe(415);
    expect(toJsonRoute.json()).toEqual({
      error: {
        code: 'unsupported_media_type',
        message: 'content-type: must be application/json, not multipart/form-data',
        details: { issues: [{ field: 'content-type', rule: 'unsupported_media_type', message: 'must be application/json, not multipart/form-data' }] },
      },
    });
    expect(await templateCount()).toBe(before);

    const toImport = await t.app.inject({ method: 'POST', url: '/api/recipients/import', headers: form, payload });
    expect(toImport.statusCode).toBe(415);
    expect(toImport.json()).toMatchObject({ error: { message: 'content-type: must be text/csv, not multipart/form-data' } });
    const people = await t.app.inject({ method: 'GET', url: '/api/recipients?q=form-upload-1', headers: t.auth });
    expect(people.json<{ total: number }>().total).toBe(0);
  });
});
