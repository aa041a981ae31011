/**
 * Web push (RFC 8030) to every browser the recipient subscribed (modules/push), with the
 * payload encrypted for each one (RFC 8291, aes128gcm, by the web-push library) and a VAPID
 * JWT (RFC 8292) proving the message comes from this Herald.
 *
 * - A message reaches the person when at least one of their browsers takes it.
 * - 404 or 410 from a push service means that subscription is gone for good (unsubscribed,
 *   browser data cleared): it is deleted; with none left the send fails permanently.
 * - 429 or 503 with `Retry-After` (RFC 8030 §8.4 lets a push service throttle): the retry
 *   waits at least that long.
 * - `Topic` is derived from the stable message id, so a repeat sent after a crash replaces the
 *   first copy while the device is offline, and the payload's `id` lets the service worker
 *   use it as the notification `tag`, so a repeat that does arrive replaces the first.
 */
import crypto from 'node:crypto';
import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Logger } from 'pino';
import webpush from 'web-push';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { pushSubscriptions } from '../db/schema.ts';
import { cachedLoader } from './generated-setting.ts';
import { httpErrorFailure, httpStatusFailure } from './http-failure.ts';
import { createHttpClient, headerValue, type HttpClientOptions } from './http-post.ts';
import { permanentFailure, transientFailure, type ChannelSender, type OutgoingMessage, type SendResult } from './types.ts';
import { loadVapidKeys } from './vapid-keys.ts';

export type PushSenderOptions = Pick<Config, 'pushVapidSubject' | 'workerConcurrency'>;

type Subscription = { id: string; recipientId: string; endpoint: string; p256dh: string; auth: string };

type SubscriptionOutcome =
  | { kind: 'sent'; location: string | undefined }
  | { kind: 'gone'; subscription: Subscription; error: string }
  | { kind: 'failed'; isTransient: boolean; error: string; retryAfterMs?: number | undefined };

/** How long a push service keeps a message for a device that is offline. */
export const pushTtlSeconds = 24 * 3600;

/**
 * Push services take at most 4096 bytes of encrypted body (RFC 8030 §7.2); aes128gcm adds an
 * 86-byte header, a 16-byte tag and a 1-byte padding delimiter.
 */
export const maxPushPayloadBytes = 4096 - 86 - 16 - 1;

/** A VAPID JWT lives 12 hours; one is signed per push service origin and reused for an hour. */
const vapidTokenLifetimeSeconds = 12 * 3600;
const vapidTokenReuseMs = 3600 * 1000;

/** What the service worker receives (docs/channels.md shows one that displays it). */
export function pushPayload(message: OutgoingMessage<'push'>): string {
  const { title, body, url } = message.content;
  return JSON.stringify({ id: message.messageId, deliveryId: message.deliveryId, title, body, ...(url ? { url } : {}) });
}

/** The `Topic` header: at most 32 URL-safe base64 characters, the same on every attempt. */
export function pushTopic(messageId: string): string {
  return crypto.createHash('sha256').update(messageId).digest().subarray(0, 24).toString('base64url');
}

/**
 * Reads the subscriptions of every recipient asked for in the same tick with one query, so a
 * batch of a thousand push deliveries costs one round trip, not a thousand.
 */
