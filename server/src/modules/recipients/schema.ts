import { z } from 'zod';
import { recipientInputSchema } from '@herald/shared';
import { pageQuery } from '../../lib/pagination.ts';

export const recipientListQuery = pageQuery.extend({
  q: z.string().trim().max(320).optional().describe('matches externalId, email, phone or name, anywhere in them, case-insensitive'),
  isActive: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
});
export type RecipientListQuery = z.infer<typeof recipientListQuery>;

export const idParams = z.object({ id: z.string().uuid() });
export const externalIdParams = z.object({ externalId: z.string().min(1).max(255) });

/** The body of PUT /by-external-id/:externalId: the path names the recipient. */
export const recipientUpsertBody = recipientInputSchema.omit({ externalId: true });

/** The body of PUT /:id: like a new recipient's, but the externalId too may be left as it is. */
export const recipientUpdateBody = recipientInputSchema.partial({ externalId: true });

export type RecipientInputParsed = z.output<typeof recipientInputSchema>;
export type RecipientUpdateParsed = z.output<typeof recipientUpdateBody>;
