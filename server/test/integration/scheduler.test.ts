/**
 * The scheduler against a real database: one tick at a fixed `now`, then what it wrote —
 * runs, deliveries and their skip reasons, next_run_at, catch-up after downtime.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import type { Timing } from '@herald/shared';
import { createTestApp, type TestApp } from '../harness.ts';
import { deliveries, pushSubscriptions, recipients, runs, scheduleHistory, schedules, segments, templates } from '../../src/db/schema.ts';
import { fireDueSchedules } from '../../src/engine/scheduler/fire-due.ts';
import { fireNow } from '../../src/engine/scheduler/fire-now.ts';
import { startScheduler } from '../../src/engine/scheduler/scheduler.ts';

let t: TestApp;
let templateId: string;

beforeAll(async () => {
  t = await createTestApp();
  const [template] = await t.database.db
    .insert(templates)
    .values({ name: 'Scheduler test', content: { inapp: { title: 'Hi', body: 'News' }, email: { subject: 'Hi', html: '<p>News</p>', text: 'News' } } })
    .returning({ id: templates.id });
  templateId = template!.id;
});
afterAll(async () => { await t.close(); });
// Each test sees only its own schedules and recipients (runs and history cascade; deliveries
// have no foreign keys, so they go first, as in the services that delete).
afterEach(async () => {
  await t.database.db.delete(deliveries);
  await t.database.db.delete(schedules);
  await t.database.db.delete(recipients);
});

let externalSequence = 0;
async function addRecipient(values: Partial<typeof recipients.$inferInsert> = {}): Promise<string> {
  externalSequence += 1;
  const [row] = await t.database.db
    .insert(recipients)
    .values({ externalId: `sched-${externalSequence}`, email: `person${externalSequence}@example.com`, ...values })
    .returning({ id: recipients.id });
  return row!.id;
}

type ScheduleOptions = {
  timing?: Timing | Record<string, unknown>;
  timezone?: string;
  audienceType?: string;
  audienceRecipientIds?: string[];
  segmentId?: string;
  channels?: string[];
  priority?: string;
  nextRunAt: string;
};
async function addSchedule(options: ScheduleOptions): Promise<string> {
  const [row] = await t.database.db
    .insert(schedules)
    .values({
      name: 'Scheduler test',
      templateId,
      timing: options.timing ?? { type: 'daily', time: '09:00' },
      timezone: options.timezone ?? 'Europe/Paris',
      audienceType: options.audienceType ?? 'all',
      audienceRecipientIds: options.audienceRecipientIds ?? [],
      segmentId: options.segmentId ?? null,
      channels: options.channels ?? ['email'],
      priority: options.priority ?? 'normal',
      nextRunAt: new Date(options.nextRunAt),
    })
    .returning({ id: schedules.id });
  return row!.id;
}

const tick = async (now: string) => ({ fired: (await fireDueSchedules(t.context, new Date(now))).fired });
const scheduleRow = async (id: string) => (await t.database.db.select().from(schedules).where(eq(schedules.id, id)))[0]!;
const runsOf = (id: string) => t.database.db.select().from(runs).where(eq(runs.scheduleId, id)).orderBy(asc(runs.occurrenceAt));
const historyOf = (id: string) => t.database.db.select().from(scheduleHistory).where(eq(scheduleHistory.scheduleId, id)).orderBy(asc(scheduleHistory.id));
const deliveriesOf = (runId: string) => t.database.db.select().from(deliveries).where(eq(deliveries.runId, runId));

describe('firing a due schedule', () => {
  it('creates one run and one delivery per recipient, skipping with reasons, and moves next_run_at on', async () => {
    const everyChannel = ['email', 'sms', 'push', 'webhook', 'inapp'];
    const people = {
      emailOnly: await addRecipient(),
      everything: await addRecipient({ phone: '+33600000000', attributes: { webhookUrl: 'https://hooks.example/1' } }),
      unsubscribed: await addRecipient({ unsubscribedAt: new Date('2026-01-01T00:00:00Z') }),
      optedOutOfAll: await addRecipient({ optedOutChannels: everyChannel }),
      noAddress: await addRecipient({ email: null, optedOutChannels: ['inapp'], attributes: { pushSubscriptions: [], webhookUrl: '' } }),
      phoneOptedOut: await addRecipient({ email: null, phone: '+33600000001', optedOutChannels: ['sms', 'inapp'] }),
      // push needs a row in push_subscriptions; an attribute of that name is just an attribute
      pushOnlyAsAttribute: await addRecipient({ optedOutChannels: ['inapp'], attributes: { pushSubscriptions: [{ endpoint: 'https://push.example/2' }] } }),
      inactive: await addRecipient({ isActive: false }),
    };
    await t.database.db.insert(pushSubscriptions).values({ recipientId: people.everything, endpoint: `https://push.example/${people.everything}`, p256dh: 'key', auth: 'secret' });
    const scheduleId = await addSchedule({ channels: everyChannel, priority: 'high', nextRunAt: '2026-03-02T08:00:00Z' });

    expect(await tick('2026-03-02T07:59:59Z')).toEqual({ fired: 0 });
    // Nothing due yet: the tick says when to look again, so the loop can sleep until then.
    expect((await fireDueSchedules(t.context, new Date('2026-03-02T07:59:59Z'))).nextDueAt).toEqual(new Date('2026-03-02T08:00:00Z'));
    expect(await tick('2026-03-02T08:00:05Z')).toEqual({ fired: 1 });

    const [run, ...others] = await runsOf(scheduleId);
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({
      occurrenceAt: new Date('2026-03-02T08:00:00Z'),
      trigger: 'scheduled',
      status: 'sending',
      audienceSize: 8,
      queuedCount: 4,
      skippedCount: 4,
      completedAt: null,
    });
    const rows = await deliveriesOf(run!.id);
    const byRecipient = new Map(rows.map((row) => [row.recipientId, row]));
    const expectRow = (id: string, status: string, channels: string[], reason: string | null) =>
      expect(byRecipient.get(id), `delivery of ${id}`).toMatchObject({ status, channels, reason });
    expectRow(people.emailOnly, 'queued', ['email', 'inapp'], null);
    expectRow(people.everything, 'queued', everyChannel, null);
    expectRow(people.unsubscribed, 'skipped', ['email', 'inapp'], 'unsubscribed');
    expectRow(people.optedOutOfAll, 'skipped', [], 'opted_out');
    expectRow(people.noAddress, 'skipped', [], 'no_address: email, sms, push, webhook');
    expectRow(people.phoneOptedOut, 'skipped', [], 'no_address: email, push, webhook');
    expectRow(people.pushOnlyAsAttribute, 'queued', ['email'], null);
    expectRow(people.inactive, 'queued', ['email', 'inapp'], null);
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      expect(row.priority).toBe(1);
      expect(row.dueAt).toEqual(new Date('2026-03-02T08:00:00Z'));
      expect(row.scheduleId).toBe(scheduleId);
    }

    const schedule = await scheduleRow(scheduleId);
    expect(schedule.nextRunAt).toEqual(new Date('2026-03-03T08:00:00Z'));
    expect(schedule.lastRunAt).toEqual(new Date('2026-03-02T08:00:05Z'));
    expect(schedule.status).toBe('active');

    // The same tick again finds nothing due; the next day fires the next occurrence.
    expect(await tick('2026-03-02T08:00:06Z')).toEqual({ fired: 0 });
    expect(await tick('2026-03-03T08:00:00Z')).toEqual({ fired: 1 });
    expect((await runsOf(scheduleId)).map((r) => r.occurrenceAt.toISOString())).toEqual(['2026-03-02T08:00:00.000Z', '2026-03-03T08:00:00.000Z']);
    expect((await scheduleRow(scheduleId)).nextRunAt).toEqual(new Date('2026-03-04T08:00:00Z'));
  });

  it('counts everyone as reachable by webhook when the template names the URL itself', async () => {
    const person = await addRecipient();
    const [template] = await t.database.db.insert(templates).values({ name: 'Hook', content: { webhook: { url: 'https://hooks.example/in', body: '{}' } } }).returning({ id: templates.id });
    const scheduleId = await addSchedule({ channels: ['webhook'], audienceType: 'test', audienceRecipientIds: [person], nextRunAt: '2026-05-04T08:00:00Z' });
    await t.database.db.update(schedules).set({ templateId: template!.id }).where(eq(schedules.id, scheduleId));
    await tick('2026-05-04T08:00:01Z');
    const [run] = await runsOf(scheduleId);
    expect(await deliveriesOf(run!.id)).toMatchObject([{ recipientId: person, status: 'queued', channels: ['webhook'] }]);
  });

  it("keeps the schedule's wall time across a DST change (09:00 Paris is 08:00Z, then 07:00Z)", async () => {
    await addRecipient();
    const scheduleId = await addSchedule({ nextRunAt: '2026-03-28T08:00:00Z' });
    await tick('2026-03-28T08:00:01Z');
    expect((await scheduleRow(scheduleId)).nextRunAt).toEqual(new Date('2026-03-29T07:00:00Z'));
  });

  it("'active' leaves inactive recipients out; 'test' takes only the listed ones", async () => {
    const active = await addRecipient();
    const inactive = await addRecipient({ isActive: false });
    const listed = await addRecipient();
    await addRecipient();
    const activeSchedule = await addSchedule({ audienceType: 'active', nextRunAt: '2026-03-02T08:00:00Z' });
    const testSchedule = await addSchedule({ audienceType: 'test', audienceRecipientIds: [listed, inactive], nextRunAt: '2026-03-02T08:00:00Z' });
    expect(await tick('2026-03-02T08:00:01Z')).toEqual({ fired: 2 });

    const [activeRun] = await runsOf(activeSchedule);
    const activeRecipients = (await deliveriesOf(activeRun!.id)).map((row) => row.recipientId);
    expect(activeRecipients).toContain(active);
    expect(activeRecipients).not.toContain(inactive);
    expect(activeRun!.audienceSize).toBe(3);

    const [testRun] = await runsOf(testSchedule);
    expect((await deliveriesOf(testRun!.id)).map((row) => row.recipientId).sort()).toEqual([listed, inactive].sort());
    expect(testRun!.audienceSize).toBe(2);
  });

  it('completes a run with nothing to send at once', async () => {
    const unsubscribed = await addRecipient({ unsubscribedAt: new Date('2026-01-01T00:00:00Z') });
    const scheduleId = await addSchedule({ audienceType: 'test', audienceRecipientIds: [unsubscribed], nextRunAt: '2026-03-02T08:00:00Z' });
    await tick('2026-03-02T08:00:01Z');
    const [run] = await runsOf(scheduleId);
    expect(run).toMatchObject({ status: 'completed', audienceSize: 1, queuedCount: 0, skippedCount: 1, completedAt: new Date('2026-03-02T08:00:01Z') });
  });

  it('completes a one-time schedule after it fires', async () => {
    await addRecipient();
    const scheduleId = await addSchedule({ timing: { type: 'once', at: '2026-03-02T09:00' }, nextRunAt: '2026-03-02T08:00:00Z' });
    expect(await tick('2026-03-02T08:00:01Z')).toEqual({ fired: 1 });
    const schedule = await scheduleRow(scheduleId);
    expect(schedule).toMatchObject({ status: 'completed', nextRunAt: null });
    expect((await historyOf(scheduleId)).map((h) => h.action)).toEqual(['completed']);
    expect(await tick('2026-03-05T08:00:00Z')).toEqual({ fired: 0 });
  });

  it('fires a segment audience for exactly the recipients the segment selects', async () => {
    const pro = await addRecipient({ attributes: { plan: 'pro' } });
    await addRecipient({ attributes: { plan: 'free' } });
    await addRecipient();
    const [segment] = await t.database.db
      .insert(segments)
      .values({ name: 'Pro', query: { AND: [{ 'attributes.plan': { $eq: 'pro' } }] } })
      .returning({ id: segments.id });
    const scheduleId = await addSchedule({ audienceType: 'segment', segmentId: segment!.id, nextRunAt: '2026-03-02T08:00:00Z' });
    expect(await tick('2026-03-02T08:00:01Z')).toEqual({ fired: 1 });
    const [run] = await runsOf(scheduleId);
    expect((await deliveriesOf(run!.id)).map((row) => row.recipientId)).toEqual([pro]);
    expect(run!.audienceSize).toBe(1);
  });
});

describe('catch-up after downtime', () => {
  it('sends only the most recent missed occurrence when it is within the window, and records the rest', async () => {
    await addRecipient();
    const scheduleId = await addSchedule({ nextRunAt: '2026-03-02T08:00:00Z' });
    // Down from before 2 March 09:00 Paris until 4 March 10:00 Paris: three occurrences came due.
    expect(await tick('2026-03-04T09:00:00Z')).toEqual({ fired: 1 });

    const allRuns = await runsOf(scheduleId);
    expect(allRuns).toHaveLength(1);
    expect(allRuns[0]).toMatchObject({ occurrenceAt: new Date('2026-03-04T08:00:00Z'), trigger: 'catch-up', queuedCount: 1 });
    const history = await historyOf(scheduleId);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ action: 'missed', data: { count: 2, from: '2026-03-02T08:00:00.000Z', to: '2026-03-03T08:00:00.000Z' } });
    expect((await scheduleRow(scheduleId)).nextRunAt).toEqual(new Date('2026-03-05T08:00:00Z'));
  });

  it('sends nothing when even the most recent missed occurrence is older than the window', async () => {
    await addRecipient();
    const scheduleId = await addSchedule({ nextRunAt: '2026-03-02T08:00:00Z' });
    const windowMinutes = t.config.catchUpWindowMinutes;
    const now = new Date(Date.parse('2026-03-04T08:00:00Z') + (windowMinutes + 1) * 60_000);
    expect(await fireDueSchedules(t.context, now)).toMatchObject({ fired: 0 });

    expect(await runsOf(scheduleId)).toHaveLength(0);
    const history = await historyOf(scheduleId);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ action: 'missed', data: { count: 3, from: '2026-03-02T08:00:00.000Z', to: '2026-03-04T08:00:00.000Z' } });
    const schedule = await scheduleRow(scheduleId);
    expect(schedule).toMatchObject({ status: 'active', nextRunAt: new Date('2026-03-05T08:00:00Z'), lastRunAt: null });
  });
});

describe('schedules that cannot fire', () => {
  it('pauses a schedule with a broken timing or audience, says why, and still fires the others', async () => {
    await addRecipient();
    const badCron = await addSchedule({ timing: { type: 'cron', expression: '61 * * * *' }, nextRunAt: '2026-03-02T08:00:00Z' });
    const unreadable = await addSchedule({ timing: { type: 'fortnightly' }, nextRunAt: '2026-03-02T08:00:00Z' });
    const badAudience = await addSchedule({ audienceType: 'everyone', nextRunAt: '2026-03-02T08:00:00Z' });
    const [brokenSegment] = await t.database.db.insert(segments).values({ name: 'Broken', query: { $where: 'x' } }).returning({ id: segments.id });
    const badSegment = await addSchedule({ audienceType: 'segment', segmentId: brokenSegment!.id, nextRunAt: '2026-03-02T08:00:00Z' });
    const good = await addSchedule({ nextRunAt: '2026-03-02T08:00:00Z' });

    expect(await tick('2026-03-02T08:00:01Z')).toEqual({ fired: 1 });
    expect(await runsOf(good)).toHaveLength(1);
    for (const [id, reason] of [[badCron, /minute/i], [unreadable, /invalid timing/], [badAudience, /unknown audience type "everyone"/], [badSegment, /cannot be compiled/]] as const) {
      expect((await scheduleRow(id)).status).toBe('paused');
      expect(await runsOf(id)).toHaveLength(0);
      const history = await historyOf(id);
      expect(history.map((h) => h.action)).toEqual(['paused']);
      expect(history[0]!.reason).toMatch(reason);
    }
    // Paused schedules are no longer due: the next tick does not touch them.
    expect(await tick('2026-03-02T08:00:02Z')).toEqual({ fired: 0 });
  });
});

describe('fireNow', () => {
  it('creates a manual run now without moving next_run_at', async () => {
    const person = await addRecipient();
    const scheduleId = await addSchedule({ nextRunAt: '2030-01-01T08:00:00Z' });
    const before = Date.now();
    const { runId } = await fireNow(t.context, scheduleId, null);

    const [run] = await runsOf(scheduleId);
    expect(run).toMatchObject({ id: runId, trigger: 'manual', status: 'sending', audienceSize: 1, queuedCount: 1 });
    expect(run!.occurrenceAt.getTime()).toBeGreaterThanOrEqual(before);
    expect((await deliveriesOf(runId)).map((row) => row.recipientId)).toEqual([person]);
    const schedule = await scheduleRow(scheduleId);
    expect(schedule.nextRunAt).toEqual(new Date('2030-01-01T08:00:00Z'));
    expect(schedule.lastRunAt).not.toBeNull();
    expect((await historyOf(scheduleId)).map((h) => h.action)).toEqual(['run_now']);
  });

  it('answers not_found for an unknown schedule and unprocessable for one that cannot be sent', async () => {
    await expect(fireNow(t.context, '00000000-0000-4000-8000-000000000000', null)).rejects.toMatchObject({ code: 'not_found' });
    const broken = await addSchedule({ audienceType: 'everyone', nextRunAt: '2030-01-01T08:00:00Z' });
    await expect(fireNow(t.context, broken, null)).rejects.toMatchObject({ code: 'unprocessable' });
    expect(await runsOf(broken)).toHaveLength(0);
  });
});

describe('two ticks at once on one database', () => {
  it('fire each occurrence once', async () => {
    await addRecipient();
    await addRecipient();
    const scheduleId = await addSchedule({ nextRunAt: '2026-03-02T08:00:00Z' });
    const results = await Promise.all([tick('2026-03-02T08:00:01Z'), tick('2026-03-02T08:00:01Z'), tick('2026-03-02T08:00:01Z')]);
    expect(results.reduce((sum, r) => sum + r.fired, 0)).toBe(1);
    const [run, ...others] = await runsOf(scheduleId);
    expect(others).toHaveLength(0);
    expect(await deliveriesOf(run!.id)).toHaveLength(2);
  });
});

describe('startScheduler', () => {
  it('ticks on its own, and stops ticking once stopped', async () => {
    await addRecipient();
    const scheduleId = await addSchedule({ nextRunAt: new Date(Date.now() - 1000).toISOString() });
    const scheduler = startScheduler({ ...t.context, config: { ...t.context.config, schedulerIntervalMs: 50 } });
    try {
      await vi.waitFor(async () => expect(await runsOf(scheduleId)).toHaveLength(1), { timeout: 10_000, interval: 50 });
    } finally {
      await scheduler.stop();
    }
    // Due again, but nobody is ticking any more.
    await t.database.db.update(schedules).set({ nextRunAt: new Date(Date.now() - 1000) }).where(eq(schedules.id, scheduleId));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runsOf(scheduleId)).toHaveLength(1);
  });
});
