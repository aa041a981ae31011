/**
 * The signature of a Twilio-compatible status callback (`X-Twilio-Signature`): base64
 * HMAC-SHA1, keyed with the account's auth token, of the full URL the provider called
 * followed by every POST parameter, sorted by name, as name then value with no separators.
 */
import crypto from 'node:crypto';

export type FormParams = Record<string, string | string[]>;

/** The signature the provider sends for this URL and form body. */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  let text = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    // A repeated parameter is signed once per distinct value, values sorted, as the
    // provider's reference library does.
    for (const item of Array.isArray(value) ? [...new Set(value)].sort() : [value]) text += name + item;
  }
  return crypto.createHmac('sha1', authToken).update(text, 'utf8').digest('base64');
}

/** True when the presented signature matches (constant-time comparison). */
export function isTwilioSignatureValid(authToken: string, url: string, params: FormParams, presented: string): boolean {
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(presented);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
