/**
 * Herald's wording for zod's built-in checks, wherever a schema is checked in this process:
 * the API's 400s (each issue's field, rule and this message) and the web UI's forms. zod's own
 * words are for programmers ("Invalid input: expected number, received undefined"); these say
 * what to fix ("is required", "must be a number, not text"). A message a schema gives itself
 * (`.min(1, 'must be at least 1')`) still wins over these.
 */
import { z } from 'zod';

type Issue = z.core.$ZodRawIssue;

/** What a type check expected, in words. */
const expectedKinds: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  record: 'an object',
  map: 'an object',
  set: 'a list',
  null: 'null',
};

/** What was given instead, in words. */
function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isFinite(input) ? 'a number' : String(input);
    case 'boolean':
      return String(input);
    case 'object':
      return 'an object';
    default:
      return typeof input;
  }
}

const quoted = (values: readonly unknown[]) => values.map((value) => JSON.stringify(value)).join(', ');

/** The fields an object schema knows, for telling someone what they misspelled. */
function knownFields(issue: Issue): string[] {
  const definition = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
  return Object.keys(definition?.shape ?? {});
}

/** What a bound counts in, where it is not a plain number. */
const units: Record<string, string> = { string: 'character', array: 'item', set: 'item', file: 'byte' };

/** "3 characters", "1 item", "10" … */
function amount(origin: string, limit: number | bigint): string {
  const unit = units[origin];
  return unit ? `${limit} ${unit}${Number(limit) === 1 ? '' : 's'}` : String(limit);
}

const formats: Record<string, string> = {
  uuid: 'a UUID',
  guid: 'a UUID',
  email: 'an email address',
  url: 'a URL',
  datetime: 'an ISO 8601 date and time, such as 2026-01-31T09:00:00Z',
  date: 'a date as YYYY-MM-DD',
  time: 'a time as HH:MM',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
};

/** Herald's message for an issue, or undefined to keep zod's. */
export function issueMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return 'must be a whole number';
      return `must be ${expectedKinds[issue.expected] ?? issue.expected}, not ${kindOf(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quoted(issue.values)}` : `must be one of ${quoted(issue.values)}`;
    case 'unrecognized_keys': {
      const known = knownFields(issue);
      const unknown = `${issue.keys.length === 1 ? 'has an unknown field' : 'has unknown fields'} ${quoted(issue.keys)}`;
      return known.length > 0 ? `${unknown}; its fields are ${known.join(', ')}` : unknown;
    }
    case 'too_small': {
      if ((issue.origin === 'string' || issue.origin === 'array') && Number(issue.minimum) === 1) return 'must not be empty';
      const relation = issue.exact ? 'exactly' : issue.inclusive === false ? 'more than' : 'at least';
      return `must be ${relation} ${amount(issue.origin, issue.minimum)}`;
    }
    case 'too_big': {
      const relation = issue.exact ? 'exactly' : issue.inclusive === false ? 'less than' : 'at most';
      return `must be ${relation} ${amount(issue.origin, issue.maximum)}`;
    }
    case 'invalid_format':
      if (issue.format === 'regex') return 'is not in the expected form';
      return `must be ${formats[issue.format] ?? `in ${issue.format} form`}`;
    case 'invalid_union':
      // reported at the discriminator itself (`timing.type`)
      if (issue.discriminator && 'options' in issue && Array.isArray(issue.options)) return `must be one of ${quoted(issue.options)}`;
      return undefined;
    default:
      return undefined;
  }
}

z.config({ customError: issueMessage });
