/**
 * Queued deliveries for engine tests, written straight into the database (template, schedule,
 * run, recipients, one delivery per recipient) so a test controls each delivery's priority,
 * due time, channels and the schedule's delivery options exactly; the worker under test is real.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { ChannelMode, DeliverySettingsInput, Priority, RateLimitInput, RetryPolicy, TemplateContent } from '@herald/shared';
import type { TestApp } from '../harness.ts';
import { deliveries, deliveryAttempts, deliveryLeases, recipients, runs, schedules, templates } from '../../src/db/schema.ts';
import { uniqueSuffix } from './factories.ts';

export const seedContent: TemplateContent = {
  email: { subject: 'Hello {{ recipient.name }}', html: '<p>Hi {{ recipient.name }}</p>', text: 'Hi {{ recipient.name }}' },
  inapp: { title: 'News for {{ recipient.name }}', body: 'From {{ schedule.name }}' },
};

export type SeedOptions = {
  count?: number;
  channels?: string[];
  channelMode?: ChannelMode;
  priority?: Priority;
  dueAt?: Date;
  content?: TemplateContent;
  rateLimit?: RateLimitInput;
  retryPolicy?: RetryPolicy;
  /** reuse these recipients instead of creating new ones */
  recipientIds?: string[];
  optedOutChannels?: string[];
};

export type Seeded = { runId: string; scheduleId: string; deliveryIds: number[]; recipientIds: string[]; emails: string[] };

const priorityRank: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

/** Creates a schedule, a run and one queued delivery per recipient. */
export async function seedDeliveries(t: TestApp, options: SeedOptions = {}): Promise<Seeded> {
  const { db } = t.database;
  const suffix = uniqueSuffix();
  const channels = options.channels ?? ['email'];
  const [template] = await db.insert(templates).values({ name: `T ${suffix}`, content: options.content ?? seedContent }).returning();
  const [schedule] = await db.insert(schedules).values({
    name: `Schedule ${suffix}`,
    templateId: template!.id,
    timing: { type: 'once', at: '2030-01-01T09:00' },
    timezone: 'UTC',
    audienceType: 'test',
    channels,
    priority: options.priority ?? 'normal',
    channelMode: options.channelMode ?? 'all',
    rateLimit: (options.rateLimit as Record<string, unknown> | undefined) ?? null,
    retryPolicy: options.retryPolicy ?? null,
  }).returning();
  const [run] = await db.insert(runs).values({ scheduleId: schedule!.id, occurrenceAt: new Date() }).returning();
  let recipientRows: Array<{ id: string; email: string | null }>;
  if (options.recipientIds) {
    recipientRows = await db.select({ id: recipients.id, email: recipients.email }).from(recipients).where(inArray(recipients.id, options.recipientIds));
  } else {
    recipientRows = await db.insert(recipients).values(Array.from({ length: options.count ?? 1 }, (_, i) => ({
      externalId: `seed-${suffix}-${i}`,
      email: `seed-${suffix}-${i}@example.com`,
      name: `Person ${suffix}-${i}`,
      optedOutChannels: options.optedOutChannels ?? [],
    }))).returning({ id: recipients.id, email: recipients.email });
  }
  const rows = await db.insert(deliveries).values(recipientRows.map((person) => ({
    runId: run!.id,
    scheduleId: schedule!.id,
    recipientId: person.id,
    status: 'queued',
    priority: priorityRank[options.priority ?? 'normal'],
    dueAt: options.dueAt ?? new Date(Date.now() - 1000),
    channels,
  }))).returning({ id: deliveries.id });
  return { runId: run!.id, scheduleId: schedule!.id, deliveryIds: rows.map((r) => r.id), recipientIds: recipientRows.map((p) => p.id), emails: recipientRows.map((p) => p.email ?? '') };
}

/** The deliveries of these ids, in the order the ids are given (a fan-out numbers them in recipient id order, not in the caller's); an id with no row is left out. */
export async function deliveryRows(t: TestApp, ids: readonly number[]) {
  const rows = await t.database.db.select().from(deliveries).where(inArray(deliveries.id, [...ids]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Gives a worker a lease of a minute on deliveries, as its claim does. */
export async function leaseTo(t: TestApp, worker: string, ids: readonly number[]): Promise<void> {
  await t.database.db.insert(deliveryLeases).values(ids.map((deliveryId) => ({ deliveryId, lockedBy: worker, lockedUntil: sql`now() + interval '1 minute'` })));
}

export async function attemptRows(t: TestApp, id: number) {
  return t.database.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, id)).orderBy(asc(deliveryAttempts.id));
}

export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True once every named delivery is sent, failed or skipped. */
export const isSettled = (t: TestApp, ids: readonly number[]) => async () =>
  (await deliveryRows(t, ids)).every((row) => row.status === 'sent' || row.status === 'failed' || row.status === 'skipped');

/** Replaces the delivery settings through the API, failing loudly if refused. */
export async function putDeliverySettings(t: TestApp, settings: DeliverySettingsInput): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: '/api/settings/delivery', headers: t.auth, payload: settings });
  if (response.statusCode !== 200) throw new Error(`PUT /api/settings/delivery answered ${response.statusCode}: ${response.body}`);
}
