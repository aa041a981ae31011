/**
 * Email over SMTP: each message composed into one buffer (compose-email.ts, nodemailer's
 * `MailComposer`) and sent whole over a pool of connections (smtp-pool.ts). Each message
 * carries a stable `Message-ID: <d<delivery>.r<run>@herald>` and an `X-Herald-Delivery`
 * header, so when a crash makes Herald send a delivery twice, receivers (and Herald's own
 * tests) can tell the repeat and drop it.
 *
 * Every message is tracked (modules/tracking/instrument.ts): its http(s) links become signed
 * click redirects, an open pixel goes before `</body>`, and `List-Unsubscribe` with
 * `List-Unsubscribe-Post` (RFC 8058) let mail clients unsubscribe the recipient in one click.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { instrumentEmail } from '../modules/tracking/instrument.ts';
import { composeEmail } from './compose-email.ts';
import { classifySmtpError } from './smtp-failure.ts';
import { createSmtpPool } from './smtp-pool.ts';
import { permanentFailure, type ChannelSender, type OutgoingMessage, type SendResult } from './types.ts';

export type EmailSenderOptions = Pick<Config, 'smtpUrl' | 'smtpFrom' | 'workerConcurrency' | 'publicUrl' | 'unsubscribeMailto'>;

/** Connections kept open to the SMTP server; relays often refuse more than a handful per client. */
const maxPoolConnections = 10;

/** The password in an SMTP URL, so it can be masked wherever an error might echo it. */
function smtpPassword(smtpUrl: string): string | undefined {
  try {
    const password = new URL(smtpUrl).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the email sender; without SMTP_URL every send fails for good with the reason.
 * `signingKey` signs the tracking links (the instance's key, lib/secrets.ts).
 */
export function createEmailSender(options: EmailSenderOptions, logger: Logger, signingKey: Buffer): ChannelSender<'email'> {
  const { smtpUrl } = options;
  if (!smtpUrl) {
    return {
      channel: 'email',
      send: async () => permanentFailure('SMTP_URL is not configured'),
      close: async () => {},
    };
  }
  const password = smtpPassword(smtpUrl);
  const secrets = password ? [password, encodeURIComponent(password)] : [];
  const pool = createSmtpPool({
    url: smtpUrl,
    maxConnections: Math.min(options.workerConcurrency, maxPoolConnections),
    // Without these a send waits minutes on a dead server while the delivery's lease runs.
    timeouts: { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    // A send on a broken connection fails and is retried; an idle one is only logged.
    onIdleError: (error) => logger.warn({ err: classifySmtpError(error, secrets).error }, 'SMTP connection error'),
  });

  async function send(message: OutgoingMessage<'email'>): Promise<SendResult> {
    const { recipient, content } = message;
    if (!recipient.email) return permanentFailure('the recipient has no email address');
    const tracked = instrumentEmail(content.html, {
      deliveryId: message.deliveryId,
      recipientId: recipient.id,
      publicUrl: options.publicUrl,
      signingKey,
      unsubscribeMailto: options.unsubscribeMailto,
    });
    const messageId = `<${message.messageId}>`;
    try {
      const { envelope, message: mime } = composeEmail({
        from: options.smtpFrom,
        to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
        subject: content.subject,
        html: tracked.html,
        ...(content.text ? { text: content.text } : {}),
        messageId,
        headers: { 'X-Herald-Delivery': String(message.deliveryId), ...tracked.headers },
      });
      await pool.send(envelope, mime);
      return { ok: true, providerMessageId: messageId };
    } catch (error) {
      return { ok: false, ...classifySmtpError(error, secrets) };
    }
  }

  return {
    channel: 'email',
    send,
    close: async () => pool.close(),
  };
}
