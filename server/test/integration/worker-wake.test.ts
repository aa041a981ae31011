/**
 * An idle worker is woken by the scheduler's announcement (NOTIFY herald_deliveries, sent when
 * a firing that queued deliveries commits) instead of waiting for its poll. The poll here is
 * ten minutes, so only the announcement can get the delivery out within the test's deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { deliveryRows, seedDeliveries } from '../support/delivery-seed.ts';
import { announceDeliveries } from '../../src/engine/scheduler/announce.ts';
import { startWorker } from '../../src/engine/worker/worker.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ HERALD_WORKER_INTERVAL_MS: '600000' });
});
afterAll(async () => {
  await t.close();
});

async function waitUntilSent(ids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await deliveryRows(t, ids);
    if (rows.every((row) => row.status === 'sent')) return;
    if (Date.now() > deadline) throw new Error(`not sent within ${timeoutMs} ms: ${JSON.stringify(rows.map((row) => [row.id, row.status]))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('waking the worker', () => {
  it('sends deliveries announced while it sleeps at once, not at its next poll', async () => {
    const worker = startWorker(t.context);
    try {
      // The first is there when the worker starts: sent by its first claim, after which it sleeps.
      const first = await seedDeliveries(t, { channels: ['inapp'] });
      await t.database.db.transaction((tx) => announceDeliveries(tx));
      await waitUntilSent(first.deliveryIds, 20_000);

      for (let round = 0; round < 3; round += 1) {
        const later = await seedDeliveries(t, { channels: ['inapp'], count: 2 });
        await t.database.db.transaction((tx) => announceDeliveries(tx));
        await waitUntilSent(later.deliveryIds, 20_000);
      }
    } finally {
      await worker.stop();
    }
  });

  it('leaves a delivery that nobody announced to the poll', async () => {
    const worker = startWorker(t.context);
    try {
      const announced = await seedDeliveries(t, { channels: ['inapp'] });
      await t.database.db.transaction((tx) => announceDeliveries(tx));
      await waitUntilSent(announced.deliveryIds, 20_000);
      const quiet = await seedDeliveries(t, { channels: ['inapp'] });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await deliveryRows(t, quiet.deliveryIds)).map((row) => row.status)).toEqual(['queued']);
    } finally {
      await worker.stop();
    }
  });
});
