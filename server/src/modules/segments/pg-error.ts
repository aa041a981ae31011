/** The SQLSTATE of a database error, whether the driver threw it or Drizzle wrapped it. */
export function pgErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, hops = 0; current && hops < 4; hops += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
