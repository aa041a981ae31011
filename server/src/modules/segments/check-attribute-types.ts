import type { SegmentFieldType } from '@herald/shared';
import type { FieldIssue } from '../../lib/errors.ts';
import type { Criterion, Operand, Scalar } from './tree.ts';

type ValueKind = 'string' | 'number' | 'boolean' | 'date';

/** The kinds of value an operand compares with; empty for operands that fit any type ($exists). */
function valueKindsOf(operand: Operand): Set<ValueKind> {
  const kindOf = (value: Scalar): ValueKind => (typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean');
  switch (operand.kind) {
    case 'scalar':
      return new Set([kindOf(operand.value)]);
    case 'list':
      return new Set(operand.values.map(kindOf));
    case 'text':
    case 'pattern':
      return new Set(['string']);
    case 'number':
    case 'number-range':
      return new Set(['number']);
    case 'date':
    case 'date-range':
    case 'days':
      return new Set(['date']);
    case 'flag':
      return new Set();
  }
}

/** What each attribute type can be compared with. */
const accepted: Partial<Record<SegmentFieldType, readonly ValueKind[]>> = {
  // a text attribute may hold dates (ISO strings): date comparisons read those and skip the rest
  string: ['string', 'date'],
  number: ['number'],
  boolean: ['boolean'],
  // an exact $eq / $in on a date attribute compares the stored text
  date: ['date', 'string'],
  object: [],
};

function describe(type: SegmentFieldType, examples: readonly Scalar[]): string {
  const sample = examples.slice(0, 3).map((value) => JSON.stringify(value)).join(', ');
  return sample ? `${type}s such as ${sample}` : `${type}s`;
}

/**
 * Refuses criteria whose value cannot match what the data holds: a text compared with a
 * numeric attribute, `$eq` on an array attribute (which needs `$contains`) … `types` comes
 * from the catalog's sample; attributes it does not know, or knows as `mixed`, pass.
 */
export function attributeTypeIssues(
  criteria: readonly Criterion[],
  types: ReadonlyMap<string, { type: SegmentFieldType; examples: readonly Scalar[] }>,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const criterion of criteria) {
    if (criterion.field.source !== 'attribute') continue;
    const profile = types.get(criterion.field.name);
    if (!profile) continue;
    const { type, examples } = profile;
    const name = criterion.field.name;
    if (type === 'array') {
      const fits = criterion.operand.kind === 'flag' || criterion.operator === '$contains';
      if (!fits) issues.push({ field: criterion.path, rule: 'type', message: `${name} holds lists: use $contains (or $exists)` });
      continue;
    }
    const allowed = accepted[type];
    if (!allowed) continue;
    const kinds = valueKindsOf(criterion.operand);
    const misfit = [...kinds].find((kind) => !allowed.includes(kind));
    if (misfit) {
      issues.push({ field: criterion.path, rule: 'type', message: `${name} holds ${describe(type, examples)}: a ${misfit} cannot match it` });
    }
  }
  return issues;
}
