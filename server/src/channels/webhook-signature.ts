/**
 * How Herald signs its outgoing webhooks, so a receiver can tell Herald's requests from
 * anyone else's and refuse replays: `X-Herald-Signature: sha256=<hex HMAC-SHA256>` of
 * `<X-Herald-Timestamp>.<raw body>`, keyed with the instance's webhook secret (the whole
 * `whsec_…` text as UTF-8). The timestamp is inside the signed text, so an old request
 * cannot be replayed with a fresh timestamp. docs/channels.md shows a receiver.
 */
import crypto from 'node:crypto';
import type { Database } from '../db/client.ts';
import { loadGeneratedSetting, replaceGeneratedSetting } from './generated-setting.ts';

export const webhookSignatureHeader = 'x-herald-signature';
export const webhookTimestampHeader = 'x-herald-timestamp';

const settingKey = 'webhook_signing_secret';
const secretPattern = /^whsec_[A-Za-z0-9_-]{43}$/;

function generateWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

function isWebhookSecret(value: unknown): value is string {
  return typeof value === 'string' && secretPattern.test(value);
}

/** The instance's webhook signing secret, generated on first use. */
export function loadWebhookSecret(database: Database): Promise<string> {
  return loadGeneratedSetting(database, settingKey, generateWebhookSecret, isWebhookSecret);
}

/** Replaces the webhook signing secret with a new one and returns it. */
export function rotateWebhookSecret(database: Database): Promise<string> {
  return replaceGeneratedSetting(database, settingKey, generateWebhookSecret());
}

/** The `X-Herald-Signature` value of a body sent at `timestamp` (Unix seconds). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}
