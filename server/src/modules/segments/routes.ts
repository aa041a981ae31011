import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  segmentFieldCatalogSchema, segmentInputSchema, segmentPreviewInputSchema, segmentPreviewSchema, segmentSchema, segmentUpdateSchema,
} from '@herald/shared';
import { pageOf, pageQuery } from '../../lib/pagination.ts';
import { authorId } from '../auth/plugin.ts';
import { fieldCatalog } from './catalog.ts';
import { previewSegment } from './evaluate.ts';
import { createSegment, deleteSegment, getSegment, listSegments, updateSegment } from './service.ts';
import { checkSegmentQuery } from './validate.ts';

const idParams = z.object({ id: z.string().uuid() });
const withCount = z.enum(['true', 'false']).transform((value) => value === 'true');
const errorTags = ['segments'];

/** Segments: saved dynamic audiences, their preview, and the field catalog the builder offers. */
export const segmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;

  app.get('/fields', {
    onRequest: app.authorize('read'),
    schema: {
      tags: errorTags,
      summary: 'The fields a segment can use',
      description: 'Recipient fields, engagement fields, and the attributes found in a sample of recipients, each with its type, operators and example values. Rebuilt at most once a minute.',
      querystring: pageQuery.extend({ limit: z.coerce.number().int().min(1).max(1000).default(500) }),
      response: { 200: segmentFieldCatalogSchema },
    },
  }, async (request) => {
    const { limit, offset } = request.query;
    const catalog = await fieldCatalog(db);
    return {
      items: catalog.fields.slice(offset, offset + limit),
      total: catalog.fields.length,
      limit,
      offset,
      sampledRecipients: catalog.sampledRecipients,
      generatedAt: catalog.generatedAt.toISOString(),
    };
  });

  app.post('/preview', {
    onRequest: app.authorize('read'),
    schema: {
      tags: errorTags,
      summary: 'Count and sample the recipients an unsaved query matches',
      description: 'Runs with a statement timeout: a query that takes too long (a regex that runs away) answers 422.',
      body: segmentPreviewInputSchema,
      response: { 200: segmentPreviewSchema },
    },
  }, async (request) => {
    const tree = await checkSegmentQuery(db, request.body.query);
    return previewSegment(db, tree, request.body.sampleSize);
  });

  app.get('/', {
    onRequest: app.authorize('read'),
    schema: {
      tags: errorTags,
      summary: 'List segments',
      querystring: pageQuery.extend({
        search: z.string().trim().max(200).optional(),
        withCount: withCount.default(false).describe('count each segment\'s recipients now'),
      }),
      response: { 200: pageOf(segmentSchema) },
    },
  }, async (request) => listSegments(db, request.query));

  app.post('/', {
    onRequest: app.authorize('write'),
    schema: { tags: errorTags, summary: 'Save a segment', body: segmentInputSchema, response: { 201: segmentSchema } },
  }, async (request, reply) => reply.status(201).send(await createSegment(db, request.body, authorId(request))));

  app.get('/:id', {
    onRequest: app.authorize('read'),
    schema: {
      tags: errorTags,
      summary: 'One segment, with its size now',
      params: idParams,
      querystring: z.object({ withCount: withCount.default(true) }),
      response: { 200: segmentSchema },
    },
  }, async (request) => getSegment(db, request.params.id, request.query.withCount));

  app.put('/:id', {
    onRequest: app.authorize('write'),
    schema: { tags: errorTags, summary: 'Rename a segment or change its query', params: idParams, body: segmentUpdateSchema, response: { 200: segmentSchema } },
  }, async (request) => {
    const { name, description, query } = request.body;
    return updateSegment(db, request.params.id, {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(query !== undefined ? { query } : {}),
    });
  });

  app.delete('/:id', {
    onRequest: app.authorize('write'),
    schema: {
      tags: errorTags,
      summary: 'Delete a segment',
      description: 'Refused with 409 while a schedule uses the segment as its audience; the answer names the schedules.',
      params: idParams,
      response: { 204: z.null() },
    },
  }, async (request, reply) => {
    await deleteSegment(db, request.params.id);
    return reply.status(204).send(null);
  });
};
