/**
 * The delivery settings (rate limits, retry policies, frequency cap, costs): one JSON value in
 * the `settings` table, read by the API and by every worker batch.
 */
import { eq, sql } from 'drizzle-orm';
import { defaultDeliverySettings, deliverySettingsSchema, type DeliverySettings } from '@herald/shared';
import type { DbOrTx } from '../../db/client.ts';
import { settings } from '../../db/schema.ts';

const settingsKey = 'delivery';

/**
 * The current delivery settings. What the database holds is checked like any input; a value
 * that no longer passes (written by an older Herald) yields the defaults rather than a crash.
 */
export async function readDeliverySettings(db: DbOrTx): Promise<DeliverySettings> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, settingsKey));
  if (!row) return defaultDeliverySettings;
  const parsed = deliverySettingsSchema.safeParse(row.value);
  return parsed.success ? parsed.data : defaultDeliverySettings;
}

/** Replaces the delivery settings (already validated) and returns them. */
export async function writeDeliverySettings(db: DbOrTx, value: DeliverySettings): Promise<DeliverySettings> {
  await db.insert(settings).values({ key: settingsKey, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`now()` } });
  return value;
}
