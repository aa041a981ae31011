import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Delivery, Page, Run, Schedule, ScheduleBulkResult, ScheduleChannelStats, ScheduleHistoryEntry, ScheduleInput, TimingPreview } from '@herald/shared';
import { startWorker } from '../../src/engine/worker/worker.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { createRecipients, createSchedule, createTemplate } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const base = '/api/notifications/scheduled';
type Issue = { field: string; rule: string; message: string };

function issuesOf(response: { json: <T>() => T }): Issue[] {
  return response.json<{ error: { details: { issues: Issue[] } } }>().error.details.issues;
}

async function scheduleCount(): Promise<number> {
  const [row] = await t.database.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM schedules`);
  return row!.n;
}

/** A local date-time `days` from now, in UTC, as the timing expects it (YYYY-MM-DDTHH:mm). */
function localInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
}

async function validInput(overrides: Partial<ScheduleInput> = {}): Promise<ScheduleInput> {
  const template = await createTemplate(t);
  return { name: 'Weekly digest', templateId: template.id, timezone: 'Europe/Paris', timing: { type: 'weekly', days: [1, 5], time: '09:00' }, audience: { type: 'all' }, channels: ['email', 'inapp'], ...overrides };
}

describe('schedules: create, read, list, update, delete', () => {
  it('creates a recurring schedule with its next run, description and template name', async () => {
    const input = await validInput();
    const response = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: input });
    expect(response.statusCode).toBe(201);
    const schedule = response.json<Schedule>();
    expect(schedule).toMatchObject({ name: 'Weekly digest', status: 'active', priority: 'normal', timezone: 'Europe/Paris', channels: ['email', 'inapp'], audience: { type: 'all' }, lastRunAt: null });
    expect(schedule.templateName).toMatch(/^Template /);
    expect(schedule.description).toMatch(/Monday/);
    const next = new Date(schedule.nextRunAt!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // 09:00 in Paris is 07:00 or 08:00 UTC, on a Monday or a Friday there.
    expect([7, 8]).toContain(next.getUTCHours());
    expect([1, 5]).toContain(next.getUTCDay());

    const read = await t.app.inject({ method: 'GET', url: `${base}/${schedule.id}`, headers: t.auth });
    expect(read.json()).toEqual(schedule);
    const [history] = await t.database.query<{ action: string }>(sql`SELECT action FROM schedule_history WHERE schedule_id = ${schedule.id}::uuid`);
    expect(history?.action).toBe('created');
  });

  it('lists schedules filtered by status, template and name', async () => {
    const template = await createTemplate(t);
    const a = await createSchedule(t, { templateId: template.id, name: 'Filter alpha' });
    await createSchedule(t, { templateId: template.id, name: 'Filter beta', status: 'paused' });
    const byTemplate = await t.app.inject({ method: 'GET', url: `${base}?templateId=${template.id}`, headers: t.auth });
    expect(byTemplate.json<Page<Schedule>>().total).toBe(2);
    const paused = await t.app.inject({ method: 'GET', url: `${base}?templateId=${template.id}&status=paused`, headers: t.auth });
    expect(paused.json<Page<Schedule>>().items.map((s) => s.name)).toEqual(['Filter beta']);
    const byName = await t.app.inject({ method: 'GET', url: `${base}?q=ALPHA`, headers: t.auth });
    expect(byName.json<Page<Schedule>>().items.map((s) => s.id)).toEqual([a.id]);
    const bad = await t.app.inject({ method: 'GET', url: `${base}?status=sleeping`, headers: t.auth });
    expect(bad.statusCode).toBe(400);
  });

  it('replaces a schedule; a new timing moves the next run, an unchanged one keeps it', async () => {
    const created = await createSchedule(t);
    const input = await validInput({ templateId: created.templateId, timezone: 'UTC', timing: { type: 'daily', time: '09:00' }, channels: ['inapp'] });
    const same = await t.app.inject({ method: 'PUT', url: `${base}/${created.id}`, headers: t.auth, payload: { ...input, name: 'Renamed', priority: 'high' } });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ name: 'Renamed', priority: 'high', nextRunAt: created.nextRunAt });

    const moved = await t.app.inject({ method: 'PUT', url: `${base}/${created.id}`, headers: t.auth, payload: { ...input, timing: { type: 'monthly', day: 'last', time: '18:30' } } });
    expect(moved.statusCode).toBe(200);
    const next = new Date(moved.json<Schedule>().nextRunAt!);
    expect(next.getUTCHours()).toBe(18);
    expect(new Date(next.getTime() + 86_400_000).getUTCDate()).toBe(1);
  });

  it('pauses and resumes, with PUT or the pause and resume actions, and records each in the history', async () => {
    const created = await createSchedule(t);
    const paused = await t.app.inject({ method: 'POST', url: `${base}/${created.id}/pause`, headers: t.auth });
    expect(paused.json<Schedule>().status).toBe('paused');
    const resumed = await t.app.inject({ method: 'POST', url: `${base}/${created.id}/resume`, headers: t.auth });
    expect(resumed.json<Schedule>()).toMatchObject({ status: 'active' });
    const viaPut = await t.app.inject({ method: 'PUT', url: `${base}/${created.id}`, headers: t.auth, payload: { ...(await validInput({ templateId: created.templateId, timezone: 'UTC', timing: { type: 'daily', time: '09:00' }, channels: ['inapp'] })), status: 'paused' } });
    expect(viaPut.json<Schedule>().status).toBe('paused');
    const actions = await t.database.query<{ action: string }>(sql`SELECT action FROM schedule_history WHERE schedule_id = ${created.id}::uuid ORDER BY id`);
    expect(actions.map((row) => row.action)).toEqual(['created', 'paused', 'resumed', 'paused']);
  });

  it('lets a one-time send that already went out be renamed, and stays completed', async () => {
    const created = await createSchedule(t, { timing: { type: 'once', at: localInDays(1) } });
    const past = localInDays(-1);
    // As the scheduler leaves it after firing: the time has passed and nothing is left.
    await t.database.query(sql`UPDATE schedules SET status = 'completed', next_run_at = NULL, timing = ${JSON.stringify({ type: 'once', at: past })}::jsonb WHERE id = ${created.id}::uuid`);
    const input = await validInput({ templateId: created.templateId, timezone: 'UTC', channels: ['inapp'], timing: { type: 'once', at: past } });
    const renamed = await t.app.inject({ method: 'PUT', url: `${base}/${created.id}`, headers: t.auth, payload: { ...input, name: 'Sent last week' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Sent last week', status: 'completed', nextRunAt: null });
    const resumed = await t.app.inject({ method: 'POST', url: `${base}/${created.id}/resume`, headers: t.auth });
    expect(resumed.statusCode).toBe(400);
    expect(issuesOf(resumed)[0]).toMatchObject({ field: 'status' });
  });

  it('deletes a schedule with its runs, then answers 404', async () => {
    const created = await createSchedule(t);
    await t.app.inject({ method: 'POST', url: `${base}/${created.id}/send-now`, headers: t.auth });
    expect((await t.app.inject({ method: 'DELETE', url: `${base}/${created.id}`, headers: t.auth })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `${base}/${created.id}`, headers: t.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `${base}/${created.id}`, headers: t.auth })).statusCode).toBe(404);
    const [runs] = await t.database.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM runs WHERE schedule_id = ${created.id}::uuid`);
    expect(runs!.n).toBe(0);
  });
});

