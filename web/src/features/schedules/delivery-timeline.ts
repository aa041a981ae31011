/** How a delivery's timeline reads: each event's color, its time, and its data as labelled lines. */
import type { Channel, DeliveryEvent } from '@herald/shared';
import { channelLabels } from '../../components/badges.tsx';

/** The color of each event type, the same family as the delivery statuses (sent teal, failed red …). */
const eventColors: Record<string, string> = {
  queued: 'gray',
  deferred: 'orange',
  retrying: 'yellow',
  requeued: 'violet',
  sent: 'teal',
  delivered: 'green',
  opened: 'blue',
  clicked: 'indigo',
  unsubscribed: 'grape',
  bounced: 'red',
  failed: 'red',
  skipped: 'yellow',
};

/** The badge color of an event type; gray for a type this page does not know yet. */
export function eventColor(type: string): string {
  return eventColors[type] ?? 'gray';
}

const eventTimeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An event's instant to the second, with the zone's short name: events of one delivery often
 * fall in the same minute (queued, then sent a second later). The viewer's zone by default.
 */
export function formatEventTime(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const key = timeZone ?? '';
  let format = eventTimeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
      ...(timeZone ? { timeZone } : {}),
    });
    eventTimeFormats.set(key, format);
  }
  return format.format(date);
}

export type EventDetail = { key: string; label: string; value: string; isError?: boolean };

const costFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });

const channelName = (value: unknown) => (typeof value === 'string' && value in channelLabels ? channelLabels[value as Channel] : String(value));

const text = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
};

/** How each known field of an event's data reads; `null` leaves the field out (another line says it). */
const fields: Record<string, { label: string; format?: (value: unknown, data: Record<string, unknown>, timeZone?: string) => string | null; isError?: boolean }> = {
  attempt: { label: 'Attempt' },
  error: { label: 'Error', isError: true },
  retryAt: { label: 'Retry at', format: (value, _data, timeZone) => formatEventTime(text(value), timeZone) },
  until: { label: 'Deferred until', format: (value, _data, timeZone) => formatEventTime(text(value), timeZone) },
  reason: { label: 'Why' },
  cost: { label: 'Cost', format: (value) => (typeof value === 'number' ? costFormat.format(value) : text(value)) },
  channels: { label: 'Channels', format: (value) => (Array.isArray(value) ? value.map(channelName).join(', then ') : text(value)) },
  url: { label: 'Link' },
  isMachine: {
    label: 'By',
    format: (value, data) => (value === true ? `a machine${typeof data.machineReason === 'string' ? ` (${data.machineReason})` : ''}` : 'a person'),
  },
  machineReason: { label: 'Machine', format: (value, data) => ('isMachine' in data ? null : text(value)) },
  secondsSinceSent: { label: 'After', format: (value) => (typeof value === 'number' ? `${Math.round(value).toLocaleString()} s` : text(value)) },
  status: { label: 'Provider status' },
  errorCode: { label: 'Error code', isError: true },
  messageSid: { label: 'Message id' },
  method: { label: 'How' },
  from: { label: 'Sent again from' },
  userId: { label: 'By user' },
  userAgent: { label: 'User agent' },
  ip: { label: 'Address' },
};

/**
 * An event's data as lines a person reads, known fields first in a fixed order (attempt, error,
 * retry time, deferred until and why, cost …), then any other field under its own name, so a
 * type this page does not know yet still shows everything it carries.
 */
export function eventDetails(event: Pick<DeliveryEvent, 'data'>, timeZone?: string): EventDetail[] {
  const { data } = event;
  const details: EventDetail[] = [];
  const known = Object.keys(fields).filter((key) => key in data);
  const others = Object.keys(data).filter((key) => !(key in fields)).sort();
  for (const key of [...known, ...others]) {
    const value = data[key];
    if (value === null || value === undefined) continue;
    const field = fields[key];
    const shown = field?.format ? field.format(value, data, timeZone) : text(value);
    if (shown === null) continue;
    details.push({ key, label: field?.label ?? key, value: shown, ...(field?.isError ? { isError: true } : {}) });
  }
  return details;
}
