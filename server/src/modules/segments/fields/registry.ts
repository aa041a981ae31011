import { operatorsByFieldType, type SegmentOperator } from '@herald/shared';
import type { FieldDefinition } from './definition.ts';
import { engagementFields } from './engagement-fields.ts';
import { recipientFields } from './recipient-fields.ts';

/**
 * Every field a segment can use besides the host app's attributes. To offer a new field
 * (a later feature's engagement score, a smart-timing profile …), add its definition to one
 * of these lists or add a list here: the parser, the catalog, the compiler and the web
 * builder all read from this registry.
 */
export const fieldRegistry: readonly FieldDefinition[] = [...recipientFields, ...engagementFields];

const byKey = new Map(fieldRegistry.map((field) => [field.key, field]));

/** The prefix that names an attribute explicitly, when a registry field has the same name. */
export const attributePrefix = 'attributes.';

/** The registry field with this key, if any. */
export function findField(key: string): FieldDefinition | undefined {
  return byKey.get(key);
}

/** The operators a registry field offers. */
export function operatorsOf(field: FieldDefinition): readonly SegmentOperator[] {
  return field.operators ?? operatorsByFieldType[field.type];
}
