/** Every error Herald means to show a caller. Its code decides the HTTP status, in one table. */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** One problem with one field of the input: `field` is a dotted path, `rule` what it broke. */
export type FieldIssue = { field: string; rule: string; message: string };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/** A 400 that names the field and the rule it broke, shaped like schema validation errors. */
export function fieldError(field: string, rule: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { issues: [{ field, rule, message }] satisfies FieldIssue[] });
}

export function notFound(what: string, id?: string): AppError {
  return new AppError('not_found', id ? `${what} ${id} does not exist` : `${what} does not exist`);
}
