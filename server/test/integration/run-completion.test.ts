/**
 * Runs are completed once nothing of them is queued or leased: at once when the queue runs
 * dry, at most once a second while it is busy, and by the sweep for a run whose worker died
 * before it could check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../harness.ts';
import { completeSettledRuns } from '../../src/engine/worker/record-results.ts';
import { createRunCompletion } from '../../src/engine/worker/run-completion.ts';
import { leaseTo, seedDeliveries } from '../support/delivery-seed.ts';

let t: TestApp;

beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const statusOf = async (runId: string) => (await t.database.query<{ status: string }>(sql`SELECT status FROM runs WHERE id = ${runId}::uuid`))[0]!.status;
const settle = (runId: string) => t.database.query(sql`UPDATE deliveries SET status = 'sent' WHERE run_id = ${runId}::uuid`);

describe('run completion', () => {
  it('checks a run at once when the queue has run dry, and leaves an unsettled run open', async () => {
    const seeded = await seedDeliveries(t, { count: 2 });
    const runs = createRunCompletion(t.database, 60_000);
    expect(await runs.recorded([seeded.runId], false)).toEqual([]);
    expect(await statusOf(seeded.runId)).toBe('sending');
    await settle(seeded.runId);
    expect(await runs.recorded([seeded.runId], false)).toEqual([seeded.runId]);
    expect(await statusOf(seeded.runId)).toBe('completed');
  });

  it('keeps a run open while a worker holds a lease on one of its deliveries', async () => {
    const seeded = await seedDeliveries(t, { count: 2 });
    await t.database.query(sql`UPDATE deliveries SET status = 'sent' WHERE id = ${seeded.deliveryIds[0]!}`);
    await leaseTo(t, 'busy-worker', [seeded.deliveryIds[1]!]);
    expect(await completeSettledRuns(t.database, [seeded.runId])).toEqual([]);
    expect(await statusOf(seeded.runId)).toBe('sending');
  });

  it('while the queue is busy, checks its runs at most once an interval, and all that waited when it runs dry', async () => {
    const first = await seedDeliveries(t, { count: 1 });
    const second = await seedDeliveries(t, { count: 1 });
    const runs = createRunCompletion(t.database, 60_000);
    // the first check of a busy queue happens: nothing was checked in the last interval
    expect(await runs.recorded([first.runId], true)).toEqual([]);
    await settle(first.runId);
    await settle(second.runId);
    // within the interval: both wait, settled as they are
    expect(await runs.recorded([first.runId], true)).toEqual([]);
    expect(await runs.recorded([second.runId], true)).toEqual([]);
    expect(await statusOf(first.runId)).toBe('sending');
    // the queue runs dry: every waiting run is checked
    expect((await runs.checkWaiting()).sort()).toEqual([first.runId, second.runId].sort());
    expect(await statusOf(second.runId)).toBe('completed');
    expect(await runs.checkWaiting()).toEqual([]);
  });

  it('checks again once the interval has passed, busy or not', async () => {
    const seeded = await seedDeliveries(t, { count: 1 });
    const runs = createRunCompletion(t.database, 50);
    expect(await runs.recorded([seeded.runId], true)).toEqual([]);
    await settle(seeded.runId);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await runs.recorded([seeded.runId], true)).toEqual([seeded.runId]);
  });

  it('the sweep completes every open run with nothing left to send, and no other', async () => {
    const settled = await seedDeliveries(t, { count: 1 });
    const open = await seedDeliveries(t, { count: 1 });
    await settle(settled.runId);
    expect(await completeSettledRuns(t.database)).toContain(settled.runId);
    expect(await statusOf(settled.runId)).toBe('completed');
    expect(await statusOf(open.runId)).toBe('sending');
  });
});
