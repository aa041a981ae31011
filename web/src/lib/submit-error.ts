import type { FieldIssue } from './api.ts';
import { issuesOf, sameField, splitIssues, type FieldMapper } from './form-errors.ts';
import { notifyError } from './notify.ts';

type ErrorSettable = { setErrors: (errors: Record<string, string>) => void };

/**
 * Shows a failed save where it belongs: each issue next to its input, the rest (or the whole
 * error when it names no field) as a notification.
 */
export function showSubmitError(form: ErrorSettable, error: unknown, mapField: FieldMapper = sameField, extraIssues: FieldIssue[] = []): void {
  const issues = [...issuesOf(error), ...extraIssues];
  const { fieldErrors, unplaced } = splitIssues(issues, mapField);
  form.setErrors(fieldErrors);
  if (Object.keys(fieldErrors).length === 0) notifyError(error, 'Not saved', unplaced);
  else if (unplaced.length > 0) notifyError(error, 'Not saved', unplaced);
}
