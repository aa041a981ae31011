import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { importJobSchema } from '@herald/shared';
import { presentJob } from './presenter.ts';
import { getJob } from './service.ts';

/** Progress of long jobs such as CSV imports. */
export const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;

  app.get('/:id', {
    onRequest: app.authorize('read'),
    schema: { tags: ['jobs'], summary: 'Get a job\'s progress', params: z.object({ id: z.string().uuid() }), response: { 200: importJobSchema } },
  }, async (request) => presentJob(await getJob(db, request.params.id)));
};
