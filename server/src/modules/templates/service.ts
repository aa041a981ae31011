/** Template commands and queries: each command is one transaction. */
import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import { templateContentSchema, type Channel, type TemplateContent, type TemplatePreview, type templateInputSchema } from '@herald/shared';
import type { Db, DbOrTx } from '../../db/client.ts';
import { recipients, schedules, templates } from '../../db/schema.ts';
import { AppError, fieldError, notFound, type FieldIssue } from '../../lib/errors.ts';
import { validationFailed } from '../../lib/field-issues.ts';
import { isPgError, pgError } from '../../lib/pg-errors.ts';
import { containsPattern } from '../../lib/search.ts';
import type { PageQuery } from '../../lib/pagination.ts';
import { checkTemplateContent, sampleContext } from '../../rendering/liquid.ts';
import type { TemplateRow } from './presenter.ts';
import { recipientRenderContext, renderPreview } from './preview.ts';
import type { TemplateListQuery } from './schema.ts';

export type TemplateInput = z.output<typeof templateInputSchema>;

// Qualified by hand: inside a subquery Drizzle writes bare column names, and a bare "id" would be the schedule's.
const scheduleCount = sql<number>`(SELECT count(*)::int FROM schedules s WHERE s.template_id = "templates"."id")`;
const withScheduleCount = { ...templateColumns(), scheduleCount };

function templateColumns() {
  return {
    id: templates.id,
    name: templates.name,
    description: templates.description,
    category: templates.category,
    content: templates.content,
    createdBy: templates.createdBy,
    createdAt: templates.createdAt,
    updatedAt: templates.updatedAt,
  };
}

/** Refuses content with bad Liquid or unknown variables, naming each field (`content.email.subject`). */
export function assertContentIsValid(content: TemplateContent): void {
  const issues = checkTemplateContent(content);
  if (issues.length > 0) throw validationFailed(issues);
}

/** One page of templates, newest first, filtered by a search text and a category. */
export async function listTemplates(db: Db, query: TemplateListQuery): Promise<{ rows: TemplateRow[]; total: number }> {
  const filters: SQL[] = [];
  if (query.q) {
    const pattern = containsPattern(query.q);
    filters.push(or(ilike(templates.name, pattern), ilike(templates.description, pattern))!);
  }
  if (query.category) filters.push(eq(templates.category, query.category));
  const where = and(...filters);
  const [rows, [totals]] = await Promise.all([
    db.select(withScheduleCount).from(templates).where(where)
      .orderBy(desc(templates.createdAt), desc(templates.id)).limit(query.limit).offset(query.offset),
    db.select({ total: count() }).from(templates).where(where),
  ]);
  return { rows, total: totals?.total ?? 0 };
}

/** The template with that id, or a 404. */
export async function getTemplate(db: DbOrTx, id: string): Promise<TemplateRow> {
  const [row] = await db.select(withScheduleCount).from(templates).where(eq(templates.id, id));
  if (!row) throw notFound('Template', id);
  return row;
}

/** Saves a new template after checking its content renders. */
export async function createTemplate(db: Db, input: TemplateInput, userId: string | null): Promise<TemplateRow> {
  assertContentIsValid(input.content);
  const [row] = await db.insert(templates).values({ ...input, createdBy: userId }).returning();
  return { ...row!, scheduleCount: 0 };
}

/**
 * Replaces a template. Refuses to drop a channel's content while a schedule still sends on
 * that channel with this template: its next run would fail for every recipient.
 */
export async function updateTemplate(db: Db, id: string, input: TemplateInput): Promise<TemplateRow> {
  assertContentIsValid(input.content);
  return db.transaction(async (tx) => {
    // Lock the row so a schedule cannot be pointed at the old content while we check.
    const [existing] = await tx.select({ id: templates.id }).from(templates).where(eq(templates.id, id)).for('update');
    if (!existing) throw notFound('Template', id);
    const users = await tx.select({ name: schedules.name, channels: schedules.channels }).from(schedules).where(eq(schedules.templateId, id));
    const issues = channelsStillNeeded(input.content, users);
    if (issues.length > 0) throw validationFailed(issues);
    await tx.update(templates).set({ ...input, updatedAt: sql`now()` }).where(eq(templates.id, id));
    return getTemplate(tx, id);
  });
}

/** One issue per channel that a schedule sends on but the new content no longer has. */
export function channelsStillNeeded(content: TemplateContent, users: Array<{ name: string; channels: string[] }>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const channels = new Set(users.flatMap((schedule) => schedule.channels));
  for (const channel of channels) {
    if (content[channel as Channel]) continue;
    const names = users.filter((schedule) => schedule.channels.includes(channel)).map((schedule) => `"${schedule.name}"`);
    issues.push({
      field: `content.${channel}`,
      rule: 'used_by_schedule',
      message: `is sent by ${names.join(', ')}; keep the ${channel} content or change those schedules first`,
    });
  }
  return issues;
}

/** Deletes a template no schedule uses; a template in use answers 409 naming the schedules. */
export async function deleteTemplate(db: Db, id: string): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      const users = await tx.select({ name: schedules.name }).from(schedules).where(eq(schedules.templateId, id)).orderBy(asc(schedules.name)).limit(6);
      if (users.length > 0) throw inUse(users.map((schedule) => schedule.name));
      const deleted = await tx.delete(templates).where(eq(templates.id, id)).returning({ id: templates.id });
      if (deleted.length === 0) throw notFound('Template', id);
    });
  } catch (error) {
    // A schedule created between our check and the delete: the foreign key still says no.
    if (isPgError(error, pgError.foreignKeyViolation)) throw inUse([]);
    throw error;
  }
}

function inUse(scheduleNames: string[]): AppError {
  const shown = scheduleNames.slice(0, 5).map((name) => `"${name}"`).join(', ');
  const more = scheduleNames.length > 5 ? ' and others' : '';
  const which = scheduleNames.length > 0 ? ` (${shown}${more})` : '';
  return new AppError('conflict', `This template is used by scheduled notifications${which}; delete them or point them at another template first`);
}

/** Template categories with how many templates each holds, alphabetically. */
export async function listCategories(db: Db, page: PageQuery): Promise<{ rows: Array<{ name: string; templateCount: number }>; total: number }> {
  const [rows, [totals]] = await Promise.all([
    db.select({ name: templates.category, templateCount: count() }).from(templates)
      .groupBy(templates.category).orderBy(asc(templates.category)).limit(page.limit).offset(page.offset),
    db.select({ total: sql<number>`count(DISTINCT ${templates.category})::int` }).from(templates),
  ]);
  return { rows, total: totals?.total ?? 0 };
}

/** Renders content per channel for a recipient (a sample one when none is given). */
export async function previewTemplate(db: Db, content: TemplateContent, recipientId: string | undefined): Promise<TemplatePreview> {
  assertContentIsValid(content);
  if (!recipientId) return renderPreview(content, sampleContext());
  const [recipient] = await db.select().from(recipients).where(eq(recipients.id, recipientId));
  if (!recipient) throw fieldError('recipientId', 'exists', `recipient ${recipientId} does not exist`);
  return renderPreview(content, recipientRenderContext(recipient));
}

/** The stored content of a template, checked against the contract (JSONB is unknown until validated). */
export function templateContentOf(row: TemplateRow): TemplateContent {
  return templateContentSchema.parse(row.content);
}
