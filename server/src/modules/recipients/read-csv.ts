/**
 * Streams a recipients CSV through the rules of csv-rows.ts. An import reads its file twice:
 * `checkRecipientsCsv` checks EVERY row before anything is written (an import either has no
 * bad row, or writes nothing and says which rows are bad), then `recipientBatches` reads it
 * again to write it. Neither holds the file's rows: memory stays flat whatever the file's
 * size, except for the externalIds seen, which finding duplicates needs.
 */
import type { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { parse } from 'csv-parse';
import { readHeader, readRow, type RowIssue } from './csv-rows.ts';
import type { RecipientWrite } from './upsert.ts';

/** How many row issues a refusal lists; the count of bad rows is always complete. */
export const maxReportedIssues = 1000;

/** A row longer than this is not a recipient but a broken quote swallowing the file. */
const maxRowBytes = 1024 * 1024;

/** One data row: what to write, or why it cannot be. */
type CsvItem = { row: number; write: RecipientWrite } | { row: number; issues: RowIssue[] };

export type CsvCheck = {
  /** the rows to write */
  rowCount: number;
  /** the first `maxReportedIssues` issues, in file order */
  issues: RowIssue[];
  invalidRowCount: number;
};

/**
 * The line a record starts on. csv-parse counts the line a record ENDS on; a quoted cell may
 * hold line breaks, and the raw text also carries the empty lines skipped before the record.
 */
function startLine(endLine: number, raw: string): number {
  const record = raw.replace(/^(?:\r\n|\n|\r)+/, '').replace(/(?:\r\n|\n|\r)$/, '');
  return endLine - (record.match(/\r\n|\n|\r/g)?.length ?? 0);
}

/** The file's data rows, each read by the rules; a bad header or broken CSV ends it with one last item saying so. */
async function* csvItems(input: Readable): AsyncGenerator<CsvItem> {
  // relax_column_count: a short or long row is that row's issue, not the end of the file
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, raw: true, max_record_size: maxRowBytes });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let columns: ReturnType<typeof readHeader>['columns'] | undefined;
  let hasRows = false;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
      const row = startLine(item.info.lines, item.raw);
      if (!columns) {
        const header = readHeader(item.record);
        if (header.issues.length > 0) {
          yield { row, issues: header.issues };
          return;
        }
        columns = header.columns;
        continue;
      }
      hasRows = true;
      const outcome = readRow(columns, item.record, row);
      yield 'write' in outcome ? { row, write: outcome.write } : { row, issues: outcome.issues };
    }
  } catch (error) {
    // csv-parse's errors carry a CSV_ code and the line; anything else (a read error) is not the file's fault
    if (!String((error as { code?: unknown }).code).startsWith('CSV_')) throw error;
    const { lines, raw, code } = error as { lines?: unknown; raw?: unknown; code: string };
    // raw is the broken record so far: point at the line it starts on, as for any row
    const row = typeof lines !== 'number' ? 0 : typeof raw === 'string' ? startLine(lines, raw) : lines;
    const message = code === 'CSV_QUOTE_NOT_CLOSED' ? 'opens a quoted cell that is never closed' : (error as Error).message;
    yield { row, issues: [{ row, field: 'csv', rule: 'csv_syntax', message: `is not valid CSV: ${message}` }] };
    return;
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
  if (!columns) {
    yield { row: 1, issues: [{ row: 1, field: 'csv', rule: 'required', message: 'the file is empty; it needs a header row and at least one row' }] };
  } else if (!hasRows) {
    yield { row: 2, issues: [{ row: 2, field: 'csv', rule: 'required', message: 'the file has a header but no rows' }] };
  }
}

/**
 * Reads the whole file and reports every bad row: broken cells, a repeated externalId, or a
 * problem with the file itself. Yields to the event loop every 1,000 rows, so a 50 MB file
 * does not stall the other requests.
 */
export async function checkRecipientsCsv(input: Readable): Promise<CsvCheck> {
  const check: CsvCheck = { rowCount: 0, issues: [], invalidRowCount: 0 };
  const report = (issues: RowIssue[]) => {
    check.invalidRowCount += 1;
    check.issues.push(...issues.slice(0, maxReportedIssues - check.issues.length));
  };
  const firstRowOf = new Map<string, number>();
  let seen = 0;
  for await (const item of csvItems(input)) {
    if ('issues' in item) {
      report(item.issues);
    } else {
      const earlier = firstRowOf.get(item.write.externalId);
      if (earlier === undefined) {
        firstRowOf.set(item.write.externalId, item.row);
        check.rowCount += 1;
      } else {
        report([{ row: item.row, field: 'externalId', rule: 'duplicate', message: `repeats the externalId of row ${earlier}` }]);
      }
    }
    seen += 1;
    if (seen % 1000 === 0) await yieldToEventLoop();
  }
  return check;
}

/**
 * The file's rows in batches of `size`, in file order, for a file `checkRecipientsCsv` passed.
 * Throws if a row is bad after all (the file changed under us): a write must never guess.
 */
export async function* recipientBatches(input: Readable, size: number): AsyncGenerator<Array<{ row: number; write: RecipientWrite }>> {
  let batch: Array<{ row: number; write: RecipientWrite }> = [];
  for await (const item of csvItems(input)) {
    if ('issues' in item) throw new Error(`row ${item.row} of a checked file is invalid: ${item.issues[0]?.message ?? 'unknown issue'}`);
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
