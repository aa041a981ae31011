import { z } from 'zod';
import { pageQuery } from '../../lib/pagination.ts';

export const templateListQuery = pageQuery.extend({
  q: z.string().trim().max(200).optional().describe('matches name or description, case-insensitive'),
  category: z.string().trim().max(100).optional(),
});
export type TemplateListQuery = z.infer<typeof templateListQuery>;

export const idParams = z.object({ id: z.string().uuid() });

/** Optional: no body (Fastify gives null) previews for a sample recipient. */
export const savedPreviewBody = z.strictObject({ recipientId: z.string().uuid().optional() }).nullish();