function createSubscriptionLoader(database: Database): (recipientId: string) => Promise<Subscription[]> {
  let pending = new Map<string, Array<{ resolve: (rows: Subscription[]) => void; reject: (error: unknown) => void }>>();

  async function flush(): Promise<void> {
    const batch = pending;
    pending = new Map();
    try {
      const rows = await database.db.select({
        id: pushSubscriptions.id,
        recipientId: pushSubscriptions.recipientId,
        endpoint: pushSubscriptions.endpoint,
        p256dh: pushSubscriptions.p256dh,
        auth: pushSubscriptions.auth,
      }).from(pushSubscriptions).where(and(
        inArray(pushSubscriptions.recipientId, [...batch.keys()]),
        or(isNull(pushSubscriptions.expiresAt), gt(pushSubscriptions.expiresAt, new Date())),
      ));
      for (const [recipientId, waiters] of batch) {
        const own = rows.filter((row) => row.recipientId === recipientId);
        for (const waiter of waiters) waiter.resolve(own);
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }

  return (recipientId) => new Promise((resolve, reject) => {
    if (pending.size === 0) setImmediate(() => void flush());
    const waiters = pending.get(recipientId) ?? [];
    waiters.push({ resolve, reject });
    pending.set(recipientId, waiters);
  });
}

/** Creates the push sender; it signs with the instance's VAPID keys, generated on first use. */
export function createPushSender(database: Database, options: PushSenderOptions, logger: Logger, http: HttpClientOptions = {}): ChannelSender<'push'> {
  const client = createHttpClient({ connectionsPerHost: options.workerConcurrency, ...http });
  const keys = cachedLoader(() => loadVapidKeys(database), Number.POSITIVE_INFINITY);
  const subscriptionsOf = createSubscriptionLoader(database);
  const tokens = new Map<string, { authorization: string; signedAt: number }>();

  async function vapidAuthorization(endpoint: URL): Promise<string> {
    const audience = endpoint.origin;
    const cached = tokens.get(audience);
    if (cached && Date.now() - cached.signedAt < vapidTokenReuseMs) return cached.authorization;
    const { publicKey, privateKey } = await keys();
    const expiration = Math.floor(Date.now() / 1000) + vapidTokenLifetimeSeconds;
    const { Authorization: authorization } = webpush.getVapidHeaders(audience, options.pushVapidSubject, publicKey, privateKey, 'aes128gcm', expiration);
    tokens.set(audience, { authorization, signedAt: Date.now() });
    return authorization;
  }

  async function sendTo(subscription: Subscription, payload: string, topic: string): Promise<SubscriptionOutcome> {
    let request;
    try {
      const endpoint = new URL(subscription.endpoint);
      request = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        payload,
        { TTL: pushTtlSeconds, contentEncoding: 'aes128gcm', topic, urgency: 'normal', headers: { Authorization: await vapidAuthorization(endpoint) } },
      );
    } catch (error) {
      return { kind: 'failed', isTransient: false, error: `cannot encrypt for this subscription: ${(error as Error).message}` };
    }
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    try {
      const response = await client.post({ url: request.endpoint, headers, body: request.body ?? Buffer.alloc(0), successBody: 'discard' });
      if (response.status >= 200 && response.status < 300) return { kind: 'sent', location: headerValue(response.headers, 'location') };
      const failure = httpStatusFailure(response.status, response.text, [], headerValue(response.headers, 'retry-after'));
      if (response.status === 404 || response.status === 410) return { kind: 'gone', subscription, error: failure.error };
      return { kind: 'failed', isTransient: failure.isTransient, error: failure.error, retryAfterMs: failure.retryAfterMs };
    } catch (error) {
      const failure = httpErrorFailure(error);
      return { kind: 'failed', isTransient: failure.isTransient, error: failure.error };
    }
  }

  async function forget(gone: Subscription[]): Promise<void> {
    try {
      // By id and endpoint: a row the browser re-subscribed under meanwhile is kept.
      await Promise.all(gone.map((s) => database.db.delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.id, s.id), eq(pushSubscriptions.endpoint, s.endpoint)))));
    } catch (error) {
      logger.warn({ err: error }, 'could not delete expired push subscriptions; the next send tries again');
    }
  }

  async function send(message: OutgoingMessage<'push'>): Promise<SendResult> {
    const payload = pushPayload(message);
    const size = Buffer.byteLength(payload);
    if (size > maxPushPayloadBytes) return permanentFailure(`the push message is ${size} bytes once rendered; push services take at most ${maxPushPayloadBytes}: shorten the title, body or URL`);
    let subscriptions: Subscription[];
    try {
      subscriptions = await subscriptionsOf(message.recipient.id);
    } catch (error) {
      return transientFailure(`could not read the push subscriptions: ${(error as Error).message}`);
    }
    if (subscriptions.length === 0) return permanentFailure('the recipient has no push subscription');

    const topic = pushTopic(message.messageId);
    const outcomes = await Promise.all(subscriptions.map((subscription) => sendTo(subscription, payload, topic)));
    const gone = outcomes.flatMap((o) => (o.kind === 'gone' ? [o.subscription] : []));
    if (gone.length > 0) await forget(gone);

    const sent = outcomes.find((o) => o.kind === 'sent');
    if (sent) return sent.location ? { ok: true, providerMessageId: sent.location } : { ok: true };
    const errors = [...new Set(outcomes.map((o) => (o.kind === 'sent' ? '' : o.error)))].join('; ');
    const transient = outcomes.flatMap((o) => (o.kind === 'failed' && o.isTransient ? [o] : []));
    if (transient.length > 0) {
      // The retry reaches every browser again: it waits for the push service that asked the longest.
      const waits = transient.flatMap((o) => (o.retryAfterMs === undefined ? [] : [o.retryAfterMs]));
      return transientFailure(errors, waits.length > 0 ? Math.max(...waits) : undefined);
    }
    if (gone.length === subscriptions.length) return permanentFailure(`every push subscription of the recipient has expired and was removed (${errors})`);
    return permanentFailure(errors);
  }

  return { channel: 'push', send, close: client.close };
}
