import { sql, type SQL } from 'drizzle-orm';
import type { Operand } from '../tree.ts';
import type { FieldDefinition, PositiveOperator } from './definition.ts';
import { scalarPredicate } from './scalar-predicate.ts';

/**
 * Engagement fields, read from the `events` table, each as an `EXISTS` over the recipient's
 * events (the index on events (recipient_id, type, occurred_at) INCLUDE (…) answers each one
 * from the index alone):
 * - at the top of a segment's AND, PostgreSQL turns `EXISTS` into a semi-join and `NOT
 *   EXISTS` into an anti-join, hashing only the events that qualify (one schedule's opens, the
 *   last 14 days' opens) instead of looking at every recipient's events;
 * - anywhere else (under OR, NOT) it becomes a lookup per recipient in that index: linear.
 *   `r.id IN (SELECT …)` was dropped for that reason: under OR or NOT, once the set no longer
 *   fits in work_mem, PostgreSQL compares each recipient with every row of it (quadratic).
 * "Last opened" and friends are written without an aggregate — max(t) > x is "some event after
 * x", max(t) < x is "some event, and none at or after x" — so they take the same paths.
 * Rates need an aggregate: a correlated subquery over the recipient's events, which
 * PostgreSQL runs after the criteria that are cheaper, for the recipients left.
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

const noEvent = (types: readonly string[], filter: SQL) => sql`NOT ${hasEvent(types, filter)}`;

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

const at = (symbol: string, instant: string) => sql`e.occurred_at ${sql.raw(symbol)} ${instant}::timestamptz`;

/** When the recipient last had an event of these types, compared without computing the maximum. */
function lastEventPredicate(types: readonly string[], operator: PositiveOperator, operand: Operand): SQL {
  const latestIsBelow = (bound: SQL) => sql`(${hasEvent(types)} AND ${noEvent(types, bound)})`;
  switch (operand.kind) {
    case 'flag':
      return hasEvent(types);
    case 'date':
      if (operator === '$gt' || operator === '$after') return hasEvent(types, at('>', operand.value));
      if (operator === '$gte') return hasEvent(types, at('>=', operand.value));
      if (operator === '$lt' || operator === '$before') return latestIsBelow(at('>=', operand.value));
      return latestIsBelow(at('>', operand.value));
    case 'date-range':
      return sql`(${hasEvent(types, sql`e.occurred_at BETWEEN ${operand.low}::timestamptz AND ${operand.high}::timestamptz`)} AND ${noEvent(types, at('>', operand.high))})`;
    case 'days':
      // 24 hours, not 1 day: a day is 23 or 25 hours across a DST change in the session's zone
      return sql`(${hasEvent(types, sql`e.occurred_at BETWEEN now() - ${operand.value}::int * interval '24 hours' AND now()`)} AND ${noEvent(types, sql`e.occurred_at > now()`)})`;
    default:
      throw new Error(`segment compiler: ${operator} with a ${operand.kind} operand is not defined for a date`);
  }
}

type LastEventSpec = Omit<FieldDefinition, 'compile' | 'group' | 'type' | 'isTwoValued'> & { types: readonly string[] };

/** When a notification last reached, was opened, was clicked …; missing for recipients without such events. */
function lastEventField({ types, ...spec }: LastEventSpec): FieldDefinition {
  return { ...spec, group: 'engagement', type: 'date', isTwoValued: true, compile: (operator, operand) => lastEventPredicate(types, operator, operand) };
}

const deliveriesOf = (types: readonly string[]) => sql`count(DISTINCT e.delivery_id) FILTER (WHERE ${typeFilter(types)})`;

type RateSpec = Omit<FieldDefinition, 'compile' | 'group' | 'type' | 'operators'> & { types: readonly string[] };

/** Percentage of received notifications that were also `types` (opened, clicked); missing with none received. */
function rateField({ types, ...spec }: RateSpec): FieldDefinition {
  const rate = sql`(SELECT 100.0 * ${deliveriesOf(types)} / NULLIF(${deliveriesOf(receivedTypes)}, 0)
    FROM events e WHERE e.recipient_id = r.id AND ${typeFilter([...receivedTypes, ...types])})`;
  return {
    ...spec,
    group: 'engagement',
    type: 'number',
    operators: ['$gt', '$gte', '$lt', '$lte', '$between', '$exists'],
    compile: (operator, operand) =>
      // a range test written once: BETWEEN would run the subquery twice
      operand.kind === 'number-range'
        ? sql`numrange(${operand.low}::numeric, ${operand.high}::numeric, '[]') @> ${rate}`
        : scalarPredicate(rate, 'numeric', operator, operand),
  };
}

export const engagementFields: readonly FieldDefinition[] = [
  membershipField({ key: 'received', label: 'Received', types: receivedTypes, verb: 'received' }),
  membershipField({ key: 'opened', label: 'Opened', types: ['opened'], verb: 'opened' }),
  membershipField({ key: 'clicked', label: 'Clicked', types: ['clicked'], verb: 'clicked' }),
  lastEventField({ key: 'lastReceivedAt', label: 'Last received', types: receivedTypes, description: 'When a notification last reached the recipient' }),
  lastEventField({ key: 'lastOpenedAt', label: 'Last opened', types: ['opened'], description: 'When the recipient last opened a notification' }),
  lastEventField({ key: 'lastClickedAt', label: 'Last clicked', types: ['clicked'], description: 'When the recipient last clicked a link in a notification' }),
  rateField({
    key: 'openRate',
    label: 'Open rate (%)',
    types: ['opened'],
    description: 'Share of received notifications the recipient opened, 0–100 (missing when nothing was received)',
  }),
  rateField({
    key: 'clickRate',
    label: 'Click rate (%)',
    types: ['clicked'],
    description: 'Share of received notifications in which the recipient clicked, 0–100 (missing when nothing was received)',
  }),
];
