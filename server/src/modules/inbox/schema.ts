import { z } from 'zod';
import { inboxMessageSchema } from '@herald/shared';
import { pageOf, pageQuery } from '../../lib/pagination.ts';

/**
 * How a host app's page reaches one user's inbox: the user's externalId plus, unless the
 * caller sends an API token or a session, the signature Herald gave for that externalId
 * (GET /api/recipients/:id/inbox-signature). EventSource cannot send headers, hence a query.
 */
export const inboxAccessQuery = z.object({
  externalId: z.string().trim().min(1, 'is required').max(255),
  signature: z.string().min(1).max(200).optional(),
});

export const inboxListQuery = inboxAccessQuery.extend(pageQuery.shape);

export const recipientParams = z.object({ id: z.string().uuid() });
export const messageParams = z.object({ id: z.string().uuid() });

export const inboxPageSchema = pageOf(inboxMessageSchema).extend({
  /** unread messages in the whole inbox, not only this page */
  unreadCount: z.number().int(),
});

export const readAllResultSchema = z.object({ updated: z.number().int() });

export const inboxSignatureSchema = z.object({ externalId: z.string(), signature: z.string() });
