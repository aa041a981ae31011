import { sql, type SQL } from 'drizzle-orm';
import type { Operand } from '../tree.ts';
import type { PositiveOperator } from './definition.ts';

/**
 * Date criteria on attributes. Attributes are untyped, so an attribute is read as a date only
 * where it is a string holding a real ISO date by the parser's own rule (parse-values.ts):
 * `2024-02-30`, `soon`, `2024-13-01` or a number do not match. Dates compare as instants:
 * `2023-11-05 23:00`, `2024-05-01T10:00Z` and `2024-04-02T01:00:00-0530` all mean what they say.
 *
 * The reading is done once per write, not once per count: `recipients.attribute_instants`, a
 * column PostgreSQL generates from `attributes` (drizzle/0001_derived_data.sql), holds
 * every attribute whose text is a real ISO date with its instant, as 18 digits that sort as
 * the instants do (microseconds since year 1, `herald_instant_key`). A criterion compares
 * that text with the bound's, byte by byte: exact, and the cheapest comparison there is.
 * Checking and parsing each recipient's text on every count cost ~3 µs a candidate row, a
 * regular expression most of it: "seen this week" over a million recipients took 270 ms
 * where the scan alone takes 100 (bench/segments.ts); the price is paid once per write.
 */

/** The attribute's instant key, missing where the attribute is not a real ISO date. */
const instantOf = (name: string) => sql`(r.attribute_instants ->> ${name}::text) COLLATE "C"`;

/** An instant's key, computed once per statement (a scalar subquery becomes an InitPlan). */
const keyOf = (instant: SQL) => sql`(SELECT herald_instant_key(${instant}))`;

const bound = (iso: string) => keyOf(sql`${iso}::timestamptz`);

const comparison: Partial<Record<PositiveOperator, string>> = { $gt: '>', $after: '>', $gte: '>=', $lt: '<', $before: '<', $lte: '<=' };

/** A date criterion ($gt … $between, $before, $after, $withinLastDays) on the attribute `name`. */
export function attributeDatePredicate(name: string, operator: PositiveOperator, operand: Operand): SQL {
  const instant = instantOf(name);
  switch (operand.kind) {
    case 'date': {
      const symbol = comparison[operator];
      if (!symbol) throw new Error(`segment compiler: ${operator} does not compare dates`);
      return sql`${instant} ${sql.raw(symbol)} ${bound(operand.value)}`;
    }
    case 'date-range':
      return sql`${instant} BETWEEN ${bound(operand.low)} AND ${bound(operand.high)}`;
    case 'days':
      // 24 hours, not 1 day: a day is 23 or 25 hours across a DST change in the session's zone
      return sql`${instant} BETWEEN ${keyOf(sql`now() - ${operand.value}::int * interval '24 hours'`)} AND ${keyOf(sql`now()`)}`;
    default:
      throw new Error(`segment compiler: a ${operand.kind} operand is not a date`);
  }
}
