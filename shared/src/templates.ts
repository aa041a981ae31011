import { z } from 'zod';
import { channelSchema, isoInstant, uuid } from './common.ts';

const text = (max: number) => z.string().max(max);

/** True for an http(s) URL, or for text with Liquid in it (checked once rendered, per recipient). */
function isWebhookUrlTemplate(value: string): boolean {
  if (/\{\{|\{%/.test(value)) return true;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Content per channel. Every text is a Liquid template rendered per recipient. */
export const templateContentSchema = z
  .strictObject({
    email: z.strictObject({ subject: text(998).min(1, 'is required'), html: text(500_000).min(1, 'is required'), text: text(500_000).optional() }).optional(),
    inapp: z.strictObject({ title: text(500).min(1, 'is required'), body: text(10_000).min(1, 'is required'), url: text(2000).optional() }).optional(),
    sms: z.strictObject({ body: text(1600).min(1, 'is required') }).optional(),
    push: z.strictObject({ title: text(200).min(1, 'is required'), body: text(1000).min(1, 'is required'), url: text(2000).optional() }).optional(),
    webhook: z.strictObject({
      /** where to POST (Liquid allowed); without one, each recipient's `webhookUrl` attribute */
      url: text(2000).refine(isWebhookUrlTemplate, { message: 'must be an http(s) URL, or Liquid that renders to one' }).optional(),
      /** JSON once rendered; insert values with the `json` filter: {"name": {{ recipient.name | json }}} */
      body: text(100_000).min(1, 'is required'),
    }).optional(),
  })
  .refine((content) => Object.values(content).some(Boolean), { message: 'give content for at least one channel' });
export type TemplateContent = z.infer<typeof templateContentSchema>;

export const templateInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200),
  description: z.string().max(2000).default(''),
  category: z.string().trim().min(1).max(100).default('general'),
  content: templateContentSchema,
});
export type TemplateInput = z.input<typeof templateInputSchema>;

export const templateSchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  category: z.string(),
  content: templateContentSchema,
  /** schedules that use this template */
  scheduleCount: z.number().int(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export type Template = z.infer<typeof templateSchema>;

/** The variables a template may use, for the editor's help text. */
export const templateVariables = [
  'recipient.id', 'recipient.externalId', 'recipient.email', 'recipient.phone', 'recipient.name',
  'recipient.timezone', 'recipient.locale', 'recipient.attributes.<name>',
  'schedule.id', 'schedule.name', 'run.id', 'run.occurrenceAt', 'unsubscribeUrl',
] as const;

/** Render content that is not saved yet (the editor's live preview), for a sample or a real recipient. */
export const templatePreviewInputSchema = z.strictObject({ content: templateContentSchema, recipientId: uuid.optional() });
export type TemplatePreviewInput = z.input<typeof templatePreviewInputSchema>;

/** Each channel rendered; a channel that cannot render for this recipient is in `errors` instead. */
export const templatePreviewSchema = z.object({
  rendered: z.partialRecord(channelSchema, z.record(z.string(), z.string())),
  errors: z.array(z.object({ channel: channelSchema, message: z.string() })),
});
export type TemplatePreview = z.infer<typeof templatePreviewSchema>;

export const templateCategorySchema = z.object({ name: z.string(), templateCount: z.number().int() });
export type TemplateCategory = z.infer<typeof templateCategorySchema>;
