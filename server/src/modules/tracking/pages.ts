/**
 * The small HTML pages a person sees when they follow an unsubscribe link. Self-contained
 * (inline styles, no scripts, no external requests) and escaped: nothing in them comes from
 * the request unescaped.
 */
import type { FastifyReply } from 'fastify';

/** Headers for every page: nothing loads from elsewhere, no one frames the button (clickjacking). */
export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/** "ada@example.com" → "a***@example.com": enough for a person to recognize, little for anyone else. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** "+14155550123" → "•••• 0123". */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 4 ? `•••• ${digits.slice(-4)}` : '••••';
}

/** Who the page speaks of, masked: the email, else the phone, else "you". */
export function maskedAddress(recipient: { email: string | null; phone: string | null }): string {
  if (recipient.email) return maskEmail(recipient.email);
  if (recipient.phone) return maskPhone(recipient.phone);
  return 'you';
}

/** The confirmation page: one button that POSTs back to the same signed URL. */
export function confirmPage(address: string, isAlreadyUnsubscribed: boolean): string {
  if (isAlreadyUnsubscribed) {
    return page('Already unsubscribed', `<h1>You are already unsubscribed</h1><p>${escapeHtml(address)} receives no more of these notifications.</p>`);
  }
  return page('Unsubscribe', `<h1>Unsubscribe ${escapeHtml(address)} from these notifications?</h1>
<p>You will stop receiving them on every channel.</p>
<form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`);
}

/** The page after unsubscribing. */
export function donePage(address: string): string {
  return page('Unsubscribed', `<h1>You are unsubscribed</h1><p>${escapeHtml(address)} will receive no more of these notifications.</p>`);
}

/** The page for a link that is not valid (tampered, cut short, or from another instance). */
export function invalidLinkPage(kind: 'link' | 'unsubscribe'): string {
  const advice = kind === 'unsubscribe'
    ? 'Use the unsubscribe link of the most recent message you received.'
    : 'Open the message again and use its link as it is, or copy the address from the message.';
  return page('Link not valid', `<h1>This link is not valid</h1><p>It may have been cut short or changed. ${advice}</p>`);
}

/** The page for a valid link whose recipient no longer exists. */
export function goneRecipientPage(): string {
  return page('Nothing to unsubscribe', '<h1>Nothing to unsubscribe</h1><p>This address is no longer on our list.</p>');
}

/**
 * Sends a page with its status. Error pages are sent here rather than declared in a route's
 * response schema: a 4xx schema would also serialize the JSON errors programs get, and break them.
 */
export async function sendPage(reply: FastifyReply, status: 200 | 400 | 404, html: string): Promise<FastifyReply> {
  return reply.status(status).headers(pageHeaders).send(html);
}

/** True when the caller is a browser (it accepts HTML): it gets a page, a program gets JSON. */
export function wantsHtml(request: { headers: { accept?: string | undefined } }): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f7f9;color:#1f2328;margin:0;padding:48px 16px}
main{max-width:440px;margin:0 auto;background:#fff;border:1px solid #dfe2e6;border-radius:8px;padding:32px 24px}
h1{font-size:20px;line-height:1.35;margin:0 0 12px}p{margin:0 0 20px;line-height:1.5;color:#4b5563}
button{font:inherit;font-weight:600;background:#c92a2a;color:#fff;border:0;border-radius:6px;padding:10px 18px;cursor:pointer}
button:focus-visible{outline:3px solid #1c7ed6;outline-offset:2px}
</style></head>
<body><main>
${body}
</main></body></html>
`;
}
