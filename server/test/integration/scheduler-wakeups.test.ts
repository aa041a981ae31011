/**
 * The scheduler sleeps until the next occurrence is due, not for a fixed interval, and wakes
 * when a schedule is created or edited; a firing that queued deliveries tells the workers
 * (herald_deliveries) when it commits. Each scheduler here has an interval of ten minutes, so a
 * run that fires within the test's few seconds fired because of the behaviour under test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../harness.ts';
import { runs } from '../../src/db/schema.ts';
import { deliveriesChannel } from '../../src/engine/scheduler/announce.ts';
import { fireNow } from '../../src/engine/scheduler/fire-now.ts';
import { startScheduler } from '../../src/engine/scheduler/scheduler.ts';
import { createRecipients, createSchedule } from '../support/factories.ts';

const tenMinutes = 600_000;

let t: TestApp;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  t = await createTestApp();
  await createRecipients(t, 2);
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
afterAll(async () => { await t.close(); });

function startSlowScheduler(): void {
  const scheduler = startScheduler({ ...t.context, config: { ...t.context.config, schedulerIntervalMs: tenMinutes } });
  stops.push(() => scheduler.stop());
}

/** A one-time schedule due `ms` from now (whole seconds, as the timing is written). */
function onceIn(ms: number): { type: 'once'; at: string } {
  const at = new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);
  return { type: 'once', at: at.toISOString().slice(0, 19) };
}

const runsOf = (scheduleId: string) => t.database.db.select().from(runs).where(eq(runs.scheduleId, scheduleId));

describe('when the scheduler ticks', () => {
  it('sleeps until the next occurrence is due rather than for its interval', async () => {
    // Created before the scheduler listens: only its own look at the schedules can find it.
    const schedule = await createSchedule(t, { timing: onceIn(2000) });
    startSlowScheduler();
    await vi.waitFor(async () => expect(await runsOf(schedule.id)).toHaveLength(1), { timeout: 20_000, interval: 100 });
    const [run] = await runsOf(schedule.id);
    expect(run!.firedAt.getTime()).toBeGreaterThanOrEqual(run!.occurrenceAt.getTime());
  });

  it('wakes for a schedule created while it sleeps', async () => {
    startSlowScheduler();
    // Let its first tick find nothing due and go to sleep for the interval.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const schedule = await createSchedule(t, { timing: onceIn(1500) });
    await vi.waitFor(async () => expect(await runsOf(schedule.id)).toHaveLength(1), { timeout: 20_000, interval: 100 });
  });

  it('wakes for a schedule edited to an earlier time while it sleeps', async () => {
    const schedule = await createSchedule(t, { timing: onceIn(3_600_000) });
    startSlowScheduler();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { id, name, templateId, timezone, audience, channels } = schedule;
    const edited = await t.app.inject({
      method: 'PUT', url: `/api/notifications/scheduled/${id}`, headers: t.auth,
      payload: { name, templateId, timezone, audience, channels, timing: onceIn(1500) },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await vi.waitFor(async () => expect(await runsOf(id)).toHaveLength(1), { timeout: 20_000, interval: 100 });
  });
});

describe('telling the workers', () => {
  it('announces queued deliveries when a firing or a manual run commits', async () => {
    let heard = 0;
    const unlisten = await t.database.listen(deliveriesChannel, () => { heard += 1; });
    stops.push(unlisten);

    const schedule = await createSchedule(t, { timing: onceIn(1000) });
    startSlowScheduler();
    await vi.waitFor(async () => expect(await runsOf(schedule.id)).toHaveLength(1), { timeout: 20_000, interval: 50 });
    await vi.waitFor(() => expect(heard).toBeGreaterThanOrEqual(1), { timeout: 5_000, interval: 20 });

    const before = heard;
    await fireNow(t.context, schedule.id, null);
    await vi.waitFor(() => expect(heard).toBeGreaterThan(before), { timeout: 5_000, interval: 20 });
  });
});
