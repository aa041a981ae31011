/** Reading and marking a recipient's in-app inbox. */
import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { InboxMessage } from '@herald/shared';
import type { DbOrTx } from '../../db/client.ts';
import { inboxMessages, recipients } from '../../db/schema.ts';
import type { PageQuery } from '../../lib/pagination.ts';

export type InboxMessageRow = typeof inboxMessages.$inferSelect;

/** An inbox message as the API shows it, dates as ISO strings. */
export function presentInboxMessage(row: InboxMessageRow): InboxMessage {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    url: row.url,
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The recipient with this externalId, if any. */
export async function findRecipientIdByExternalId(db: DbOrTx, externalId: string): Promise<string | undefined> {
  const [row] = await db.select({ id: recipients.id }).from(recipients).where(eq(recipients.externalId, externalId)).limit(1);
  return row?.id;
}

/** The recipient with this id, if any. */
export async function findRecipient(db: DbOrTx, id: string): Promise<{ id: string; externalId: string } | undefined> {
  const [row] = await db.select({ id: recipients.id, externalId: recipients.externalId }).from(recipients).where(eq(recipients.id, id)).limit(1);
  return row;
}

export type InboxPage = { rows: InboxMessageRow[]; total: number; unreadCount: number };

/** One page of a recipient's inbox, newest first, with the inbox's total and unread counts. */
export async function listInbox(db: DbOrTx, recipientId: string, page: PageQuery): Promise<InboxPage> {
  const [rows, [counts]] = await Promise.all([
    db.select().from(inboxMessages)
      .where(eq(inboxMessages.recipientId, recipientId))
      .orderBy(desc(inboxMessages.createdAt), desc(inboxMessages.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({
      total: count(),
      unread: sql<number>`count(*) FILTER (WHERE ${inboxMessages.readAt} IS NULL)::int`,
    }).from(inboxMessages).where(eq(inboxMessages.recipientId, recipientId)),
  ]);
  return { rows, total: Number(counts?.total ?? 0), unreadCount: Number(counts?.unread ?? 0) };
}

/** One message of this recipient's inbox, if it is theirs. */
export async function getInboxMessage(db: DbOrTx, recipientId: string, messageId: string): Promise<InboxMessageRow | undefined> {
  const [row] = await db.select().from(inboxMessages)
    .where(and(eq(inboxMessages.id, messageId), eq(inboxMessages.recipientId, recipientId)))
    .limit(1);
  return row;
}

/** Marks one of the recipient's messages read (keeping the first read time); undefined if it is not theirs. */
export async function markRead(db: DbOrTx, recipientId: string, messageId: string): Promise<InboxMessageRow | undefined> {
  const [row] = await db.update(inboxMessages)
    .set({ readAt: sql`coalesce(${inboxMessages.readAt}, now())` })
    .where(and(eq(inboxMessages.id, messageId), eq(inboxMessages.recipientId, recipientId)))
    .returning();
  return row;
}

/** Marks every unread message of the recipient read; returns how many were unread. */
export async function markAllRead(db: DbOrTx, recipientId: string): Promise<number> {
  const rows = await db.update(inboxMessages)
    .set({ readAt: sql`now()` })
    .where(and(eq(inboxMessages.recipientId, recipientId), isNull(inboxMessages.readAt)))
    .returning({ id: inboxMessages.id });
  return rows.length;
}
