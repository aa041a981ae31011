/** Recipient commands and queries: each command is one transaction. */
import { and, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { recipientEngagement, recipients } from '../../db/schema.ts';
import { lockOutFanOuts } from '../../engine/fan-out/fan-out-lock.ts';
import { deleteDeliveries } from '../../engine/worker/delete-deliveries.ts';
import { AppError, notFound, type FieldIssue } from '../../lib/errors.ts';
import { validationFailed } from '../../lib/field-issues.ts';
import { isPgError, pgError } from '../../lib/pg-errors.ts';
import { containsPattern } from '../../lib/search.ts';
import type { RecipientRow } from './presenter.ts';
import type { RecipientInputParsed, RecipientListQuery, RecipientUpdateParsed } from './schema.ts';
import { upsertRecipients, type RecipientWrite } from './upsert.ts';

/** Rows per upsert statement: large enough to be fast, small enough to keep each statement short. */
export const upsertBatchSize = 1000;

function externalIdTaken(externalId: string): AppError {
  return new AppError('conflict', `externalId: a recipient with externalId "${externalId}" already exists`, {
    issues: [{ field: 'externalId', rule: 'unique', message: 'is already taken' }] satisfies FieldIssue[],
  });
}

/** One page of recipients, newest first, filtered by a search text (externalId, email, phone or name) and isActive. */
export async function listRecipients(db: Db, query: RecipientListQuery): Promise<{ rows: RecipientRow[]; total: number }> {
  const filters: SQL[] = [];
  if (query.q) {
    const pattern = containsPattern(query.q);
    filters.push(or(ilike(recipients.externalId, pattern), ilike(recipients.email, pattern), ilike(recipients.phone, pattern), ilike(recipients.name, pattern))!);
  }
  if (query.isActive !== undefined) filters.push(eq(recipients.isActive, query.isActive));
  const where = and(...filters);
  const [rows, [totals]] = await Promise.all([
    db.select().from(recipients).where(where)
      .orderBy(desc(recipients.createdAt), desc(recipients.id)).limit(query.limit).offset(query.offset),
    db.select({ total: count() }).from(recipients).where(where),
  ]);
  return { rows, total: totals?.total ?? 0 };
}

/** The recipient with that id, or a 404. */
export async function getRecipient(db: DbOrTx, id: string): Promise<RecipientRow> {
  const [row] = await db.select().from(recipients).where(eq(recipients.id, id));
  if (!row) throw notFound('Recipient', id);
  return row;
}

/** Creates a recipient; an externalId already in use answers 409. */
export async function createRecipient(db: Db, input: RecipientInputParsed): Promise<RecipientRow> {
  try {
    const [row] = await db.insert(recipients).values(input).returning();
    return row!;
  } catch (error) {
    if (isPgError(error, pgError.uniqueViolation)) throw externalIdTaken(input.externalId);
    throw error;
  }
}

/** Changes the fields the input gives (null clears one); omitted fields keep their value. */
export async function updateRecipient(db: Db, id: string, input: RecipientUpdateParsed): Promise<RecipientRow> {
  try {
    const [row] = await db.update(recipients).set({ ...input, updatedAt: sql`now()` }).where(eq(recipients.id, id)).returning();
    if (!row) throw notFound('Recipient', id);
    return row;
  } catch (error) {
    // externalId is the only unique column: a violation means the body gave one
    if (isPgError(error, pgError.uniqueViolation) && input.externalId !== undefined) throw externalIdTaken(input.externalId);
    throw error;
  }
}

/** Creates or updates the recipient the host app knows by this externalId. */
export async function upsertRecipient(db: Db, write: RecipientWrite): Promise<{ row: RecipientRow; isCreated: boolean }> {
  return db.transaction(async (tx) => {
    const [result] = await upsertRecipients(tx, [write], { isAttributeMerge: false });
    return { row: await getRecipient(tx, result!.id), isCreated: result!.isCreated };
  });
}

/**
 * Upserts many recipients, all or nothing: one transaction, written 1,000 rows at a time.
 * An externalId given twice is refused (PostgreSQL cannot update one row twice per statement,
 * and "which one wins" would be a guess).
 */
export async function bulkUpsertRecipients(db: Db, writes: RecipientWrite[]): Promise<{ created: number; updated: number }> {
  const issues: FieldIssue[] = [];
  const firstIndex = new Map<string, number>();
  writes.forEach((write, index) => {
    const earlier = firstIndex.get(write.externalId);
    if (earlier === undefined) firstIndex.set(write.externalId, index);
    else issues.push({ field: `recipients.${index}.externalId`, rule: 'duplicate', message: `repeats the externalId of recipients.${earlier}` });
  });
  if (issues.length > 0) throw validationFailed(issues.slice(0, 1000));
  return db.transaction(async (tx) => {
    let created = 0;
    for (let start = 0; start < writes.length; start += upsertBatchSize) {
      const results = await upsertRecipients(tx, writes.slice(start, start + upsertBatchSize), { isAttributeMerge: false });
      created += results.filter((result) => result.isCreated).length;
    }
    return { created, updated: writes.length - created };
  });
}

/**
 * Deletes a recipient with their deliveries, those deliveries' attempts and leases, and their
 * engagement summary, in one transaction; their inbox and push subscriptions go by foreign key.
 * Waits for fan-outs in progress, so none leaves a delivery to the deleted recipient behind
 * (engine/fan-out/fan-out-lock.ts).
 */
export async function deleteRecipient(db: Db, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockOutFanOuts(tx);
    const deleted = await tx.delete(recipients).where(eq(recipients.id, id)).returning({ id: recipients.id });
    if (deleted.length === 0) throw notFound('Recipient', id);
    // deliveries has no index on recipient_id alone: one probe of the unique (run_id,
    // recipient_id) key per run finds them (EXPLAIN in docs/benchmarks.md).
    await deleteDeliveries(tx, sql`run_id = ANY (ARRAY(SELECT id FROM runs)) AND recipient_id = ${id}::uuid`);
    await tx.delete(recipientEngagement).where(eq(recipientEngagement.recipientId, id));
  });
}
