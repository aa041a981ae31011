/**
 * Email over SMTP (nodemailer, pooled connections). Each message carries a stable
 * `Message-ID: <d<delivery>.r<run>@herald>` and an `X-Herald-Delivery` header, so when a
 * crash makes Herald send a delivery twice, receivers (and Herald's own tests) can tell the
 * repeat and drop it.
 *
 * Every message is tracked (modules/tracking/instrument.ts): its http(s) links become signed
 * click redirects, an open pixel goes before `</body>`, and `List-Unsubscribe` with
 * `List-Unsubscribe-Post` (RFC 8058) let mail clients unsubscribe the recipient in one click.
 */
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { instrumentEmail } from '../modules/tracking/instrument.ts';
import { classifySmtpError } from './smtp-failure.ts';
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
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: Math.min(options.workerConcurrency, maxPoolConnections),
    // Without these nodemailer waits minutes on a dead server while the delivery's lease runs.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // nodemailer's own logger prints the AUTH exchange; Herald logs outcomes itself.
    logger: false,
    debug: false,
  });
  // The pool reports broken idle connections here; a send on them fails and is retried.
  transport.on('error', (error) => logger.warn({ err: classifySmtpError(error, secrets).error }, 'SMTP pool error'));

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
    try {
      const info = await transport.sendMail({
        from: options.smtpFrom,
        to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
        subject: content.subject,
        html: tracked.html,
        ...(content.text ? { text: content.text } : {}),
        messageId: `<${message.messageId}>`,
        headers: { 'X-Herald-Delivery': String(message.deliveryId), ...tracked.headers },
      });
      return { ok: true, providerMessageId: info.messageId };
    } catch (error) {
      return { ok: false, ...classifySmtpError(error, secrets) };
    }
  }

  return {
    channel: 'email',
    send,
    close: async () => transport.close(),
  };
}
