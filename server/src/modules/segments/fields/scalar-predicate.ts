import { sql, type SQL } from 'drizzle-orm';
import type { Operand, Scalar } from '../tree.ts';
import { ilike, likeContaining, likeStartingWith } from './like-pattern.ts';
import type { PositiveOperator } from './definition.ts';

/** The SQL type a column or aggregate has, which decides the cast of the bound values. */
export type SqlValueType = 'text' | 'numeric' | 'float8' | 'boolean' | 'timestamptz' | 'uuid' | 'text[]';

function bound(value: Scalar, type: SqlValueType): SQL {
  switch (type) {
    case 'numeric':
      return sql`${value}::numeric`;
    case 'float8':
      return sql`${value}::float8`;
    case 'boolean':
      return sql`${value}::boolean`;
    case 'timestamptz':
      return sql`${value}::timestamptz`;
    case 'uuid':
      // the parser let through only well-formed ids, so the cast cannot fail
      return sql`${String(value)}::uuid`;
    default:
      return sql`${String(value)}::text`;
  }
}

/** Numbers compare as the expression's own type when it is double precision, else as numeric. */
const numberType = (type: SqlValueType): SqlValueType => (type === 'float8' ? 'float8' : 'numeric');

const comparison: Partial<Record<PositiveOperator, SQL>> = {
  $gt: sql.raw('>'),
  $gte: sql.raw('>='),
  $lt: sql.raw('<'),
  $lte: sql.raw('<='),
  $after: sql.raw('>'),
  $before: sql.raw('<'),
};

function unsupported(operator: PositiveOperator, operand: Operand): never {
  // The parser offers each field only its type's operators, so this is a programming error.
  throw new Error(`segment compiler: ${operator} with a ${operand.kind} operand is not defined for this field`);
}

/**
 * A predicate on a typed SQL expression (a column, or an aggregate in a HAVING clause): true
 * where it matches, false or NULL where it does not or where the value is missing.
 */
export function scalarPredicate(expression: SQL, type: SqlValueType, operator: PositiveOperator, operand: Operand): SQL {
  const symbol = comparison[operator];
  if (symbol) {
    if (operand.kind === 'number') return sql`${expression} ${symbol} ${bound(operand.value, numberType(type))}`;
    if (operand.kind === 'date') return sql`${expression} ${symbol} ${operand.value}::timestamptz`;
    return unsupported(operator, operand);
  }
  switch (operator) {
    case '$eq':
      if (operand.kind !== 'scalar') return unsupported(operator, operand);
      return sql`${expression} = ${bound(operand.value, type)}`;
    case '$in':
      if (operand.kind !== 'list') return unsupported(operator, operand);
      return sql`${expression} IN (${sql.join(operand.values.map((value) => bound(value, type)), sql`, `)})`;
    case '$contains':
      if (type === 'text[]' && operand.kind === 'scalar') return sql`${String(operand.value)}::text = ANY(${expression})`;
      if (operand.kind !== 'text') return unsupported(operator, operand);
      // ILIKE with the value escaped: measured faster than strpos(lower(…)) on a million rows
      return ilike(expression, likeContaining(operand.value));
    case '$startsWith':
      if (operand.kind !== 'text') return unsupported(operator, operand);
      return ilike(expression, likeStartingWith(operand.value));
    case '$regex':
      if (operand.kind !== 'pattern') return unsupported(operator, operand);
      return operand.isCaseInsensitive ? sql`${expression} ~* ${operand.value}::text` : sql`${expression} ~ ${operand.value}::text`;
    case '$exists':
      return type === 'text[]' ? sql`cardinality(${expression}) > 0` : sql`${expression} IS NOT NULL`;
    case '$between':
      if (operand.kind === 'number-range') return sql`${expression} BETWEEN ${bound(operand.low, numberType(type))} AND ${bound(operand.high, numberType(type))}`;
      if (operand.kind === 'date-range') return sql`${expression} BETWEEN ${operand.low}::timestamptz AND ${operand.high}::timestamptz`;
      return unsupported(operator, operand);
    case '$withinLastDays':
      if (operand.kind !== 'days') return unsupported(operator, operand);
      // 24 hours, not 1 day: a day is 23 or 25 hours across a DST change in the session's zone
      return sql`${expression} BETWEEN now() - ${operand.value}::int * interval '24 hours' AND now()`;
    default:
      return unsupported(operator, operand);
  }
}
