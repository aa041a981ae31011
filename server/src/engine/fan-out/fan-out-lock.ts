/**
 * Fan-outs against recipient deletions. `deliveries.recipient_id` has no foreign key (its
 * per-row check cost the fan-out more than the insert itself), so this lock does the one thing
 * the key did that matters: a recipient deleted while a fan-out runs must not be left with a
 * delivery pointing nowhere.
 *
 * Why it is enough: a fan-out holds the lock shared from before its INSERT … SELECT takes its
 * snapshot until it commits; a recipient deletion takes it exclusively before it deletes
 * anything. So either the deletion waits for the fan-out to commit, and then (READ COMMITTED:
 * a fresh snapshot per statement) sees and deletes the new deliveries too; or the fan-out
 * waits for the deletion to commit, and its snapshot no longer holds the recipient. Fan-outs
 * do not wait for one another, and deleting a recipient waits at most for the fan-outs in
 * progress. It is one lock per transaction, where a foreign key took a row lock per delivery.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';

/** Herald's advisory lock key for fan-outs (migrate.ts uses 727274). */
const fanOutLockKey = 727275;

/** Held by a fan-out until its transaction ends; call it before reading the audience. */
export async function lockForFanOut(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(${fanOutLockKey}::bigint)`);
}

/** Held by a recipient deletion until its transaction ends: waits for the fan-outs in progress, holds off new ones. */
export async function lockOutFanOuts(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${fanOutLockKey}::bigint)`);
}
