/**
 * Decides whether an SMTP failure is worth retrying. SMTP says so itself (RFC 5321 §4.2.1):
 * a 4xx reply is a transient negative completion, a 5xx a permanent one. Failures without a
 * reply (refused connection, timeout, dropped socket) are the network's, and pass.
 */

/** The fields of a nodemailer error that matter here; everything else is ignored. */
export type SmtpErrorLike = { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };

export type SmtpFailure = { isTransient: boolean; error: string };

/**
 * Problems on Herald's side or the message's that a later attempt would meet again: a bad
 * envelope or message, missing credentials, a configuration error.
 */
const permanentCodes = new Set(['EENVELOPE', 'EMESSAGE', 'EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'EMAXRECIPIENTS', 'EREQUIRETLS']);

const maxErrorLength = 500;

/** Classifies an error thrown by nodemailer's SMTP transport; `secrets` are masked out of the text. */
export function classifySmtpError(error: unknown, secrets: readonly string[] = []): SmtpFailure {
  const fields: SmtpErrorLike = typeof error === 'object' && error !== null ? error : { message: String(error) };
  const responseCode = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const text = typeof fields.response === 'string' && fields.response
    ? fields.response
    : typeof fields.message === 'string' && fields.message ? fields.message : 'unknown SMTP error';

  let isTransient: boolean;
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) isTransient = true;
  else if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) isTransient = false;
  else isTransient = !(code !== undefined && permanentCodes.has(code));

  let message = responseCode !== undefined && !text.startsWith(String(responseCode)) ? `${responseCode} ${text}` : text;
  if (code && responseCode === undefined) message = `${code}: ${message}`;
  for (const secret of secrets) if (secret) message = message.replaceAll(secret, '***');
  return { isTransient, error: message.length > maxErrorLength ? `${message.slice(0, maxErrorLength - 1)}…` : message };
}
