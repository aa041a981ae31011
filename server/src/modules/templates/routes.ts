import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  templateCategorySchema,
  templateInputSchema,
  templatePreviewInputSchema,
  templatePreviewSchema,
  templateSchema,
} from '@herald/shared';
import { pageOf, pageQuery } from '../../lib/pagination.ts';
import { authorId } from '../auth/plugin.ts';
import { presentTemplate } from './presenter.ts';
import { idParams, savedPreviewBody, templateListQuery } from './schema.ts';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listCategories,
  listTemplates,
  previewTemplate,
  templateContentOf,
  updateTemplate,
} from './service.ts';

const tags = ['templates'];

/** The template library: content per channel, checked and previewed with Liquid. */
export const templateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;

  app.get('/', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'List templates', querystring: templateListQuery, response: { 200: pageOf(templateSchema) } },
  }, async (request) => {
    const { rows, total } = await listTemplates(db, request.query);
    return { items: rows.map(presentTemplate), total, limit: request.query.limit, offset: request.query.offset };
  });

  app.get('/categories', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'List template categories with their template counts', querystring: pageQuery, response: { 200: pageOf(templateCategorySchema) } },
  }, async (request) => {
    const { rows, total } = await listCategories(db, request.query);
    return { items: rows, total, limit: request.query.limit, offset: request.query.offset };
  });

  app.post('/preview', {
    onRequest: app.authorize('read'),
    schema: {
      tags,
      summary: 'Render unsaved content per channel, for a sample or a given recipient',
      body: templatePreviewInputSchema,
      response: { 200: templatePreviewSchema },
    },
  }, async (request) => previewTemplate(db, request.body.content, request.body.recipientId));

  app.post('/', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Create a template', body: templateInputSchema, response: { 201: templateSchema } },
  }, async (request, reply) => {
    const row = await createTemplate(db, request.body, authorId(request));
    return reply.status(201).send(presentTemplate(row));
  });

  app.get('/:id', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'Get a template', params: idParams, response: { 200: templateSchema } },
  }, async (request) => presentTemplate(await getTemplate(db, request.params.id)));

  app.put('/:id', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Replace a template', params: idParams, body: templateInputSchema, response: { 200: templateSchema } },
  }, async (request) => presentTemplate(await updateTemplate(db, request.params.id, request.body)));

  app.delete('/:id', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Delete a template that no schedule uses', params: idParams, response: { 204: z.null() } },
  }, async (request, reply) => {
    await deleteTemplate(db, request.params.id);
    return reply.status(204).send(null);
  });

  app.post('/:id/preview', {
    onRequest: app.authorize('read'),
    schema: {
      tags,
      summary: 'Render a saved template per channel, for a sample or a given recipient',
      params: idParams,
      body: savedPreviewBody,
      response: { 200: templatePreviewSchema },
    },
  }, async (request) => {
    const content = templateContentOf(await getTemplate(db, request.params.id));
    return previewTemplate(db, content, request.body?.recipientId);
  });
};
