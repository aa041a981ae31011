import { templateContentSchema, type Template } from '@herald/shared';
import type { templates } from '../../db/schema.ts';

export type TemplateRow = typeof templates.$inferSelect & { scheduleCount: number };

/** A template row as the API shows it; content read back from JSONB is checked, not trusted. */
export function presentTemplate(row: TemplateRow): Template {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    category: row.category,
    content: templateContentSchema.parse(row.content),
    scheduleCount: row.scheduleCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
