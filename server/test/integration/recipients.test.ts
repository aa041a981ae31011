import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import type { ImportJob, Page, Recipient } from '@herald/shared';
import { createTestApp, testDriver, type TestApp } from '../harness.ts';
import { inboxMessages, jobs, recipients } from '../../src/db/schema.ts';
import { createRecipients, uniqueSuffix } from '../support/factories.ts';

type Issue = { field: string; rule: string; message: string; row?: number };
type Headers = { authorization: string };
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const base = '/api/recipients';
let t: TestApp;
let viewer: Headers;
let approver: Headers;
let editor: Headers;
/** Uploads of this file land here, so the test can see that none is left behind. */
let uploadDir: string;

beforeAll(async () => {
  uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-recipients-test-'));
  process.env.TMPDIR = uploadDir;
  t = await createTestApp();
  [viewer, approver, editor] = await Promise.all([t.authAs('viewer'), t.authAs('approver'), t.authAs('editor')]);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(uploadDir, { recursive: true, force: true });
});

const call = (method: Method, url: string, payload?: unknown, headers: Headers = t.auth) =>
  t.app.inject({ method, url: `${base}${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

const importCsv = (csv: string | Readable, headers: Headers = t.auth) =>
  t.app.inject({ method: 'POST', url: `${base}/import`, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });

const issuesOf = (body: string): Issue[] => (JSON.parse(body) as { error: { details?: { issues?: Issue[] } } }).error.details?.issues ?? [];

async function countRecipients(): Promise<number> {
  const [row] = await t.database.db.select({ total: sql<number>`count(*)::int` }).from(recipients);
  return row!.total;
}

async function byExternalId(externalId: string): Promise<Recipient | undefined> {
  const [row] = await t.database.db.select({ id: recipients.id }).from(recipients).where(eq(recipients.externalId, externalId));
  if (!row) return undefined;
  const response = await call('GET', `/${row.id}`);
  expect(response.statusCode).toBe(200);
  return response.json<Recipient>();
}

/**
 * Polls the job until it is no longer running, checking at each look that progress never
 * runs ahead of the data: `written()` counts the recipients the file has created so far.
 */
async function waitForJob(id: string, written?: () => Promise<number>): Promise<ImportJob> {
  let last = -1;
  for (let attempt = 0; attempt < 3000; attempt += 1) {
    const response = await t.app.inject({ method: 'GET', url: `/api/jobs/${id}`, headers: viewer });
    expect(response.statusCode, response.body).toBe(200);
    const job = response.json<ImportJob>();
    expect(job.processed).toBeGreaterThanOrEqual(last);
    expect(job.processed).toBeLessThanOrEqual(job.total);
    last = job.processed;
    if (job.status !== 'running') return job;
    if (written) expect(await written()).toBeGreaterThanOrEqual(job.succeeded);
    await sleep(10);
  }
  throw new Error(`job ${id} still running`);
}

/** Imports the file and waits for its job to end; pass `written` when every row of the file is new. */
async function importAndWait(csv: string, written?: () => Promise<number>): Promise<ImportJob> {
  const response = await importCsv(csv);
  expect(response.statusCode, response.body).toBe(202);
  const started = response.json<{ job: ImportJob }>().job;
  expect(started).toMatchObject({ kind: 'recipients.import', status: 'running', processed: 0, errors: [] });
  return waitForJob(started.id, written);
}

/** The uploads still on disk; every import, refused or done, must remove its file. */
function leftoverUploads(): string[] {
  return fs.readdirSync(uploadDir).filter((name) => name.startsWith('herald-upload-'));
}

describe('OpenAPI', () => {
  it('documents every route, the CSV body and that a bad row refuses the whole import', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    type Operation = { description?: string; requestBody?: { content: Record<string, unknown> } };
    const paths = response.json<{ paths: Record<string, Record<string, Operation>> }>().paths;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining([
      '/api/recipients/', '/api/recipients/bulk', '/api/recipients/import', '/api/recipients/by-external-id/{externalId}', '/api/recipients/{id}', '/api/jobs/{id}',
    ]));
    const importOperation = paths['/api/recipients/import']!.post!;
    expect(Object.keys(importOperation.requestBody!.content)).toEqual(['text/csv']);
    expect(importOperation.description).toContain('All or nothing on bad rows');
  });
});

describe('create, read, update, delete', () => {
  it('creates a recipient with every field and reads it back', async () => {
    const payload = {
      externalId: ' user-full ', email: 'ada@example.com', phone: '+14155550123', name: 'Ada Lovelace', timezone: 'america/new_york',
      locale: 'pt-BR', isActive: false, attributes: { plan: 'pro', seats: 3, tags: ['a', 'b'], address: { city: 'Paris' }, trial: null },
      optedOutChannels: ['sms', 'push', 'sms'],
    };
    const created = await call('POST', '', payload, editor);
    expect(created.statusCode, created.body).toBe(201);
    const recipient = created.json<Recipient>();
    expect(recipient).toMatchObject({
      externalId: 'user-full', email: 'ada@example.com', phone: '+14155550123', name: 'Ada Lovelace', timezone: 'America/New_York',
      locale: 'pt-BR', isActive: false, attributes: payload.attributes, optedOutChannels: ['sms', 'push'], unsubscribedAt: null,
    });
    const read = await call('GET', `/${recipient.id}`, undefined, viewer);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(recipient);
  });

  it('defaults what a minimal recipient leaves out', async () => {
    const created = await call('POST', '', { externalId: `min-${uniqueSuffix()}` });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email: null, phone: null, name: null, timezone: null, locale: null, isActive: true, attributes: {}, optedOutChannels: [] });
  });

  it('answers 409 naming externalId when it is taken, and writes nothing', async () => {
    const [existing] = await createRecipients(t, 1);
    const before = await countRecipients();
    const response = await call('POST', '', { externalId: existing!.externalId, email: 'other@example.com' });
    expect(response.statusCode).toBe(409);
    expect(issuesOf(response.body)).toEqual([expect.objectContaining({ field: 'externalId', rule: 'unique' })]);
    expect(await countRecipients()).toBe(before);
    expect((await byExternalId(existing!.externalId))!.email).toBe(existing!.email);
  });

  it.each([
    ['no externalId', { email: 'a@example.com' }, 'externalId', 'invalid_type'],
    ['a blank externalId', { externalId: '   ' }, 'externalId', 'too_small'],
    ['an externalId past 255 characters', { externalId: 'x'.repeat(256) }, 'externalId', 'too_big'],
    ['an invalid email', { externalId: 'bad-1', email: 'ada.example.com' }, 'email', 'invalid_format'],
    ['a phone without country code', { externalId: 'bad-2', phone: '0612345678' }, 'phone', 'invalid_format'],
    ['an unknown time zone', { externalId: 'bad-3', timezone: 'Mars/Olympus' }, 'timezone', 'custom'],
    ['a UTC offset as time zone', { externalId: 'bad-4', timezone: '+02:00' }, 'timezone', 'custom'],
    ['a malformed locale', { externalId: 'bad-5', locale: 'english!' }, 'locale', 'invalid_format'],
    ['isActive as text', { externalId: 'bad-6', isActive: 'yes' }, 'isActive', 'invalid_type'],
    ['attributes as a list', { externalId: 'bad-7', attributes: ['pro'] }, 'attributes', 'invalid_type'],
    ['an unknown channel opt-out', { externalId: 'bad-8', optedOutChannels: ['email', 'fax'] }, 'optedOutChannels.1', 'invalid_value'],
    ['data of its own outside attributes', { externalId: 'bad-9', plan: 'pro' }, 'body', 'unrecognized_keys'],
  ])('refuses %s with a 400 naming the field and rule, and writes nothing', async (_name, payload, field, rule) => {
    const before = await countRecipients();
    const response = await call('POST', '', payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(issuesOf(response.body)).toContainEqual(expect.objectContaining({ field, rule }));
    expect(response.json().error.message).toContain(field);
    expect(await countRecipients()).toBe(before);
  });

  it('points data of its own to attributes, in a create, an update and a bulk upsert', async () => {
    const [recipient] = await createRecipients(t, 1);
    const hint = 'data of your own goes in attributes, e.g. {"attributes": {"plan": …}}';
    const created = await call('POST', '', { externalId: 'own-data', plan: 'pro' });
    expect(issuesOf(created.body)).toEqual([expect.objectContaining({ field: 'body', message: expect.stringContaining(`has an unknown field "plan"`) })]);
    expect(issuesOf(created.body)[0]!.message).toContain(hint);
    const updated = await call('PUT', `/${recipient!.id}`, { plan: 'pro' });
    expect(updated.statusCode).toBe(400);
    expect(issuesOf(updated.body)[0]!.message).toContain(hint);
    const bulk = await call('POST', '/bulk', { recipients: [{ externalId: 'own-data-1' }, { externalId: 'own-data-2', plan: 'pro' }] });
    expect(bulk.statusCode).toBe(400);
    expect(issuesOf(bulk.body)).toEqual([expect.objectContaining({ field: 'recipients.1', rule: 'unrecognized_keys' })]);
    expect(await byExternalId('own-data-1')).toBeUndefined();
  });

  it('updates the fields the body gives, keeps the omitted ones, and clears the null ones', async () => {
    const [recipient] = await createRecipients(t, 1, () => ({ phone: '+442071234567', timezone: 'Europe/London', attributes: { plan: 'free' } }));
    const response = await call('PUT', `/${recipient!.id}`, { externalId: recipient!.externalId, name: 'Renamed', phone: null, attributes: { plan: 'pro' } }, editor);
    expect(response.statusCode, response.body).toBe(200);
    const updated = response.json<Recipient>();
    expect(updated).toMatchObject({ name: 'Renamed', phone: null, email: recipient!.email, timezone: 'Europe/London', attributes: { plan: 'pro' }, createdAt: recipient!.createdAt });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(recipient!.updatedAt));
  });

  it('keeps the externalId when the update leaves it out, and changes it when given', async () => {
    const [recipient] = await createRecipients(t, 1);
    const kept = await call('PUT', `/${recipient!.id}`, { isActive: false });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json()).toMatchObject({ externalId: recipient!.externalId, isActive: false, email: recipient!.email });
    const renamed = await call('PUT', `/${recipient!.id}`, { externalId: `${recipient!.externalId}-renamed` });
    expect(renamed.json()).toMatchObject({ externalId: `${recipient!.externalId}-renamed`, isActive: false });
  });

  it('refuses an update to a taken externalId (409) or a bad field (400) and changes nothing', async () => {
    const [first, second] = await createRecipients(t, 2);
    const taken = await call('PUT', `/${second!.id}`, { externalId: first!.externalId, name: 'Clash' });
    expect(taken.statusCode).toBe(409);
    expect(issuesOf(taken.body)).toEqual([expect.objectContaining({ field: 'externalId', rule: 'unique' })]);
    const bad = await call('PUT', `/${second!.id}`, { externalId: second!.externalId, name: 'Changed', timezone: 'Nowhere/City' });
    expect(bad.statusCode).toBe(400);
    expect(issuesOf(bad.body)).toEqual([expect.objectContaining({ field: 'timezone' })]);
    expect(await byExternalId(second!.externalId)).toEqual(second);
  });

  it('deletes a recipient with their inbox, then answers 404', async () => {
    const [recipient] = await createRecipients(t, 1);
    await t.database.db.insert(inboxMessages).values({ recipientId: recipient!.id, title: 'Hi', body: 'Hello' });
    const deleted = await call('DELETE', `/${recipient!.id}`, undefined, editor);
    expect(deleted.statusCode).toBe(204);
    expect(await t.database.db.select().from(inboxMessages).where(eq(inboxMessages.recipientId, recipient!.id))).toEqual([]);
    expect((await call('GET', `/${recipient!.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/${recipient!.id}`)).statusCode).toBe(404);
  });

  it.each([
    ['GET', '/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['PUT', '/00000000-0000-4000-8000-000000000000', { externalId: 'ghost' }, 404],
    ['DELETE', '/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['GET', '/not-a-uuid', undefined, 400],
    ['DELETE', '/not-a-uuid', undefined, 400],
  ] as const)('%s %s answers %s', async (method, url, payload, status) => {
    const response = await call(method, url, payload);
    expect(response.statusCode).toBe(status);
    if (status === 400) expect(issuesOf(response.body)).toEqual([expect.objectContaining({ field: 'id' })]);
  });
});

describe('list and search', () => {
  let prefix: string;
  let people: Recipient[];

  beforeAll(async () => {
    prefix = `list${uniqueSuffix()}`;
    people = [];
    // one at a time, so createdAt orders them
    for (const [index, extra] of [
      { name: 'Grace Hopper', email: `${prefix}-grace@navy.example` },
      { name: 'Alan Turing', phone: '+441234567890', isActive: false },
      { name: '100%_real', email: `${prefix}-percent@example.com` },
    ].entries()) {
      const response = await call('POST', '', { externalId: `${prefix}-${index}`, ...extra });
      expect(response.statusCode).toBe(201);
      people.push(response.json<Recipient>());
    }
  });

  const list = async (query: string, headers: Headers = viewer) => {
    const response = await call('GET', `?${query}`, undefined, headers);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Page<Recipient>>();
  };
  const ids = (page: Page<Recipient>) => page.items.map((recipient) => recipient.externalId);

  it('pages newest first with the total of the whole list', async () => {
    const first = await list(`q=${prefix}-&limit=2`);
    expect(first).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(ids(first)).toEqual([`${prefix}-2`, `${prefix}-1`]);
    const second = await list(`q=${prefix}-&limit=2&offset=2`);
    expect(ids(second)).toEqual([`${prefix}-0`]);
    const all = await list('limit=500');
    expect(all.total).toBe(await countRecipients());
  });

  it.each([
    ['externalId', (p: string) => `${p}-1`, [1]],
    ['email, any case', (p: string) => `${p.toUpperCase()}-GRACE@`, [0]],
    ['name, any case', () => 'alan tur', [1]],
    ['phone', () => '+44123456', [1]],
    ['% and _ literally', () => '100%_', [2]],
  ])('matches %s', async (_name, q, expected) => {
    const page = await list(`q=${encodeURIComponent(q(prefix))}`);
    expect(ids(page).filter((id) => id.startsWith(prefix))).toEqual(expected.map((index) => `${prefix}-${index}`));
  });

  it('filters by isActive', async () => {
    expect(ids(await list(`q=${prefix}-&isActive=false`))).toEqual([`${prefix}-1`]);
    expect(ids(await list(`q=${prefix}-&isActive=true`))).toEqual([`${prefix}-2`, `${prefix}-0`]);
  });

  it.each([
    ['limit=0', 'limit'], ['limit=501', 'limit'], ['offset=-1', 'offset'], ['isActive=maybe', 'isActive'], [`q=${'x'.repeat(321)}`, 'q'],
  ])('refuses %s naming the parameter', async (query, field) => {
    const response = await call('GET', `?${query}`);
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)).toEqual([expect.objectContaining({ field })]);
  });
});

describe('upsert by externalId', () => {
  it('creates (201), then updates (200) keeping omitted fields and replacing attributes', async () => {
    const externalId = `up-${uniqueSuffix()}/with spaces`;
    const url = `/by-external-id/${encodeURIComponent(externalId)}`;
    const created = await call('PUT', url, { email: 'first@example.com', name: 'First', attributes: { plan: 'free', seats: 1 } }, editor);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ externalId, email: 'first@example.com', isActive: true });
    const updated = await call('PUT', url, { name: null, isActive: false, attributes: { plan: 'pro' }, optedOutChannels: ['email'] }, editor);
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      id: created.json().id, externalId, email: 'first@example.com', name: null, isActive: false, attributes: { plan: 'pro' }, optedOutChannels: ['email'],
    });
  });

  it('refuses a bad field and writes nothing', async () => {
    const externalId = `up-bad-${uniqueSuffix()}`;
    const response = await call('PUT', `/by-external-id/${externalId}`, { email: 'nope', timezone: 'Europe/Nowhere' });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body).map((issue) => issue.field).sort()).toEqual(['email', 'timezone']);
    expect(await byExternalId(externalId)).toBeUndefined();
  });
});

describe('bulk upsert', () => {
  it('creates the new and updates the known, field by field', async () => {
    const [known] = await createRecipients(t, 1, () => ({ phone: '+14155550100', attributes: { plan: 'free', score: 1 } }));
    const fresh = `bulk-${uniqueSuffix()}`;
    const response = await call('POST', '/bulk', {
      recipients: [
        { externalId: known!.externalId, name: 'Known, renamed', attributes: { score: 2 } },
        { externalId: fresh, email: 'fresh@example.com', timezone: 'asia/tokyo' },
      ],
    }, editor);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ created: 1, updated: 1 });
    expect(await byExternalId(known!.externalId)).toMatchObject({ name: 'Known, renamed', phone: '+14155550100', email: known!.email, attributes: { score: 2 } });
    expect(await byExternalId(fresh)).toMatchObject({ email: 'fresh@example.com', timezone: 'Asia/Tokyo', isActive: true, attributes: {} });
  });

  it('writes 2,500 recipients in one request, across batches', async () => {
    const prefix = `many${uniqueSuffix()}`;
    const payload = { recipients: Array.from({ length: 2500 }, (_, index) => ({ externalId: `${prefix}-${index}`, attributes: { index } })) };
    const first = await call('POST', '/bulk', payload);
    expect(first.json()).toEqual({ created: 2500, updated: 0 });
    const again = await call('POST', '/bulk', payload);
    expect(again.json()).toEqual({ created: 0, updated: 2500 });
    expect((await call('GET', `?q=${prefix}-&limit=1`)).json().total).toBe(2500);
  });

  it.each([
    ['a repeated externalId', (p: string) => [{ externalId: `${p}-a` }, { externalId: `${p}-b` }, { externalId: `${p}-a` }], 'recipients.2.externalId', 'duplicate'],
    ['one bad email after good items', (p: string) => [{ externalId: `${p}-a` }, { externalId: `${p}-b`, email: 'x@' }], 'recipients.1.email', 'invalid_format'],
    ['one unknown time zone', (p: string) => [{ externalId: `${p}-a`, timezone: 'Europe/Atlantis' }], 'recipients.0.timezone', 'custom'],
    ['no recipients', () => [], 'recipients', 'too_small'],
    ['more than 10,000 recipients', (p: string) => Array.from({ length: 10_001 }, (_, index) => ({ externalId: `${p}-${index}` })), 'recipients', 'too_big'],
  ])('refuses %s whole, naming the item, and writes nothing', async (_name, items, field, rule) => {
    const prefix = `bulkbad${uniqueSuffix()}`;
    const before = await countRecipients();
    const response = await call('POST', '/bulk', { recipients: items(prefix) });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)).toContainEqual(expect.objectContaining({ field, rule }));
    expect(await countRecipients()).toBe(before);
  });

  it('refuses a body that is not an object of recipients', async () => {
    const response = await call('POST', '/bulk', [{ externalId: 'x' }]);
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response.body)).toEqual([expect.objectContaining({ field: 'body' })]);
  });
});

describe('roles', () => {
  const writes: Array<[Method, string, unknown]> = [
    ['POST', '', { externalId: 'role-test' }],
    ['PUT', '/00000000-0000-4000-8000-000000000000', { externalId: 'role-test' }],
    ['DELETE', '/00000000-0000-4000-8000-000000000000', undefined],
    ['PUT', '/by-external-id/role-test', {}],
    ['POST', '/bulk', { recipients: [{ externalId: 'role-test' }] }],
  ];

  it.each(writes)('%s %s is refused to viewers and approvers (403), writing nothing', async (method, url, payload) => {
    for (const headers of [viewer, approver]) {
      const response = await call(method, url, payload, headers);
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('forbidden');
    }
    expect(await byExternalId('role-test')).toBeUndefined();
  });

  it('refuses a CSV import to viewers before reading the file', async () => {
    const response = await importCsv('externalId\nrole-test\n', viewer);
    expect(response.statusCode).toBe(403);
    expect(leftoverUploads()).toEqual([]);
  });

  it.each([['GET', ''], ['GET', '/00000000-0000-4000-8000-000000000000'], ...writes.map(([method, url]) => [method, url])])(
    '%s %s needs a signed-in caller (401)',
    async (method, url) => {
      const response = await t.app.inject({ method: method as Method, url: `${base}${url}` });
      expect(response.statusCode).toBe(401);
    },
  );

  it('lets viewers read', async () => {
    const [recipient] = await createRecipients(t, 1);
    expect((await call('GET', `/${recipient!.id}`, undefined, viewer)).statusCode).toBe(200);
    expect((await call('GET', '?limit=1', undefined, approver)).statusCode).toBe(200);
  });
});

describe('CSV import', () => {
  it('imports a file through a job: header aliases, typed attributes, BOM, CRLF, quoted line breaks', async () => {
    const p = `csv${uniqueSuffix()}`;
    const csv = '\uFEFFExternal_ID,E-mail,is_active,Opted_Out_Channels,timezone,plan,seats,note\r\n'
      + `${p}-1,one@example.com,no,email;sms,europe/berlin,pro,3,"line one\r\nline two"\r\n`
      + `${p}-2,,yes,,,free,0,"said ""hi"""\r\n`;
    const job = await importAndWait(csv);
    expect(job).toMatchObject({ status: 'completed', total: 2, processed: 2, succeeded: 2, failed: 0, errors: [] });
    expect(await byExternalId(`${p}-1`)).toMatchObject({
      email: 'one@example.com', isActive: false, optedOutChannels: ['email', 'sms'], timezone: 'Europe/Berlin',
      attributes: { plan: 'pro', seats: 3, note: 'line one\r\nline two' },
    });
    expect(await byExternalId(`${p}-2`)).toMatchObject({ email: null, isActive: true, optedOutChannels: [], attributes: { plan: 'free', seats: 0, note: 'said "hi"' } });
    expect(leftoverUploads()).toEqual([]);
  });

  it('updates known recipients: its columns only, attributes merged, an empty cell clears, an empty isActive keeps', async () => {
    const [known] = await createRecipients(t, 1, () => ({ phone: '+14155550111', isActive: false, attributes: { plan: 'free', region: 'eu' } }));
    const job = await importAndWait(`externalId,email,isActive,plan\n${known!.externalId},,,pro\n`);
    expect(job.status).toBe('completed');
    expect(await byExternalId(known!.externalId)).toMatchObject({
      email: null, phone: '+14155550111', name: known!.name, isActive: false, attributes: { plan: 'pro', region: 'eu' },
    });
  });

  it('writes a file of several batches, and importing it again changes nothing', async () => {
    const p = `csvmany${uniqueSuffix()}`;
    const csv = `externalId,email,score\n${Array.from({ length: 2345 }, (_, index) => `${p}-${index},${p}-${index}@example.com,${index}`).join('\n')}\n`;
    const first = await importAndWait(csv, async () => (await call('GET', `?q=${p}-&limit=1`)).json<Page<Recipient>>().total);
    expect(first).toMatchObject({ status: 'completed', total: 2345, processed: 2345, succeeded: 2345, failed: 0 });
    const total = await countRecipients();
    const second = await importAndWait(csv);
    expect(second).toMatchObject({ status: 'completed', succeeded: 2345 });
    expect(await countRecipients()).toBe(total);
    expect(await byExternalId(`${p}-2344`)).toMatchObject({ email: `${p}-2344@example.com`, attributes: { score: 2344 } });
  });

  it('refuses a file with bad rows, naming each row (its line), field and rule, and writes nothing', async () => {
    const p = `csvbad${uniqueSuffix()}`;
    const csv = [
      'externalId,email,timezone,isActive,optedOutChannels',
      `${p}-1,good@example.com,UTC,true,`,
      `${p}-2,"multi`,
      `line",UTC,true,`, // a quoted line break: the next row is on line 5
      `${p}-3,not-an-email,UTC,true,`,
      `${p}-4,,Mars/Base,maybe,email;fax`,
      '',
      `${p}-1,dup@example.com,UTC,true,`,
      `${p}-5,too,few`,
      `,,UTC,,`,
    ].join('\n');
    const before = await countRecipients();
    const response = await importCsv(csv, editor);
    expect(response.statusCode, response.body).toBe(400);
    const body = response.json<{ error: { code: string; message: string; details: { issues: Issue[]; invalidRowCount: number } } }>();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/^6 rows have problems; nothing was imported/);
    expect(body.error.details.invalidRowCount).toBe(6);
    expect(body.error.details.issues.map(({ row, field, rule }) => ({ row, field, rule }))).toEqual([
      { row: 3, field: 'email', rule: 'invalid_format' },
      { row: 5, field: 'email', rule: 'invalid_format' },
      { row: 6, field: 'isActive', rule: 'boolean' },
      { row: 6, field: 'timezone', rule: 'custom' },
      { row: 6, field: 'optedOutChannels.1', rule: 'invalid_value' },
      { row: 8, field: 'externalId', rule: 'duplicate' },
      { row: 9, field: 'row', rule: 'column_count' },
      { row: 10, field: 'externalId', rule: 'too_small' },
    ]);
    expect(await countRecipients()).toBe(before);
    expect(await byExternalId(`${p}-1`)).toBeUndefined();
    expect(leftoverUploads()).toEqual([]);
  });

  it('lists the first 1,000 issues and counts every bad row', async () => {
    const csv = `externalId,email\n${Array.from({ length: 1500 }, (_, index) => `many-bad-${index},bad`).join('\n')}\n`;
    const response = await importCsv(csv);
    expect(response.statusCode).toBe(400);
    const details = response.json<{ error: { details: { issues: Issue[]; invalidRowCount: number } } }>().error.details;
    expect(details.invalidRowCount).toBe(1500);
    expect(details.issues).toHaveLength(1000);
    expect(details.issues.at(-1)).toMatchObject({ row: 1001, field: 'email' });
  });

  it.each([
    ['an empty file', '', { row: 1, field: 'csv', rule: 'required' }],
    ['a header and no rows', 'externalId,email\n\n', { row: 2, field: 'csv', rule: 'required' }],
    ['no externalId column', 'email,name\na@example.com,A\n', { row: 1, field: 'externalId', rule: 'required' }],
    ['a column twice', 'externalId,email,Email\nx,a@example.com,b@example.com\n', { row: 1, field: 'email', rule: 'duplicate' }],
    ['an unclosed quote', 'externalId,name\nok,"fine"\nbroken,"never closed\nnext,x\n', { row: 3, field: 'csv', rule: 'csv_syntax' }],
    ['text after a closing quote', 'externalId,name\nok,fine\nbroken,"quoted"tail\n', { row: 3, field: 'csv', rule: 'csv_syntax' }],
  ])('refuses %s, naming the line, field and rule', async (_name, csv, issue) => {
    const before = await countRecipients();
    const response = await importCsv(csv);
    expect(response.statusCode, response.body).toBe(400);
    expect(issuesOf(response.body)).toEqual([expect.objectContaining(issue)]);
    expect(await countRecipients()).toBe(before);
  });

  it('refuses a file over 50 MB with 413 naming the file and the rule, whether or not its size is declared', async () => {
    const before = await countRecipients();
    const row = 'too-big-row,someone@example.com\n';
    const rowsNeeded = Math.ceil((50 * 1024 * 1024) / row.length) + 1;
    const declared = await importCsv(`externalId,email\n${row.repeat(rowsNeeded)}`);
    expect(declared.statusCode).toBe(413);
    expect(issuesOf(declared.body)).toEqual([expect.objectContaining({ field: 'file', rule: 'max_size' })]);
    // a stream has no Content-Length: the limit holds while reading
    const chunk = row.repeat(2000);
    let sent = 0;
    const streamed = await importCsv(Readable.from((function* () {
      yield 'externalId,email\n';
      while (sent < 51 * 1024 * 1024) {
        sent += chunk.length;
        yield chunk;
      }
    })()));
    expect(streamed.statusCode).toBe(413);
    expect(issuesOf(streamed.body)).toEqual([expect.objectContaining({ field: 'file', rule: 'max_size' })]);
    expect(sent).toBeLessThan(51 * 1024 * 1024);
    expect(await countRecipients()).toBe(before);
    expect(leftoverUploads()).toEqual([]);
  });

  it('refuses a JSON body naming the body, and CSV sent to another route (415)', async () => {
    const json = await call('POST', '/import', { csv: 'externalId\nx\n' });
    expect(json.statusCode).toBe(400);
    expect(issuesOf(json.body)).toEqual([expect.objectContaining({ field: 'body', rule: 'custom' })]);
    const elsewhere = await t.app.inject({ method: 'POST', url: base, headers: { ...t.auth, 'content-type': 'text/csv' }, payload: 'externalId\nx\n' });
    expect(elsewhere.statusCode).toBe(415);
    expect(leftoverUploads()).toEqual([]);
  });

  it('ends the job as failed, with the line it stopped at, when a batch cannot be written', async () => {
    const p = `csvfail${uniqueSuffix()}`;
    // a trigger that refuses one recipient: the database failing mid-import, on both drivers
    await t.database.query(sql.raw(`
      CREATE FUNCTION refuse_recipient() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.external_id = '${p}-1500' THEN RAISE EXCEPTION 'secret internal detail'; END IF;
        RETURN NEW;
      END $$`));
    await t.database.query(sql.raw('CREATE TRIGGER refuse_recipient BEFORE INSERT ON recipients FOR EACH ROW EXECUTE FUNCTION refuse_recipient()'));
    try {
      const csv = `externalId\n${Array.from({ length: 2500 }, (_, index) => `${p}-${index}`).join('\n')}\n`;
      const job = await importAndWait(csv);
      expect(job).toMatchObject({ status: 'failed', total: 2500, processed: 2500, succeeded: 1000, failed: 1500 });
      expect(job.errors).toEqual([expect.objectContaining({ row: 1002, field: 'file', rule: 'write_failed' })]);
      expect(job.errors[0]!.message).not.toContain('secret');
      expect((await call('GET', `?q=${p}-&limit=1`)).json().total).toBe(1000);
      expect(await byExternalId(`${p}-999`)).toBeDefined();
      expect(await byExternalId(`${p}-1000`)).toBeUndefined();
    } finally {
      await t.database.query(sql.raw('DROP TRIGGER refuse_recipient ON recipients'));
      await t.database.query(sql.raw('DROP FUNCTION refuse_recipient()'));
    }
    expect(leftoverUploads()).toEqual([]);
  });
});

