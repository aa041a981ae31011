import { describe, expect, it } from 'vitest';
import { isTwilioSignatureValid, twilioSignature } from './twilio-signature.ts';

// The worked example of the provider's request-validation documentation (auth token 12345).
const authToken = '12345';
const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
const documentedSignature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

describe('twilioSignature', () => {
  it('reproduces the documented signature, whatever the order of the parameters', () => {
    expect(twilioSignature(authToken, url, params)).toBe(documentedSignature);
    const shuffled = { To: params.To, Digits: params.Digits, CallSid: params.CallSid, From: params.From, Caller: params.Caller };
    expect(twilioSignature(authToken, url, shuffled)).toBe(documentedSignature);
  });

  it('signs a repeated parameter once per distinct value, values sorted (the reference library\'s vector)', () => {
    const repeated = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] };
    expect(twilioSignature(authToken, url, repeated)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });
});

describe('isTwilioSignatureValid', () => {
  it.each([
    ['the documented request', authToken, url, params, documentedSignature, true],
    ['a changed parameter value', authToken, url, { ...params, Digits: '9999' }, documentedSignature, false],
    ['an added parameter', authToken, url, { ...params, Extra: '1' }, documentedSignature, false],
    ['another URL', authToken, `${url}&x=1`, params, documentedSignature, false],
    ['another auth token', 'other-token', url, params, documentedSignature, false],
    ['a forged signature of the same length', authToken, url, params, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', false],
    ['a signature of another length', authToken, url, params, 'deadbeef', false],
    ['an empty signature', authToken, url, params, '', false],
  ])('%s → %s', (_name, token, requestUrl, requestParams, signature, expected) => {
    expect(isTwilioSignatureValid(token, requestUrl, requestParams, signature)).toBe(expected);
  });
});
