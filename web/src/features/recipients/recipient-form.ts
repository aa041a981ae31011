import { recipientInputSchema, type Channel, type Recipient, type RecipientInput } from '@herald/shared';
import type { FieldIssue } from '../../lib/api.ts';
import { issuesOfParse } from '../../lib/form-errors.ts';

export type RecipientFormValues = {
  externalId: string;
  name: string;
  email: string;
  phone: string;
  timezone: string | null;
  locale: string;
  isActive: boolean;
  /** JSON text of an object */
  attributes: string;
  optedOutChannels: Channel[];
};

/** The form's starting values: the recipient's, or blanks for a new one. */
export function recipientToValues(recipient?: Recipient): RecipientFormValues {
  return {
    externalId: recipient?.externalId ?? '',
    name: recipient?.name ?? '',
    email: recipient?.email ?? '',
    phone: recipient?.phone ?? '',
    timezone: recipient?.timezone ?? null,
    locale: recipient?.locale ?? '',
    isActive: recipient?.isActive ?? true,
    attributes: recipient && Object.keys(recipient.attributes).length > 0 ? JSON.stringify(recipient.attributes, null, 2) : '',
    optedOutChannels: recipient?.optedOutChannels ?? [],
  };
}

const blankToNull = (value: string) => (value.trim() === '' ? null : value.trim());

/** Where an API issue shows in this form: nested attribute paths show at the JSON editor. */
export function recipientFieldOf(apiField: string): string | null {
  const top = apiField.split('.')[0] ?? '';
  const known = ['externalId', 'name', 'email', 'phone', 'timezone', 'locale', 'isActive', 'attributes', 'optedOutChannels'];
  return known.includes(top) ? top : null;
}

/** The API payload for the form, or the issues that keep it from being one (checked with the shared schema). */
export function valuesToRecipientInput(values: RecipientFormValues): { input: RecipientInput; issues: [] } | { input: null; issues: FieldIssue[] } {
  let attributes: Record<string, unknown> = {};
  if (values.attributes.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.attributes);
    } catch (error) {
      return { input: null, issues: [{ field: 'attributes', rule: 'json', message: `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})` }] };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { input: null, issues: [{ field: 'attributes', rule: 'object', message: 'must be a JSON object, e.g. {"plan": "pro"}' }] };
    }
    attributes = parsed as Record<string, unknown>;
  }
  const input: RecipientInput = {
    externalId: values.externalId.trim(),
    name: blankToNull(values.name),
    email: blankToNull(values.email),
    phone: blankToNull(values.phone),
    timezone: values.timezone || null,
    locale: blankToNull(values.locale),
    isActive: values.isActive,
    attributes,
    optedOutChannels: values.optedOutChannels,
  };
  const result = recipientInputSchema.safeParse(input);
  if (!result.success) return { input: null, issues: issuesOfParse(result.error.issues) };
  return { input, issues: [] };
}
