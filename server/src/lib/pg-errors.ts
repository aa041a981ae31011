/**
 * PostgreSQL error codes Herald turns into answers (SQLSTATE, see the PostgreSQL manual,
 * appendix A). Drizzle wraps the driver's error, so the code sits on the error or its cause.
 */
export const pgError = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
} as const;

/** True when the database refused the statement with this SQLSTATE. */
export function isPgError(error: unknown, code: string): boolean {
  const direct = (error as { code?: unknown } | null)?.code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return direct === code || cause === code;
}
