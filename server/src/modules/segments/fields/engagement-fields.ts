import { sql, type SQL } from 'drizzle-orm';
import type { Operand } from '../tree.ts';
import type { FieldDefinition, PositiveOperator } from './definition.ts';
import { scalarPredicate } from './scalar-predicate.ts';

/**
 * Engagement fields, read from the `events` table. Each compiles to `r.id IN (SELECT
 * recipient_id FROM events …)`: PostgreSQL runs that once, as a hashed semi-join or a hashed
 * subplan, instead of once per recipient, even under OR and NOT. `recipient_id IS NOT NULL`
 * keeps the subquery free of NULLs, so `NOT (r.id IN …)` is a true complement.
 */

/** Event types that mean the notification reached the recipient. */
const receivedTypes = ['sent', 'delivered'] as const;

function typeFilter(types: readonly string[]): SQL {
  return sql`e.type IN (${sql.join(types.map((type) => sql`${type}::text`), sql`, `)})`;
}

type MembershipSpec = { key: string; label: string; types: readonly string[]; verb: string };

/** "Received / opened / clicked this scheduled notification": the value is a schedule id. */
function membershipField({ key, label, types, verb }: MembershipSpec): FieldDefinition {
  const events = (scheduleFilter: SQL) =>
    sql`r.id IN (SELECT e.recipient_id FROM events e WHERE e.recipient_id IS NOT NULL AND ${typeFilter(types)} AND ${scheduleFilter})`;
  return {
    key,
    label,
    group: 'engagement',
    type: 'schedule',
    isScheduleValued: true,
    description: `The recipient ${verb} the given scheduled notification ($exists: ${verb} any)`,
    compile: (operator: PositiveOperator, operand: Operand) => {
      if (operator === '$exists') return events(sql`true`);
      return events(scalarPredicate(sql`e.schedule_id`, 'uuid', operator, operand));
    },
  };
}

type AggregateSpec = Omit<FieldDefinition, 'compile' | 'group'> & { types: readonly string[]; aggregate: SQL };

/** A value computed per recipient over their events (last open, open rate …); missing for recipients without such events. */
function aggregateField({ types, aggregate, ...spec }: AggregateSpec): FieldDefinition {
  const sqlType = spec.type === 'date' ? 'timestamptz' : 'numeric';
  return {
    ...spec,
    group: 'engagement',
    compile: (operator, operand) =>
      sql`r.id IN (SELECT e.recipient_id FROM events e WHERE e.recipient_id IS NOT NULL AND ${typeFilter(types)} GROUP BY e.recipient_id HAVING ${scalarPredicate(sql`(${aggregate})`, sqlType, operator, operand)})`,
  };
}

const deliveriesOf = (types: readonly string[]) =>
  sql`count(DISTINCT e.delivery_id) FILTER (WHERE ${typeFilter(types)})`;

/** Percentage of received notifications that were also `types` (opened, clicked); NULL with none received. */
const ratePercent = (types: readonly string[]) =>
  sql`100.0 * ${deliveriesOf(types)} / NULLIF(${deliveriesOf(receivedTypes)}, 0)`;

export const engagementFields: readonly FieldDefinition[] = [
  membershipField({ key: 'received', label: 'Received', types: receivedTypes, verb: 'received' }),
  membershipField({ key: 'opened', label: 'Opened', types: ['opened'], verb: 'opened' }),
  membershipField({ key: 'clicked', label: 'Clicked', types: ['clicked'], verb: 'clicked' }),
  aggregateField({ key: 'lastReceivedAt', label: 'Last received', type: 'date', types: receivedTypes, aggregate: sql`max(e.occurred_at)`, description: 'When a notification last reached the recipient' }),
  aggregateField({ key: 'lastOpenedAt', label: 'Last opened', type: 'date', types: ['opened'], aggregate: sql`max(e.occurred_at)`, description: 'When the recipient last opened a notification' }),
  aggregateField({ key: 'lastClickedAt', label: 'Last clicked', type: 'date', types: ['clicked'], aggregate: sql`max(e.occurred_at)`, description: 'When the recipient last clicked a link in a notification' }),
  aggregateField({
    key: 'openRate',
    label: 'Open rate (%)',
    type: 'number',
    operators: ['$gt', '$gte', '$lt', '$lte', '$between', '$exists'],
    types: [...receivedTypes, 'opened'],
    aggregate: ratePercent(['opened']),
    description: 'Share of received notifications the recipient opened, 0–100 (missing when nothing was received)',
  }),
  aggregateField({
    key: 'clickRate',
    label: 'Click rate (%)',
    type: 'number',
    operators: ['$gt', '$gte', '$lt', '$lte', '$between', '$exists'],
    types: [...receivedTypes, 'clicked'],
    aggregate: ratePercent(['clicked']),
    description: 'Share of received notifications in which the recipient clicked, 0–100 (missing when nothing was received)',
  }),
];
