import { sql, type SQL } from 'drizzle-orm';
import { instantOf } from '../parse-values.ts';
import type { Operand } from '../tree.ts';
import type { PositiveOperator } from './definition.ts';
import { scalarPredicate } from './scalar-predicate.ts';

/**
 * Date criteria on attributes. Attributes are untyped, so an attribute is read as a date only
 * where it is a string holding a real ISO date by the parser's own rule (parse-values.ts):
 * `2024-02-30`, `soon`, `2024-13-01` or a number do not match, and no stored value can make
 * the statement fail, since each cast sits behind a CASE that checked the text first (CASE is
 * the one construct whose order of evaluation PostgreSQL keeps). Dates compare as instants:
 * `2023-11-05 23:00`, `2024-05-01T10:00Z` and `2024-04-02T01:00:00-0530` all mean what they say.
 *
 * The check is a regular expression, which costs several times the scan itself on a million
 * recipients (bench/segments.ts), so a cheap, necessary test runs first: a valid date's first
 * ten characters are its local calendar day, and an offset moves it by less than 15 hours,
 * so a row whose text sorts (bytewise) before the bound's day minus two days cannot be at or
 * after the bound, and one at or after the bound's day plus two days cannot be before it.
 * Most rows that cannot match are turned away by that comparison alone.
 */

/** An ISO 8601 date or date-time, years 1000–9999: the SQL twin of parse-values.ts's isoDatePattern. */
const isoDatePattern =
  '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$';

const dayMs = 86_400_000;
/** Days between a bound and the text window around it: offsets reach 14:59, so two days is safe. */
const windowDays = 2;

/** The text bounds a valid date must sort within to possibly match: `from` inclusive, `before` exclusive. */
type Window = { from?: SQL; before?: SQL };

/** The calendar day `days` after the instant's, as `YYYY-MM-DD`; undefined past years 1000–9999 (then no bound is needed). */
function dayText(iso: string, days: number): SQL | undefined {
  const day = new Date((Math.floor(instantOf(iso) / dayMs) + days) * dayMs);
  const year = day.getUTCFullYear();
  return year >= 1000 && year <= 9999 ? sql`${day.toISOString().slice(0, 10)}::text` : undefined;
}

/** The same for `days` (24 hours each) after now, computed once per statement (a scalar subquery becomes an InitPlan). */
function dayTextFromNow(days: number): SQL {
  return sql`(SELECT to_char((now() + ${days}::int * interval '24 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD'))`;
}

function windowOf(operator: PositiveOperator, operand: Operand): Window {
  switch (operand.kind) {
    case 'date':
      return operator === '$lt' || operator === '$lte' || operator === '$before'
        ? { before: dayText(operand.value, windowDays) }
        : { from: dayText(operand.value, -windowDays) };
    case 'date-range':
      return { from: dayText(operand.low, -windowDays), before: dayText(operand.high, windowDays) };
    case 'days':
      return { from: dayTextFromNow(-(operand.value + windowDays)), before: dayTextFromNow(windowDays) };
    default:
      throw new Error(`segment compiler: a ${operand.kind} operand is not a date`);
  }
}

/** The attribute text as a timestamptz when it is a real ISO date inside the window, else NULL; a date without an offset is UTC. */
function timestampOf(text: SQL, { from, before }: Window): SQL {
  const tests = [
    ...(from ? [sql`${text} COLLATE "C" >= ${from}`] : []),
    ...(before ? [sql`${text} COLLATE "C" < ${before}`] : []),
    sql`${text} ~ ${sql.raw(`'${isoDatePattern}'`)}`,
  ];
  // the day against the month's length before the cast: 2024-02-30 is NULL, not an error
  const lastDayOfMonth = sql`extract(day from make_date(substr(${text}, 1, 4)::int, substr(${text}, 6, 2)::int, 1) + interval '1 month' - interval '1 day')`;
  // past the pattern, Z, + and a - after the day can only be an offset
  const hasOffset = sql`(${text} LIKE '%Z' OR ${text} LIKE '%+%' OR ${text} LIKE '__________%-%')`;
  return sql`(CASE WHEN ${sql.join(tests, sql` AND `)} THEN
    CASE WHEN substr(${text}, 9, 2)::int <= ${lastDayOfMonth} THEN
      CASE WHEN ${hasOffset} THEN ${text}::timestamptz ELSE ${text}::timestamp AT TIME ZONE 'UTC' END
    END
  END)`;
}

/** A date criterion ($gt … $between, $before, $after, $withinLastDays) on the attribute text. */
export function attributeDatePredicate(text: SQL, operator: PositiveOperator, operand: Operand): SQL {
  const timestamp = timestampOf(text, windowOf(operator, operand));
  // a range is tested with one containment: BETWEEN would read the attribute twice over
  if (operand.kind === 'date-range') return sql`tstzrange(${operand.low}::timestamptz, ${operand.high}::timestamptz, '[]') @> ${timestamp}`;
  // 24 hours, not 1 day: a day is 23 or 25 hours across a DST change in the session's zone.
  // The range in a scalar subquery, built once per statement: written inline it depends on
  // now(), so PostgreSQL would build it again for every recipient (bench/segments.ts: a third
  // of the "seen this week" segment's time).
  if (operand.kind === 'days') return sql`(SELECT tstzrange(now() - ${operand.value}::int * interval '24 hours', now(), '[]')) @> ${timestamp}`;
  return scalarPredicate(timestamp, 'timestamptz', operator, operand);
}
