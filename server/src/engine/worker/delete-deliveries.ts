/**
 * Deleting deliveries with their attempts and leases. `delivery_attempts.delivery_id` has no foreign key
 * (its per-attempt check was 8–12 µs of every record, docs/benchmarks.md), so the services
 * that delete deliveries (deleteSchedule, deleteRecipient) delete their attempts here, in
 * their transaction, where the cascade used to.
 *
 * Why no attempt is left pointing nowhere when a worker records a batch at the same moment:
 * the worker inserts an attempt only while its record statement holds the delivery's row
 * (its UPDATE, or FOR KEY SHARE for a delivery whose lease it lost; record-results.ts). This
 * locks the rows first (FOR UPDATE conflicts with both), so a record in progress commits
 * before the attempts are read, and under READ COMMITTED the next statement's fresh snapshot
 * sees its attempts and deletes them. A record that comes after waits for this transaction,
 * then finds the delivery gone and inserts no attempt for it. Deleting the deliveries first
 * would not do: their attempts could no longer be found through them. A lease of a
 * delivery being sent goes with it; its worker's record then finds no lease to update
 * through, and the delivery is not written back.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';

/** Deletes the deliveries that `which` (a condition on `deliveries`' columns) selects, their attempts and their leases. */
export async function deleteDeliveries(tx: DbOrTx, which: SQL): Promise<void> {
  await tx.execute(sql`SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE ${which} FOR UPDATE) AS locked`);
  await tx.execute(sql`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE ${which})`);
  await tx.execute(sql`DELETE FROM delivery_leases WHERE delivery_id IN (SELECT id FROM deliveries WHERE ${which})`);
  await tx.execute(sql`DELETE FROM deliveries WHERE ${which}`);
}
