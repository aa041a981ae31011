/**
 * Outgoing webhooks: one signed JSON POST per message to the URL the template names
 * (Liquid, rendered per recipient), or else to the recipient's `webhookUrl` attribute. The body is an envelope around the
 * template's rendered JSON:
 *
 *   { "id": "<stable message id>", "deliveryId", "runId", "scheduleId", "attempt",
 *     "recipient": { "id", "externalId" }, "payload": <the rendered body> }
 *
 * Headers: `Idempotency-Key` (the stable id, the same on every attempt, so a receiver drops
 * repeats), `X-Herald-Timestamp` and `X-Herald-Signature` (webhook-signature.ts).
 * A 2xx is a delivery; 408/425/429/5xx and network errors are retried (not before the
 * `Retry-After` of a 429 or 503); any other answer is final. Redirects are not followed: a signed request must not wander to another host.
 */
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { cachedLoader } from './generated-setting.ts';
import { httpErrorFailure, httpStatusFailure } from './http-failure.ts';
import { createHttpClient, headerValue, type HttpClientOptions } from './http-post.ts';
import { permanentFailure, transientFailure, type ChannelSender, type OutgoingMessage, type SendResult } from './types.ts';
import { loadWebhookSecret, webhookSignature, webhookSignatureHeader, webhookTimestampHeader } from './webhook-signature.ts';

export type WebhookSenderOptions = Pick<Config, 'workerConcurrency'>;

/** How long a process keeps signing with a secret it read: a rotation reaches every process within this. */
export const webhookSecretMaxAgeMs = 60_000;

/** The recipient attribute that holds their webhook URL, when the template names none. */
export const webhookUrlAttribute = 'webhookUrl';

/** Where this message goes: the template's URL, else the recipient's own. */
function webhookUrlOf(message: OutgoingMessage<'webhook'>): string | undefined {
  if (message.content.url?.trim()) return message.content.url;
  const own = message.recipient.attributes?.[webhookUrlAttribute];
  return typeof own === 'string' && own.trim() ? own : undefined;
}

/** The URL, if it is one Herald may POST to. */
function targetUrl(rendered: string): URL | undefined {
  try {
    const url = new URL(rendered.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The envelope as sent, or why the rendered body cannot be sent. */
export function webhookBody(message: OutgoingMessage<'webhook'>): { ok: true; body: string } | { ok: false; error: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(message.content.body);
  } catch (error) {
    return { ok: false, error: `the rendered webhook body is not JSON (${(error as Error).message}); insert values with the json filter: {{ recipient.name | json }}` };
  }
  return {
    ok: true,
    body: JSON.stringify({
      id: message.messageId,
      deliveryId: message.deliveryId,
      runId: message.runId,
      scheduleId: message.scheduleId,
      attempt: message.attempt,
      recipient: { id: message.recipient.id, externalId: message.recipient.externalId },
      payload,
    }),
  };
}

/** Creates the webhook sender; it signs with the instance's secret, read from the settings. */
export function createWebhookSender(database: Database, options: WebhookSenderOptions, http: HttpClientOptions = {}): ChannelSender<'webhook'> {
  const client = createHttpClient({ connectionsPerHost: options.workerConcurrency, ...http });
  const secret = cachedLoader(() => loadWebhookSecret(database), webhookSecretMaxAgeMs);

  async function send(message: OutgoingMessage<'webhook'>): Promise<SendResult> {
    const given = webhookUrlOf(message);
    if (!given) return permanentFailure(`the template names no webhook URL and the recipient has no "${webhookUrlAttribute}" attribute`);
    const url = targetUrl(given);
    if (!url) return permanentFailure(`the webhook URL "${given.slice(0, 200)}" is not an http(s) URL`);
    const envelope = webhookBody(message);
    if (!envelope.ok) return permanentFailure(envelope.error);
    let key: string;
    try {
      key = await secret();
    } catch (error) {
      return transientFailure(`could not read the webhook signing secret: ${(error as Error).message}`);
    }
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await client.post({
        url: url.href,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Herald-Webhooks/1',
          'idempotency-key': message.messageId,
          [webhookTimestampHeader]: String(timestamp),
          [webhookSignatureHeader]: webhookSignature(key, timestamp, envelope.body),
        },
        body: envelope.body,
        // a receiver's 2xx body says nothing Herald keeps: drain it unread
        successBody: 'discard',
      });
      if (response.status >= 200 && response.status < 300) return { ok: true };
      return httpStatusFailure(response.status, response.text, [key], headerValue(response.headers, 'retry-after'));
    } catch (error) {
      return httpErrorFailure(error, [key]);
    }
  }

  return { channel: 'webhook', send, close: client.close };
}
