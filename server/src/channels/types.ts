/**
 * The contract every channel sender fulfils. A sender knows one protocol (SMTP, an SMS
 * provider's HTTP API, web push, a webhook, the in-app inbox) and nothing about the queue:
 * the worker renders the content, hands the sender one message, and records what it says.
 * Adding a channel is one file that exports a `ChannelSender` plus one line in registry.ts.
 */
import { channels, type Channel, type TemplateContent } from '@herald/shared';

/** The rendered parts of one channel's content, e.g. email → { subject, html, text? }. */
export type ChannelContent<C extends Channel> = NonNullable<TemplateContent[C]>;

/** Who the message goes to: the addresses a sender may need, whatever its channel. */
export type MessageRecipient = {
  id: string;
  externalId: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: string | null;
  timezone: string | null;
  /** the host app's attributes (the webhook sender reads `webhookUrl` here) */
  attributes?: Record<string, unknown>;
};

export type OutgoingMessage<C extends Channel = Channel> = {
  channel: C;
  deliveryId: number;
  runId: string;
  scheduleId: string;
  /**
   * The same on every attempt of this delivery (`d<delivery>.r<run>@herald`), so a receiver
   * can drop the repeat that follows a crash between "sent" and "recorded as sent".
   */
  messageId: string;
  /** 1 for the first try of this delivery, 2 for the first retry … */
  attempt: number;
  recipient: MessageRecipient;
  content: ChannelContent<C>;
};

/**
 * What a send came to. A transient failure (a 5xx, a 429, a refused connection, a timeout) is
 * worth retrying later; a permanent one (most 4xx, no address, bad content) is not. When the
 * receiver said how long to wait (HTTP `Retry-After` on a 429 or 503), `retryAfterMs` carries
 * it, and the retry waits at least that long.
 */
export type SendResult =
  | { ok: true; providerMessageId?: string }
  | { ok: false; isTransient: boolean; error: string; retryAfterMs?: number };

export type ChannelSender<C extends Channel = Channel> = {
  channel: C;
  /** Sends one message. Resolves with the outcome; rejects only on a bug in the sender. */
  send(message: OutgoingMessage<C>): Promise<SendResult>;
  /** Releases connections and pools; called once, when the worker stops. */
  close(): Promise<void>;
};

/** The senders this process has, by channel; a channel without one cannot be sent on here. */
export type ChannelSenders = { [C in Channel]?: ChannelSender<C> };

/** The stable message id of a delivery, the same on every attempt (without angle brackets). */
export function stableMessageId(deliveryId: number, runId: string): string {
  return `d${deliveryId}.r${runId}@herald`;
}

/** True when the text names one of Herald's channels. */
export function isChannel(value: string): value is Channel {
  return (channels as readonly string[]).includes(value);
}

/** A permanent failure, for problems that the same attempt later would meet again. */
export function permanentFailure(error: string): SendResult {
  return { ok: false, isTransient: false, error };
}

/** A transient failure, worth trying again after a pause (at least `retryAfterMs`, when the receiver asked for one). */
export function transientFailure(error: string, retryAfterMs?: number): SendResult {
  return retryAfterMs === undefined ? { ok: false, isTransient: true, error } : { ok: false, isTransient: true, error, retryAfterMs };
}
