import { segmentLimits } from '@herald/shared';
import type { Scalar } from './tree.ts';

/** What checking one value found: the value, or why it is refused (a rule and a message). */
export type Checked<T> = { ok: true; value: T } | { ok: false; rule: string; message: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = (rule: string, message: string): Checked<never> => ({ ok: false, rule, message });

/**
 * An ISO 8601 date or date-time with years 1000–9999. The SQL side (attribute-field.ts) reads
 * attribute values with the same rule, so a date in a query and a date in the data agree.
 */
export const isoDatePattern =
  /^(?<year>[1-9][0-9]{3})-(?<month>0[1-9]|1[0-2])-(?<day>0[1-9]|[12][0-9]|3[01])(?<time>[T ](?<hour>[01][0-9]|2[0-3]):(?<minute>[0-5][0-9])(?::(?<second>[0-5][0-9])(?:[.](?<fraction>[0-9]{1,6}))?)?(?<zone>Z|[+-](?:0[0-9]|1[0-4])(?::?[0-5][0-9])?)?)?$/;

/** Days in a month of a year (Gregorian). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True for a string holding a real ISO date (2024-02-30 is not). */
export function isIsoDate(value: string): boolean {
  const groups = isoDatePattern.exec(value)?.groups;
  if (!groups) return false;
  return Number(groups.day) <= daysInMonth(Number(groups.year), Number(groups.month));
}

/**
 * A date from a query, written so PostgreSQL reads it the same whatever the session's time
 * zone: a date alone is midnight UTC, a time without an offset is UTC.
 */
export function checkDate(value: unknown): Checked<string> {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    return refuse('date', 'must be an ISO 8601 date such as 2024-01-31 or 2024-01-31T09:30:00Z');
  }
  const groups = isoDatePattern.exec(value)!.groups!;
  if (!groups.time) return ok(`${value}T00:00:00Z`);
  const normalized = value.replace(' ', 'T');
  return ok(groups.zone ? normalized : `${normalized}Z`);
}

/** Milliseconds since the epoch of a date the parser accepted (a time without an offset is UTC). */
export function instantOf(iso: string): number {
  const groups = isoDatePattern.exec(iso)?.groups;
  if (!groups) throw new Error(`not an ISO date: ${iso}`);
  const utc = Date.UTC(
    Number(groups.year), Number(groups.month) - 1, Number(groups.day),
    Number(groups.hour ?? 0), Number(groups.minute ?? 0), Number(groups.second ?? 0), Number((groups.fraction ?? '').padEnd(3, '0').slice(0, 3)),
  );
  const zone = groups.zone;
  if (!zone || zone === 'Z') return utc;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return utc - (zone.startsWith('-') ? -1 : 1) * offsetMinutes * 60_000;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A text value: not too long, and without the NUL character, which PostgreSQL text cannot hold. */
export function checkText(value: unknown, { isEmptyAllowed = true, maxLength = segmentLimits.maxStringLength as number } = {}): Checked<string> {
  if (typeof value !== 'string') return refuse('type', 'must be a string');
  if (!isEmptyAllowed && value.length === 0) return refuse('min', 'must not be empty');
  if (value.length > maxLength) return refuse('max', `must be at most ${maxLength} characters`);
  if (value.includes('\u0000')) return refuse('characters', 'must not contain the NUL character');
  if (loneSurrogate.test(value)) return refuse('characters', 'must be valid Unicode (it holds half of a surrogate pair)');
  return ok(value);
}

export function checkNumber(value: unknown): Checked<number> {
  if (typeof value !== 'number' || !Number.isFinite(value)) return refuse('type', 'must be a number');
  return ok(value);
}

export function checkBoolean(value: unknown): Checked<boolean> {
  if (typeof value !== 'boolean') return refuse('type', 'must be true or false');
  return ok(value);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(value: unknown): Checked<string> {
  if (typeof value !== 'string' || !uuidPattern.test(value)) return refuse('uuid', 'must be a schedule id (a UUID)');
  return ok(value.toLowerCase());
}

/** Any JSON scalar an attribute may equal. */
export function checkScalar(value: unknown): Checked<Scalar> {
  if (typeof value === 'string') return checkText(value);
  if (typeof value === 'number') return checkNumber(value);
  if (typeof value === 'boolean') return ok(value);
  if (value === null) return refuse('type', 'must not be null: to match a missing value use {"$exists": false}');
  if (Array.isArray(value)) return refuse('type', 'must be a single value: to match one of several use {"$in": […]}');
  return refuse('type', 'must be a string, a number or a boolean');
}
