/**
 * Schedule commands and queries. Each command is one transaction that checks the input
 * against the database, computes the next send time and appends to the schedule's history.
 */
import { isDeepStrictEqual } from 'node:util';
import { and, count, desc, eq, ilike, sql, type SQL } from 'drizzle-orm';
import type { Channel, Delivery, Run, ScheduleBulkResult, ScheduleChannelStats, ScheduleHistoryEntry, Timing, TimingPreview } from '@herald/shared';
import { rowsOf, type Db, type DbOrTx } from '../../db/client.ts';
import { deliveriesWithLeases, shownStatus } from '../../db/delivery-status.ts';
import { schedules, templates } from '../../db/schema.ts';
import { recordScheduleHistory } from '../../engine/scheduler/history.ts';
import { deleteDeliveries } from '../../engine/worker/delete-deliveries.ts';
import { timingOf } from '../../engine/scheduler/schedule-row.ts';
import { AppError, fieldError, notFound } from '../../lib/errors.ts';
import { validationFailed } from '../../lib/field-issues.ts';
import type { PageQuery } from '../../lib/pagination.ts';
import { containsPattern } from '../../lib/search.ts';
import { describeTiming } from '../../scheduling/describe-timing.ts';
import { nextOccurrence, nextOccurrences } from '../../scheduling/next-occurrence.ts';
import { validateTiming } from '../../scheduling/validate-timing.ts';
import { checkScheduleInput, type ValidScheduleInput } from './check-input.ts';
import type { ScheduleRow } from './presenter.ts';
import type { DeliveryListQuery, ScheduleListQuery } from './schema.ts';

const columns = { schedule: schedules, templateName: templates.name };

function flatten(rows: Array<{ schedule: typeof schedules.$inferSelect; templateName: string }>): ScheduleRow[] {
  return rows.map((row) => ({ ...row.schedule, templateName: row.templateName }));
}

/** One page of schedules, soonest next run first (finished ones last), filtered. */
export async function listSchedules(db: Db, query: ScheduleListQuery): Promise<{ rows: ScheduleRow[]; total: number }> {
  const filters: SQL[] = [];
  if (query.status) filters.push(eq(schedules.status, query.status));
  if (query.templateId) filters.push(eq(schedules.templateId, query.templateId));
  if (query.q) filters.push(ilike(schedules.name, containsPattern(query.q)));
  const where = and(...filters);
  const [rows, [totals]] = await Promise.all([
    db.select(columns).from(schedules).innerJoin(templates, eq(templates.id, schedules.templateId)).where(where)
      .orderBy(sql`${schedules.nextRunAt} ASC NULLS LAST`, desc(schedules.createdAt), desc(schedules.id))
      .limit(query.limit).offset(query.offset),
    db.select({ total: count() }).from(schedules).where(where),
  ]);
  return { rows: flatten(rows), total: totals?.total ?? 0 };
}

/** The schedule with that id, or a 404. */
export async function getSchedule(db: DbOrTx, id: string): Promise<ScheduleRow> {
  const [row] = flatten(await db.select(columns).from(schedules).innerJoin(templates, eq(templates.id, schedules.templateId)).where(eq(schedules.id, id)));
  if (!row) throw notFound('Schedule', id);
  return row;
}

function storedFields(input: ValidScheduleInput) {
  return {
    name: input.name,
    templateId: input.templateId,
    timezone: input.timezone,
    timing: input.timing,
    audienceType: input.audience.type,
    audienceRecipientIds: input.audience.type === 'test' ? [...new Set(input.audience.recipientIds)] : [],
    segmentId: input.audience.type === 'segment' ? input.audience.segmentId : null,
    channels: input.channels,
    priority: input.priority,
    channelMode: input.channelMode,
    rateLimit: input.rateLimit,
    retryPolicy: input.retryPolicy,
  };
}

function noSendTimeLeft(): never {
  throw fieldError('timing', 'never_fires', 'has no send time left after now');
}

/** Creates a schedule; its first send is the timing's first occurrence after now. */
export async function createSchedule(db: Db, input: ValidScheduleInput, userId: string | null): Promise<ScheduleRow> {
  const now = new Date();
  return db.transaction(async (tx) => {
    await checkScheduleInput(tx, input, now);
    const nextRunAt = nextOccurrence(input.timing, input.timezone, now) ?? noSendTimeLeft();
    const [row] = await tx.insert(schedules).values({ ...storedFields(input), status: input.status, nextRunAt, createdBy: userId }).returning({ id: schedules.id });
    const id = row!.id;
    await recordScheduleHistory(tx, { scheduleId: id, action: 'created', userId, data: { status: input.status, nextRunAt: nextRunAt.toISOString() }, at: now });
    return getSchedule(tx, id);
  });
}

