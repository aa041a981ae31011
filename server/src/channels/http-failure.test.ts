import { describe, expect, it } from 'vitest';
import { httpErrorFailure, httpStatusFailure, isTransientStatus, parseRetryAfter } from './http-failure.ts';

describe('isTransientStatus', () => {
  const cases: Array<[status: number, isTransient: boolean, why: string]> = [
    [408, true, 'the server timed out waiting for the request'],
    [425, true, 'too early: replay later'],
    [429, true, 'rate limited: later'],
    [500, true, 'server error'],
    [502, true, 'bad gateway'],
    [503, true, 'unavailable'],
    [504, true, 'gateway timeout'],
    [599, true, 'any 5xx'],
    [400, false, 'the request is malformed'],
    [401, false, 'bad credentials'],
    [403, false, 'forbidden'],
    [404, false, 'no such resource'],
    [409, false, 'conflict'],
    [410, false, 'gone'],
    [413, false, 'too large'],
    [422, false, 'refused content'],
    [301, false, 'a redirect is not followed'],
  ];
  it.each(cases)('%i is transient: %s (%s)', (status, isTransient) => {
    expect(isTransientStatus(status)).toBe(isTransient);
  });
});

describe('httpStatusFailure', () => {
  it('quotes the answer on one line, short, with secrets masked', () => {
    const failure = httpStatusFailure(503, `  upstream\n  down for token s3cret ${'x'.repeat(1000)}`, ['s3cret']);
    expect(failure.isTransient).toBe(true);
    expect(failure.error).toMatch(/^HTTP 503: upstream down for token \*\*\* x+…$/);
    expect(failure.error.length).toBeLessThanOrEqual(500);
  });

  it('says only the status when the answer is empty', () => {
    expect(httpStatusFailure(404, '   ')).toEqual({ ok: false, isTransient: false, error: 'HTTP 404' });
  });

  it('explains that redirects are not followed', () => {
    expect(httpStatusFailure(302, '').error).toBe('HTTP 302 (redirects are not followed: point Herald at the final URL)');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-10-21T07:28:00Z');
  it.each<[name: string, value: string | undefined, expected: number | undefined]>([
    ['delay-seconds', '120', 120_000],
    ['zero seconds', '0', 0],
    ['delay-seconds with spaces around', ' 5 ', 5000],
    ['an IMF-fixdate', 'Wed, 21 Oct 2026 07:30:00 GMT', 120_000],
    ['the obsolete RFC 850 form', 'Wednesday, 21-Oct-26 07:29:00 GMT', 60_000],
    ['the obsolete asctime form, read in GMT', 'Wed Oct 21 07:28:30 2026', 30_000],
    ['a date already past', 'Wed, 21 Oct 2026 07:00:00 GMT', 0],
    ['absent', undefined, undefined],
    ['empty', '', undefined],
    ['negative seconds', '-5', undefined],
    ['fractional seconds', '1.5', undefined],
    ['a date without GMT', '2026-10-21 07:30:00', undefined],
    ['nonsense', 'soon', undefined],
  ])('%s (%j) → %j ms', (_name, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('httpStatusFailure with Retry-After', () => {
  it.each([429, 503])('%i carries the wait and says it before the quote', (status) => {
    expect(httpStatusFailure(status, `slow down ${'x'.repeat(600)}`, [], '30')).toMatchObject({
      isTransient: true,
      retryAfterMs: 30_000,
      error: expect.stringMatching(new RegExp(`^HTTP ${status} \\(retry after 30 s\\): slow down x+…$`)),
    });
  });

  it('ignores it on other statuses and when it cannot be read', () => {
    expect(httpStatusFailure(500, 'oops', [], '30')).toEqual({ ok: false, isTransient: true, error: 'HTTP 500: oops' });
    expect(httpStatusFailure(429, '', [], 'later')).toEqual({ ok: false, isTransient: true, error: 'HTTP 429' });
  });
});

describe('httpErrorFailure', () => {
  const cases: Array<{ name: string; error: unknown; isTransient: boolean; text: RegExp }> = [
    { name: 'a refused connection is transient', error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), isTransient: true, text: /^connect ECONNREFUSED 127\.0\.0\.1:9$/ },
    { name: 'a reset is transient', error: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), isTransient: true, text: /^UND_ERR_SOCKET: other side closed$/ },
    { name: 'a headers timeout is transient', error: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), isTransient: true, text: /UND_ERR_HEADERS_TIMEOUT/ },
    { name: 'an unknown host is transient (DNS can be down)', error: Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example'), { code: 'ENOTFOUND' }), isTransient: true, text: /ENOTFOUND/ },
    { name: 'an invalid argument is permanent', error: Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }), isTransient: false, text: /^UND_ERR_INVALID_ARG: invalid header$/ },
    { name: 'an invalid URL is permanent', error: Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }), isTransient: false, text: /Invalid URL/ },
    { name: 'a fetch-style wrapper reports its cause', error: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }) }), isTransient: true, text: /^connect ETIMEDOUT$/ },
    { name: 'a thrown string is transient', error: 'weird', isTransient: true, text: /^weird$/ },
    { name: 'nothing at all is transient', error: undefined, isTransient: true, text: /^unknown network error$/ },
  ];

  it.each(cases)('$name', ({ error, isTransient, text }) => {
    const failure = httpErrorFailure(error);
    expect(failure.ok).toBe(false);
    expect(failure.isTransient).toBe(isTransient);
    expect(failure.error).toMatch(text);
  });

  it('masks secrets in the network error', () => {
    expect(httpErrorFailure(new Error('failed for https://user:p4ss@host'), ['p4ss']).error).toBe('failed for https://user:***@host');
  });
});
