/**
 * Who a schedule is for, as a SQL predicate over the recipients table aliased `r`.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Audience } from '@herald/shared';
import { rowsOf, type DbOrTx } from '../../db/client.ts';
import { compileSegment } from '../../modules/segments/compile.ts';
import { ScheduleDefect } from '../scheduler/schedule-defect.ts';

/** The audience stored on a schedule row, or a defect naming what is wrong with it. */
export function audienceOfSchedule(row: { audienceType: string; audienceRecipientIds: string[]; segmentId: string | null }): Audience {
  switch (row.audienceType) {
    case 'all':
    case 'active':
      return { type: row.audienceType };
    case 'test':
      return { type: 'test', recipientIds: row.audienceRecipientIds };
    case 'segment':
      if (!row.segmentId) throw new ScheduleDefect('the audience is a segment but no segment is set');
      return { type: 'segment', segmentId: row.segmentId };
    default:
      throw new ScheduleDefect(`unknown audience type "${row.audienceType}"`);
  }
}

/** The predicate selecting the audience's recipients; a segment's query is read in the same transaction. */
export async function audiencePredicate(tx: DbOrTx, audience: Audience): Promise<SQL> {
  switch (audience.type) {
    case 'all':
      return sql`true`;
    case 'active':
      return sql`r.is_active`;
    case 'test': {
      if (audience.recipientIds.length === 0) return sql`false`;
      const ids = sql.join(audience.recipientIds.map((id) => sql`${id}`), sql`, `);
      return sql`r.id = ANY(ARRAY[${ids}]::uuid[])`;
    }
    case 'segment': {
      const [segment] = await rowsOf<{ query: unknown }>(tx, sql`SELECT query FROM segments WHERE id = ${audience.segmentId}`);
      if (!segment) throw new ScheduleDefect(`segment ${audience.segmentId} does not exist`);
      try {
        return compileSegment(segment.query);
      } catch (error) {
        throw new ScheduleDefect(`segment ${audience.segmentId} cannot be compiled: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
