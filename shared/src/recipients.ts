import { z } from 'zod';
import { canonicalTimeZone, channelSchema, isoInstant, timeZoneSchema, uuid } from './common.ts';
import { quietHoursOverrideSchema } from './delivery.ts';
import { issueMessage } from './messages.ts';

/**
 * A field of a person Herald does not know is refused, not dropped: data of the app's own (a
 * plan, a role) belongs in `attributes`, where segments and templates can read it.
 */
function unknownRecipientField(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  return `${issueMessage(issue)}; data of your own goes in attributes, e.g. {"attributes": {${JSON.stringify(issue.keys[0])}: …}}`;
}

export const recipientInputSchema = z.strictObject({
  externalId: z.string().trim().min(1, 'is required').max(255),
  email: z.string().trim().email('must be an email address').max(320).nullish(),
  phone: z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +14155550123').nullish(),
  name: z.string().trim().max(200).nullish(),
  // stored canonical, so segments that compare zones and people who read them see one spelling
  timezone: timeZoneSchema.transform(canonicalTimeZone).nullish(),
  locale: z.string().trim().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a locale such as en or pt-BR').nullish(),
  isActive: z.boolean().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  optedOutChannels: z.array(channelSchema).transform((list) => [...new Set(list)]).optional(),
  /** their own quiet hours, in their time zone: a window, or "none"; null follows the instance's */
  quietHours: quietHoursOverrideSchema.nullish(),
}, { error: unknownRecipientField });
export type RecipientInput = z.input<typeof recipientInputSchema>;

export const recipientSchema = z.object({
  id: uuid,
  externalId: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  name: z.string().nullable(),
  timezone: z.string().nullable(),
  locale: z.string().nullable(),
  isActive: z.boolean(),
  attributes: z.record(z.string(), z.unknown()),
  optedOutChannels: z.array(channelSchema),
  /** their own quiet hours ("none": they want none); null: the instance's quiet hours apply */
  quietHours: quietHoursOverrideSchema.nullable(),
  unsubscribedAt: isoInstant.nullable(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export type Recipient = z.infer<typeof recipientSchema>;

/** Upsert by externalId, all or nothing: each item replaces the fields it gives; omitted fields keep their value. */
export const recipientBulkInputSchema = z.strictObject({ recipients: z.array(recipientInputSchema).min(1, 'give at least one recipient').max(10_000, 'at most 10,000 recipients per request') });
export type RecipientBulkInput = z.input<typeof recipientBulkInputSchema>;
export const recipientBulkResultSchema = z.object({ created: z.number().int(), updated: z.number().int() });
export type RecipientBulkResult = z.infer<typeof recipientBulkResultSchema>;

/** A long job (a CSV import): how far it got, and the rows it could not write. */
export const importJobSchema = z.object({
  id: uuid,
  kind: z.string(),
  status: z.enum(['running', 'completed', 'failed']),
  total: z.number().int(),
  processed: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  /** rows that were not written: the line of the file (the header is 1), the field, the rule and why */
  errors: z.array(z.object({ row: z.number().int(), field: z.string(), rule: z.string(), message: z.string() })),
  createdAt: isoInstant,
  /** the last progress; a running job whose updatedAt stops moving was cut off by a crash */
  updatedAt: isoInstant,
});
export type ImportJob = z.infer<typeof importJobSchema>;

export const inboxMessageSchema = z.object({
  id: uuid,
  title: z.string(),
  body: z.string(),
  url: z.string().nullable(),
  readAt: isoInstant.nullable(),
  createdAt: isoInstant,
});
export type InboxMessage = z.infer<typeof inboxMessageSchema>;
