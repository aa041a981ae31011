import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminEmail, adminPassword, createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('sign-in and roles', () => {
  it('signs in with the right password and sets an httpOnly session cookie', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: adminEmail, password: adminPassword } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ email: adminEmail, role: 'admin' });
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/herald_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookie.split(';')[0]! } });
    expect(me.json()).toMatchObject({ kind: 'user', email: adminEmail });
  });

  it('refuses a wrong password with 401', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: adminEmail, password: 'nope' } });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
  });

  it('names the field and the rule of a malformed sign-in', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'not-an-email' } });
    expect(response.statusCode).toBe(400);
    const fields = response.json().error.details.issues.map((i: { field: string }) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
  });

  it('refuses anonymous and forged callers', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/users' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/users', headers: { authorization: 'Bearer hrld_forged' } })).statusCode).toBe(401);
  });

  it('lets a viewer read but not manage users', async () => {
    const viewer = await t.authAs('viewer');
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: viewer })).statusCode).toBe(200);
    const response = await t.app.inject({ method: 'GET', url: '/api/users', headers: viewer });
    expect(response.statusCode).toBe(403);
  });

  it('shows a token once and never its hash', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: t.auth, payload: { name: 'ci', role: 'editor' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().token).toMatch(/^hrld_/);
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: t.auth });
    expect(list.body).not.toContain(created.json().token);
    expect(list.body).not.toMatch(/tokenHash|token_hash/);
  });

  it('answers health, readiness and metrics', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready' });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('herald_deliveries');
  });
});
