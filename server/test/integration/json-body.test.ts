/**
 * How the API reads JSON bodies: an empty one is no body (an action needs none, a route that
 * wants one says so by field), malformed or poisoned JSON is a 400, nothing written.
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
});
