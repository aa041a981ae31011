import { z } from 'zod';

/**
 * Zones already looked up, by the name given, with their canonical spelling (null: unknown).
 * Building an Intl.DateTimeFormat costs ~50 µs, and a CSV of 50,000 recipients names the same
 * few zones over and over. Bounded, so a stream of made-up names cannot grow it without end.
 */
const zonesByName = new Map<string, string | null>();

function lookUpZone(name: string): string | null {
  let zone = zonesByName.get(name);
  if (zone === undefined) {
    try {
      zone = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      zone = null;
    }
    if (zonesByName.size < 10_000) zonesByName.set(name, zone);
  }
  return zone;
}

/** True when the runtime knows the IANA time zone (works in Node and in browsers). */
export function isTimeZone(name: string): boolean {
  return lookUpZone(name) !== null;
}

/** The zone's canonical IANA spelling (`europe/paris` → `Europe/Paris`); an unknown name comes back as is. */
export function canonicalTimeZone(name: string): string {
  return lookUpZone(name) ?? name;
}

export const timeZoneSchema = z.string().min(1).refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Paris or UTC' });
export const isoInstant = z.string().describe('an instant, ISO 8601 in UTC');
export const uuid = z.string().uuid();

export const channels = ['email', 'sms', 'push', 'webhook', 'inapp'] as const;
export const channelSchema = z.enum(channels);
export type Channel = z.infer<typeof channelSchema>;
/**
 * The channels whose opens and clicks Herald measures: an email carries the open pixel and
 * signed click links. The others carry no tracking, so their opens and clicks are always 0,
 * meaning "not measured" rather than "nobody".
 */
export const engagementTrackedChannels: readonly Channel[] = ['email'];

export const priorities = ['critical', 'high', 'normal', 'low'] as const;
export const prioritySchema = z.enum(priorities);
export type Priority = z.infer<typeof prioritySchema>;

/** The shape of every error the API returns. */
export type ApiError = {
  error: { code: string; message: string; details?: { issues?: Array<{ field: string; rule: string; message: string; /** CSV imports: the line of the file (the header is 1) */ row?: number }> } };
};

export type Page<T> = { items: T[]; total: number; limit: number; offset: number };