describe('schedules: timing preview', () => {
  it('describes a timing and lists its next send times', async () => {
    const response = await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: t.auth, payload: { timezone: 'America/New_York', timing: { type: 'cron', expression: '30 8 * * 1-5' }, count: 5 } });
    expect(response.statusCode).toBe(200);
    const preview = response.json<TimingPreview>();
    expect(preview.occurrences).toHaveLength(5);
    expect(preview.description).toMatch(/08:30/);
    for (const at of preview.occurrences) expect([12, 13]).toContain(new Date(at).getUTCHours());
  });

  it('refuses an invalid cron at the field', async () => {
    const response = await t.app.inject({ method: 'POST', url: `${base}/preview`, headers: t.auth, payload: { timezone: 'UTC', timing: { type: 'cron', expression: '61 * * * *' } } });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response)[0]).toMatchObject({ field: 'timing.expression', rule: 'cron' });
  });
});

describe('schedules: bad input is refused by field and rule, nothing written', () => {
  const cases: Array<{ name: string; patch: (input: ScheduleInput) => unknown; field: string }> = [
    { name: 'an invalid cron', patch: (input) => ({ ...input, timing: { type: 'cron', expression: 'every day' } }), field: 'timing.expression' },
    { name: 'an unknown time zone', patch: (input) => ({ ...input, timezone: 'Mars/Olympus' }), field: 'timezone' },
    { name: 'a one-time send in the past', patch: (input) => ({ ...input, timing: { type: 'once', at: localInDays(-1) } }), field: 'timing.at' },
    { name: 'an end before a start', patch: (input) => ({ ...input, timing: { type: 'daily', time: '09:00', startsAt: localInDays(10), endsAt: localInDays(5) } }), field: 'timing.endsAt' },
    { name: 'an unknown template', patch: (input) => ({ ...input, templateId: '00000000-0000-4000-8000-000000000000' }), field: 'templateId' },
    { name: 'an unknown test recipient', patch: (input) => ({ ...input, audience: { type: 'test', recipientIds: ['00000000-0000-4000-8000-000000000001'] } }), field: 'audience.recipientIds' },
    { name: 'an unknown segment', patch: (input) => ({ ...input, audience: { type: 'segment', segmentId: '00000000-0000-4000-8000-000000000002' } }), field: 'audience.segmentId' },
    { name: 'a channel the template has no content for', patch: (input) => ({ ...input, channels: ['sms'] }), field: 'channels' },
    { name: 'a repeated channel', patch: (input) => ({ ...input, channels: ['email', 'email'] }), field: 'channels' },
    { name: 'an unknown channel', patch: (input) => ({ ...input, channels: ['pigeon'] }), field: 'channels.0' },
    { name: 'an empty name', patch: (input) => ({ ...input, name: '  ' }), field: 'name' },
    { name: 'a weekly timing with no day', patch: (input) => ({ ...input, timing: { type: 'weekly', days: [], time: '09:00' } }), field: 'timing.days' },
    { name: 'a monthly day 32', patch: (input) => ({ ...input, timing: { type: 'monthly', day: 32, time: '09:00' } }), field: 'timing.day' },
    { name: 'an impossible date', patch: (input) => ({ ...input, timing: { type: 'once', at: '2031-02-30T09:00' } }), field: 'timing.at' },
    { name: 'a misspelled retry setting', patch: (input) => ({ ...input, retryPolicy: { maxAttempts: 3, baseDelaySeconds: 5, baseDelayMs: 5000, factor: 2, maxDelaySeconds: 60, jitter: 0 } }), field: 'retryPolicy' },
    { name: 'a misspelled end of a recurrence', patch: (input) => ({ ...input, timing: { type: 'daily', time: '09:00', ends: localInDays(5) } }), field: 'timing' },
    { name: 'a field a kind of audience does not have', patch: (input) => ({ ...input, audience: { type: 'all', segmentId: '00000000-0000-4000-8000-000000000002' } }), field: 'audience' },
    { name: 'a misspelled channelMode', patch: (input) => ({ ...input, chanelMode: 'fallback' }), field: 'body' },
    { name: 'a misspelled rate limit', patch: (input) => ({ ...input, rateLimit: { maxPerMinute: 10, maxperhour: 100 } }), field: 'rateLimit' },
  ];

  it.each(cases)('$name → 400 naming $field', async ({ patch, field }) => {
    const input = await validInput();
    const before = await scheduleCount();
    const response = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: patch(input) as object });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response).map((issue) => issue.field)).toContain(field);
    expect(await scheduleCount()).toBe(before);
  });

  it('names the weekday rule for a day given by name', async () => {
    const input = await validInput({ timing: { type: 'weekly', days: ['mon'] as unknown as number[], time: '09:00' } });
    const response = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: input });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response)).toEqual([expect.objectContaining({ field: 'timing.days.0', message: 'weekdays are 1 (Monday) to 7 (Sunday)' })]);
  });

  it('says in words what is missing, of the wrong type, not an option or not a field', async () => {
    const input = await validInput();
    const { timezone: _, ...withoutZone } = input;
    const response = await t.app.inject({
      method: 'POST',
      url: base,
      headers: t.auth,
      payload: { ...withoutZone, priority: 'urgent', timing: { type: 'once', at: 20310101 }, rateLimit: { maxPerMinute: 10, maxperhour: 100 } },
    });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response)).toEqual(expect.arrayContaining([
      { field: 'timezone', rule: 'invalid_type', message: 'is required' },
      { field: 'timing.at', rule: 'invalid_type', message: 'must be text, not a number' },
      { field: 'priority', rule: 'invalid_value', message: 'must be one of "critical", "high", "normal", "low"' },
      { field: 'rateLimit', rule: 'unrecognized_keys', message: expect.stringContaining('has an unknown field "maxperhour"; its fields are maxPerMinute, maxPerHour') },
    ]));
  });

  it('lists every problem at once', async () => {
    const input = await validInput();
    const response = await t.app.inject({ method: 'POST', url: base, headers: t.auth, payload: { ...input, templateId: '00000000-0000-4000-8000-000000000000', timing: { type: 'once', at: localInDays(-2) } } });
    expect(issuesOf(response).map((issue) => issue.field).sort()).toEqual(['templateId', 'timing.at']);
  });

  it('refuses a timing whose end has passed, and leaves an edit unwritten', async () => {
    const created = await createSchedule(t);
    const input = await validInput({ templateId: created.templateId, channels: ['inapp'], timing: { type: 'daily', time: '09:00', startsAt: localInDays(-10), endsAt: localInDays(-5) } });
    const response = await t.app.inject({ method: 'PUT', url: `${base}/${created.id}`, headers: t.auth, payload: input });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response)[0]).toMatchObject({ field: 'timing', rule: 'never_fires' });
    const read = await t.app.inject({ method: 'GET', url: `${base}/${created.id}`, headers: t.auth });
    expect(read.json()).toEqual(created);
  });

  it('answers 404 for an unknown schedule and 400 for a malformed id', async () => {
    expect((await t.app.inject({ method: 'GET', url: `${base}/00000000-0000-4000-8000-000000000000`, headers: t.auth })).statusCode).toBe(404);
    const malformed = await t.app.inject({ method: 'GET', url: `${base}/nope`, headers: t.auth });
    expect(malformed.statusCode).toBe(400);
  });
});

