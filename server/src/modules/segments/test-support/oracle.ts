/**
 * The segment semantics, written a second time in plain JavaScript, for tests: the property
 * test evaluates random trees here and in PostgreSQL and demands the same recipients. It is
 * deliberately independent of the compiler (no SQL, its own date reading), so a mistake in
 * one does not hide in the other. Text case-folding is ASCII-only here: tests keep their
 * case-insensitive data in ASCII, where every database collation agrees.
 */
import type { SegmentTree, Criterion, Scalar } from '../tree.ts';

export type OracleEvent = { type: string; scheduleId: string | null; deliveryId: number | null; occurredAt: Date };

export type OracleRecipient = {
  id: string;
  externalId: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  timezone: string | null;
  locale: string | null;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
  unsubscribedAt: Date | null;
  optedOutChannels: string[];
  attributes: Record<string, unknown>;
  events: OracleEvent[];
};

const lower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

const isoDate = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$/;

/** Milliseconds (with microseconds as a fraction) since the epoch of an ISO date string, or null when it is not a real one (years 1000–9999, hours < 24, offsets < 15 h). */
export function readDate(text: string): number | null {
  const m = isoDate.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || 0);
    if (hours > 14 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  // to the microsecond, as PostgreSQL reads it: a fraction of a millisecond is kept
  const millis = Number((m[7] ?? '').padEnd(6, '0')) / 1000;
  return utc.getTime() + millis - offsetMinutes * 60_000;
}

type Value = { kind: 'missing' } | { kind: 'text'; value: string } | { kind: 'number'; value: number } | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: number } | { kind: 'list'; value: unknown[] } | { kind: 'other' };

function columnValue(recipient: OracleRecipient, key: string): Value {
  const raw = (recipient as unknown as Record<string, unknown>)[key];
  if (raw === null || raw === undefined) return { kind: 'missing' };
  if (raw instanceof Date) return { kind: 'date', value: raw.getTime() };
  if (typeof raw === 'string') return { kind: 'text', value: raw };
  if (typeof raw === 'boolean') return { kind: 'boolean', value: raw };
  if (Array.isArray(raw)) return { kind: 'list', value: raw };
  return { kind: 'other' };
}

const receivedTypes = ['sent', 'delivered'];

function engagementValue(recipient: OracleRecipient, key: string): Value {
  const ofTypes = (types: string[]) => recipient.events.filter((e) => types.includes(e.type));
  const latest = (types: string[]): Value => {
    const times = ofTypes(types).map((e) => e.occurredAt.getTime());
    return times.length === 0 ? { kind: 'missing' } : { kind: 'date', value: Math.max(...times) };
  };
  const rate = (types: string[]): Value => {
    const deliveries = (list: OracleEvent[]) => new Set(list.map((e) => e.deliveryId).filter((id) => id !== null)).size;
    const received = deliveries(ofTypes(receivedTypes));
    return received === 0 ? { kind: 'missing' } : { kind: 'number', value: (100 * deliveries(ofTypes(types))) / received };
  };
  switch (key) {
    case 'lastReceivedAt': return latest(receivedTypes);
    case 'lastOpenedAt': return latest(['opened']);
    case 'lastClickedAt': return latest(['clicked']);
    case 'openRate': return rate(['opened']);
    case 'clickRate': return rate(['clicked']);
    default: throw new Error(`oracle: no engagement value ${key}`);
  }
}

const membershipTypes: Record<string, string[]> = { received: receivedTypes, opened: ['opened'], clicked: ['clicked'] };

function membership(recipient: OracleRecipient, key: string, criterion: Criterion, operator: string): boolean {
  const events = recipient.events.filter((e) => membershipTypes[key]!.includes(e.type));
  const { operand } = criterion;
  if (operator === '$exists') return events.length > 0;
  const ids = operand.kind === 'scalar' ? [operand.value] : operand.kind === 'list' ? operand.values : [];
  return events.some((e) => ids.some((id) => String(id).toLowerCase() === e.scheduleId));
}

function compare(a: number, operator: string, b: number): boolean {
  switch (operator) {
    case '$gt': case '$after': return a > b;
    case '$gte': return a >= b;
    case '$lt': case '$before': return a < b;
    case '$lte': return a <= b;
    default: throw new Error(`oracle: ${operator} is not a comparison`);
  }
}

function jsonEquals(stored: unknown, wanted: Scalar): boolean {
  return typeof stored === typeof wanted && stored === wanted;
}

