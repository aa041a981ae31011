/** Storing and removing a recipient's push subscriptions. */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { pushSubscriptions } from '../../db/schema.ts';
import type { PushSubscriptionInput, PushSubscriptionView } from './schema.ts';

type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/**
 * Subscriptions kept per recipient. Every push delivery goes to all of them, so an endless
 * list (a script subscribing in a loop) would make each send endless; the oldest go first.
 */
export const maxSubscriptionsPerRecipient = 20;

export function presentPushSubscription(row: PushSubscriptionRow): PushSubscriptionView {
  return {
    id: row.id,
    endpoint: row.endpoint,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Stores the browser's subscription for the recipient, in one transaction. The same endpoint
 * again (the page subscribing on every visit, or another person signing in on that browser)
 * updates the one row instead of adding a second.
 */
export async function saveSubscription(db: Db, recipientId: string, subscription: PushSubscriptionInput, userAgent: string | undefined): Promise<PushSubscriptionRow> {
  return db.transaction(async (tx) => {
    const values = {
      recipientId,
      endpoint: subscription.endpoint,
      p256dh: subscription.keys.p256dh,
      auth: subscription.keys.auth,
      expiresAt: subscription.expirationTime ? new Date(subscription.expirationTime) : null,
      userAgent: userAgent?.slice(0, 500) ?? null,
    };
    const [row] = await tx.insert(pushSubscriptions).values(values)
      .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { ...values, updatedAt: sql`now()` } })
      .returning();
    await tx.execute(sql`DELETE FROM push_subscriptions WHERE recipient_id = ${recipientId} AND id NOT IN (
      SELECT id FROM push_subscriptions WHERE recipient_id = ${recipientId}
      ORDER BY updated_at DESC, id LIMIT ${maxSubscriptionsPerRecipient})`);
    return row!;
  });
}

/** Removes the recipient's subscription with this endpoint; false when they have none such. */
export async function deleteSubscription(db: Db, recipientId: string, endpoint: string): Promise<boolean> {
  const rows = await db.delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.recipientId, recipientId), eq(pushSubscriptions.endpoint, endpoint)))
    .returning({ id: pushSubscriptions.id });
  return rows.length > 0;
}
