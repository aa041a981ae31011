/**
 * Decides whether a failed HTTP send is worth retrying, for every channel that speaks HTTP.
 * RFC 9110 puts the blame in the status: 5xx is the server's trouble and may pass; 429 says
 * "later" outright, and 408 (timeout) and 425 (too early) are about timing; every other 4xx
 * is a refusal of this very request, which the same request later would meet again.
 * Failures without an answer (refused connection, reset, timeout, DNS) are the network's, and
 * pass; only a request Herald itself built wrong (a bad URL or header) is hopeless.
 */

export type HttpFailure = { ok: false; isTransient: boolean; error: string; retryAfterMs?: number };

const transientStatuses = new Set([408, 425, 429]);

/** Errors about the request itself: a retry would build the same broken request. */
const permanentErrorCodes = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR']);

const maxErrorLength = 500;

/** True when a request that got this status may succeed if sent again later. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || transientStatuses.has(status);
}

/** Masks the secrets and keeps the text to one short line. */
export function cleanErrorText(text: string, secrets: readonly string[] = []): string {
  let clean = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) clean = clean.replaceAll(secret, '***');
  return clean.length > maxErrorLength ? `${clean.slice(0, maxErrorLength - 1)}…` : clean;
}

/** The statuses whose Retry-After says when to try again (RFC 9110 §10.2.3, RFC 6585 §4). */
const retryAfterStatuses = new Set([429, 503]);

/** asctime, the third form RFC 9110 §5.6.7 accepts: `Sun Nov  6 08:49:37 1994`, in GMT. */
const asctimePattern = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

/**
 * How long a `Retry-After` header asks to wait, in ms from `now`: delay-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`; a date already past is 0). Undefined when the
 * header is absent or is neither.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date is in GMT; asctime does not say so, and Date.parse would read it as local time.
  const date = asctimePattern.test(text) ? `${text} GMT` : text;
  const at = / GMT$/.test(date) ? Date.parse(date) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A non-2xx answer as a failure: `HTTP 503: <what the server said>`. `detail` is the part
 * of the body worth quoting (a provider's error message), or the body itself. On a 429 or 503,
 * the answer's `Retry-After` (pass the header's value) becomes `retryAfterMs`.
 */
export function httpStatusFailure(status: number, detail: string, secrets: readonly string[] = [], retryAfter?: string): HttpFailure {
  const said = cleanErrorText(detail, secrets);
  const retryAfterMs = retryAfterStatuses.has(status) ? parseRetryAfter(retryAfter) : undefined;
  // The wait goes before the quote, so a long quote cannot cut it off.
  const wait = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
  let error = said ? `HTTP ${status}${wait}: ${said}` : `HTTP ${status}${wait}`;
  if (status >= 300 && status < 400) error += ' (redirects are not followed: point Herald at the final URL)';
  const failure: HttpFailure = { ok: false, isTransient: isTransientStatus(status), error: cleanErrorText(error) };
  return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return typeof error === 'string' && error ? error : 'unknown network error';
}

/** A request that got no answer as a failure; `secrets` are masked out of the text. */
export function httpErrorFailure(error: unknown, secrets: readonly string[] = []): HttpFailure {
  // fetch-style wrappers put the network's error in `cause`; the cause says more.
  const cause = typeof error === 'object' && error !== null && 'cause' in error && error.cause ? error.cause : undefined;
  const code = codeOf(error) ?? codeOf(cause);
  const message = messageOf(cause ?? error);
  const text = code && !message.includes(code) ? `${code}: ${message}` : message;
  return { ok: false, isTransient: !(code !== undefined && permanentErrorCodes.has(code)), error: cleanErrorText(text, secrets) };
}