describe('shutdown during an import', () => {
  it('stops between batches and ends the job saying where, or finishes first; never claims unwritten rows', async () => {
    const own = await createTestApp();
    try {
      const csv = `externalId\n${Array.from({ length: 6000 }, (_, index) => `stop-${index}`).join('\n')}\n`;
      const response = await own.app.inject({ method: 'POST', url: `${base}/import`, headers: { ...own.auth, 'content-type': 'text/csv' }, payload: csv });
      expect(response.statusCode).toBe(202);
      await own.app.close();
      const [job] = await own.database.db.select().from(jobs).where(eq(jobs.id, response.json<{ job: ImportJob }>().job.id));
      const [written] = await own.database.db.select({ total: sql<number>`count(*)::int` }).from(recipients);
      expect(job!.succeeded).toBe(written!.total);
      expect(job!.processed).toBe(6000);
      if (job!.status === 'failed') {
        expect(job!.errors).toEqual([expect.objectContaining({ row: job!.succeeded + 2, field: 'file', rule: 'stopped' })]);
        expect(job!.failed).toBe(6000 - job!.succeeded);
      } else {
        expect(job).toMatchObject({ status: 'completed', succeeded: 6000 });
      }
    } finally {
      await own.database.close();
    }
    expect(leftoverUploads()).toEqual([]);
  });
});

