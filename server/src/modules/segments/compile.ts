import { sql, type SQL } from 'drizzle-orm';
import { AppError } from '../../lib/errors.ts';
import { compileAttribute } from './fields/attribute-field.ts';
import type { PositiveOperator } from './fields/definition.ts';
import { findField } from './fields/registry.ts';
import { parseSegmentQuery } from './parse.ts';
import type { Criterion, SegmentTree } from './tree.ts';

/**
 * Segment → SQL. The predicate is over the recipients table aliased `r`, so the preview,
 * the counts and the scheduler's fan-out (`INSERT … SELECT … FROM recipients r WHERE <this>`)
 * all use one compiler. Field names and values reach SQL only as bound parameters or through
 * the field registry's own SQL; nothing from the query is spliced into the statement's text.
 *
 * Logic is two-valued: a criterion on a missing value is false, `NOT` is the exact
 * complement (`NOT COALESCE(x, false)`, or a plain `NOT` where x is never NULL), and `$ne`,
 * `$nin`, `$exists: false` match exactly the recipients their positive form does not (those
 * lacking the field included).
 */

/** A compiled predicate, and whether it may be NULL (then its negation needs COALESCE to stay the exact complement). */
type Compiled = { predicate: SQL; canBeNull: boolean };

function positive(criterion: Criterion, operator: PositiveOperator, operand: Criterion['operand']): Compiled {
  const { field } = criterion;
  if (field.source === 'attribute') return { predicate: compileAttribute(field.name, operator, operand), canBeNull: true };
  const definition = findField(field.key);
  if (!definition) throw new Error(`segment compiler: field ${field.key} left the registry`);
  return { predicate: definition.compile(operator, operand), canBeNull: definition.isTwoValued !== true };
}

function complement({ predicate, canBeNull }: Compiled): Compiled {
  return { predicate: canBeNull ? sql`(NOT COALESCE(${predicate}, false))` : sql`(NOT ${predicate})`, canBeNull: false };
}

function compileCriterion(criterion: Criterion): Compiled {
  const { operator, operand } = criterion;
  switch (operator) {
    case '$ne':
      return complement(positive(criterion, '$eq', operand));
    case '$nin':
      return complement(positive(criterion, '$in', operand));
    case '$exists':
      return operand.kind === 'flag' && !operand.value
        ? complement(positive(criterion, '$exists', { kind: 'flag', value: true }))
        : positive(criterion, '$exists', operand);
    default:
      return positive(criterion, operator, operand);
  }
}

function group(children: SegmentTree[], joiner: SQL, empty: SQL): Compiled {
  if (children.length === 0) return { predicate: empty, canBeNull: false };
  const compiled = children.map(compileNode);
  return { predicate: sql`(${sql.join(compiled.map((child) => child.predicate), joiner)})`, canBeNull: compiled.some((child) => child.canBeNull) };
}

function compileNode(tree: SegmentTree): Compiled {
  switch (tree.kind) {
    case 'criterion':
      return compileCriterion(tree);
    case 'not':
      return complement(compileNode(tree.child));
    case 'and':
      return group(tree.children, sql` AND `, sql`true`);
    case 'or':
      return group(tree.children, sql` OR `, sql`false`);
  }
}

/** The SQL predicate (over recipients `r`) of a validated segment tree. */
export function compileSegmentTree(tree: SegmentTree): SQL {
  return compileNode(tree).predicate;
}

/**
 * Compiles a segment query (as stored in `segments.query`) into a SQL predicate over the
 * recipients table aliased `r`. Throws a 400 AppError naming each bad criterion when the
 * query does not parse; a saved segment always parses, since it was checked on save.
 */
export function compileSegment(query: unknown): SQL {
  const parsed = parseSegmentQuery(query);
  if (!parsed.ok) {
    const message = parsed.issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
    throw new AppError('validation_failed', message, { issues: parsed.issues });
  }
  return compileSegmentTree(parsed.tree);
}
