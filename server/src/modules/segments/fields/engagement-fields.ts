import { sql, type SQL } from 'drizzle-orm';
import type { Operand } from '../tree.ts';
import type { FieldDefinition, PositiveOperator } from './definition.ts';
import { scalarPredicate } from './scalar-predicate.ts';

/**
 * Engagement fields, each an `EXISTS`, so never NULL:
 * - "received / opened / clicked this scheduled notification" over the `events` table,
 *   through events (schedule_id, type, recipient_id) at the top of a segment's AND (PostgreSQL
 *   turns `EXISTS` into a semi-join and `NOT EXISTS` into an anti-join, reading only that
 *   schedule's events of the type from the index) and through events (recipient_id, type, …)
 *   anywhere else (under OR, NOT: a lookup per recipient, linear). `r.id IN (SELECT …)` was
 *   dropped: under OR or NOT, once the set no longer fits in work_mem, PostgreSQL compares
 *   each recipient with every row of it (quadratic).
 * - "last opened" and the rates over the recipient's one row of `recipient_engagement`, which
 *   a trigger on events keeps: comparing them costs what an attribute does, where aggregating
 *   each recipient's events cost 0.7 s on a million recipients (bench/segments.ts).
 */

/** Event types that mean the notification reached the recipient. */
const receivedTypes = ['sent', 'delivered'] as const;

function typeFilter(types: readonly string[]): SQL {
  return sql`e.type IN (${sql.join(types.map((type) => sql`${type}::text`), sql`, `)})`;
}

/** Whether the recipient has an event of these types matching `filter`; never NULL. */
function hasEvent(types: readonly string[], filter?: SQL): SQL {
  return sql`EXISTS (SELECT 1 FROM events e WHERE e.recipient_id = r.id AND ${typeFilter(types)}${filter ? sql` AND ${filter}` : sql``})`;
}

type MembershipSpec = { key: string; label: string; types: readonly string[]; verb: string };

/** "Received / opened / clicked this scheduled notification": the value is a schedule id. */
function membershipField({ key, label, types, verb }: MembershipSpec): FieldDefinition {
  return {
    key,
    label,
    group: 'engagement',
    type: 'schedule',
    isScheduleValued: true,
    isTwoValued: true,
    description: `The recipient ${verb} the given scheduled notification ($exists: ${verb} any)`,
    compile: (operator: PositiveOperator, operand: Operand) =>
      operator === '$exists' ? hasEvent(types) : hasEvent(types, scalarPredicate(sql`e.schedule_id`, 'uuid', operator, operand)),
  };
}

/**
 * A predicate on the recipient's row of recipient_engagement (aliased `g`), kept by a trigger
 * on events: false for a recipient without one. An EXISTS, so at the top of a segment's AND
 * PostgreSQL joins the two tables (in parallel), and anywhere else it looks up the row by key.
 */
const engagementRow = (filter: SQL) => sql`EXISTS (SELECT 1 FROM recipient_engagement g WHERE g.recipient_id = r.id AND ${filter})`;

type LastEventSpec = Omit<FieldDefinition, 'compile' | 'group' | 'type' | 'isTwoValued'> & { column: SQL };

/** When a notification last reached, was opened, was clicked …; missing for recipients without such events. */
function lastEventField({ column, ...spec }: LastEventSpec): FieldDefinition {
  return {
    ...spec,
    group: 'engagement',
    type: 'date',
    isTwoValued: true,
    compile: (operator, operand) => engagementRow(operand.kind === 'flag' ? sql`${column} IS NOT NULL` : scalarPredicate(column, 'timestamptz', operator, operand)),
  };
}

type RateSpec = Omit<FieldDefinition, 'compile' | 'group' | 'type' | 'operators' | 'isTwoValued'> & { count: SQL };

/**
 * Percentage of received notifications that were also opened, clicked …; missing with none
 * received. In double precision: numeric division cost 2.5× the whole scan of the summary
 * (136 against 54 ms over 666,667 rows), and 100 × count / received is the correctly rounded
 * quotient of two exact integers, so it equals the typed value whenever the true rate does.
 */
function rateField({ count, ...spec }: RateSpec): FieldDefinition {
  const rate = sql`(100.0::float8 * ${count} / g.received)`;
  return {
    ...spec,
    group: 'engagement',
    type: 'number',
    operators: ['$gt', '$gte', '$lt', '$lte', '$between', '$exists'],
    isTwoValued: true,
    compile: (operator, operand) =>
      engagementRow(operand.kind === 'flag' ? sql`g.received > 0` : sql`g.received > 0 AND ${scalarPredicate(rate, 'float8', operator, operand)}`),
  };
}

export const engagementFields: readonly FieldDefinition[] = [
  membershipField({ key: 'received', label: 'Received', types: receivedTypes, verb: 'received' }),
  membershipField({ key: 'opened', label: 'Opened', types: ['opened'], verb: 'opened' }),
  membershipField({ key: 'clicked', label: 'Clicked', types: ['clicked'], verb: 'clicked' }),
  lastEventField({ key: 'lastReceivedAt', label: 'Last received', column: sql`g.last_received_at`, description: 'When a notification last reached the recipient' }),
  lastEventField({ key: 'lastOpenedAt', label: 'Last opened', column: sql`g.last_opened_at`, description: 'When the recipient last opened a notification' }),
  lastEventField({ key: 'lastClickedAt', label: 'Last clicked', column: sql`g.last_clicked_at`, description: 'When the recipient last clicked a link in a notification' }),
  rateField({
    key: 'openRate',
    label: 'Open rate (%)',
    count: sql`g.opened`,
    description: 'Share of received notifications the recipient opened, 0–100 (missing when nothing was received)',
  }),
  rateField({
    key: 'clickRate',
    label: 'Click rate (%)',
    count: sql`g.clicked`,
    description: 'Share of received notifications in which the recipient clicked, 0–100 (missing when nothing was received)',
  }),
];
