/**
 * Which channels a recipient can receive, as SQL over the recipients table aliased `r`.
 * A channel needs an address (email, phone, a push subscription, a webhook URL; the in-app
 * inbox needs none) and must not be one the person opted out of.
 */
import { sql, type SQL } from 'drizzle-orm';
import { channels as knownChannels, type Channel } from '@herald/shared';

/** True when `r` has an address for the channel. */
const hasAddress: Record<Channel, SQL> = {
  email: sql`coalesce(r.email, '') <> ''`,
  sms: sql`coalesce(r.phone, '') <> ''`,
  // CASE, not AND: SQL does not promise to test the type before jsonb_array_length() raises on a non-array.
  push: sql`CASE WHEN jsonb_typeof(r.attributes -> 'pushSubscriptions') = 'array'
    THEN jsonb_array_length(r.attributes -> 'pushSubscriptions') > 0 ELSE false END`,
  webhook: sql`coalesce(r.attributes ->> 'webhookUrl', '') <> ''`,
  inapp: sql`true`,
};

function isOptedOut(channel: Channel): SQL {
  return sql`${channel}::text = ANY(r.opted_out_channels)`;
}

/** Keeps the channels Herald knows, in their order, each once. */
export function knownChannelsOf(list: readonly string[]): Channel[] {
  return [...new Set(list)].filter((name): name is Channel => (knownChannels as readonly string[]).includes(name));
}

/** text[] of the channels `r` can receive, in the given order. */
export function receivableChannels(list: readonly Channel[]): SQL {
  return channelArray(list, (channel) => sql`NOT ${isOptedOut(channel)} AND ${hasAddress[channel]}`);
}

/** text[] of the channels `r` did not opt out of but has no address for: the "no_address" reason. */
export function channelsWithoutAddress(list: readonly Channel[]): SQL {
  return channelArray(list, (channel) => sql`NOT ${isOptedOut(channel)} AND NOT (${hasAddress[channel]})`);
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
