/**
 * Deliveries have no foreign keys to runs and recipients (the fan-out is faster without their
 * per-row checks), nor attempts to deliveries (the record is faster without theirs), so the
 * services that delete remove them: deleting a schedule takes its runs' deliveries and their
 * attempts with it, deleting a recipient takes theirs, and nobody else's; no attempt is left
 * pointing nowhere, even when a worker records a batch while the deletion runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, testDriver, type TestApp } from '../harness.ts';
import { openDatabase, rowsOf, type Database } from '../../src/db/client.ts';
import { deliveryAttempts, events } from '../../src/db/schema.ts';
import { deleteDeliveries } from '../../src/engine/worker/delete-deliveries.ts';
import { recordResults } from '../../src/engine/worker/record-results.ts';
import type { ResultRows } from '../../src/engine/worker/result-rows.ts';
import { deleteRecipient } from '../../src/modules/recipients/service.ts';
import { leaseTo, seedDeliveries, type Seeded } from '../support/delivery-seed.ts';

let t: TestApp;

beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

type Count = { n: number };
const countOf = async (statement: ReturnType<typeof sql>) => Number((await t.database.query<Count>(statement))[0]!.n);
const deliveriesOfRun = (runId: string) => countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE run_id = ${runId}::uuid`);
const attemptsOf = (ids: readonly number[]) => countOf(sql`SELECT count(*)::int AS n FROM delivery_attempts WHERE delivery_id = ANY(${`{${ids.join(',')}}`}::bigint[])`);
const orphanAttempts = () => countOf(sql`SELECT count(*)::int AS n FROM delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)`);

/** A batch in which each delivery was sent once, as a worker settles it. */
function sentBatch(ids: readonly number[]): ResultRows {
  return {
    attempts: ids.map((id) => ({ delivery_id: id, channel: 'email', attempt: 1, status: 'sent' as const, is_transient: null, error: null, provider_message_id: null, at: null })),
    events: [],
    settlements: ids.map((id) => ({ id, status: 'sent' as const, channel: 'email', reason: null, retry_at: null, cost: null, is_deferred: false })),
  };
}

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
    expect(await orphanAttempts()).toBe(0);
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
    expect(await orphanAttempts()).toBe(0);
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
    await leaseTo(t, 'worker-a', seeded.deliveryIds);
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
    expect(await orphanAttempts()).toBe(0);
    // the deleted delivery's lease went with it
    expect(await countOf(sql`SELECT count(*)::int AS n FROM delivery_leases WHERE delivery_id = ${gone}`)).toBe(0);
  });

  it('records the attempt of a delivery whose lease another worker took, and leaves the delivery to that worker', async () => {
    const seeded = await seedDeliveries(t, { count: 2 });
    const [lost, held] = seeded.deliveryIds as [number, number];
    await leaseTo(t, 'worker-a', [held]);
    await leaseTo(t, 'worker-b', [lost]);

    expect(await recordResults(t.database, 'worker-a', sentBatch([lost, held]))).toBe(1);
    expect(await attemptsOf([lost])).toBe(1);
    expect(await attemptsOf([held])).toBe(1);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE id = ${lost} AND status = 'queued'`)).toBe(1);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM delivery_leases WHERE delivery_id = ${lost} AND locked_by = 'worker-b'`)).toBe(1);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM delivery_leases WHERE delivery_id = ${held}`)).toBe(0);
  });
});

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { open, opened };
}

/**
 * A deletion and a record at the same moment, on real PostgreSQL with a second pool as another
 * process would have. Without the foreign key it is the row locks that order them
 * (delete-deliveries.ts): whichever goes second waits, and no attempt is left behind.
 */
describe.runIf(testDriver === 'postgres')('a deletion racing a record (PostgreSQL)', () => {
  let other: Database;
  let otherName: string;

  beforeAll(async () => {
    otherName = `${t.database.schema}_other`;
    const separator = t.database.url!.includes('?') ? '&' : '?';
    other = await openDatabase({ databaseUrl: `${t.database.url}${separator}application_name=${otherName}`, dataDir: '', searchPath: t.database.schema!, poolSize: 2 });
  });
  afterAll(async () => { await other.close(); });

  /** Resolves once a connection of the other pool waits for a row lock. */
  async function untilOtherWaitsForRow(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await countOf(sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${otherName} AND wait_event_type = 'Lock'`)) === 0) {
      if (Date.now() > deadline) throw new Error('the other pool never waited for a row lock');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a record that comes during the deletion waits, then adds no attempt to a deleted delivery, held or not', async () => {
    const seeded = await seedDeliveries(t, { count: 3 });
    const [heldGone, lostGone, kept] = seeded.deliveryIds as [number, number, number];
    await leaseTo(t, 'worker-a', [heldGone, kept]);
    await leaseTo(t, 'worker-b', [lostGone]);
    const locked = gate();
    const commit = gate();
    const deleting = t.database.db.transaction(async (tx) => {
      await deleteDeliveries(tx, sql`id = ANY(${`{${heldGone},${lostGone}}`}::bigint[])`);
      locked.open();
      await commit.opened;
    });
    await locked.opened;
    const recording = recordResults(other, 'worker-a', sentBatch([heldGone, lostGone, kept]));
    await untilOtherWaitsForRow();
    commit.open();
    await deleting;

    expect(await recording).toBe(1);
    expect(await attemptsOf([kept])).toBe(1);
    expect(await attemptsOf([heldGone, lostGone])).toBe(0);
    expect(await orphanAttempts()).toBe(0);
  });

  it('a deletion that comes during a record waits for it, then deletes the attempts it recorded', async () => {
    const seeded = await seedDeliveries(t, { count: 2 });
    const [leaving, staying] = seeded.recipientIds as [string, string];
    await leaseTo(t, 'worker-a', seeded.deliveryIds);
    const recorded = gate();
    const commit = gate();
    const recording = t.database.db.transaction(async (tx) => {
      const inTransaction: Database = { ...t.database, query: (statement) => rowsOf(tx, statement) };
      const updated = await recordResults(inTransaction, 'worker-a', sentBatch(seeded.deliveryIds));
      recorded.open();
      await commit.opened;
      return updated;
    });
    await recorded.opened;
    const deleting = deleteRecipient(other.db, leaving);
    await untilOtherWaitsForRow();
    commit.open();
    expect(await recording).toBe(2);
    await deleting;

    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE recipient_id = ${leaving}::uuid`)).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.recipient_id = ${staying}::uuid`)).toBe(1);
    expect(await orphanAttempts()).toBe(0);
  });
});
