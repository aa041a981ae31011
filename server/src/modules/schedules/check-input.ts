/**
 * Checks of a schedule that need the database or the clock: the shape is already checked by
 * the zod schema. Every issue names its field and rule, all found at once.
 */
import { sql } from 'drizzle-orm';
import { templateContentSchema, type Channel } from '@herald/shared';
import type { z } from 'zod';
import type { scheduleInputSchema } from '@herald/shared';
import { rowsOf, type DbOrTx } from '../../db/client.ts';
import type { FieldIssue } from '../../lib/errors.ts';
import { validationFailed } from '../../lib/field-issues.ts';
import { validateTiming } from '../../scheduling/validate-timing.ts';

export type ValidScheduleInput = z.output<typeof scheduleInputSchema>;

/**
 * Throws a 400 listing every problem of the input. `keepsTiming` is set when an edit leaves a
 * schedule's timing as it was: a schedule that already sent its last occurrence may then be
 * renamed or re-targeted.
 */
export async function checkScheduleInput(tx: DbOrTx, input: ValidScheduleInput, now: Date, keepsTiming = false): Promise<void> {
  const passedIsFine = new Set(keepsTiming ? ['in_future', 'never_fires'] : []);
  const issues: FieldIssue[] = validateTiming(input.timing, input.timezone, now).filter((issue) => !passedIsFine.has(issue.rule));

  const [template] = await rowsOf<{ content: unknown }>(tx, sql`SELECT content FROM templates WHERE id = ${input.templateId}`);
  if (!template) {
    issues.push({ field: 'templateId', rule: 'exists', message: `template ${input.templateId} does not exist` });
  } else {
    const content = templateContentSchema.safeParse(template.content);
    const missing = input.channels.filter((channel: Channel) => !content.success || !content.data[channel]);
    if (missing.length > 0) {
      issues.push({ field: 'channels', rule: 'template_content', message: `the template has no content for ${missing.join(', ')}` });
    }
  }

  if (input.audience.type === 'test') {
    const ids = [...new Set(input.audience.recipientIds)];
    const found = await rowsOf<{ id: string }>(tx, sql`SELECT id FROM recipients WHERE id = ANY(${`{${ids.join(',')}}`}::uuid[])`);
    const known = new Set(found.map((row) => row.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      issues.push({ field: 'audience.recipientIds', rule: 'exists', message: `unknown recipients: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}` });
    }
  }
  if (input.audience.type === 'segment') {
    const [segment] = await rowsOf(tx, sql`SELECT 1 FROM segments WHERE id = ${input.audience.segmentId}`);
    if (!segment) issues.push({ field: 'audience.segmentId', rule: 'exists', message: `segment ${input.audience.segmentId} does not exist` });
  }
  if (issues.length > 0) throw validationFailed(issues);
}