describe('schedules: send now, runs and deliveries', () => {
  it('sends now to a test list: a manual run with one delivery per recipient, the next run unchanged', async () => {
    const people = await createRecipients(t, 3);
    const optedOut = await createRecipients(t, 1, () => ({ email: null }));
    const schedule = await createSchedule(t, { channels: ['email'], audience: { type: 'test', recipientIds: [...people, ...optedOut].map((r) => r.id) } });

    const response = await t.app.inject({ method: 'POST', url: `${base}/${schedule.id}/send-now`, headers: t.auth });
    expect(response.statusCode).toBe(202);
    const run = response.json<Run>();
    expect(run).toMatchObject({ scheduleId: schedule.id, trigger: 'manual', status: 'sending', audienceSize: 4, counts: { queued: 3, skipped: 1 } });

    const runs = await t.app.inject({ method: 'GET', url: `${base}/${schedule.id}/runs`, headers: t.auth });
    expect(runs.json<Page<Run>>()).toMatchObject({ total: 1, items: [{ id: run.id }] });

    const all = await t.app.inject({ method: 'GET', url: `${base}/${schedule.id}/runs/${run.id}/deliveries`, headers: t.auth });
    const deliveries = all.json<Page<Delivery>>();
    expect(deliveries.total).toBe(4);
    expect(deliveries.items.map((d) => d.recipientExternalId).sort()).toEqual([...people, ...optedOut].map((r) => r.externalId).sort());
    const skipped = await t.app.inject({ method: 'GET', url: `${base}/${schedule.id}/deliveries?status=skipped`, headers: t.auth });
    expect(skipped.json<Page<Delivery>>().items).toMatchObject([{ recipientId: optedOut[0]!.id, status: 'skipped', reason: expect.stringMatching(/email/) }]);

    const after = await t.app.inject({ method: 'GET', url: `${base}/${schedule.id}`, headers: t.auth });
    expect(after.json<Schedule>().nextRunAt).toBe(schedule.nextRunAt);
    expect(after.json<Schedule>().lastRunAt).not.toBeNull();
  });

  it('answers 404 for the deliveries of a run of another schedule', async () => {
    const a = await createSchedule(t);
    const b = await createSchedule(t);
    const run = (await t.app.inject({ method: 'POST', url: `${base}/${a.id}/send-now`, headers: t.auth })).json<Run>();
    const response = await t.app.inject({ method: 'GET', url: `${base}/${b.id}/runs/${run.id}/deliveries`, headers: t.auth });
    expect(response.statusCode).toBe(404);
  });
});

