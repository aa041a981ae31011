/**
 * `POST /api/recipients/import`, in a scope of its own: only this route accepts text/csv, and
 * its body is streamed to a temporary file (spool-upload.ts) instead of being held in memory.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { authorId } from '../auth/plugin.ts';
import { jobResponse, presentJob } from '../jobs/presenter.ts';
import { createImportRunner } from './import.ts';
import { checkRecipientsCsv, maxReportedIssues, type CsvCheck } from './read-csv.ts';
import { fileTooLarge, spoolUpload, SpooledFile } from './spool-upload.ts';

export const maxCsvBytes = 50 * 1024 * 1024;

function invalidCsv(check: CsvCheck): AppError {
  const first = check.issues.slice(0, 3).map((issue) => `row ${issue.row} ${issue.field}: ${issue.message}`).join('; ');
  const what = check.invalidRowCount === 1 ? 'The file has a problem' : `${check.invalidRowCount} rows have problems`;
  return new AppError('validation_failed', `${what}; nothing was imported (${first})`, {
    issues: check.issues,
    invalidRowCount: check.invalidRowCount,
  });
}

const csvBody = z
  .custom<SpooledFile>((value) => value instanceof SpooledFile, { message: 'must be a CSV file sent with Content-Type: text/csv' })
  .meta({ type: 'string', description: 'the CSV file itself' });

const description = [
  'The body is the file (Content-Type: text/csv, UTF-8, at most 50 MB). Header row: `externalId` (or `external_id`; required),',
  '`email`, `phone`, `name`, `timezone`, `locale`, `isActive` (true/false/1/0/yes/no), `optedOutChannels` (e.g. `email;sms`),',
  '`quietHours` (the person\'s own, e.g. `22:00-07:00`, or `none`; empty: the instance\'s quiet hours);',
  'any other column becomes an attribute (plain numbers and true/false typed, the rest text). An empty cell clears its field',
  '(isActive: leaves it as is); columns the file lacks keep their stored values; attribute columns update those attributes and keep the others.',
  '',
  '**All or nothing on bad rows.** Every row is checked before anything is written. If any row is bad the answer is 400 and',
  `nothing is written; \`error.details.issues\` lists \`{row, field, rule, message}\` (row is the line of the file, the header is 1; the first ${maxReportedIssues})`,
  'and `error.details.invalidRowCount` counts them all. A repeated externalId is a bad row. An empty file or a header without',
  'externalId is refused the same way; a file over 50 MB answers 413.',
  '',
  'Otherwise the answer is 202 with the job; follow it at `GET /api/jobs/{id}`. The job writes 1,000 rows per transaction,',
  'upserting by externalId, so importing the same file twice is safe. If writing stops part way (a database failure, a',
  'shutdown), the job ends `failed`, the rows before `errors[0].row` are written, and importing the file again finishes it.',
].join('\n');

export const importRoute: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;
  const imports = createImportRunner(db, app.herald.logger);
  app.addHook('onClose', async () => imports.close());

  // Runs after onRequest, so only authorized callers get to write a file.
  app.addContentTypeParser('text/csv', async (request: FastifyRequest, payload: IncomingMessage) => {
    const declared = Number(request.headers['content-length']);
    if (declared > maxCsvBytes) throw fileTooLarge(maxCsvBytes);
    return spoolUpload(payload, maxCsvBytes);
  });

  app.post('/import', {
    onRequest: app.authorize('write'),
    schema: {
      tags: ['recipients'],
      summary: 'Import recipients from a CSV file, checked whole first, written by a job',
      description,
      consumes: ['text/csv'],
      body: csvBody,
      response: { 202: jobResponse },
    },
  }, async (request, reply) => {
    const file = request.body;
    try {
      const check = await checkRecipientsCsv(file.open());
      if (check.invalidRowCount > 0) throw invalidCsv(check);
      const job = await imports.start(file, check.rowCount, authorId(request));
      return reply.status(202).send({ job: presentJob(job) });
    } finally {
      await file.removeUnlessClaimed();
    }
  });
};