/**
 * Replaces a schedule. A new timing, or a paused schedule resumed, sends next at the first
 * occurrence after now (what was missed while paused is not sent); an unchanged timing keeps
 * its next run. A one-time send that already fired may be edited and stays completed.
 */
export async function updateSchedule(db: Db, id: string, input: ValidScheduleInput, userId: string | null): Promise<ScheduleRow> {
  const now = new Date();
  return db.transaction(async (tx) => {
    const [existing] = await tx.select().from(schedules).where(eq(schedules.id, id)).for('update');
    if (!existing) throw notFound('Schedule', id);
    const keepsTiming = isDeepStrictEqual(existing.timing, input.timing) && existing.timezone === input.timezone;
    const resumes = existing.status === 'paused' && input.status === 'active';
    await checkScheduleInput(tx, input, now, keepsTiming && !resumes);

    let nextRunAt = existing.nextRunAt;
    if (!keepsTiming || resumes || existing.status === 'completed') nextRunAt = nextOccurrence(input.timing, input.timezone, now);
    if (nextRunAt === null && (!keepsTiming || resumes)) noSendTimeLeft();
    const status = nextRunAt === null ? 'completed' : input.status;

    await tx.update(schedules).set({ ...storedFields(input), status, nextRunAt, updatedAt: sql`now()` }).where(eq(schedules.id, id));
    const action = existing.status !== status && (status === 'paused' || resumes) ? (status === 'paused' ? 'paused' : 'resumed') : 'updated';
    await recordScheduleHistory(tx, { scheduleId: id, action, userId, data: { status, nextRunAt: nextRunAt?.toISOString() ?? null }, at: now });
    return getSchedule(tx, id);
  });
}

/** Pauses or resumes a schedule, keeping everything else as it is; the reason goes to the history. */
export async function setScheduleStatus(db: Db, id: string, status: 'active' | 'paused', userId: string | null, reason?: string): Promise<ScheduleRow> {
  const now = new Date();
  return db.transaction(async (tx) => {
    const [existing] = await tx.select().from(schedules).where(eq(schedules.id, id)).for('update');
    if (!existing) throw notFound('Schedule', id);
    if (existing.status === 'completed') throw fieldError('status', 'not_completed', 'a completed schedule has nothing left to send; edit its timing instead');
    if (existing.status === status) return getSchedule(tx, id);
    let nextRunAt = existing.nextRunAt;
    if (status === 'active') {
      const { timing, timezone } = timingOf(existing);
      nextRunAt = nextOccurrence(timing, timezone, now);
      if (nextRunAt === null) {
        throw fieldError('timing', 'never_fires', 'its send time passed while it was paused; edit its timing to resume it');
      }
    }
    await tx.update(schedules).set({ status, nextRunAt, updatedAt: sql`now()` }).where(eq(schedules.id, id));
    await recordScheduleHistory(tx, { scheduleId: id, action: status === 'paused' ? 'paused' : 'resumed', userId, reason: reason || null, data: { nextRunAt: nextRunAt?.toISOString() ?? null }, at: now });
    return getSchedule(tx, id);
  });
}

/** Pauses or resumes each schedule in its own transaction; one that cannot be changed is reported, not fatal. */
export async function setStatusOfMany(db: Db, ids: string[], status: 'active' | 'paused', userId: string | null, reason?: string): Promise<ScheduleBulkResult> {
  const result: ScheduleBulkResult = { changed: [], refused: [] };
  for (const id of new Set(ids)) {
    try {
      await setScheduleStatus(db, id, status, userId, reason);
      result.changed.push(id);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      result.refused.push({ id, message: error.message });
    }
  }
  return result;
}

/** One page of a schedule's audit trail, newest first. */
export async function listHistory(db: Db, scheduleId: string, page: PageQuery): Promise<{ rows: ScheduleHistoryEntry[]; total: number }> {
  await getSchedule(db, scheduleId);
  const rows = await rowsOf<{ id: string | number; action: string; email: string | null; reason: string | null; data: Record<string, unknown>; occurred_at: Date | string; total: number }>(db, sql`
    SELECT h.id, h.action, u.email, h.reason, h.data, h.occurred_at, count(*) OVER ()::int AS total
      FROM schedule_history h LEFT JOIN users u ON u.id = h.user_id
     WHERE h.schedule_id = ${scheduleId}::uuid
     ORDER BY h.id DESC
     LIMIT ${page.limit} OFFSET ${page.offset}`);
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((row) => ({ id: Number(row.id), action: row.action, userEmail: row.email, reason: row.reason, data: row.data, occurredAt: iso(row.occurred_at) })),
  };
}

