/**
 * Herald's whole schema, in one place. Migrations in ../../drizzle are generated from it
 * (`npm run db:generate`) and applied at start.
 *
 * All instants are `timestamptz` in UTC. Local wall-clock values (a schedule's "09:00 in
 * Europe/Paris") live inside `schedules.timing` together with the IANA zone.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const instant = (name: string) => timestamp(name, { withTimezone: true });

// ── People who use Herald ────────────────────────────────────────────────────────────────

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  name: text('name').notNull().default(''),
  /** scrypt hash, `scrypt$N$r$p$salt$hash` */
  passwordHash: text('password_hash').notNull(),
  role: text('role').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`)]);

export const sessions = pgTable('sessions', {
  /** sha256 of the cookie value: a stolen database does not yield live sessions */
  tokenHash: text('token_hash').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: instant('expires_at').notNull(),
  createdAt: createdAt(),
}, (t) => [index('sessions_user_idx').on(t.userId)]);

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** sha256 of the token; the token itself is shown once, at creation */
  tokenHash: text('token_hash').notNull().unique(),
  /** first characters of the token, so a person can tell tokens apart */
  prefix: text('prefix').notNull(),
  role: text('role').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  lastUsedAt: instant('last_used_at'),
  createdAt: createdAt(),
});

/** Small key/value store for instance-wide settings and generated secrets. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

// ── Recipients: the host app's users ─────────────────────────────────────────────────────

export const recipients = pgTable('recipients', {
  id: uuid('id').primaryKey().defaultRandom(),
  externalId: text('external_id').notNull().unique(),
  email: text('email'),
  phone: text('phone'),
  name: text('name'),
  timezone: text('timezone'),
  locale: text('locale'),
  isActive: boolean('is_active').notNull().default(true),
  attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
  /** set when the person unsubscribed from everything */
  unsubscribedAt: instant('unsubscribed_at'),
  /** channels the person opted out of (email, sms, push, webhook, inapp) */
  optedOutChannels: text('opted_out_channels').array().notNull().default(sql`'{}'::text[]`),
  /**
   * The person's own quiet hours (QuietHoursOverride in @herald/shared), in their timezone:
   * `{"start":"22:00","end":"07:00"}`, or `"none"` for someone who wants none; null follows
   * the instance's default in the delivery settings.
   */
  quietHours: jsonb('quiet_hours').$type<{ start: string; end: string } | 'none'>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  index('recipients_created_idx').on(t.createdAt),
  index('recipients_email_idx').on(sql`lower(${t.email})`),
  // Segments compare attributes by containment (`attributes @> '{"plan":"pro"}'`), which this
  // index answers: a rare value is found in milliseconds instead of a scan of every recipient
  // (jsonb_path_ops: smaller and faster for @> than the default jsonb_ops, which also serves
  // `?`). Measured in bench/segments.ts; see docs/segments.md.
  index('recipients_attributes_idx').using('gin', sql`${t.attributes} jsonb_path_ops`),
]);

// ── What to send ─────────────────────────────────────────────────────────────────────────

export const templates = pgTable('templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  category: text('category').notNull().default('general'),
  /** per-channel content, validated by the templates module: { email: {subject, html, text}, inapp: {title, body, url}, … } */
  content: jsonb('content').$type<Record<string, unknown>>().notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const segments = pgTable('segments', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  /** the query tree in the documented grammar ({"AND":[…]}) */
  query: jsonb('query').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A scheduled notification: template + audience + timing + channels. */
export const schedules = pgTable('schedules', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  templateId: uuid('template_id').notNull().references(() => templates.id, { onDelete: 'restrict' }),
  /** active | paused | completed */
  status: text('status').notNull().default('active'),
  /** { type: once|daily|weekly|monthly|cron, … } validated by the schedules module */
  timing: jsonb('timing').$type<Record<string, unknown>>().notNull(),
  timezone: text('timezone').notNull(),
  /** all | active | test | segment */
  audienceType: text('audience_type').notNull(),
  audienceRecipientIds: uuid('audience_recipient_ids').array().notNull().default(sql`'{}'::uuid[]`),
  segmentId: uuid('segment_id').references(() => segments.id, { onDelete: 'restrict' }),
  channels: text('channels').array().notNull(),
  /** critical | high | normal | low */
  priority: text('priority').notNull().default('normal'),
  /** all: send on every channel the recipient can receive; fallback: on the first one, in order, that succeeds */
  channelMode: text('channel_mode').notNull().default('all'),
  /** this schedule's own rate limit (RateLimit in @herald/shared), on top of the global and channel limits */
  rateLimit: jsonb('rate_limit').$type<Record<string, unknown>>(),
  /** this schedule's retry policy (RetryPolicy in @herald/shared); wins over the channel and default policies */
  retryPolicy: jsonb('retry_policy').$type<Record<string, unknown>>(),
  /** the next occurrence to fire, in UTC; null when nothing is left to fire */
  nextRunAt: instant('next_run_at'),
  lastRunAt: instant('last_run_at'),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  index('schedules_due_idx').on(t.nextRunAt).where(sql`${t.status} = 'active'`),
  index('schedules_template_idx').on(t.templateId),
]);

/**
 * One firing of a schedule. Unique on (schedule_id, occurrence_at): the scheduler that
 * inserts the row is the only one that fans it out, so any number of schedulers fire an
 * occurrence exactly once.
 */
export const runs = pgTable('runs', {
  id: uuid('id').primaryKey().defaultRandom(),
  scheduleId: uuid('schedule_id').notNull().references(() => schedules.id, { onDelete: 'cascade' }),
  occurrenceAt: instant('occurrence_at').notNull(),
  /** sending | completed | missed | cancelled */
  status: text('status').notNull().default('sending'),
  /** scheduled | manual | catch-up */
  trigger: text('trigger').notNull().default('scheduled'),
  audienceSize: integer('audience_size').notNull().default(0),
  queuedCount: integer('queued_count').notNull().default(0),
  skippedCount: integer('skipped_count').notNull().default(0),
  firedAt: instant('fired_at').notNull().defaultNow(),
  completedAt: instant('completed_at'),
}, (t) => [
  uniqueIndex('runs_occurrence_key').on(t.scheduleId, t.occurrenceAt),
  index('runs_open_idx').on(t.status).where(sql`${t.status} = 'sending'`),
]);

/**
 * The queue. One row per (run, recipient), never more: every channel send is an attempt
 * under it. Workers claim rows with FOR UPDATE SKIP LOCKED ordered by priority then due time.
 *
 * A fan-out writes a million of these rows in one statement, so each row carries only what
 * pays for itself (measured in bench/fan-out.ts, docs/benchmarks.md):
 * - run_id and recipient_id have no foreign keys: their per-row checks were half of the
 *   fan-out's cost. The services that delete do what the cascades did, in their transaction:
 *   deleteSchedule removes its runs' deliveries, deleteRecipient removes theirs after waiting
 *   for fan-outs in progress (engine/fan-out/fan-out-lock.ts), so no delivery points nowhere.
 * - No index on recipient_id alone (random UUIDs: the costliest index to fill). A recipient's
 *   deliveries are found through the unique (run_id, recipient_id) key, one probe per run.
 * - Runs ask "is anything still queued or being sent?" of a partial index that holds only
 *   those rows, and loses them as they are sent.
 */
export const deliveries = pgTable('deliveries', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** the run (no foreign key: deleteSchedule removes a deleted run's deliveries) */
  runId: uuid('run_id').notNull(),
  scheduleId: uuid('schedule_id').notNull(),
  /** the recipient (no foreign key: deleteRecipient removes a deleted recipient's deliveries) */
  recipientId: uuid('recipient_id').notNull(),
  /** queued | sending | sent | failed | skipped | cancelled */
  status: text('status').notNull(),
  /** 0 critical … 3 low: smaller is served first */
  priority: smallint('priority').notNull().default(2),
  dueAt: instant('due_at').notNull(),
  /** channels to try, in order */
  channels: text('channels').array().notNull(),
  /** the channel that delivered it (with several, the first in `channels` order) */
  channel: text('channel'),
  attempts: integer('attempts').notNull().default(0),
  /**
   * `attempts` when the delivery was last sent again from the dead letters: the failures of
   * earlier attempts no longer count against the retry policy (what was sent stays sent).
   */
  retryBase: integer('retry_base').notNull().default(0),
  /** when the delivery took its place under the recipient's frequency cap (null: not counted) */
  countedAt: instant('counted_at'),
  lockedBy: text('locked_by'),
  lockedUntil: instant('locked_until'),
  /** why it was skipped or failed; while queued, what deferred it or why it is being retried */
  reason: text('reason'),
  sentAt: instant('sent_at'),
  /** what its delivered messages cost, by the per-channel costs of the delivery settings */
  cost: numeric('cost', { precision: 12, scale: 6 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('deliveries_run_recipient_key').on(t.runId, t.recipientId),
  index('deliveries_claim_idx').on(t.priority, t.dueAt).where(sql`${t.status} = 'queued'`),
  index('deliveries_lease_idx').on(t.lockedUntil).where(sql`${t.status} = 'sending'`),
  // completing runs and their progress: a run's deliveries still to send; empty once it is done
  index('deliveries_run_open_idx').on(t.runId).where(sql`${t.status} IN ('queued', 'sending')`),
  // the frequency cap counts a recipient's recent deliveries; only capped deliveries are indexed
  index('deliveries_counted_idx').on(t.recipientId, t.countedAt).where(sql`${t.countedAt} IS NOT NULL`),
  // the dead letters, newest first
  index('deliveries_failed_idx').on(t.updatedAt).where(sql`${t.status} = 'failed'`),
]);

/** Each channel send of a delivery. */
export const deliveryAttempts = pgTable('delivery_attempts', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  deliveryId: bigint('delivery_id', { mode: 'number' }).notNull().references(() => deliveries.id, { onDelete: 'cascade' }),
  channel: text('channel').notNull(),
  attempt: integer('attempt').notNull(),
  /** sent | failed */
  status: text('status').notNull(),
  isTransient: boolean('is_transient'),
  error: text('error'),
  providerMessageId: text('provider_message_id'),
  createdAt: createdAt(),
}, (t) => [index('delivery_attempts_delivery_idx').on(t.deliveryId)]);

/** Everything that happened to a delivery: the audit trail and the analytics source. */
export const events = pgTable('events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  type: text('type').notNull(),
  deliveryId: bigint('delivery_id', { mode: 'number' }),
  runId: uuid('run_id'),
  scheduleId: uuid('schedule_id'),
  recipientId: uuid('recipient_id'),
  channel: text('channel'),
  data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  occurredAt: instant('occurred_at').notNull().defaultNow(),
}, (t) => [
  index('events_delivery_idx').on(t.deliveryId),
  // A schedule's events (its results, its delivery timeline), and the segments' "opened /
  // clicked this scheduled notification": the recipients who had an event of a type, read
  // from the index alone (bench/segments.ts: the "opened Welcome" segment 404 → 275 ms).
  index('events_schedule_engagement_idx').on(t.scheduleId, t.type, t.recipientId),
  // Segments' engagement fields look up one recipient's events of a type (received, opened,
  // clicked): when, for which schedule, which delivery. With all five columns in the index
  // those lookups never touch the table, whose rows for one recipient lie far apart (events
  // arrive in time order). Measured in bench/segments.ts; see docs/segments.md.
  index('events_recipient_engagement_idx').on(t.recipientId, t.type, t.occurredAt, t.scheduleId, t.deliveryId),
  // BRIN: events arrive in time order, so a tiny index serves "the last hour" (queue throughput)
  index('events_time_brin_idx').using('brin', t.occurredAt),
]);

/**
 * Each recipient's engagement summed up from `events`: how many deliveries reached them, how
 * many they opened, in how many they clicked, and when each last happened. The trigger on
 * events keeps it (drizzle/0001_engagement_rollup.sql, in the statement that inserts the
 * events), so segments compare a rate or a "last opened" with one row per recipient instead
 * of aggregating their events (bench/segments.ts: the open-rate segment 730 → … ms).
 * No foreign key: a worker may still record a delivery to a recipient deleted mid-send, and
 * that must not fail its batch; deleting a recipient deletes their row here.
 */
export const recipientEngagement = pgTable('recipient_engagement', {
  recipientId: uuid('recipient_id').primaryKey(),
  /** deliveries with a `sent` or `delivered` event */
  received: integer('received').notNull().default(0),
  /** deliveries with an `opened` event */
  opened: integer('opened').notNull().default(0),
  /** deliveries with a `clicked` event */
  clicked: integer('clicked').notNull().default(0),
  lastReceivedAt: instant('last_received_at'),
  lastOpenedAt: instant('last_opened_at'),
  lastClickedAt: instant('last_clicked_at'),
});

/**
 * Rate-limit state shared by every worker: one row per limit (`global`, `channel:sms`,
 * `schedule:<id>`). Workers lock the rows of a batch's limits (FOR UPDATE, in key order),
 * take tokens, and write the new state in the same transaction (engine/limits).
 */
export const rateLimitBuckets = pgTable('rate_limit_buckets', {
  key: text('key').primaryKey(),
  /** BucketState (engine/limits/bucket.ts): the smoothing clock and recent sends per window */
  state: jsonb('state').$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: updatedAt(),
});

/** The in-app inbox. */
export const inboxMessages = pgTable('inbox_messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  recipientId: uuid('recipient_id').notNull().references(() => recipients.id, { onDelete: 'cascade' }),
  /** unique: a repeated send of the same delivery cannot put it in the inbox twice */
  deliveryId: bigint('delivery_id', { mode: 'number' }).unique(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  url: text('url'),
  readAt: instant('read_at'),
  createdAt: createdAt(),
}, (t) => [index('inbox_recipient_idx').on(t.recipientId, t.createdAt)]);

/**
 * Web push subscriptions (the browser's PushSubscription), several per recipient: one per
 * browser or device. The endpoint is unique: a browser that subscribes again, perhaps for
 * another person signed in on it, moves its subscription rather than holding two.
 */
export const pushSubscriptions = pgTable('push_subscriptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  recipientId: uuid('recipient_id').notNull().references(() => recipients.id, { onDelete: 'cascade' }),
  endpoint: text('endpoint').notNull().unique(),
  /** the browser's P-256 public key, base64url (65 bytes) */
  p256dh: text('p256dh').notNull(),
  /** the browser's auth secret, base64url (16 bytes) */
  auth: text('auth').notNull(),
  /** when the browser says the subscription ends, if it says */
  expiresAt: instant('expires_at'),
  userAgent: text('user_agent'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [index('push_subscriptions_recipient_idx').on(t.recipientId)]);

/** Audit of changes to schedules (created, updated, paused, resumed…). */
export const scheduleHistory = pgTable('schedule_history', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  scheduleId: uuid('schedule_id').notNull().references(() => schedules.id, { onDelete: 'cascade' }),
  action: text('action').notNull(),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
  reason: text('reason'),
  data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  occurredAt: instant('occurred_at').notNull().defaultNow(),
}, (t) => [index('schedule_history_schedule_idx').on(t.scheduleId, t.occurredAt)]);

/** Long jobs (CSV imports…) report progress here so any process can answer "how far?". */
export const jobs = pgTable('jobs', {
  id: uuid('id').primaryKey().defaultRandom(),
  kind: text('kind').notNull(),
  /** running | completed | failed */
  status: text('status').notNull().default('running'),
  total: integer('total').notNull().default(0),
  processed: integer('processed').notNull().default(0),
  succeeded: integer('succeeded').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  /** per-row errors: [{ row, field, rule, message }] (first 1,000) */
  errors: jsonb('errors').$type<Array<{ row: number; field: string; rule: string; message: string }>>().notNull().default([]),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
