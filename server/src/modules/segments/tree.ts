import type { SegmentOperator } from '@herald/shared';

/**
 * The validated form of a segment query: what `parseSegmentQuery` returns and
 * `compileSegmentTree` turns into SQL. Every value in it has been checked, so the compiler
 * makes no decisions about input, only about SQL.
 */

export type Scalar = string | number | boolean;

/** What a criterion compares with, already checked for its operator and its field's type. */
export type Operand =
  /** $eq, $ne (and $contains on arrays): one value */
  | { kind: 'scalar'; value: Scalar }
  /** $in, $nin */
  | { kind: 'list'; values: Scalar[] }
  /** $contains, $startsWith on text: matched in any case */
  | { kind: 'text'; value: string }
  /** $regex */
  | { kind: 'pattern'; value: string; isCaseInsensitive: boolean }
  /** $exists */
  | { kind: 'flag'; value: boolean }
  /** $gt $gte $lt $lte with a number */
  | { kind: 'number'; value: number }
  /** $gt $gte $lt $lte $before $after with a date: an ISO instant in UTC */
  | { kind: 'date'; value: string }
  /** $between, both ends inclusive, both numbers or both dates */
  | { kind: 'number-range'; low: number; high: number }
  | { kind: 'date-range'; low: string; high: string }
  /** $withinLastDays */
  | { kind: 'days'; value: number };

/** A field a criterion names: an entry of the field registry, or a host-app attribute. */
export type FieldRef =
  | { source: 'registry'; key: string }
  /** isExplicit: written `attributes.<name>` */
  | { source: 'attribute'; name: string; isExplicit: boolean };

export type Criterion = {
  kind: 'criterion';
  /** where it was in the query, e.g. `query.AND.2.location.$regex` */
  path: string;
  field: FieldRef;
  operator: SegmentOperator;
  operand: Operand;
};

export type SegmentTree =
  | { kind: 'and'; children: SegmentTree[] }
  | { kind: 'or'; children: SegmentTree[] }
  | { kind: 'not'; child: SegmentTree }
  | Criterion;

/** The operators that match what the positive operator does not (missing fields included). */
export const negatedOperators: Partial<Record<SegmentOperator, SegmentOperator>> = { $ne: '$eq', $nin: '$in' };

/** Every criterion of a tree, depth first. */
export function criteriaOf(tree: SegmentTree): Criterion[] {
  switch (tree.kind) {
    case 'criterion':
      return [tree];
    case 'not':
      return criteriaOf(tree.child);
    default:
      return tree.children.flatMap(criteriaOf);
  }
}
