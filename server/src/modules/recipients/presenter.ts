import { channelSchema, quietHoursOverrideSchema, type Recipient } from '@herald/shared';
import { z } from 'zod';
import type { recipients } from '../../db/schema.ts';

export type RecipientRow = typeof recipients.$inferSelect;

const channelList = z.array(channelSchema);

/** A recipient row as the API shows it, dates as ISO strings. */
export function presentRecipient(row: RecipientRow): Recipient {
  return {
    id: row.id,
    externalId: row.externalId,
    email: row.email,
    phone: row.phone,
    name: row.name,
    timezone: row.timezone,
    locale: row.locale,
    isActive: row.isActive,
    attributes: row.attributes,
    optedOutChannels: channelList.parse(row.optedOutChannels),
    // stored JSON is checked like input; a value that no longer passes shows as "follows the instance"
    quietHours: quietHoursOverrideSchema.safeParse(row.quietHours).data ?? null,
    unsubscribedAt: row.unsubscribedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
