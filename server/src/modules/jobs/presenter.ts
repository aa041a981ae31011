import { z } from 'zod';
import { importJobSchema, type ImportJob } from '@herald/shared';
import type { jobs } from '../../db/schema.ts';

export type JobRow = typeof jobs.$inferSelect;

const jobStatus = importJobSchema.shape.status;
const jobErrors = importJobSchema.shape.errors;

/** A job row as the API shows it; status and errors read back from the database are checked. */
export function presentJob(row: JobRow): ImportJob {
  return {
    id: row.id,
    kind: row.kind,
    status: jobStatus.parse(row.status),
    total: row.total,
    processed: row.processed,
    succeeded: row.succeeded,
    failed: row.failed,
    errors: jobErrors.parse(row.errors),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The answer to a request that started a job. */
export const jobResponse = z.object({ job: importJobSchema });
