import type { SegmentFieldType } from '@herald/shared';
import { instantOf, isIsoDate } from './parse-values.ts';
import type { Scalar } from './tree.ts';

/** What the sample says about one attribute. */
export type AttributeProfile = {
  name: string;
  type: SegmentFieldType;
  /** the most frequent values (for arrays, elements), most frequent first; for dates, the earliest and the latest */
  examples: Scalar[];
  /** share of the sampled recipients that have it (not null) */
  coverage: number;
};

type Tally = {
  present: number;
  types: Map<string, number>;
  strings: number;
  dateStrings: number;
  /** the earliest and latest ISO dates seen, as written */
  dateRange: { earliest: string; latest: string } | null;
  values: Map<string, { value: Scalar; count: number }>;
};

const maxExamples = 8;
/** share of a string attribute's values that must be ISO dates for it to count as a date */
const dateShare = 0.9;
const maxExampleLength = 100;
/** distinct values remembered per attribute: enough to rank the frequent ones, bounded in memory */
const maxTalliedValues = 2000;

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

function tallyValue(tally: Tally, value: unknown): void {
  if (typeof value === 'string' && value.length > maxExampleLength) return;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return;
  const key = `${typeof value}:${String(value)}`;
  const seen = tally.values.get(key);
  if (seen) seen.count += 1;
  else if (tally.values.size < maxTalliedValues) tally.values.set(key, { value, count: 1 });
}

function widenDateRange(tally: Tally, date: string): void {
  const range = tally.dateRange;
  if (!range) tally.dateRange = { earliest: date, latest: date };
  else if (instantOf(date) < instantOf(range.earliest)) range.earliest = date;
  else if (instantOf(date) > instantOf(range.latest)) range.latest = date;
}

/** What the builder shows as a field's examples. */
function examplesOf(type: SegmentFieldType, tally: Tally): Scalar[] {
  if (type === 'object') return [];
  if (type === 'date') {
    const range = tally.dateRange;
    if (!range) return [];
    return range.earliest === range.latest ? [range.earliest] : [range.earliest, range.latest];
  }
  return [...tally.values.values()].sort((a, b) => b.count - a.count).slice(0, maxExamples).map((entry) => entry.value);
}

function typeOf(tally: Tally): SegmentFieldType {
  const kinds = [...tally.types.keys()];
  if (kinds.length !== 1) return 'mixed';
  switch (kinds[0]) {
    case 'string':
      // a stray bad value must not hide that an attribute holds dates
      return tally.dateStrings >= tally.strings * dateShare ? 'date' : 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    case 'object':
      return 'object';
    default:
      return 'mixed';
  }
}

/**
 * Infers each attribute's type and frequent values from a sample of recipients' attributes:
 * one type when every non-null value has it (`date` for strings that are nearly all ISO dates),
 * `mixed` otherwise. The most common attributes come first, at most `limit` of them.
 */
export function inferAttributes(samples: readonly Record<string, unknown>[], limit = 500): AttributeProfile[] {
  const tallies = new Map<string, Tally>();
  for (const attributes of samples) {
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined) continue;
      let tally = tallies.get(name);
      if (!tally) {
        tally = { present: 0, types: new Map(), strings: 0, dateStrings: 0, dateRange: null, values: new Map() };
        tallies.set(name, tally);
      }
      tally.present += 1;
      const kind = kindOf(value);
      tally.types.set(kind, (tally.types.get(kind) ?? 0) + 1);
      if (typeof value === 'string') {
        tally.strings += 1;
        if (isIsoDate(value)) {
          tally.dateStrings += 1;
          widenDateRange(tally, value);
        }
      }
      if (Array.isArray(value)) for (const element of value) tallyValue(tally, element);
      else tallyValue(tally, value);
    }
  }
  return [...tallies.entries()]
    .sort(([nameA, a], [nameB, b]) => b.present - a.present || nameA.localeCompare(nameB))
    .slice(0, limit)
    .map(([name, tally]) => {
      const type = typeOf(tally);
      return { name, type, examples: examplesOf(type, tally), coverage: samples.length === 0 ? 0 : tally.present / samples.length };
    });
}
