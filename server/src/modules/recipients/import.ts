/**
 * Background CSV imports. The file was checked whole before the job starts (read-csv.ts);
 * the job reads it again from disk and writes batches of 1,000, each batch and its progress
 * in one transaction, so `GET /api/jobs/:id` never claims more than is written. A batch that
 * fails ends the job as failed with the rows not written; a shutdown does the same between
 * batches. If the process dies mid-import the job stays "running" (its updatedAt stops) with
 * the rows written so far; importing the same file again is safe because every write is an
 * upsert by externalId.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { createJob, finishJob, recordProgress } from '../jobs/service.ts';
import type { JobRow } from '../jobs/presenter.ts';
import { recipientBatches } from './read-csv.ts';
import { upsertBatchSize } from './service.ts';
import type { SpooledFile } from './spool-upload.ts';
import { upsertRecipients } from './upsert.ts';

export type ImportRunner = {
  /** Creates the job for a checked file of `total` rows, claims the file and writes it in the background; resolves once the job exists. */
  start: (file: SpooledFile, total: number, userId: string | null) => Promise<JobRow>;
  /** Stops between batches (the job fails, saying so) and waits for the writers. */
  close: () => Promise<void>;
};

/** One runner per process: it owns the imports in flight so shutdown can wait for them. */
export function createImportRunner(db: Db, logger: Logger): ImportRunner {
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();

  type Outcome = Parameters<typeof finishJob>[2];

  /** Writes the file batch by batch; answers how the job ended rather than throwing. */
  async function write(jobId: string, file: SpooledFile, total: number): Promise<Outcome> {
    let written = 0;
    let firstUnwritten = 2;
    const failed = (rule: string, message: string): Outcome => ({ status: 'failed', failed: total - written, errors: [{ row: firstUnwritten, field: 'file', rule, message }] });
    try {
      for await (const batch of recipientBatches(file.open(), upsertBatchSize)) {
        firstUnwritten = batch[0]!.row;
        if (stopping.signal.aborted) {
          return failed('stopped', `Herald stopped before row ${firstUnwritten}; the rows before it were written. Import the file again to finish: rows are matched by externalId.`);
        }
        await db.transaction(async (tx) => {
          // Attributes merge: a CSV's columns update those attributes and keep the others.
          await upsertRecipients(tx, batch.map((item) => item.write), { isAttributeMerge: true });
          await recordProgress(tx, jobId, batch.length, 0);
        });
        written += batch.length;
        await yieldToEventLoop();
      }
    } catch (error) {
      logger.error({ err: error, jobId }, 'recipient import failed');
      // the cause goes to the log, not to API callers: it may quote SQL or the database's internals
      return failed('write_failed', `rows from ${firstUnwritten} on were not written: an unexpected error stopped the import (the server log has it). Import the file again to finish.`);
    }
    return { status: 'completed' };
  }

  /** Writes, removes the file, then records the outcome: once a job has ended, nothing of it is left on disk. */
  async function run(jobId: string, file: SpooledFile, total: number): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await write(jobId, file, total);
    } finally {
      await file.remove().catch((error: unknown) => logger.warn({ err: error, path: file.path }, 'could not remove an imported file'));
    }
    await finishJob(db, jobId, outcome);
  }

  return {
    start: async (file, total, userId) => {
      const job = await createJob(db, 'recipients.import', total, userId);
      file.claim();
      const running = run(job.id, file, total)
        .catch((error: unknown) => logger.error({ err: error, jobId: job.id }, 'recipient import could not record its outcome'))
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      return job;
    },
    close: async () => {
      stopping.abort();
      await Promise.all(inFlight);
    },
  };
}
