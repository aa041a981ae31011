import { AppError, type FieldIssue } from './errors.ts';

/** A 400 carrying every issue found at once, so a form can mark all its bad fields in one round trip. */
export function validationFailed(issues: FieldIssue[]): AppError {
  const message = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new AppError('validation_failed', message, { issues });
}
