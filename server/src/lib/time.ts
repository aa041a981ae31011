import { IANAZone } from 'luxon';

/** True when the name is a time zone the runtime knows (IANA names and "UTC"). */
export function isValidTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

export function toIso(value: Date | string | null | undefined): string | null {
  if (value == null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