describe.runIf(testDriver === 'postgres')('concurrent writers (PostgreSQL)', () => {
  it('an upsert that waits on a concurrent insert of the same externalId keeps the fields it omits', async () => {
    const externalId = `race-${uniqueSuffix()}`;
    const other = new pg.Client({ connectionString: t.database.url });
    await other.connect();
    try {
      await other.query(`SET search_path TO ${t.database.schema}`);
      await other.query('BEGIN');
      await other.query('INSERT INTO recipients (external_id, phone, attributes) VALUES ($1, $2, $3)', [externalId, '+14155550199', { plan: 'pro' }]);
      const upsert = call('PUT', `/by-external-id/${externalId}`, { email: 'race@example.com' });
      let answered: string | undefined;
      void upsert.then((response) => { answered = `${response.statusCode} ${response.body}`; });
      // wait until the upsert is blocked on the uncommitted row, then let it go (pg_locks is live,
      // unlike pg_stat_activity, which a transaction sees as of its first look)
      for (let attempt = 0; ; attempt += 1) {
        const { rows } = await other.query<{ waiting: number }>(
          'SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))',
        );
        if (rows[0]!.waiting > 0) break;
        if (answered !== undefined || attempt === 500) throw new Error(`the upsert did not wait on the concurrent insert; it answered ${answered ?? 'nothing'}`);
        await sleep(10);
      }
      await other.query('COMMIT');
      const response = await upsert;
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ externalId, email: 'race@example.com', phone: '+14155550199', attributes: { plan: 'pro' } });
    } finally {
      await other.end();
    }
  });
});
