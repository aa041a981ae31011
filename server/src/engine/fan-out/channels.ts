/**
 * Which channels a recipient can receive, as SQL over the recipients table aliased `r`.
 * A channel needs an address (email, phone, a push subscription, a webhook URL from the
 * template or the recipient's `webhookUrl` attribute; the in-app inbox needs none) and must not be one the person opted out of.
 */
import { sql, type SQL } from 'drizzle-orm';
import { channels as knownChannels, type Channel } from '@herald/shared';

/** What the content being sent gives as an address itself. */
export type Addressing = {
  /** the template names its webhook URL, so every recipient can be reached on the webhook channel */
  hasTemplateWebhookUrl: boolean;
};

const noAddressing: Addressing = { hasTemplateWebhookUrl: false };

/** True when `r` has an address for the channel. */
function hasAddress(channel: Channel, addressing: Addressing): SQL {
  switch (channel) {
    case 'email':
      return sql`coalesce(r.email, '') <> ''`;
    case 'sms':
      return sql`coalesce(r.phone, '') <> ''`;
    case 'push':
      return sql`EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.recipient_id = r.id)`;
    case 'webhook':
      return addressing.hasTemplateWebhookUrl ? sql`true` : sql`coalesce(r.attributes ->> 'webhookUrl', '') <> ''`;
    case 'inapp':
      return sql`true`;
  }
}

function isOptedOut(channel: Channel): SQL {
  return sql`${channel}::text = ANY(r.opted_out_channels)`;
}

/** Keeps the channels Herald knows, in their order, each once. */
export function knownChannelsOf(list: readonly string[]): Channel[] {
  return [...new Set(list)].filter((name): name is Channel => (knownChannels as readonly string[]).includes(name));
}

/** text[] of the channels `r` can receive, in the given order. */
export function receivableChannels(list: readonly Channel[], addressing: Addressing = noAddressing): SQL {
  return channelArray(list, (channel) => sql`NOT ${isOptedOut(channel)} AND ${hasAddress(channel, addressing)}`);
}

/** text[] of the channels `r` did not opt out of but has no address for: the "no_address" reason. */
export function channelsWithoutAddress(list: readonly Channel[], addressing: Addressing = noAddressing): SQL {
  return channelArray(list, (channel) => sql`NOT ${isOptedOut(channel)} AND NOT (${hasAddress(channel, addressing)})`);
}

/** True when `r` opted out of every one of the channels. */
export function isOptedOutOfAll(list: readonly Channel[]): SQL {
  if (list.length === 0) return sql`false`;
  return sql.join(list.map((channel) => sql`(${isOptedOut(channel)})`), sql` AND `);
}

function channelArray(list: readonly Channel[], condition: (channel: Channel) => SQL): SQL {
  if (list.length === 0) return sql`ARRAY[]::text[]`;
  const items = list.map((channel) => sql`CASE WHEN ${condition(channel)} THEN ${channel}::text END`);
  return sql`array_remove(ARRAY[${sql.join(items, sql`, `)}]::text[], NULL)`;
}
