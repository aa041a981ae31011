/**
 * SMS through a Twilio-compatible HTTP API: `POST {SMS_API_URL}/2010-04-01/Accounts/{sid}/Messages.json`,
 * form-encoded, with HTTP Basic auth (account SID : auth token). Each request carries
 * `I-Twilio-Idempotency-Token: <stable message id>`, so a provider that honours it drops the
 * repeat a crash between "sent" and "recorded" would cause, and a `StatusCallback` pointing at
 * Herald's signed status route (modules/tracking/sms-status-routes.ts), which turns the
 * provider's receipts into delivered / failed events matched by the message SID.
 */
import type { Config } from '../config.ts';
import { smsStatusCallbackUrl } from '../modules/tracking/paths.ts';
import { httpErrorFailure, httpStatusFailure } from './http-failure.ts';
import { createHttpClient, headerValue, type HttpClientOptions } from './http-post.ts';
import { permanentFailure, type ChannelSender, type OutgoingMessage, type SendResult } from './types.ts';

export type SmsSenderOptions = Pick<Config, 'smsApiUrl' | 'smsAccountSid' | 'smsAuthToken' | 'smsFrom' | 'publicUrl' | 'workerConcurrency'>;

/** Messaging service SIDs start with MG; the provider picks the sending number from the service. */
const messagingServicePattern = /^MG[0-9a-fA-F]{32}$/;

/** A phone number in E.164, the form the provider takes: + then up to 15 digits. */
const e164Pattern = /^\+[1-9]\d{1,14}$/;

/** The provider's error answer: `{ code, message, more_info, status }`. */
function providerError(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') {
      const code = 'code' in body && (typeof body.code === 'number' || typeof body.code === 'string') ? `${body.code} ` : '';
      return `${code}${body.message}`;
    }
  } catch {
    // not JSON: quote the text itself
  }
  return text;
}

/** The message SID of an accepted message, if the answer names one. */
function messageSid(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'sid' in body && typeof body.sid === 'string' && body.sid) return body.sid;
  } catch {
    // an accepted message without a readable answer is still sent
  }
  return undefined;
}

/**
 * Creates the SMS sender, or undefined when SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM are
 * not all set (a Herald without SMS has no sender, and says so on each SMS delivery).
 */
export function createSmsSender(options: SmsSenderOptions, http: HttpClientOptions = {}): ChannelSender<'sms'> | undefined {
  const { smsAccountSid: accountSid, smsAuthToken: authToken, smsFrom: from } = options;
  if (!accountSid || !authToken || !from) return undefined;
  const client = createHttpClient({ connectionsPerHost: options.workerConcurrency, ...http });
  const url = `${options.smsApiUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const sender: [string, string] = messagingServicePattern.test(from) ? ['MessagingServiceSid', from] : ['From', from];
  const statusCallback = smsStatusCallbackUrl(options.publicUrl);
  const secrets = [authToken, authorization.slice('Basic '.length)];

  async function send(message: OutgoingMessage<'sms'>): Promise<SendResult> {
    const to = message.recipient.phone?.replace(/[\s().-]/g, '');
    if (!to) return permanentFailure('the recipient has no phone number');
    if (!e164Pattern.test(to)) return permanentFailure(`the recipient's phone number "${message.recipient.phone}" is not in E.164 form (+ country code, then the number)`);
    const body = new URLSearchParams([['To', to], sender, ['Body', message.content.body], ['StatusCallback', statusCallback]]);
    try {
      const response = await client.post({
        url,
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'i-twilio-idempotency-token': message.messageId,
        },
        body: body.toString(),
      });
      if (response.status >= 200 && response.status < 300) {
        const sid = messageSid(response.text);
        return sid ? { ok: true, providerMessageId: sid } : { ok: true };
      }
      return httpStatusFailure(response.status, providerError(response.text), secrets, headerValue(response.headers, 'retry-after'));
    } catch (error) {
      return httpErrorFailure(error, secrets);
    }
  }

  return { channel: 'sms', send, close: client.close };
}
