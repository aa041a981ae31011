/**
 * What an SMS provider's status callback means for Herald. Twilio-compatible statuses:
 * queued → sending → sent → delivered, or → undelivered (the carrier could not hand it to
 * the phone) or failed (it never left the provider). Only the final answers are recorded:
 * `sent` was recorded by the worker when the provider accepted the message.
 */
export type SmsStatusEffect =
  | { kind: 'ignore' }
  | { kind: 'delivered' }
  /** the message did not reach the phone; the delivery becomes failed with this reason */
  | { kind: 'not-delivered'; eventType: 'bounced' | 'failed'; reason: string };

/** Common provider error codes, so the reason an admin reads says what went wrong. */
const errorCodeMeaning: Record<string, string> = {
  '21211': 'invalid phone number',
  '21408': 'no permission to send to this region',
  '21610': 'the recipient replied STOP',
  '21612': 'this route cannot reach the number',
  '21614': 'not a mobile number',
  '30001': 'queue overflow',
  '30002': 'account suspended',
  '30003': 'unreachable handset',
  '30004': 'message blocked',
  '30005': 'unknown handset',
  '30006': 'landline or unreachable carrier',
  '30007': 'filtered by the carrier',
  '30008': 'unknown error',
};

/** The effect of one status callback; `errorCode` is the provider's ErrorCode, if any. */
export function smsStatusEffect(status: string, errorCode: string | undefined): SmsStatusEffect {
  switch (status.toLowerCase()) {
    case 'delivered':
      return { kind: 'delivered' };
    case 'undelivered':
      // Accepted by the provider, refused further on: the SMS counterpart of a bounce.
      return { kind: 'not-delivered', eventType: 'bounced', reason: failureReason('undelivered', errorCode) };
    case 'failed':
      return { kind: 'not-delivered', eventType: 'failed', reason: failureReason('failed', errorCode) };
    default:
      return { kind: 'ignore' };
  }
}

function failureReason(status: string, errorCode: string | undefined): string {
  const code = errorCode?.trim();
  if (!code) return `SMS provider: ${status}`;
  const meaning = errorCodeMeaning[code];
  return `SMS provider: ${status} (error ${code}${meaning ? `: ${meaning}` : ''})`;
}
