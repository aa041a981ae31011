/**
 * The delivery settings API: who may read and write, what it accepts, and how it refuses
 * bad input: a 400 naming the field and the rule, and nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDeliverySettings, type DeliverySettings, type DeliveryUsage } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
let viewer: { authorization: string };
let editor: { authorization: string };

beforeAll(async () => {
  t = await createTestApp();
  viewer = await t.authAs('viewer');
  editor = await t.authAs('editor');
});
afterAll(async () => {
  await t.close();
});

const get = (headers = t.auth) => t.app.inject({ method: 'GET', url: '/api/settings/delivery', headers });
const put = (payload: unknown, headers = t.auth) => t.app.inject({ method: 'PUT', url: '/api/settings/delivery', headers, payload: payload as object });

type Issue = { field: string; rule: string; message: string };
const issuesOf = (response: Awaited<ReturnType<typeof put>>) => response.json<{ error: { code: string; details: { issues: Issue[] } } }>().error.details.issues;

const valid = {
  rateLimits: {
    global: { maxPerMinute: 1000, maxPerHour: 20_000 },
    channels: { sms: { maxPerHour: 600, burstAllowed: true, burstMax: 20 } },
  },
  retryPolicies: {
    default: { maxAttempts: 4, baseDelaySeconds: 10, factor: 2, maxDelaySeconds: 600, jitter: 0.1 },
    channels: { webhook: { maxAttempts: 8, baseDelaySeconds: 1, factor: 3, maxDelaySeconds: 3600, jitter: 0.5 } },
  },
  frequencyCap: { maxPerDay: 3, maxPerWeek: 10 },
  costs: { email: 0.0004, sms: 0.0079 },
};

describe('GET and PUT /api/settings/delivery', () => {
  it('starts from the defaults, readable by a viewer', async () => {
    const response = await get(viewer);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(defaultDeliverySettings);
  });

  it('lets an admin replace them, fills what is left out, and a viewer sees the result', async () => {
    const response = await put(valid);
    expect(response.statusCode).toBe(200);
    const saved = response.json<DeliverySettings>();
    expect(saved.rateLimits.global).toEqual({ maxPerMinute: 1000, maxPerHour: 20_000, maxPerDay: null, burstAllowed: false, burstMax: null });
    expect(saved.rateLimits.channels.sms).toEqual({ maxPerMinute: null, maxPerHour: 600, maxPerDay: null, burstAllowed: true, burstMax: 20 });
    expect((await get(viewer)).json()).toEqual(saved);

    const partial = await put({ costs: { push: 0.0001 } });
    expect(partial.json()).toEqual({ ...defaultDeliverySettings, costs: { push: 0.0001 } });
    await put(valid);
  });

  it('refuses writes from anyone but an admin, and from nobody signed in', async () => {
    expect((await put(valid, viewer)).statusCode).toBe(403);
    expect((await put(valid, editor)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/settings/delivery' })).statusCode).toBe(401);
  });

  it.each<{ name: string; payload: unknown; field: string }>([
    { name: 'a burst without its size', payload: { rateLimits: { channels: { sms: { maxPerMinute: 10, burstAllowed: true } } } }, field: 'rateLimits.channels.sms.burstMax' },
    { name: 'a burst larger than the shortest window', payload: { rateLimits: { channels: { sms: { maxPerMinute: 10, burstAllowed: true, burstMax: 11 } } } }, field: 'rateLimits.channels.sms.burstMax' },
    { name: 'a limit with no window', payload: { rateLimits: { global: { burstAllowed: false } } }, field: 'rateLimits.global.maxPerMinute' },
    { name: 'an hour allowing fewer than a minute', payload: { rateLimits: { global: { maxPerMinute: 100, maxPerHour: 50 } } }, field: 'rateLimits.global.maxPerHour' },
    { name: 'a zero limit', payload: { rateLimits: { global: { maxPerDay: 0 } } }, field: 'rateLimits.global.maxPerDay' },
    { name: 'a fractional limit', payload: { rateLimits: { global: { maxPerDay: 2.5 } } }, field: 'rateLimits.global.maxPerDay' },
    { name: 'an unknown channel', payload: { rateLimits: { channels: { fax: { maxPerMinute: 1 } } } }, field: 'rateLimits.channels.fax' },
    { name: 'a retry cap below its base', payload: { retryPolicies: { default: { maxAttempts: 3, baseDelaySeconds: 60, factor: 2, maxDelaySeconds: 30, jitter: 0 } } }, field: 'retryPolicies.default.maxDelaySeconds' },
    { name: 'a jitter above 1', payload: { retryPolicies: { channels: { email: { maxAttempts: 3, baseDelaySeconds: 1, factor: 2, maxDelaySeconds: 30, jitter: 2 } } } }, field: 'retryPolicies.channels.email.jitter' },
    { name: 'no attempts', payload: { retryPolicies: { default: { maxAttempts: 0, baseDelaySeconds: 1, factor: 2, maxDelaySeconds: 30, jitter: 0 } } }, field: 'retryPolicies.default.maxAttempts' },
    { name: 'a shrinking backoff', payload: { retryPolicies: { default: { maxAttempts: 3, baseDelaySeconds: 1, factor: 0.5, maxDelaySeconds: 30, jitter: 0 } } }, field: 'retryPolicies.default.factor' },
    { name: 'an empty frequency cap', payload: { frequencyCap: {} }, field: 'frequencyCap.maxPerDay' },
    { name: 'a week allowing fewer than a day', payload: { frequencyCap: { maxPerDay: 5, maxPerWeek: 3 } }, field: 'frequencyCap.maxPerWeek' },
    { name: 'a negative cost', payload: { costs: { sms: -1 } }, field: 'costs.sms' },
    { name: 'a cost that is not a number', payload: { costs: { email: 'cheap' } }, field: 'costs.email' },
  ])('refuses $name with a 400 naming $field, and writes nothing', async ({ payload, field }) => {
    const response = await put(payload);
    expect(response.statusCode).toBe(400);
    const issues = issuesOf(response);
    expect(issues.map((issue) => issue.field)).toContain(field);
    expect(issues.every((issue) => issue.rule && issue.message)).toBe(true);
    expect((await get()).json<DeliverySettings>().costs).toEqual(valid.costs);
  });
  it('names a misspelled setting, a missing one and one of the wrong type, in words, and writes nothing', async () => {
    const response = await put({
      rateLimits: { global: { maxperhour: 10, maxPerDay: 100 } },
      retryPolicies: { default: { maxAttempts: '3', baseDelaySeconds: 1, factor: 2, maxDelaySeconds: 30 } },
    });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response)).toEqual(expect.arrayContaining([
      { field: 'rateLimits.global', rule: 'unrecognized_keys', message: 'has an unknown field "maxperhour"; its fields are maxPerMinute, maxPerHour, maxPerDay, burstAllowed, burstMax' },
      { field: 'retryPolicies.default.maxAttempts', rule: 'invalid_type', message: 'must be a number, not text' },
      { field: 'retryPolicies.default.jitter', rule: 'invalid_type', message: 'is required' },
    ]));
    expect((await get()).json<DeliverySettings>().rateLimits.global).toMatchObject(valid.rateLimits.global);
  });
});

describe('GET /api/settings/delivery/usage', () => {
  it('lists every limit, idle, with the frequency cap', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/settings/delivery/usage', headers: viewer });
    expect(response.statusCode).toBe(200);
    const usage = response.json<DeliveryUsage>();
    expect(usage.limits.map((l) => [l.key, l.scope, l.channel])).toEqual([['global', 'global', null], ['channel:sms', 'channel', 'sms']]);
    expect(usage.limits[0]!.windows).toEqual([
      { window: 'minute', limit: 1000, used: 0, remaining: 1000 },
      { window: 'hour', limit: 20_000, used: 0, remaining: 20_000 },
    ]);
    expect(usage.limits[0]).toMatchObject({ available: 1, nextAvailableAt: null, deferred: 0 });
    expect(usage.limits[1]).toMatchObject({ available: 20 });
    expect(usage.frequencyCap).toEqual({ cap: valid.frequencyCap, recipientsAtDailyCap: 0, recipientsAtWeeklyCap: 0, deferred: 0 });
  });

  it('is documented in the OpenAPI description, with the settings and queue routes', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    for (const path of ['/api/settings/delivery', '/api/settings/delivery/usage', '/api/queue/stats', '/api/queue/dead-letters', '/api/queue/dead-letters/retry', '/api/queue/dead-letters/{id}/retry']) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
  });
});
