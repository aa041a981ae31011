/**
 * The pure rules of a recipients CSV: which header names mean which field, how a cell
 * becomes a value, and what makes a row invalid. No I/O: the importer streams the file
 * through these functions.
 */
import { recipientInputSchema } from '@herald/shared';
import type { RecipientWrite } from './upsert.ts';

/** One problem with one row of the file; `row` is the line number (the header is row 1). */
export type RowIssue = { row: number; field: string; rule: string; message: string };

type KnownField = 'externalId' | 'email' | 'phone' | 'name' | 'timezone' | 'locale' | 'isActive' | 'optedOutChannels' | 'quietHours';

/**
 * Header names (compared without case, `_` or `-`) that mean a recipient field. A Map, not an
 * object: a column named `constructor` or `__proto__` must not find Object's own properties.
 */
const knownHeaders = new Map<string, KnownField>([
  ['externalid', 'externalId'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['name', 'name'],
  ['timezone', 'timezone'],
  ['locale', 'locale'],
  ['isactive', 'isActive'],
  ['optedoutchannels', 'optedOutChannels'],
  ['quiethours', 'quietHours'],
]);

/** What each column of the file holds. */
export type CsvColumns = Array<{ kind: 'field'; field: KnownField } | { kind: 'attribute'; name: string }>;

/** Reads the header row: known names become fields, any other name an attribute. */
export function readHeader(header: string[]): { columns: CsvColumns; issues: RowIssue[] } {
  const issues: RowIssue[] = [];
  const seen = new Map<string, number>();
  const columns: CsvColumns = header.map((raw, index) => {
    const name = raw.trim();
    const field = knownHeaders.get(name.toLowerCase().replace(/[_-]/g, ''));
    const key = field ?? `attributes.${name}`;
    if (name === '') {
      issues.push({ row: 1, field: `column ${index + 1}`, rule: 'required', message: 'has no name in the header' });
    } else if (seen.has(key)) {
      issues.push({ row: 1, field: field ?? name, rule: 'duplicate', message: `column ${index + 1} repeats column ${seen.get(key)! + 1}` });
    }
    seen.set(key, index);
    return field ? { kind: 'field', field } : { kind: 'attribute', name };
  });
  if (!columns.some((column) => column.kind === 'field' && column.field === 'externalId')) {
    issues.push({ row: 1, field: 'externalId', rule: 'required', message: 'the header needs an externalId (or external_id) column' });
  }
  return { columns, issues };
}

const flags = new Map<string, boolean>([['true', true], ['false', false], ['1', true], ['0', false], ['yes', true], ['no', false]]);

/** true/false/1/0/yes/no, any case; undefined for anything else. */
export function parseFlag(text: string): boolean | undefined {
  return flags.get(text.trim().toLowerCase());
}

/** A list of channels separated by `;`, `,` or spaces (`email; sms`); an empty cell is no channel. */
export function parseChannelList(text: string): string[] {
  return [...new Set(text.split(/[;,\s]+/).map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))];
}

/**
 * A quiet hours cell: `22:00-07:00` (a hyphen or a dash between, spaces allowed) is the
 * person's own window, `none` means they want none, an empty cell follows the instance's
 * quiet hours (null). Anything else is undefined: not a quiet hours cell.
 */
export function parseQuietHoursCell(text: string): { start: string; end: string } | 'none' | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (trimmed.toLowerCase() === 'none') return 'none';
  const window = /^(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})$/.exec(trimmed);
  // 7:00 is read as 07:00; the schema then checks each time
  return window ? { start: window[1]!.padStart(5, '0'), end: window[2]!.padStart(5, '0') } : undefined;
}

/**
 * An attribute cell, typed where unambiguous: `true`/`false` are booleans, plain decimal
 * numbers are numbers; everything else stays text. Leading zeros ("007", ZIP codes),
 * exponents, "1,5" and numbers beyond 2^53 stay text because reading them as numbers
 * would change them. An empty cell is null.
 */
export function typedAttribute(text: string): string | number | boolean | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const lower = trimmed.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(trimmed)) {
    const value = Number(trimmed);
    if (Number.isSafeInteger(value) || (!Number.isInteger(value) && trimmed.replace(/^-/, '').length <= 16)) return value;
  }
  return text;
}

/**
 * Turns one data row into the fields to write, or the reasons it cannot be written.
 * An empty cell clears a known field (the file is the truth for its columns), except
 * isActive, which an empty cell leaves as it is; an empty optedOutChannels cell opts back in,
 * an empty quietHours cell follows the instance's quiet hours again.
 */
export function readRow(columns: CsvColumns, cells: string[], row: number): { write: RecipientWrite } | { issues: RowIssue[] } {
  if (cells.length !== columns.length) {
    return { issues: [{ row, field: 'row', rule: 'column_count', message: `has ${cells.length} cells; the header has ${columns.length}` }] };
  }
  const issues: RowIssue[] = [];
  const fields: Record<string, unknown> = {};
  // no prototype: an attribute column named `__proto__` is stored like any other
  const attributes: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let hasAttributes = false;
  columns.forEach((column, index) => {
    const cell = cells[index]!;
    if (column.kind === 'attribute') {
      attributes[column.name] = typedAttribute(cell);
      hasAttributes = true;
    } else if (column.field === 'isActive') {
      if (cell.trim() === '') return;
      const flag = parseFlag(cell);
      if (flag === undefined) issues.push({ row, field: 'isActive', rule: 'boolean', message: 'must be true, false, 1, 0, yes or no' });
      else fields.isActive = flag;
    } else if (column.field === 'optedOutChannels') {
      fields.optedOutChannels = parseChannelList(cell);
    } else if (column.field === 'quietHours') {
      const quietHours = parseQuietHoursCell(cell);
      if (quietHours === undefined) issues.push({ row, field: 'quietHours', rule: 'quiet_hours', message: 'must be a window such as 22:00-07:00, "none", or empty to follow the instance\'s quiet hours' });
      else fields.quietHours = quietHours;
    } else {
      fields[column.field] = cell.trim() === '' && column.field !== 'externalId' ? null : cell;
    }
  });
  const parsed = recipientInputSchema.safeParse(fields);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ row, field: issue.path.join('.') || 'row', rule: issue.code, message: issue.message });
    }
  }
  if (issues.length > 0 || !parsed.success) return { issues };
  const write: RecipientWrite = { externalId: parsed.data.externalId };
  for (const key of ['email', 'phone', 'name', 'timezone', 'locale', 'isActive', 'optedOutChannels', 'quietHours'] as const) {
    if (key in fields) Object.assign(write, { [key]: parsed.data[key] ?? null });
  }
  if (hasAttributes) write.attributes = attributes;
  return { write };
}
