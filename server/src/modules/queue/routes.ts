import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deadLetterBulkRetrySchema, deadLetterListQuerySchema, deadLetterRetryResultSchema, deadLetterSchema, queueStatsSchema } from '@herald/shared';
import { pageOf } from '../../lib/pagination.ts';
import { authorId } from '../auth/plugin.ts';
import { listDeadLetters, maxBulkRetry, retryDeadLetter, retryDeadLetters } from './dead-letters.ts';
import { readQueueStats } from './stats.ts';

const tags = ['queue'];
const idParams = z.object({ id: z.coerce.number().int().min(1) });

/** The delivery queue: its dashboard, and the dead letters with a way to send them again. */
export const queueRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database, config } = app.herald;

  app.get('/stats', {
    onRequest: app.authorize('read'),
    schema: {
      tags,
      summary: 'Queue dashboard: counts by status, priority and channel, throughput per minute over the last hour, the oldest waiting delivery, and the projected finish of each running run',
      response: { 200: queueStatsSchema },
    },
  }, async () => readQueueStats(database, config.limitWindowScale));

  app.get('/dead-letters', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'Deliveries that failed for good, newest first, with the reason', querystring: deadLetterListQuerySchema, response: { 200: pageOf(deadLetterSchema) } },
  }, async (request) => {
    const { limit, offset, ...filter } = request.query;
    const page = await listDeadLetters(database, filter, { limit, offset });
    return { ...page, limit, offset };
  });

  app.post('/dead-letters/retry', {
    onRequest: app.authorize('write'),
    schema: {
      tags,
      summary: `Send dead letters again: the listed ids, or every one matching the filters (at most ${maxBulkRetry.toLocaleString('en')} per request)`,
      body: deadLetterBulkRetrySchema,
      response: { 200: deadLetterRetryResultSchema },
    },
  }, async (request) => ({ retried: await retryDeadLetters(database, request.body, authorId(request)) }));

  app.post('/dead-letters/:id/retry', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Send one dead letter again', params: idParams, response: { 200: deadLetterRetryResultSchema } },
  }, async (request) => ({ retried: await retryDeadLetter(database, request.params.id, authorId(request)) }));
};