/** The positive operators on one value; `now` is the evaluation instant. */
function positive(value: Value, attribute: { present: boolean; raw: unknown } | null, criterion: Criterion, operator: string, now: number): boolean {
  const { operand } = criterion;
  const raw = attribute?.raw;
  switch (operator) {
    case '$eq':
      if (operand.kind !== 'scalar') return false;
      if (attribute) return jsonEquals(raw, operand.value);
      return value.kind !== 'missing' && 'value' in value && value.value === operand.value;
    case '$in':
      if (operand.kind !== 'list') return false;
      if (attribute) return operand.values.some((v) => jsonEquals(raw, v));
      return value.kind !== 'missing' && 'value' in value && operand.values.includes(value.value as Scalar);
    case '$contains':
      if (operand.kind === 'scalar' || operand.kind === 'text') {
        const wanted = operand.value;
        if (value.kind === 'list') return value.value.some((element) => jsonEquals(element, wanted));
        if (operand.kind === 'text' && value.kind === 'text') return lower(value.value).includes(lower(operand.value));
      }
      return false;
    case '$startsWith':
      return operand.kind === 'text' && value.kind === 'text' && lower(value.value).startsWith(lower(operand.value));
    case '$regex':
      return operand.kind === 'pattern' && value.kind === 'text' && new RegExp(operand.value, operand.isCaseInsensitive ? 'i' : '').test(value.value);
    case '$exists':
      if (attribute) return attribute.present && raw !== null;
      return value.kind === 'list' ? value.value.length > 0 : value.kind !== 'missing';
    case '$withinLastDays': {
      const date = asDate(value);
      return operand.kind === 'days' && date !== null && date >= now - operand.value * 86_400_000 && date <= now;
    }
    case '$between':
      if (operand.kind === 'number-range') return value.kind === 'number' && value.value >= operand.low && value.value <= operand.high;
      if (operand.kind === 'date-range') {
        const date = asDate(value);
        return date !== null && date >= readDate(operand.low)! && date <= readDate(operand.high)!;
      }
      return false;
    default:
      if (operand.kind === 'number') return value.kind === 'number' && compare(value.value, operator, operand.value);
      if (operand.kind === 'date') {
        const date = asDate(value);
        return date !== null && compare(date, operator, readDate(operand.value)!);
      }
      return false;
  }
}

function asDate(value: Value): number | null {
  if (value.kind === 'date') return value.value;
  if (value.kind === 'text') return readDate(value.value);
  return null;
}

function attributeValue(raw: unknown): Value {
  if (raw === undefined || raw === null) return { kind: 'missing' };
  if (typeof raw === 'string') return { kind: 'text', value: raw };
  if (typeof raw === 'number') return { kind: 'number', value: raw };
  if (typeof raw === 'boolean') return { kind: 'boolean', value: raw };
  if (Array.isArray(raw)) return { kind: 'list', value: raw };
  return { kind: 'other' };
}

function matchesCriterion(recipient: OracleRecipient, criterion: Criterion, now: number): boolean {
  const operator = criterion.operator;
  const isNegated = operator === '$ne' || operator === '$nin' || (operator === '$exists' && criterion.operand.kind === 'flag' && !criterion.operand.value);
  const base = operator === '$ne' ? '$eq' : operator === '$nin' ? '$in' : operator;
  let result: boolean;
  const { field } = criterion;
  if (field.source === 'attribute') {
    const present = Object.prototype.hasOwnProperty.call(recipient.attributes, field.name);
    const raw = present ? recipient.attributes[field.name] : undefined;
    result = positive(attributeValue(raw), { present, raw }, criterion, base, now);
  } else if (membershipTypes[field.key]) {
    result = membership(recipient, field.key, criterion, base);
  } else if (['lastReceivedAt', 'lastOpenedAt', 'lastClickedAt', 'openRate', 'clickRate'].includes(field.key)) {
    result = positive(engagementValue(recipient, field.key), null, criterion, base, now);
  } else {
    result = positive(columnValue(recipient, field.key), null, criterion, base, now);
  }
  return isNegated ? !result : result;
}

/** Whether the recipient belongs to the segment at instant `now`. */
export function matchesSegment(tree: SegmentTree, recipient: OracleRecipient, now = Date.now()): boolean {
  switch (tree.kind) {
    case 'and': return tree.children.every((child) => matchesSegment(child, recipient, now));
    case 'or': return tree.children.some((child) => matchesSegment(child, recipient, now));
    case 'not': return !matchesSegment(tree.child, recipient, now);
    case 'criterion': return matchesCriterion(recipient, tree, now);
  }
}
