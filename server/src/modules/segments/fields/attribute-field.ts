import { sql, type SQL } from 'drizzle-orm';
import type { Operand, Scalar } from '../tree.ts';
import type { PositiveOperator } from './definition.ts';
import { scalarPredicate } from './scalar-predicate.ts';

/**
 * Criteria on the host app's attributes (`recipients.attributes`, JSONB).
 *
 * Attribute names are free text from the query: they reach SQL only as bound parameters
 * (`r.attributes -> $1`) or inside a bound JSON document (`r.attributes @> $1::jsonb`), never
 * in the statement's text. Attributes are untyped, so the operand decides the comparison: a
 * number compares with numbers only, a date with strings that are ISO dates only, and a value
 * of another type simply does not match. No cast can fail on a row: each one sits behind a
 * CASE that checks the value first (CASE is the only construct whose order PostgreSQL keeps).
 */

/** `{name: value}` as a bound JSONB document, for containment (`@>`), which the GIN index on attributes serves. */
function document(name: string, value: unknown): SQL {
  return sql`${JSON.stringify({ [name]: value })}::text::jsonb`;
}

function jsonValue(value: Scalar): SQL {
  return sql`${JSON.stringify(value)}::text::jsonb`;
}

/** An ISO 8601 date or date-time, years 1000–9999; the same rule as the parser's (parse-values.ts). */
const isoDatePattern =
  '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$';
const hasOffsetPattern = '[T ][0-9:.]+(Z|[+-][0-9:]+)$';

/**
 * The attribute as a timestamptz when it is a string holding a real ISO date, else NULL.
 * The day is checked against the month's length before the cast (2024-02-30 is NULL, not an
 * error); a value without an offset is read as UTC.
 */
function timestampOf(value: SQL, text: SQL): SQL {
  const lastDayOfMonth = sql`extract(day from make_date(substr(${text}, 1, 4)::int, substr(${text}, 6, 2)::int, 1) + interval '1 month' - interval '1 day')`;
  return sql`(CASE WHEN jsonb_typeof(${value}) = 'string' AND ${text} ~ ${sql.raw(`'${isoDatePattern}'`)} THEN
    CASE WHEN substr(${text}, 9, 2)::int <= ${lastDayOfMonth} THEN
      CASE WHEN ${text} ~ ${sql.raw(`'${hasOffsetPattern}'`)} THEN ${text}::timestamptz ELSE ${text}::timestamp AT TIME ZONE 'UTC' END
    END
  END)`;
}

/** A predicate on the attribute `name` of the recipient `r`. */
export function compileAttribute(name: string, operator: PositiveOperator, operand: Operand): SQL {
  const value = sql`(r.attributes -> ${name}::text)`;
  const text = sql`(r.attributes ->> ${name}::text)`;
  const number = sql`(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END)`;
  const string = sql`(CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${text} END)`;

  switch (operand.kind) {
    case 'number':
    case 'number-range':
      return scalarPredicate(number, 'numeric', operator, operand);
    case 'date':
    case 'date-range':
    case 'days':
      return scalarPredicate(timestampOf(value, text), 'timestamptz', operator, operand);
    case 'pattern':
      return scalarPredicate(string, 'text', operator, operand);
    case 'flag':
      return sql`(r.attributes ? ${name}::text AND jsonb_typeof(${value}) <> 'null')`;
    case 'list':
      return sql`${value} IN (${sql.join(operand.values.map(jsonValue), sql`, `)})`;
    case 'text':
      if (operator === '$startsWith') return scalarPredicate(string, 'text', operator, operand);
      // $contains: a substring of a text, in any case, or an element of an array
      return sql`(r.attributes @> ${document(name, [operand.value])} OR ${scalarPredicate(string, 'text', operator, operand)})`;
    case 'scalar':
      if (operator === '$contains') return sql`r.attributes @> ${document(name, [operand.value])}`;
      return sql`r.attributes @> ${document(name, operand.value)}`;
  }
}
