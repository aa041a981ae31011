/** Long jobs report their progress in the `jobs` table, so any process can answer "how far?". */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { jobs } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import type { JobRow } from './presenter.ts';

/** One item a job could not process: `row` is the line of the file (the header is 1). */
export type JobError = { row: number; field: string; rule: string; message: string };

/** Records a new running job of `total` items. */
export async function createJob(db: DbOrTx, kind: string, total: number, userId: string | null): Promise<JobRow> {
  const [row] = await db.insert(jobs).values({ kind, total, createdBy: userId }).returning();
  return row!;
}

/**
 * A running job reports progress after every batch (a second or less); one silent for this
 * long lost its process (a crash, a kill) and will never finish.
 */
export const jobStallSeconds = 120;

/** The job with that id, or a 404. A running job whose process died is marked failed first, so nobody waits on it forever. */
export async function getJob(db: Db, id: string): Promise<JobRow> {
  await db.update(jobs).set({
    status: 'failed',
    errors: sql`${jobs.errors} || ${JSON.stringify([{ row: 0, field: 'job', rule: 'interrupted', message: `the process running this job stopped (no progress for ${jobStallSeconds} s); what it wrote before stays written — run the import again to finish it` }])}::jsonb`,
    updatedAt: sql`now()`,
  }).where(and(eq(jobs.id, id), eq(jobs.status, 'running'), lt(jobs.updatedAt, sql`now() - make_interval(secs => ${jobStallSeconds})`)));
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  if (!row) throw notFound('Job', id);
  return row;
}

/** Adds the outcome of one batch; run it in the batch's transaction so progress never runs ahead of the data. */
export async function recordProgress(db: DbOrTx, id: string, succeeded: number, failed: number): Promise<void> {
  await db.update(jobs).set({
    processed: sql`${jobs.processed} + ${succeeded + failed}`,
    succeeded: sql`${jobs.succeeded} + ${succeeded}`,
    failed: sql`${jobs.failed} + ${failed}`,
    updatedAt: sql`now()`,
  }).where(eq(jobs.id, id));
}

/** Marks the job completed, or failed with the items it gave up on (counted as processed) and why. */
export async function finishJob(db: DbOrTx, id: string, outcome: { status: 'completed' } | { status: 'failed'; failed: number; errors: JobError[] }): Promise<void> {
  const failure = outcome.status === 'failed'
    ? { processed: sql`${jobs.processed} + ${outcome.failed}`, failed: sql`${jobs.failed} + ${outcome.failed}`, errors: outcome.errors }
    : {};
  await db.update(jobs).set({ status: outcome.status, ...failure, updatedAt: sql`now()` }).where(eq(jobs.id, id));
}
