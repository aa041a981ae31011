import { ApiError, type FieldIssue } from './api.ts';

/** Turns an API field path into the form's path for that input; null when no input shows it. */
export type FieldMapper = (apiField: string) => string | null;

export const sameField: FieldMapper = (field) => field;

/** The issues of a failed zod parse, named like the API names them (dotted paths). */
export function issuesOfParse(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; code: string; message: string }>): FieldIssue[] {
  return issues.map((issue) => ({ field: issue.path.map(String).join('.'), rule: issue.code, message: issue.message }));
}

/**
 * Splits issues into errors shown at an input (first message per input wins) and the rest,
 * which have no input to stand next to.
 */
export function splitIssues(issues: readonly FieldIssue[], mapField: FieldMapper = sameField): { fieldErrors: Record<string, string>; unplaced: FieldIssue[] } {
  const fieldErrors: Record<string, string> = {};
  const unplaced: FieldIssue[] = [];
  for (const issue of issues) {
    const target = issue.field ? mapField(issue.field) : null;
    if (target === null) {
      unplaced.push(issue);
      continue;
    }
    fieldErrors[target] ??= issue.message;
  }
  return { fieldErrors, unplaced };
}

/** The issues an error carries, or none when it is not an API error. */
export function issuesOf(error: unknown): FieldIssue[] {
  return error instanceof ApiError ? error.issues : [];
}
