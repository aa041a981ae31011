/**
 * Deliveries have no foreign keys to runs and recipients (the fan-out is faster without their
 * per-row checks), so the services that delete remove them: deleting a schedule takes its runs'
 * deliveries and their attempts with it, deleting a recipient takes theirs, and nobody else's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../harness.ts';
import { deliveryAttempts, events } from '../../src/db/schema.ts';
import { recordResults } from '../../src/engine/worker/record-results.ts';
import { seedDeliveries, type Seeded } from '../support/delivery-seed.ts';

let t: TestApp;

beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

type Count = { n: number };
const countOf = async (statement: ReturnType<typeof sql>) => Number((await t.database.query<Count>(statement))[0]!.n);
const deliveriesOfRun = (runId: string) => countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE run_id = ${runId}::uuid`);
const attemptsOf = (ids: readonly number[]) => countOf(sql`SELECT count(*)::int AS n FROM delivery_attempts WHERE delivery_id = ANY(${`{${ids.join(',')}}`}::bigint[])`);

/** One sent attempt and one event for each delivery, as a worker would have recorded them. */
async function recordAttempts(seeded: Seeded): Promise<void> {
  await t.database.db.insert(deliveryAttempts).values(seeded.deliveryIds.map((deliveryId) => ({ deliveryId, channel: 'email', attempt: 1, status: 'sent' })));
  await t.database.db.insert(events).values(seeded.deliveryIds.map((deliveryId, i) => ({
    type: 'sent', deliveryId, runId: seeded.runId, scheduleId: seeded.scheduleId, recipientId: seeded.recipientIds[i]!, channel: 'email',
  })));
}

describe('deleting what deliveries belong to', () => {
  it('deletes a schedule with its runs, their deliveries and attempts, and leaves other schedules whole', async () => {
    const doomed = await seedDeliveries(t, { count: 3 });
    const kept = await seedDeliveries(t, { recipientIds: doomed.recipientIds });
    await recordAttempts(doomed);
    await recordAttempts(kept);

    const response = await t.app.inject({ method: 'DELETE', url: `/api/notifications/scheduled/${doomed.scheduleId}`, headers: t.auth });
    expect(response.statusCode).toBe(204);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM runs WHERE schedule_id = ${doomed.scheduleId}::uuid`)).toBe(0);
    expect(await deliveriesOfRun(doomed.runId)).toBe(0);
    expect(await attemptsOf(doomed.deliveryIds)).toBe(0);
    expect(await deliveriesOfRun(kept.runId)).toBe(3);
    expect(await attemptsOf(kept.deliveryIds)).toBe(3);
    // Events are the audit trail: they stay, as they did when the foreign keys cascaded.
    expect(await countOf(sql`SELECT count(*)::int AS n FROM events WHERE run_id = ${doomed.runId}::uuid`)).toBe(3);
  });

  it('answers 404 for a schedule that does not exist, and deletes nothing', async () => {
    const seeded = await seedDeliveries(t, { count: 1 });
    const response = await t.app.inject({ method: 'DELETE', url: '/api/notifications/scheduled/00000000-0000-4000-8000-000000000000', headers: t.auth });
    expect(response.statusCode).toBe(404);
    expect(await deliveriesOfRun(seeded.runId)).toBe(1);
  });

  it('deletes a recipient with their deliveries in every run and their attempts, and nobody else\'s', async () => {
    const first = await seedDeliveries(t, { count: 3 });
    const second = await seedDeliveries(t, { recipientIds: first.recipientIds });
    await recordAttempts(first);
    await recordAttempts(second);
    const [leaving, ...staying] = first.recipientIds;

    const response = await t.app.inject({ method: 'DELETE', url: `/api/recipients/${leaving}`, headers: t.auth });
    expect(response.statusCode).toBe(204);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE recipient_id = ${leaving!}::uuid`)).toBe(0);
    expect(await deliveriesOfRun(first.runId)).toBe(2);
    expect(await deliveriesOfRun(second.runId)).toBe(2);
    expect(await attemptsOf([...first.deliveryIds, ...second.deliveryIds])).toBe(4);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE recipient_id = ANY(${`{${staying.join(',')}}`}::uuid[])`)).toBe(4);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM recipients r WHERE r.id = d.recipient_id)`)).toBe(0);
  });

  it('answers 404 for a recipient that does not exist, and deletes nothing', async () => {
    const seeded = await seedDeliveries(t, { count: 1 });
    const response = await t.app.inject({ method: 'DELETE', url: '/api/recipients/00000000-0000-4000-8000-000000000000', headers: t.auth });
    expect(response.statusCode).toBe(404);
    expect(await deliveriesOfRun(seeded.runId)).toBe(1);
  });

  it('records a sent batch in which a delivery was deleted meanwhile, without failing the rest of it', async () => {
    const seeded = await seedDeliveries(t, { count: 2 });
    const [gone, kept] = seeded.deliveryIds as [number, number];
    await t.database.query(sql`UPDATE deliveries SET status = 'sending', locked_by = 'worker-a', locked_until = now() + interval '1 minute' WHERE run_id = ${seeded.runId}::uuid`);
    const response = await t.app.inject({ method: 'DELETE', url: `/api/recipients/${seeded.recipientIds[0]}`, headers: t.auth });
    expect(response.statusCode).toBe(204);

    const sent = (id: number) => ({
      attempt: { delivery_id: id, channel: 'email', attempt: 1, status: 'sent' as const, is_transient: null, error: null, provider_message_id: null, at: null },
      settlement: { id, status: 'sent' as const, channel: 'email', reason: null, retry_at: null, cost: null, is_deferred: false },
    });
    const rows = [sent(gone), sent(kept)];
    const updated = await recordResults(t.database, 'worker-a', { attempts: rows.map((r) => r.attempt), events: [], settlements: rows.map((r) => r.settlement) });

    expect(updated).toBe(1);
    expect(await attemptsOf([kept])).toBe(1);
    expect(await attemptsOf([gone])).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE id = ${kept} AND status = 'sent'`)).toBe(1);
  });
});
