import type { FieldIssue } from '../../lib/api.ts';

/** The server's limit for one CSV upload (POST /api/recipients/import answers 413 past it). */
export const maxCsvBytes = 50 * 1024 * 1024;

/** How many row issues a refusal lists at most; the server counts the rest without listing them. */
const maxListedIssues = 1000;

/** What is wrong with the chosen file before it is sent, to show at the file input; null when it may go. */
export function csvFileProblem(file: Pick<File, 'size'>): string | null {
  if (file.size === 0) return 'is empty; the file needs a header row and at least one row';
  if (file.size > maxCsvBytes) return `must be at most ${maxCsvBytes / (1024 * 1024)} MB (this one is ${(file.size / (1024 * 1024)).toFixed(1)} MB)`;
  return null;
}

/**
 * The sentence above a refused import's issues. Rows refused: nothing was imported, fix and
 * upload again (noting when the list stops at the server's 1,000). No rows: the server's message.
 */
export function refusalSummary(issues: readonly FieldIssue[], message: string): string {
  if (!issues.some((issue) => issue.row !== undefined)) return message;
  const cut = issues.length >= maxListedIssues ? ` Only the first ${maxListedIssues.toLocaleString('en')} problems are listed.` : '';
  return `Nothing was imported. Fix these rows and upload the file again.${cut}`;
}
