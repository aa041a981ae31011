import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { inboxMessageSchema } from '@herald/shared';
import { notFound } from '../../lib/errors.ts';
import { pageQuery } from '../../lib/pagination.ts';
import { resolveInboxRecipient } from './access.ts';
import {
  inboxAccessQuery,
  inboxListQuery,
  inboxPageSchema,
  inboxSignatureSchema,
  messageParams,
  readAllResultSchema,
  recipientParams,
} from './schema.ts';
import { findRecipient, listInbox, markAllRead, markRead, presentInboxMessage } from './service.ts';
import { inboxSignature } from './signature.ts';
import { streamInbox, type OpenStreams } from './stream.ts';

const tags = ['inbox'];
const accessNote = 'Authenticate with an API token or session (read permission), or with `signature` (from GET /api/recipients/{id}/inbox-signature) so a page can embed one user\'s inbox without a token.';

/** The in-app inbox: an admin view per recipient, and the end user's view by externalId (list, read, stream). */
export const inboxRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;
  const { signingKey } = app.herald.secrets;
  const streams: OpenStreams = new Set();
  // Open streams never go idle; end them, or closing the server would wait for them forever.
  app.addHook('preClose', async () => {
    for (const close of [...streams]) close();
  });

  app.get('/recipients/:id/inbox', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'A recipient\'s inbox, newest first', params: recipientParams, querystring: pageQuery, response: { 200: inboxPageSchema } },
  }, async (request) => {
    const recipient = await findRecipient(db, request.params.id);
    if (!recipient) throw notFound('Recipient', request.params.id);
    const { rows, total, unreadCount } = await listInbox(db, recipient.id, request.query);
    return { items: rows.map(presentInboxMessage), total, unreadCount, limit: request.query.limit, offset: request.query.offset };
  });

  app.get('/recipients/:id/inbox-signature', {
    onRequest: app.authorize('write'),
    schema: {
      tags,
      summary: 'The signature that lets a page open this recipient\'s inbox without an API token',
      description: 'Give it to your front end with the externalId; it never expires (rotate HERALD_SECRET to revoke all).',
      params: recipientParams,
      response: { 200: inboxSignatureSchema },
    },
  }, async (request) => {
    const recipient = await findRecipient(db, request.params.id);
    if (!recipient) throw notFound('Recipient', request.params.id);
    return { externalId: recipient.externalId, signature: inboxSignature(signingKey, recipient.externalId) };
  });

  app.get('/inbox/messages', {
    schema: { tags, summary: 'One user\'s inbox by externalId, newest first, with the unread count', description: accessNote, querystring: inboxListQuery, response: { 200: inboxPageSchema } },
  }, async (request) => {
    const recipientId = await resolveInboxRecipient(db, signingKey, request, request.query);
    const { rows, total, unreadCount } = await listInbox(db, recipientId, request.query);
    return { items: rows.map(presentInboxMessage), total, unreadCount, limit: request.query.limit, offset: request.query.offset };
  });

  app.post('/inbox/messages/:id/read', {
    schema: { tags, summary: 'Mark one message read', description: accessNote, params: messageParams, querystring: inboxAccessQuery, response: { 200: inboxMessageSchema } },
  }, async (request) => {
    const recipientId = await resolveInboxRecipient(db, signingKey, request, request.query);
    const row = await markRead(db, recipientId, request.params.id);
    if (!row) throw notFound('Inbox message', request.params.id);
    return presentInboxMessage(row);
  });

  app.post('/inbox/read-all', {
    schema: { tags, summary: 'Mark every message of the inbox read', description: accessNote, querystring: inboxAccessQuery, response: { 200: readAllResultSchema } },
  }, async (request) => {
    const recipientId = await resolveInboxRecipient(db, signingKey, request, request.query);
    return { updated: await markAllRead(db, recipientId) };
  });

  app.get('/inbox/stream', {
    schema: {
      tags,
      summary: 'New inbox messages as Server-Sent Events',
      description: `${accessNote} Sends \`event: message\` with the message as JSON when one arrives, and a \`: keepalive\` comment every 25 s.`,
      querystring: inboxAccessQuery,
      response: { 200: z.string().describe('text/event-stream') },
    },
  }, async (request, reply) => {
    const recipientId = await resolveInboxRecipient(db, signingKey, request, request.query);
    await streamInbox(db, app.herald.inboxHub, streams, request, reply, recipientId);
  });
};