/**
 * How each channel did over all the schedule's runs: sends and failed attempts from the
 * attempts, opens, clicks and unsubscribes from the events, cost from the deliveries.
 */
export async function channelStats(db: Db, scheduleId: string): Promise<ScheduleChannelStats[]> {
  await getSchedule(db, scheduleId);
  const rows = await rowsOf<{ channel: Channel; sent: number; failed: number; opened: number; human: number; clicked: number; unsubscribed: number; cost: string | number }>(db, sql`
    WITH attempts AS (
      SELECT a.channel,
             count(DISTINCT a.delivery_id) FILTER (WHERE a.status = 'sent')::int AS sent,
             count(*) FILTER (WHERE a.status = 'failed')::int AS failed
        FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
       WHERE d.schedule_id = ${scheduleId}::uuid
       GROUP BY a.channel),
    engagement AS (
      SELECT e.channel,
             count(DISTINCT e.delivery_id) FILTER (WHERE e.type = 'opened')::int AS opened,
             count(DISTINCT e.delivery_id) FILTER (WHERE e.type = 'opened' AND e.data->>'isMachine' = 'false')::int AS human,
             count(DISTINCT e.delivery_id) FILTER (WHERE e.type = 'clicked')::int AS clicked,
             count(DISTINCT e.delivery_id) FILTER (WHERE e.type = 'unsubscribed')::int AS unsubscribed
        FROM events e
       WHERE e.schedule_id = ${scheduleId}::uuid AND e.channel IS NOT NULL
       GROUP BY e.channel),
    costs AS (
      SELECT d.channel, sum(d.cost) AS cost FROM deliveries d
       WHERE d.schedule_id = ${scheduleId}::uuid AND d.channel IS NOT NULL GROUP BY d.channel)
    SELECT c.channel, coalesce(a.sent, 0) AS sent, coalesce(a.failed, 0) AS failed, coalesce(g.opened, 0) AS opened,
           coalesce(g.human, 0) AS human, coalesce(g.clicked, 0) AS clicked, coalesce(g.unsubscribed, 0) AS unsubscribed,
           coalesce(k.cost, 0) AS cost
      FROM (SELECT channel FROM attempts UNION SELECT channel FROM engagement UNION SELECT channel FROM costs) c
      LEFT JOIN attempts a ON a.channel = c.channel
      LEFT JOIN engagement g ON g.channel = c.channel
      LEFT JOIN costs k ON k.channel = c.channel
     ORDER BY c.channel`);
  return rows.map((row) => ({
    channel: row.channel,
    sent: row.sent,
    failedAttempts: row.failed,
    opened: row.opened,
    humanOpened: row.human,
    clicked: row.clicked,
    unsubscribed: row.unsubscribed,
    cost: Number(row.cost),
  }));
}

/** Deletes a schedule with its runs, history and deliveries (and so their attempts), in one transaction; queued deliveries are not sent. */
export async function deleteSchedule(db: Db, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    // The row lock first: a firing in progress holds it (FOR UPDATE; a manual run, KEY SHARE
    // through its run's foreign key), so this waits for it to commit and then sees its run and
    // deliveries. Deliveries have no foreign key to runs, nor attempts to deliveries: they are
    // removed here, before the runs go by cascade.
    const [locked] = await rowsOf<{ id: string }>(tx, sql`SELECT id FROM schedules WHERE id = ${id}::uuid FOR UPDATE`);
    if (!locked) throw notFound('Schedule', id);
    await deleteDeliveries(tx, sql`run_id = ANY (ARRAY(SELECT id FROM runs WHERE schedule_id = ${id}::uuid))`);
    await tx.delete(schedules).where(eq(schedules.id, id));
  });
}

/** The description and next `count` send times of a timing, for the schedule modal. */
export function previewTiming(input: { timezone: string; timing: Timing; count: number }): TimingPreview {
  const now = new Date();
  // A past one-time send is still shown: the modal marks it at the field when saving.
  const issues = validateTiming(input.timing, input.timezone, now).filter((issue) => issue.rule !== 'in_future');
  if (issues.length > 0) throw validationFailed(issues);
  const occurrences = input.timing.type === 'once'
    ? [nextOccurrence(input.timing, input.timezone, new Date(0))].filter((at): at is Date => at !== null)
    : nextOccurrences(input.timing, input.timezone, now, input.count);
  return { description: describeTiming(input.timing, input.timezone), occurrences: occurrences.map((at) => at.toISOString()) };
}

type RunRow = {
  id: string;
  schedule_id: string;
  occurrence_at: Date | string;
  status: Run['status'];
  trigger: Run['trigger'];
  audience_size: number;
  counts: Run['counts'] | null;
  fired_at: Date | string;
  completed_at: Date | string | null;
  total: number;
};

