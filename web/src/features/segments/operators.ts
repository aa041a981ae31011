import type { SegmentField, SegmentFieldType, SegmentOperator } from '@herald/shared';

/**
 * The builder's operators: the API's, with two offered twice. `$exists` is "exists"
 * (`{"$exists": true}`) and "is missing" (`{"$exists": false}`), which reads better than a
 * yes/no input; `$regex` also comes "in any case" (`{"$regex": …, "$options": "i"}`).
 */
export type BuilderOperator = SegmentOperator | '$missing' | '$regexAnyCase';

/** The input a criterion shows for its value, decided by the field's type and the operator. */
export type ValueInput =
  | 'none'
  | 'text'
  | 'number'
  | 'boolean'
  | 'date'
  | 'days'
  | 'list'
  | 'choice'
  | 'choices'
  | 'number-range'
  | 'date-range'
  | 'text-range';

/** What the builder needs to know of a field: the catalog's entry. */
export type BuilderField = Pick<SegmentField, 'key' | 'label' | 'group' | 'type' | 'operators' | 'examples' | 'options' | 'description'>;

const labels: Record<BuilderOperator, string> = {
  $eq: 'equals',
  $ne: 'does not equal',
  $in: 'is one of',
  $nin: 'is none of',
  $contains: 'contains',
  $startsWith: 'starts with',
  $regex: 'matches regex',
  $regexAnyCase: 'regex, any case',
  $exists: 'exists',
  $missing: 'is missing',
  $gt: 'is greater than',
  $gte: 'is at least',
  $lt: 'is less than',
  $lte: 'is at most',
  $between: 'is between',
  $before: 'is before',
  $after: 'is after',
  $withinLastDays: 'is within the last',
};

/** Dates and scheduled notifications read better with their own words. */
const labelsByType: Partial<Record<SegmentFieldType, Partial<Record<BuilderOperator, string>>>> = {
  date: { $gt: 'is later than', $gte: 'is on or after', $lt: 'is earlier than', $lte: 'is on or before', $exists: 'is set', $missing: 'is not set' },
  boolean: { $eq: 'is', $ne: 'is not' },
  schedule: { $eq: 'is', $ne: 'is not', $in: 'is any of', $nin: 'is none of', $exists: 'is any notification', $missing: 'is no notification' },
};

/** The words an operator shows for a field of this type. */
export function operatorLabel(operator: BuilderOperator, type: SegmentFieldType): string {
  return labelsByType[type]?.[operator] ?? labels[operator];
}

const doubled: Partial<Record<SegmentOperator, BuilderOperator[]>> = { $exists: ['$exists', '$missing'], $regex: ['$regex', '$regexAnyCase'] };

/** The builder's operators for a field, in the catalog's order, with `$exists` and `$regex` doubled. */
export function builderOperatorsOf(field: Pick<BuilderField, 'operators'>): BuilderOperator[] {
  return field.operators.flatMap((operator) => doubled[operator] ?? [operator]);
}

/** True for the operators whose value is a regular expression. */
export function isRegex(operator: string): boolean {
  return operator === '$regex' || operator === '$regexAnyCase';
}

const comparisons = new Set<BuilderOperator>(['$gt', '$gte', '$lt', '$lte']);

/** The input for a value of this type under this operator. */
export function valueInputOf(field: Pick<BuilderField, 'type' | 'options'>, operator: BuilderOperator): ValueInput {
  const { type } = field;
  const hasOptions = (field.options?.length ?? 0) > 0 || type === 'schedule';
  if (operator === '$exists' || operator === '$missing') return 'none';
  if (operator === '$withinLastDays') return 'days';
  if (operator === '$before' || operator === '$after') return 'date';
  if (operator === '$between') return type === 'number' ? 'number-range' : type === 'date' ? 'date-range' : 'text-range';
  if (operator === '$in' || operator === '$nin') return hasOptions ? 'choices' : 'list';
  if (comparisons.has(operator)) return type === 'number' ? 'number' : type === 'date' ? 'date' : 'text';
  if (operator === '$eq' || operator === '$ne') {
    if (hasOptions) return 'choice';
    if (type === 'boolean') return 'boolean';
    if (type === 'number') return 'number';
    if (type === 'date') return 'date';
  }
  return 'text';
}

/** The value a criterion starts with when its field or operator changes. */
export function defaultValueOf(input: ValueInput): unknown {
  switch (input) {
    case 'boolean':
      return true;
    case 'list':
    case 'choices':
      return [];
    case 'number-range':
    case 'date-range':
    case 'text-range':
      return ['', ''];
    default:
      return '';
  }
}
