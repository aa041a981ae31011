import { sql, type SQL } from 'drizzle-orm';
import type { Operand, Scalar } from '../tree.ts';
import type { PositiveOperator } from './definition.ts';
import { attributeDatePredicate } from './attribute-date.ts';
import { ilike, likeContaining, likeStartingWith } from './like-pattern.ts';

/**
 * Criteria on the host app's attributes (`recipients.attributes`, JSONB).
 *
 * Attribute names are free text from the query: they reach SQL only as bound parameters —
 * `r.attributes ->> $1`, a bound JSON document for containment (`r.attributes @> $1`), or a
 * bound JSON path whose key is JSON-quoted (`jsonb_path_exists(r.attributes, $1::jsonpath, …)`) — never in the
 * statement's text. Attributes are untyped, so the operand decides the comparison, and a
 * value of another type does not match; no expression here can fail on any stored value.
 *
 * Each form was chosen by measurement on a million recipients (bench/segments.ts): the
 * containment operator reads the value in place (and the GIN index on attributes serves
 * it), a JSON path compares a number in place too, while `->` copies the value out for
 * every row and a type-guarded cast costs about twice the path. Dates: attribute-date.ts,
 * over the instants PostgreSQL keeps beside the attributes.
 */

/** `{name: value}` as a bound JSONB document, for containment. */
function document(name: string, value: unknown): SQL {
  return sql`${JSON.stringify({ [name]: value })}::text::jsonb`;
}

/** A bound strict JSON path on the attribute: no array unwrapping, a type mismatch is simply false. */
function path(name: string, filter: string): SQL {
  // JSON.stringify's escapes are a subset of JSON path's, so the key stays one quoted key.
  return sql`${`strict $.${JSON.stringify(name)} ? (${filter})`}::text::jsonpath`;
}

/**
 * Whether the attribute matches a bound JSON path with a comparison. `jsonb_path_exists(…,
 * silent => true)` is `@?` written as a function, which the GIN index is not offered: the
 * index (jsonb_path_ops) cannot test a range, yet PostgreSQL would fold the comparison into the
 * index scan of the criteria beside it and trust a guess of its selectivity. In the "young
 * iOS" segment of bench/segments.ts it planned a bitmap of ~4,000 rows that held 250,000.
 */
function pathMatches(jsonPath: SQL): SQL {
  return sql`jsonb_path_exists(r.attributes, ${jsonPath}, '{}', true)`;
}

/** Lists longer than this are matched by hashing the value (`= ANY`), shorter ones by containment, which the GIN index serves. */
const containmentListLimit = 16;

const numberSymbol: Partial<Record<PositiveOperator, string>> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

const isString = (name: string) => sql`jsonb_typeof(r.attributes -> ${name}::text) = 'string'`;

/** A predicate on the attribute `name` of the recipient `r`. */
export function compileAttribute(name: string, operator: PositiveOperator, operand: Operand): SQL {
  const text = sql`(r.attributes ->> ${name}::text)`;
  switch (operand.kind) {
    case 'number': {
      const symbol = numberSymbol[operator];
      if (!symbol) throw new Error(`segment compiler: ${operator} does not compare numbers`);
      return pathMatches(path(name, `@ ${symbol} ${JSON.stringify(operand.value)}`));
    }
    case 'number-range':
      return pathMatches(path(name, `@ >= ${JSON.stringify(operand.low)} && @ <= ${JSON.stringify(operand.high)}`));
    case 'date':
    case 'date-range':
    case 'days':
      return attributeDatePredicate(name, operator, operand);
    case 'pattern':
      // the text test first: it rejects most rows, and only matches pay for the type check
      return sql`(${text} ${sql.raw(operand.isCaseInsensitive ? '~*' : '~')} ${operand.value}::text AND ${isString(name)})`;
    case 'flag':
      return sql`(r.attributes ? ${name}::text AND NOT r.attributes @> ${document(name, null)})`;
    case 'list':
      if (operand.values.length <= containmentListLimit) {
        return sql`(${sql.join(operand.values.map((value) => sql`r.attributes @> ${document(name, value)}`), sql` OR `)})`;
      }
      return sql`(r.attributes -> ${name}::text) = ANY(ARRAY[${sql.join(operand.values.map((value: Scalar) => sql`${JSON.stringify(value)}::text::jsonb`), sql`, `)}])`;
    case 'text':
      if (operator === '$startsWith') return sql`(${ilike(text, likeStartingWith(operand.value))} AND ${isString(name)})`;
      // $contains: an element of an array, or a substring of a text in any case
      return sql`(r.attributes @> ${document(name, [operand.value])} OR (${ilike(text, likeContaining(operand.value))} AND ${isString(name)}))`;
    case 'scalar':
      if (operator === '$contains') return sql`r.attributes @> ${document(name, [operand.value])}`;
      return sql`r.attributes @> ${document(name, operand.value)}`;
  }
}
