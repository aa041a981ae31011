import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  recipientBulkInputSchema,
  recipientBulkResultSchema,
  recipientInputSchema,
  recipientSchema,
} from '@herald/shared';
import { pageOf } from '../../lib/pagination.ts';
import { importRoute } from './import-route.ts';
import { presentRecipient } from './presenter.ts';
import { externalIdParams, idParams, recipientListQuery, recipientUpdateBody, recipientUpsertBody } from './schema.ts';
import {
  bulkUpsertRecipients,
  createRecipient,
  deleteRecipient,
  getRecipient,
  listRecipients,
  updateRecipient,
  upsertRecipient,
} from './service.ts';

const tags = ['recipients'];

/** The host app's users: created one by one, upserted in bulk by externalId, or imported from CSV. */
export const recipientRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;
  await app.register(importRoute);

  app.get('/', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'List recipients, newest first', querystring: recipientListQuery, response: { 200: pageOf(recipientSchema) } },
  }, async (request) => {
    const { rows, total } = await listRecipients(db, request.query);
    return { items: rows.map(presentRecipient), total, limit: request.query.limit, offset: request.query.offset };
  });

  app.post('/', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Create a recipient (409 if the externalId exists)', body: recipientInputSchema, response: { 201: recipientSchema } },
  }, async (request, reply) => reply.status(201).send(presentRecipient(await createRecipient(db, request.body))));

  app.post('/bulk', {
    onRequest: app.authorize('write'),
    schema: {
      tags,
      summary: 'Upsert up to 10,000 recipients by externalId, all or nothing',
      description: 'Each item sets the fields it gives (null clears one; `attributes` replaces the whole object); fields it omits keep their stored value. '
        + 'One transaction: a bad item, or two items with one externalId, refuses the whole request with nothing written, naming the item (`recipients.3.email`).',
      body: recipientBulkInputSchema,
      response: { 200: recipientBulkResultSchema },
    },
  }, async (request) => bulkUpsertRecipients(db, request.body.recipients));

  app.put('/by-external-id/:externalId', {
    onRequest: app.authorize('write'),
    schema: {
      tags,
      summary: 'Create or update the recipient with this externalId',
      description: 'Fields the body omits keep their stored value; null clears a field. Answers 201 when it created the recipient.',
      params: externalIdParams,
      body: recipientUpsertBody,
      response: { 200: recipientSchema, 201: recipientSchema },
    },
  }, async (request, reply) => {
    const { row, isCreated } = await upsertRecipient(db, { ...request.body, externalId: request.params.externalId });
    return reply.status(isCreated ? 201 : 200).send(presentRecipient(row));
  });

  app.get('/:id', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'Get a recipient', params: idParams, response: { 200: recipientSchema } },
  }, async (request) => presentRecipient(await getRecipient(db, request.params.id)));

  app.put('/:id', {
    onRequest: app.authorize('write'),
    schema: {
      tags,
      summary: 'Update a recipient',
      description: 'Fields the body omits (externalId too) keep their stored value; null clears a field. 409 if the new externalId is taken.',
      params: idParams,
      body: recipientUpdateBody,
      response: { 200: recipientSchema },
    },
  }, async (request) => presentRecipient(await updateRecipient(db, request.params.id, request.body)));

  app.delete('/:id', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Delete a recipient and their deliveries and inbox', params: idParams, response: { 204: z.null() } },
  }, async (request, reply) => {
    await deleteRecipient(db, request.params.id);
    return reply.status(204).send(null);
  });
};