describe('schedules: bulk pause and resume, history', () => {
  it('pauses many at once with a reason, reports the ones it could not change, and keeps the reason in the history', async () => {
    const a = await createSchedule(t);
    const b = await createSchedule(t);
    const unknown = '00000000-0000-4000-8000-00000000000a';
    const response = await t.app.inject({ method: 'POST', url: `${base}/bulk/pause`, headers: t.auth, payload: { ids: [a.id, b.id, unknown], reason: 'holiday freeze' } });
    expect(response.statusCode).toBe(200);
    const result = response.json<ScheduleBulkResult>();
    expect(result.changed.sort()).toEqual([a.id, b.id].sort());
    expect(result.refused).toMatchObject([{ id: unknown, message: expect.stringMatching(/not found|does not exist/i) }]);

    const history = await t.app.inject({ method: 'GET', url: `${base}/${a.id}/history`, headers: t.auth });
    const [latest] = history.json<Page<ScheduleHistoryEntry>>().items;
    expect(latest).toMatchObject({ action: 'paused', reason: 'holiday freeze', userEmail: null });

    const resumed = await t.app.inject({ method: 'POST', url: `${base}/bulk/resume`, headers: t.auth, payload: { ids: [a.id, b.id] } });
    expect(resumed.json<ScheduleBulkResult>()).toMatchObject({ refused: [] });
    const empty = await t.app.inject({ method: 'POST', url: `${base}/bulk/pause`, headers: t.auth, payload: { ids: [] } });
    expect(empty.statusCode).toBe(400);
    expect(issuesOf(empty)[0]).toMatchObject({ field: 'ids' });
  });
});

