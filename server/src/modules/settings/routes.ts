import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { deliverySettingsSchema, deliveryUsageSchema } from '@herald/shared';
import { readDeliverySettings, writeDeliverySettings } from './service.ts';
import { readDeliveryUsage } from './usage.ts';

const tags = ['settings'];

/** Delivery settings: rate limits, retry policies, the frequency cap and per-channel costs, with the limits' live usage. */
export const settingsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database, config } = app.herald;

  app.get('/delivery', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'Get the delivery settings', response: { 200: deliverySettingsSchema } },
  }, async () => readDeliverySettings(database.db));

  app.put('/delivery', {
    onRequest: app.authorize('admin'),
    schema: {
      tags,
      summary: 'Replace the delivery settings (admins)',
      description: 'Rate limits (global and per channel), retry policies (default and per channel; a schedule\'s own policy wins), the per-recipient frequency cap, and the cost of one message per channel. Omitted parts take their defaults.',
      body: deliverySettingsSchema,
      response: { 200: deliverySettingsSchema },
    },
  }, async (request) => writeDeliverySettings(database.db, request.body));

  app.get('/delivery/usage', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'The current usage of every rate limit and of the frequency cap', response: { 200: deliveryUsageSchema } },
  }, async () => readDeliveryUsage(database, config.limitWindowScale));
};
