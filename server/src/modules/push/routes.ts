/**
 * Web push for the host app's pages: the VAPID public key to subscribe with, and storing or
 * removing a browser's subscription for one user. A page proves who the user is the way the
 * inbox does: the externalId with its signature (GET /api/recipients/{id}/inbox-signature),
 * or the host app's backend calls with an API token that may write.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadVapidKeys } from '../../channels/vapid-keys.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { canRole } from '../auth/roles.ts';
import { resolveInboxRecipient, type InboxAccess } from '../inbox/access.ts';
import { pushSubscriptionSchema, subscribeBody, unsubscribeBody, vapidPublicKeySchema } from './schema.ts';
import { deleteSubscription, presentPushSubscription, saveSubscription } from './service.ts';

const tags = ['push'];
const accessNote = 'Send `externalId` with its `signature` (GET /api/recipients/{id}/inbox-signature) from the user\'s page, or call with an API token that may write.';

/** `/api/push/…` */
export const pushRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database, secrets } = app.herald;
  const { db } = database;
  // Generated on the first start, before any page can ask for it.
  const { publicKey } = await loadVapidKeys(database);

  /** A token may act for any user, so it needs the write permission; a signature acts for its own user. */
  async function recipientOf(request: FastifyRequest, access: InboxAccess): Promise<string> {
    if (access.signature === undefined && request.caller && !canRole(request.caller.role, 'write')) {
      throw new AppError('forbidden', `Your role (${request.caller.role}) does not allow this: it needs the "write" permission`);
    }
    return resolveInboxRecipient(db, secrets.signingKey, request, access);
  }

  app.get('/vapid-public-key', {
    schema: {
      tags,
      summary: 'The VAPID public key, for pushManager.subscribe({ applicationServerKey })',
      security: [],
      response: { 200: vapidPublicKeySchema },
    },
  }, async (_request, reply) => {
    // The key never changes: browsers and proxies may keep it for a day.
    void reply.header('cache-control', 'public, max-age=86400');
    return { publicKey };
  });

  app.post('/subscriptions', {
    schema: {
      tags,
      summary: 'Store a browser\'s push subscription for one user',
      description: `${accessNote} \`subscription\` is \`PushSubscription.toJSON()\`. Subscribing the same endpoint again updates it (201 either way).`,
      security: [],
      body: subscribeBody,
      response: { 201: pushSubscriptionSchema },
    },
  }, async (request, reply) => {
    const recipientId = await recipientOf(request, request.body);
    const row = await saveSubscription(db, recipientId, request.body.subscription, request.headers['user-agent']);
    return reply.status(201).send(presentPushSubscription(row));
  });

  app.delete('/subscriptions', {
    schema: {
      tags,
      summary: 'Remove a browser\'s push subscription (after PushSubscription.unsubscribe())',
      description: accessNote,
      security: [],
      body: unsubscribeBody,
      response: { 204: z.null() },
    },
  }, async (request, reply) => {
    const recipientId = await recipientOf(request, request.body);
    if (!(await deleteSubscription(db, recipientId, request.body.endpoint))) throw notFound('Push subscription for this endpoint');
    return reply.status(204).send(null);
  });
};