describe('schedules: channel comparison', () => {
  it('counts what each channel sent, with opens and clicks from the events', async () => {
    const people = await createRecipients(t, 2);
    const schedule = await createSchedule(t, { channels: ['inapp'], audience: { type: 'test', recipientIds: people.map((r) => r.id) } });
    const run = (await t.app.inject({ method: 'POST', url: `${base}/${schedule.id}/send-now`, headers: t.auth })).json<Run>();
    const worker = startWorker(t.context);
    try {
      for (let i = 0; i < 200; i++) {
        const [row] = await t.database.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM deliveries WHERE run_id = ${run.id}::uuid AND status = 'sent'`);
        if (row!.n === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await worker.stop();
    }
    await t.database.query(sql`
      INSERT INTO events (type, delivery_id, run_id, schedule_id, recipient_id, channel, data)
      SELECT 'clicked', id, run_id, schedule_id, recipient_id, 'inapp', '{}'::jsonb FROM deliveries WHERE run_id = ${run.id}::uuid LIMIT 1`);
    const response = await t.app.inject({ method: 'GET', url: `${base}/${schedule.id}/channels`, headers: t.auth });
    expect(response.statusCode).toBe(200);
    expect(response.json<ScheduleChannelStats[]>()).toEqual([{ channel: 'inapp', sent: 2, failedAttempts: 0, opened: 0, humanOpened: 0, clicked: 1, unsubscribed: 0, cost: 0 }]);
  });
});

describe('schedules: roles', () => {
  it('lets a viewer read but not write, and an editor write', async () => {
    const viewer = await t.authAs('viewer');
    const editor = await t.authAs('editor');
    const input = await validInput();
    expect((await t.app.inject({ method: 'GET', url: base, headers: viewer })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: base, headers: viewer, payload: input })).statusCode).toBe(403);
    const created = await t.app.inject({ method: 'POST', url: base, headers: editor, payload: input });
    expect(created.statusCode).toBe(201);
    const id = created.json<Schedule>().id;
    expect((await t.app.inject({ method: 'POST', url: `${base}/${id}/send-now`, headers: viewer })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `${base}/${id}`, headers: viewer })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: base })).statusCode).toBe(401);
  });
});