const iso = (value: Date | string): string => new Date(value).toISOString();

/** One page of a schedule's runs, newest first, each with its deliveries counted by status. */
export async function listRuns(db: Db, scheduleId: string, page: PageQuery): Promise<{ rows: Run[]; total: number }> {
  await getSchedule(db, scheduleId);
  return queryRuns(db, sql`r.schedule_id = ${scheduleId}::uuid`, page);
}

/** One run of a schedule, as listed. */
export async function getRun(db: Db, scheduleId: string, runId: string): Promise<Run> {
  const { rows } = await queryRuns(db, sql`r.schedule_id = ${scheduleId}::uuid AND r.id = ${runId}::uuid`, { limit: 1, offset: 0 });
  if (!rows[0]) throw notFound('Run', runId);
  return rows[0];
}

async function queryRuns(db: Db, where: SQL, page: PageQuery): Promise<{ rows: Run[]; total: number }> {
  const rows = await rowsOf<RunRow>(db, sql`
    SELECT r.id, r.schedule_id, r.occurrence_at, r.status, r.trigger, r.audience_size, r.fired_at, r.completed_at,
           (SELECT jsonb_object_agg(s.status, s.n) FROM (
              SELECT ${shownStatus} AS status, count(*)::int AS n FROM ${deliveriesWithLeases} WHERE d.run_id = r.id GROUP BY 1) s) AS counts,
           count(*) OVER ()::int AS total
      FROM runs r
     WHERE ${where}
     ORDER BY r.occurrence_at DESC, r.id DESC
     LIMIT ${page.limit} OFFSET ${page.offset}`);
  const total = rows[0]?.total ?? (await rowsOf<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM runs r WHERE ${where}`))[0]?.n ?? 0;
  return {
    total,
    rows: rows.map((row) => ({
      id: row.id,
      scheduleId: row.schedule_id,
      occurrenceAt: iso(row.occurrence_at),
      status: row.status,
      trigger: row.trigger,
      audienceSize: row.audience_size,
      counts: row.counts ?? {},
      firedAt: iso(row.fired_at),
      completedAt: row.completed_at === null ? null : iso(row.completed_at),
    })),
  };
}

type DeliveryRow = {
  id: string | number;
  run_id: string;
  recipient_id: string;
  external_id: string;
  email: string | null;
  status: Delivery['status'];
  channels: Delivery['channels'];
  channel: Delivery['channel'];
  attempts: number;
  reason: string | null;
  due_at: Date | string;
  sent_at: Date | string | null;
  total: number;
};

/** One page of a schedule's deliveries (of one run when `runId` is given), oldest first. */
export async function listDeliveries(db: Db, scheduleId: string, runId: string | undefined, query: DeliveryListQuery): Promise<{ rows: Delivery[]; total: number }> {
  await getSchedule(db, scheduleId);
  if (runId) {
    const [run] = await rowsOf(db, sql`SELECT 1 FROM runs WHERE id = ${runId}::uuid AND schedule_id = ${scheduleId}::uuid`);
    if (!run) throw notFound('Run', runId);
  }
  const filters = [sql`d.schedule_id = ${scheduleId}::uuid`];
  if (runId) filters.push(sql`d.run_id = ${runId}::uuid`);
  if (query.status) filters.push(sql`${shownStatus} = ${query.status}`);
  const where = sql.join(filters, sql` AND `);
  const rows = await rowsOf<DeliveryRow>(db, sql`
    SELECT d.id, d.run_id, d.recipient_id, r.external_id, r.email, ${shownStatus} AS status, d.channels, d.channel, d.attempts, d.reason,
           d.due_at, d.sent_at, count(*) OVER ()::int AS total
      FROM ${deliveriesWithLeases} JOIN recipients r ON r.id = d.recipient_id
     WHERE ${where}
     ORDER BY d.id
     LIMIT ${query.limit} OFFSET ${query.offset}`);
  const total = rows[0]?.total ?? (await rowsOf<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${deliveriesWithLeases} WHERE ${where}`))[0]?.n ?? 0;
  return {
    total,
    rows: rows.map((row) => ({
      id: Number(row.id),
      runId: row.run_id,
      recipientId: row.recipient_id,
      recipientExternalId: row.external_id,
      recipientEmail: row.email,
      status: row.status,
      channels: row.channels,
      channel: row.channel,
      attempts: row.attempts,
      reason: row.reason,
      dueAt: iso(row.due_at),
      sentAt: row.sent_at === null ? null : iso(row.sent_at),
    })),
  };
}
