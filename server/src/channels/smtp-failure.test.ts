import { describe, expect, it } from 'vitest';
import { classifySmtpError } from './smtp-failure.ts';

describe('classifySmtpError', () => {
  const cases: Array<{ name: string; error: unknown; isTransient: boolean; text: RegExp }> = [
    { name: '451 greylisting is transient', error: { code: 'EMESSAGE', responseCode: 451, response: '451 4.7.1 Try again later' }, isTransient: true, text: /^451 4\.7\.1 Try again later$/ },
    { name: '421 service closing is transient', error: { code: 'EENVELOPE', responseCode: 421, response: '421 shutting down' }, isTransient: true, text: /^421/ },
    { name: '452 mailbox full is transient, even with a permanent-looking code', error: { code: 'EENVELOPE', responseCode: 452, response: '452 full' }, isTransient: true, text: /452 full/ },
    { name: '550 no such user is permanent', error: { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 no such user' }, isTransient: false, text: /550 5\.1\.1 no such user/ },
    { name: '554 rejected content is permanent', error: { code: 'EMESSAGE', responseCode: 554, response: 'rejected' }, isTransient: false, text: /^554 rejected$/ },
    { name: '535 bad credentials is permanent', error: { code: 'EAUTH', responseCode: 535, response: '535 auth failed' }, isTransient: false, text: /535/ },
    { name: '454 temporary auth failure is transient', error: { code: 'EAUTH', responseCode: 454, response: '454 try later' }, isTransient: true, text: /454/ },
    { name: 'a refused connection is transient', error: { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:2525' }, isTransient: true, text: /^ESOCKET: connect ECONNREFUSED/ },
    { name: 'a timeout is transient', error: { code: 'ETIMEDOUT', message: 'Greeting never received' }, isTransient: true, text: /ETIMEDOUT/ },
    { name: 'a dropped connection is transient', error: { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, isTransient: true, text: /ECONNECTION/ },
    { name: 'no recipients is permanent', error: { code: 'EENVELOPE', message: 'No recipients defined' }, isTransient: false, text: /EENVELOPE: No recipients defined/ },
    { name: 'missing credentials is permanent', error: { code: 'ENOAUTH', message: 'Missing credentials' }, isTransient: false, text: /ENOAUTH/ },
    { name: 'an unknown error is transient: five tries beat a lost message', error: new Error('boom'), isTransient: true, text: /^boom$/ },
    { name: 'a thrown string is transient', error: 'weird', isTransient: true, text: /^weird$/ },
  ];

  it.each(cases)('$name', ({ error, isTransient, text }) => {
    const failure = classifySmtpError(error);
    expect(failure.isTransient).toBe(isTransient);
    expect(failure.error).toMatch(text);
  });

  it('masks secrets that an error message happens to contain', () => {
    const failure = classifySmtpError({ code: 'EAUTH', message: 'Invalid login for user herald with s3cr3t-pass' }, ['s3cr3t-pass']);
    expect(failure.error).not.toContain('s3cr3t-pass');
    expect(failure.error).toContain('***');
  });

  it('keeps a long reply short', () => {
    const failure = classifySmtpError({ responseCode: 550, response: `550 ${'x'.repeat(2000)}` });
    expect(failure.error.length).toBeLessThanOrEqual(500);
  });
});
