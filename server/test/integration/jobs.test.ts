import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { jobs } from '../../src/db/schema.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t?.close(); });

const getJob = (id: string, headers?: { authorization: string }) => t.app.inject({ method: 'GET', url: `/api/jobs/${id}`, ...(headers ? { headers } : {}) });

describe('GET /api/jobs/:id', () => {
  it('shows a job\'s progress and errors to any signed-in role', async () => {
    const [row] = await t.database.db.insert(jobs).values({
      kind: 'recipients.import', status: 'failed', total: 10, processed: 10, succeeded: 4, failed: 6,
      errors: [{ row: 6, field: 'file', rule: 'write_failed', message: 'rows from 6 on were not written' }],
    }).returning();
    for (const role of ['viewer', 'approver', 'editor', 'admin'] as const) {
      const response = await getJob(row!.id, await t.authAs(role));
      expect(response.statusCode, role).toBe(200);
      expect(response.json<ImportJob>()).toEqual({
        id: row!.id, kind: 'recipients.import', status: 'failed', total: 10, processed: 10, succeeded: 4, failed: 6,
        errors: [{ row: 6, field: 'file', rule: 'write_failed', message: 'rows from 6 on were not written' }],
        createdAt: row!.createdAt.toISOString(), updatedAt: row!.updatedAt.toISOString(),
      });
    }
  });

  it('marks a running job whose process stopped reporting as failed, and leaves a live one running', async () => {
    const [stalled] = await t.database.db.insert(jobs).values({ kind: 'recipients.import', total: 5000, processed: 2000, succeeded: 2000, updatedAt: new Date(Date.now() - 10 * 60_000) }).returning();
    const [live] = await t.database.db.insert(jobs).values({ kind: 'recipients.import', total: 5000, processed: 1000, succeeded: 1000 }).returning();
    const read = (await getJob(stalled!.id, t.auth)).json<ImportJob>();
    expect(read).toMatchObject({ status: 'failed', processed: 2000, succeeded: 2000, errors: [{ row: 0, field: 'job', rule: 'interrupted' }] });
    expect((await getJob(live!.id, t.auth)).json<ImportJob>().status).toBe('running');
  });

  it('answers 401 without a caller, 404 for an unknown job and 400 naming the id when it is not a uuid', async () => {
    expect((await getJob('00000000-0000-4000-8000-000000000000')).statusCode).toBe(401);
    const unknown = await getJob('00000000-0000-4000-8000-000000000000', t.auth);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
    const bad = await getJob('42', t.auth);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues).toEqual([expect.objectContaining({ field: 'id' })]);
  });

  it('refuses to show a job whose stored status is not one it knows, rather than inventing one', async () => {
    const [row] = await t.database.db.insert(jobs).values({ kind: 'recipients.import', status: 'exploded' }).returning();
    const response = await getJob(row!.id, t.auth);
    expect(response.statusCode).toBe(500);
    expect(response.json().error).toEqual({ code: 'internal', message: 'Internal server error' });
  });
});
