import { recipientInputSchema, type Channel, type QuietHoursOverride, type Recipient, type RecipientInput } from '@herald/shared';
import type { FieldIssue } from '../../lib/api.ts';
import { issuesOfParse } from '../../lib/form-errors.ts';
import { clockTimeOf, defaultQuietWindow, type QuietHoursChoice } from '../delivery/quiet-hours-draft.ts';

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
  /** the instance's quiet hours, the person's own window, or none at all */
  quietHours: QuietHoursChoice;
  /** the person's own window, kept while another choice is picked */
  quietStart: string;
  quietEnd: string;
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
    ...quietHoursValues(recipient?.quietHours ?? null),
  };
}

function quietHoursValues(own: QuietHoursOverride | null): Pick<RecipientFormValues, 'quietHours' | 'quietStart' | 'quietEnd'> {
  if (own === null) return { quietHours: 'instance', quietStart: defaultQuietWindow.start, quietEnd: defaultQuietWindow.end };
  if (own === 'none') return { quietHours: 'none', quietStart: defaultQuietWindow.start, quietEnd: defaultQuietWindow.end };
  return { quietHours: 'own', quietStart: own.start, quietEnd: own.end };
}

function quietHoursOfValues(values: RecipientFormValues): QuietHoursOverride | null {
  if (values.quietHours === 'instance') return null;
  if (values.quietHours === 'none') return 'none';
  return { start: clockTimeOf(values.quietStart), end: clockTimeOf(values.quietEnd) };
}

const blankToNull = (value: string) => (value.trim() === '' ? null : value.trim());

/** Where an API issue shows in this form: nested attribute paths show at the JSON editor, a quiet hours time at its input. */
export function recipientFieldOf(apiField: string): string | null {
  if (apiField === 'quietHours.start') return 'quietStart';
  if (apiField === 'quietHours.end') return 'quietEnd';
  const top = apiField.split('.')[0] ?? '';
  const known = ['externalId', 'name', 'email', 'phone', 'timezone', 'locale', 'isActive', 'attributes', 'optedOutChannels', 'quietHours'];
  return known.includes(top) ? top : null;
}

function parseAttributes(text: string): { value: Record<string, unknown> } | { issue: FieldIssue } {
  if (text.trim() === '') return { value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { issue: { field: 'attributes', rule: 'json', message: `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})` } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { issue: { field: 'attributes', rule: 'object', message: 'must be a JSON object, e.g. {"plan": "pro"}' } };
  }
  return { value: parsed as Record<string, unknown> };
}

/** The API payload for the form, or the issues that keep it from being one (checked with the shared schema). */
export function valuesToRecipientInput(values: RecipientFormValues): { input: RecipientInput; issues: [] } | { input: null; issues: FieldIssue[] } {
  const attributes = parseAttributes(values.attributes);
  const input: RecipientInput = {
    externalId: values.externalId.trim(),
    name: blankToNull(values.name),
    email: blankToNull(values.email),
    phone: blankToNull(values.phone),
    timezone: values.timezone || null,
    locale: blankToNull(values.locale),
    isActive: values.isActive,
    attributes: 'value' in attributes ? attributes.value : {},
    optedOutChannels: values.optedOutChannels,
    quietHours: quietHoursOfValues(values),
  };
  // Every problem at once: a broken JSON object does not hide a bad email.
  const result = recipientInputSchema.safeParse(input);
  const issues = [...('issue' in attributes ? [attributes.issue] : []), ...(result.success ? [] : issuesOfParse(result.error.issues))];
  return issues.length > 0 ? { input: null, issues } : { input, issues: [] };
}
