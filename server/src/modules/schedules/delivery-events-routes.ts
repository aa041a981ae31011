import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deliveryEventCountSchema, deliveryEventSchema } from '@herald/shared';
import { pageOf, pageQuery } from '../../lib/pagination.ts';
import { countScheduleEvents, listDeliveryEvents } from './delivery-events.ts';

const tags = ['schedules'];

const deliveryParams = z.object({ id: z.string().uuid(), deliveryId: z.coerce.number().int().min(1) });

/** What happened to a schedule's deliveries: one delivery's timeline, and every event type counted. */
export const deliveryEventRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;

  app.get('/:id/deliveries/:deliveryId/events', {
    onRequest: app.authorize('read'),
    schema: {
      tags,
      summary: 'A delivery\'s timeline: queued, deferred, retrying, sent, delivered, opened … oldest first',
      description: 'The first event is the delivery\'s creation: `queued`, or `skipped` with the reason when the fan-out could not queue it (its `id` is null: the delivery row records it). docs/tracking.md lists every type.',
      params: deliveryParams,
      querystring: pageQuery,
      response: { 200: pageOf(deliveryEventSchema) },
    },
  }, async (request) => {
    const { rows, total } = await listDeliveryEvents(db, request.params.id, request.params.deliveryId, request.query);
    return { items: rows, total, limit: request.query.limit, offset: request.query.offset };
  });

  app.get('/:id/events', {
    onRequest: app.authorize('read'),
    schema: {
      tags,
      summary: 'Every event type over all of a schedule\'s deliveries, counted (queued first, in the order a delivery lives them)',
      params: z.object({ id: z.string().uuid() }),
      response: { 200: z.array(deliveryEventCountSchema) },
    },
  }, async (request) => countScheduleEvents(db, request.params.id));
};
