import { templateInputSchema, type Channel, type Template, type TemplateInput } from '@herald/shared';
import type { FieldIssue } from '../../lib/api.ts';
import { issuesOfParse } from '../../lib/form-errors.ts';

/** The inputs of each channel's tab, in order; `isRequired` mirrors the shared schema. */
export const channelFields: Record<Channel, Array<{ key: string; label: string; isRequired: boolean; isMultiline: boolean; placeholder?: string }>> = {
  email: [
    { key: 'subject', label: 'Subject', isRequired: true, isMultiline: false, placeholder: 'Welcome, {{ recipient.name }}!' },
    { key: 'html', label: 'HTML body', isRequired: true, isMultiline: true, placeholder: '<h1>Hello {{ recipient.name }}</h1>' },
    { key: 'text', label: 'Plain-text body', isRequired: false, isMultiline: true, placeholder: 'Shown by mail apps that do not render HTML' },
  ],
  inapp: [
    { key: 'title', label: 'Title', isRequired: true, isMultiline: false },
    { key: 'body', label: 'Body', isRequired: true, isMultiline: true },
    { key: 'url', label: 'Link URL', isRequired: false, isMultiline: false, placeholder: 'https://app.example.com/…' },
  ],
  sms: [{ key: 'body', label: 'Message', isRequired: true, isMultiline: true, placeholder: 'Hi {{ recipient.name }}, …' }],
  push: [
    { key: 'title', label: 'Title', isRequired: true, isMultiline: false },
    { key: 'body', label: 'Body', isRequired: true, isMultiline: true },
    { key: 'url', label: 'Link URL', isRequired: false, isMultiline: false },
  ],
  webhook: [
    { key: 'url', label: 'URL', isRequired: false, isMultiline: false, placeholder: 'Empty: each recipient\'s webhookUrl attribute' },
    { key: 'body', label: 'JSON body', isRequired: true, isMultiline: true, placeholder: '{ "user": {{ recipient.externalId | json }} }' },
  ],
};

export type ContentValues = Record<Channel, Record<string, string>>;
export type TemplateFormValues = { name: string; category: string; description: string; content: ContentValues };

/** The form's starting values: the template's, or blanks. */
export function templateToValues(template?: Template): TemplateFormValues {
  const content = {} as ContentValues;
  for (const [channel, fields] of Object.entries(channelFields) as Array<[Channel, (typeof channelFields)[Channel]]>) {
    const saved = (template?.content[channel] ?? {}) as Record<string, string | undefined>;
    content[channel] = Object.fromEntries(fields.map((field) => [field.key, saved[field.key] ?? '']));
  }
  return { name: template?.name ?? '', category: template?.category ?? 'general', description: template?.description ?? '', content };
}

/** True when a channel's tab has anything typed in it: such a channel is part of the template. */
export function hasChannelContent(values: ContentValues, channel: Channel): boolean {
  return Object.values(values[channel]).some((value) => value.trim() !== '');
}

/** The content as the API takes it: channels with nothing typed are left out, and so are blank optional inputs. */
export function contentOf(values: ContentValues): TemplateInput['content'] {
  const content: Record<string, Record<string, string>> = {};
  for (const [channel, fields] of Object.entries(channelFields) as Array<[Channel, (typeof channelFields)[Channel]]>) {
    if (!hasChannelContent(values, channel)) continue;
    content[channel] = Object.fromEntries(
      fields.filter((field) => field.isRequired || values[channel][field.key]?.trim()).map((field) => [field.key, values[channel][field.key] ?? '']),
    );
  }
  return content as TemplateInput['content'];
}

/** The API payload, or the issues that keep the form from being one (checked with the shared schema). */
export function valuesToTemplateInput(values: TemplateFormValues): { input: TemplateInput; issues: [] } | { input: null; issues: FieldIssue[] } {
  const input: TemplateInput = {
    name: values.name.trim(),
    category: values.category.trim() || 'general',
    description: values.description,
    content: contentOf(values.content),
  };
  const result = templateInputSchema.safeParse(input);
  if (!result.success) return { input: null, issues: issuesOfParse(result.error.issues) };
  return { input, issues: [] };
}

/** The channels a template has content for. */
export function channelsOf(template: Pick<Template, 'content'>): Channel[] {
  return (Object.keys(template.content) as Channel[]).filter((channel) => Boolean(template.content[channel]));
}

/** Where an API issue shows in the editor; every path the editor has an input or a slot for. */
export function templateFieldOf(field: string): string | null {
  if (['name', 'category', 'description', 'content'].includes(field)) return field;
  const [root, channel, key] = field.split('.');
  if (root !== 'content' || !channel || !(channel in channelFields)) return null;
  if (!key) return `content.${channel}`;
  return channelFields[channel as Channel].some((input) => input.key === key) ? `content.${channel}.${key}` : `content.${channel}`;
}
