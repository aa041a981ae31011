/**
 * Where Herald's public tracking routes live. Senders build their URLs from these (the email
 * sender its links and headers, the SMS sender its status callback), so a route and the URLs
 * that reach it cannot drift apart.
 */

/**
 * The path prefixes of the tracking routes. `workerUnsubscribe` is where the link the worker
 * gives templates (`{{ unsubscribeUrl }}`) points; it leads to the same pages as `unsubscribe`.
 */
export const trackingPaths = { open: '/t/o/', click: '/t/c/', unsubscribe: '/t/u/', workerUnsubscribe: '/u/' } as const;

/** Where providers POST SMS delivery reports (Twilio-compatible, signed). */
export const smsStatusPath = '/t/sms/status';

/**
 * The StatusCallback URL an SMS sender gives the provider with each message. The provider
 * signs exactly this URL, and the route checks the signature against it, so it is built from
 * HERALD_PUBLIC_URL (config.publicUrl), never from a request's Host.
 */
export function smsStatusCallbackUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, '')}${smsStatusPath}`;
}
