import { describe, expect, it } from 'vitest';
import { csvFileProblem, maxCsvBytes, refusalSummary } from './import-file.ts';

describe('csvFileProblem', () => {
  it.each([
    [0, 'is empty'],
    [maxCsvBytes + 1, 'must be at most 50 MB'],
  ])('refuses a file of %i bytes before sending it', (size, expected) => {
    expect(csvFileProblem({ size })).toContain(expected);
  });

  it.each([1, maxCsvBytes])('lets a file of %i bytes go', (size) => {
    expect(csvFileProblem({ size })).toBeNull();
  });
});

describe('refusalSummary', () => {
  const rowIssue = (row: number) => ({ row, field: 'email', rule: 'invalid_format', message: 'must be an email address' });

  it('tells to fix the rows when the server named rows', () => {
    expect(refusalSummary([rowIssue(3)], 'The file has a problem; …')).toBe('Nothing was imported. Fix these rows and upload the file again.');
  });

  it('says when the list stops at the server\'s 1,000', () => {
    const issues = Array.from({ length: 1000 }, (_, index) => rowIssue(index + 2));
    expect(refusalSummary(issues, '1500 rows have problems')).toContain('Only the first 1,000 problems are listed.');
  });

  it('shows the server\'s message when no row is named (a file over the limit)', () => {
    const issues = [{ field: 'file', rule: 'max_size', message: 'must be at most 50 MB' }];
    expect(refusalSummary(issues, 'file: must be at most 50 MB')).toBe('file: must be at most 50 MB');
  });
});
