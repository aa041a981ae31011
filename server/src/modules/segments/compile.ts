import { sql, type SQL } from 'drizzle-orm';

/**
 * Compiles a segment query tree into a SQL predicate over the recipients table aliased `r`.
 * Placeholder until the segment compiler lands: matches nobody.
 */
export function compileSegment(_query: unknown): SQL {
  return sql`false`;
}
