/**
 * The push subscription API's shapes. A subscription is what the browser's
 * `PushSubscription.toJSON()` gives; each part is checked for what it must be (a push
 * service URL, a P-256 public key, a 16-byte secret), so a malformed one is refused with the
 * field that is wrong instead of failing at every send.
 */
import crypto from 'node:crypto';
import { z } from 'zod';

const base64urlPattern = /^[A-Za-z0-9_-]+={0,2}$/;

/** The bytes of base64url text (padding allowed), or undefined when it is not base64url. */
function base64urlBytes(text: string): Buffer | undefined {
  return base64urlPattern.test(text) ? Buffer.from(text.replace(/=+$/, ''), 'base64url') : undefined;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Push services speak HTTPS; plain HTTP only to a push service on this machine (development, tests). */
function isPushEndpoint(text: string): boolean {
  try {
    const url = new URL(text);
    if (url.username || url.password) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && (loopbackHosts.has(url.hostname) || url.hostname.startsWith('127.')));
  } catch {
    return false;
  }
}

/** An uncompressed point on P-256 (65 bytes, 0x04 first), the only form RFC 8291 uses. */
function isP256PublicKey(text: string): boolean {
  const bytes = base64urlBytes(text);
  if (!bytes || bytes.length !== 65 || bytes[0] !== 0x04) return false;
  try {
    crypto.ECDH.convertKey(bytes, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}

function isAuthSecret(text: string): boolean {
  return base64urlBytes(text)?.length === 16;
}

const withoutPadding = (text: string) => text.replace(/=+$/, '');

export const pushSubscriptionInput = z.object({
  endpoint: z.string().max(2048, 'must be at most 2048 characters')
    .refine(isPushEndpoint, { message: 'must be the push service\'s https URL from PushSubscription.endpoint' }),
  /** milliseconds since the epoch, as the browser gives it, or null */
  expirationTime: z.number().int().positive().nullable().optional(),
  keys: z.object({
    p256dh: z.string().max(200).refine(isP256PublicKey, { message: 'must be the browser\'s P-256 public key: 65 bytes (uncompressed point), base64url' }).transform(withoutPadding),
    auth: z.string().max(100).refine(isAuthSecret, { message: 'must be the browser\'s 16-byte auth secret, base64url' }).transform(withoutPadding),
  }),
});
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionInput>;

/** Who subscribes: the inbox's proof of identity (externalId plus its signature, or an API token). */
const recipientAccess = {
  externalId: z.string().trim().min(1, 'is required').max(255),
  signature: z.string().min(1).max(200).optional(),
};

export const subscribeBody = z.strictObject({ ...recipientAccess, subscription: pushSubscriptionInput });
export const unsubscribeBody = z.strictObject({ ...recipientAccess, endpoint: z.string().min(1, 'is required').max(2048) });

export const pushSubscriptionSchema = z.object({
  id: z.string().uuid(),
  endpoint: z.string(),
  expiresAt: z.string().nullable().describe('when the browser said the subscription ends, ISO 8601'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PushSubscriptionView = z.infer<typeof pushSubscriptionSchema>;

export const vapidPublicKeySchema = z.object({
  publicKey: z.string().describe('the applicationServerKey for pushManager.subscribe(), base64url'),
});
