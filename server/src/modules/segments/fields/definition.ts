import type { SQL } from 'drizzle-orm';
import type { SegmentFieldType, SegmentOperator } from '@herald/shared';
import type { Operand, Scalar } from '../tree.ts';

/** The operators a field compiles itself; `$ne`, `$nin` and `$exists: false` are their negations, built once in the compiler. */
export type PositiveOperator = Exclude<SegmentOperator, '$ne' | '$nin'>;

/**
 * One entry of the field registry: everything the parser, the catalog and the compiler need
 * to know about a field. A later feature offers a new field by adding an entry, nothing else.
 */
export type FieldDefinition = {
  /** what a query names */
  key: string;
  label: string;
  group: 'recipient' | 'engagement';
  type: SegmentFieldType;
  description: string;
  /** defaults to every operator of the type */
  operators?: readonly SegmentOperator[];
  /** the values a person may pick from, when the field has a fixed set (channels …) */
  examples?: readonly Scalar[];
  /** for `schedule` fields: a value must be a schedule id (checked against the schedules table) */
  isScheduleValued?: boolean;
  /**
   * The predicate is never NULL (an EXISTS), so its negation is a plain NOT, which PostgreSQL
   * can plan as an anti-join; other predicates are negated as `NOT COALESCE(x, false)`.
   */
  isTwoValued?: boolean;
  /**
   * The SQL predicate over the recipients table aliased `r`: true where the recipient matches,
   * false or NULL elsewhere. Values reach SQL only as bound parameters.
   */
  compile: (operator: PositiveOperator, operand: Operand) => SQL;
};
