import { sql, type SQL } from 'drizzle-orm';
import { channels, type SegmentFieldType } from '@herald/shared';
import type { FieldDefinition } from './definition.ts';
import { scalarPredicate, type SqlValueType } from './scalar-predicate.ts';

const sqlTypeOf: Partial<Record<SegmentFieldType, SqlValueType>> = {
  string: 'text',
  number: 'numeric',
  boolean: 'boolean',
  date: 'timestamptz',
  array: 'text[]',
};

type ColumnFieldSpec = Omit<FieldDefinition, 'compile' | 'group'> & { column: SQL };

/** A field that is a column of the recipients table (`r`). */
export function columnField({ column, ...spec }: ColumnFieldSpec): FieldDefinition {
  const type = sqlTypeOf[spec.type];
  if (!type) throw new Error(`a column field cannot have type ${spec.type}`);
  return { ...spec, group: 'recipient', compile: (operator, operand) => scalarPredicate(column, type, operator, operand) };
}

/** The recipient's own fields, typed by the schema. */
export const recipientFields: readonly FieldDefinition[] = [
  columnField({ key: 'isActive', label: 'Is active', type: 'boolean', column: sql`r.is_active`, description: 'Whether the host app marks the recipient active' }),
  columnField({ key: 'email', label: 'Email', type: 'string', column: sql`r.email`, description: 'Email address' }),
  columnField({ key: 'phone', label: 'Phone', type: 'string', column: sql`r.phone`, description: 'Phone number (E.164)' }),
  columnField({ key: 'name', label: 'Name', type: 'string', column: sql`r.name`, description: 'Display name' }),
  columnField({ key: 'externalId', label: 'External id', type: 'string', column: sql`r.external_id`, description: 'The id the host app knows the recipient by' }),
  columnField({ key: 'timezone', label: 'Time zone', type: 'string', column: sql`r.timezone`, description: 'IANA time zone, e.g. Europe/Paris' }),
  columnField({ key: 'locale', label: 'Locale', type: 'string', column: sql`r.locale`, description: 'Language, e.g. en or pt-BR' }),
  columnField({ key: 'createdAt', label: 'Created', type: 'date', column: sql`r.created_at`, description: 'When Herald first heard of the recipient' }),
  columnField({ key: 'updatedAt', label: 'Updated', type: 'date', column: sql`r.updated_at`, description: 'When the recipient last changed' }),
  columnField({ key: 'unsubscribedAt', label: 'Unsubscribed', type: 'date', column: sql`r.unsubscribed_at`, description: 'When the recipient unsubscribed from everything (missing: subscribed)' }),
  columnField({
    key: 'optedOutChannels',
    label: 'Opted-out channels',
    type: 'array',
    column: sql`r.opted_out_channels`,
    description: 'Channels the recipient opted out of',
    examples: channels,
  }),
];
