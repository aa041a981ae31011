/**
 * Quiet hours at fan-out, as one SQL expression for a new delivery's `due_at` over the
 * recipient row `r`: the run's due time, or, when that falls in the recipient's quiet hours,
 * the end of them. It goes in the fan-out's INSERT … SELECT, so a run to a million people of
 * whom many are asleep queues each one for their morning at once, instead of every one being
 * claimed, found quiet and deferred by a worker. The workers check again at dispatch
 * (quiet-hours.ts) for everything else: retries, deferrals, a settings change since.
 *
 * Per row it costs almost nothing when no quiet hours can apply (a NULL test) and one hash
 * probe otherwise; only recipients who are in quiet hours get their end computed:
 * - the instance's settings are read by uncorrelated scalar subqueries, which PostgreSQL runs
 *   once per statement (InitPlans);
 * - for everyone on the instance's window the question "is the due time quiet in zone Z?"
 *   has one answer per zone, so the zones where it is quiet are listed once (a hashed SubPlan
 *   over pg_timezone_names) and each row only looks its zone up;
 * - the few recipients with a window of their own get it read per row.
 * Zones come from pg_timezone_names, so a zone PostgreSQL does not know (the host's IANA data
 * older than Node's) leaves the due time as it is for the worker to handle, rather than failing
 * the whole fan-out on `AT TIME ZONE`.
 *
 * On a DST day the database reads a wall time that never comes (in a gap) as the moment after
 * the jump plus the gap, so such a window may end up to an hour late at fan-out; never early.
 *
 * Measured with bench/quiet-hours.ts on 1,000,000 recipients (PostgreSQL 15, 2 cores): the
 * columns add 0.12–0.15 µs a row without quiet hours, 0.24–0.35 µs with quiet hours nobody is
 * in, ~1.1 µs when three in four recipients are asleep, against 12–20 µs a row for the whole
 * fan-out. The reason reads `due_at` twice: the audience must stay a CTE the statement
 * reads twice (PostgreSQL then computes it once), not be inlined into the INSERT.
 */
import { sql, type SQL } from 'drizzle-orm';

/** The settings row of the delivery settings (modules/settings/service.ts). */
const settingsKey = 'delivery';

/** What a stored `HH:MM` must look like before it is cast to time: a bad value leaves quiet hours off, it does not fail the statement. */
const clockPattern = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

/** One field of the instance's quiet hours, once per statement; null when they are off or malformed. */
function instanceField(field: 'start' | 'end' | 'timezone'): SQL {
  const path = `{quietHours,${field}}`;
  const read = sql`(value #>> ${path}::text[])`;
  const value = field === 'timezone' ? read : sql`CASE WHEN ${read} ~ ${clockPattern} THEN ${read}::time END`;
  return sql`(SELECT ${value} FROM settings WHERE key = ${settingsKey})`;
}

/** True when the wall-clock `time` is inside the window from `start` (included) to `end` (excluded), which may cross midnight. */
function isInWindow(time: SQL, start: SQL, end: SQL): SQL {
  return sql`(CASE WHEN ${start} < ${end} THEN ${time} >= ${start} AND ${time} < ${end} ELSE ${time} >= ${start} OR ${time} < ${end} END)`;
}

/** The end of the window that holds `dueAt` in `zone`: today's end while before it, else tomorrow's. */
function windowEnd(dueAt: SQL, end: SQL, zone: SQL): SQL {
  const local = sql`(${dueAt} AT TIME ZONE ${zone})`;
  return sql`greatest(${dueAt}, ((${local})::date + CASE WHEN (${local})::time < ${end} THEN 0 ELSE 1 END + ${end}) AT TIME ZONE ${zone})`;
}

/** The zone a recipient's quiet hours are read in: their own, else the instance's fallback, else UTC. */
const quietZone = () => sql`coalesce(r.timezone, ${instanceField('timezone')}, 'UTC')`;

/**
 * The SQL for a new delivery's due time under quiet hours: `dueAt`, or the end of the
 * recipient's quiet hours when it falls in them. Critical deliveries (priority 0) ignore quiet
 * hours. Reads `r.timezone` and `r.quiet_hours` of the recipient row `r`.
 */
export function quietHoursDueAt(dueAt: Date, priority: number): SQL {
  const due = sql`${dueAt.toISOString()}::timestamptz`;
  if (priority === 0) return due;
  const start = instanceField('start');
  const end = instanceField('end');
  // where the instance's window applies, its fallback zone is set
  const zone = sql`coalesce(r.timezone, ${instanceField('timezone')})`;
  const ownStart = sql`(r.quiet_hours ->> 'start')::time`;
  const ownEnd = sql`(r.quiet_hours ->> 'end')::time`;
  const ownZone = quietZone();
  const quietZones = sql`(SELECT z.name FROM pg_timezone_names z WHERE ${isInWindow(sql`(${due} AT TIME ZONE z.name)::time`, start, end)})`;
  return sql`(CASE
    WHEN r.quiet_hours IS NULL THEN CASE
      WHEN ${start} IS NULL OR ${end} IS NULL THEN ${due}
      WHEN ${zone} IN ${quietZones} THEN ${windowEnd(due, end, zone)}
      ELSE ${due} END
    WHEN jsonb_typeof(r.quiet_hours) = 'object'
      AND (r.quiet_hours ->> 'start') ~ ${clockPattern} AND (r.quiet_hours ->> 'end') ~ ${clockPattern}
      AND ${ownZone} IN (SELECT name FROM pg_timezone_names) THEN CASE
      WHEN ${isInWindow(sql`(${due} AT TIME ZONE ${ownZone})::time`, ownStart, ownEnd)} THEN ${windowEnd(due, ownEnd, ownZone)}
      ELSE ${due} END
    ELSE ${due}
  END)`;
}

/**
 * The columns quiet hours add to the fan-out's audience (recipients `r`): `due_at` (above) and
 * `quiet_zone`, the zone it was read in, for the reason.
 */
export function quietHoursColumns(dueAt: Date, priority: number): SQL {
  return sql`${quietHoursDueAt(dueAt, priority)} AS due_at, ${priority === 0 ? sql`NULL::text` : quietZone()} AS quiet_zone`;
}

/**
 * Why a queued delivery of the audience waits, from its `due_at` and `quiet_zone`: "quiet hours
 * until 08:00 Europe/Paris" when quiet hours moved it past `dueAt`, else null. Computed only for
 * the rows that moved, and their zone is one the database knows (nothing else moves).
 */
export function quietHoursReason(dueAt: Date): SQL {
  return sql`CASE WHEN due_at > ${dueAt.toISOString()}::timestamptz
    THEN 'quiet hours until ' || to_char(due_at AT TIME ZONE quiet_zone, 'HH24:MI') || ' ' || quiet_zone END`;
}
