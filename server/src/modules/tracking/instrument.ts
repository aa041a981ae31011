/**
 * What the worker does to an email before sending it: signed click links, an open pixel,
 * and the unsubscribe link and headers (RFC 8058). Pure string work, no I/O.
 *
 * Links are found with parse5, the WHATWG-conformant HTML parser, rather than a regex: it
 * finds exactly the `<a href>` a mail client would (unquoted values, `>` inside quoted
 * values, entities such as `&amp;`, comments and `<script>`-like raw text that only look like
 * anchors), and with source locations on we splice just each `href` attribute in the original
 * text, so the rest of the message (Outlook conditional comments, whitespace, attribute
 * order) reaches the recipient byte for byte. parse5 is small, dependency-light and widely used.
 */
import { parse } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';
import { trackingPaths } from './paths.ts';
import { createToken } from './tokens.ts';

type ParentNode = DefaultTreeAdapterMap['parentNode'];
type Element = DefaultTreeAdapterMap['element'];
type ChildNode = DefaultTreeAdapterMap['childNode'];

export type InstrumentInput = {
  deliveryId: number;
  /** Herald's public base URL, without a trailing slash (config.publicUrl) */
  publicUrl: string;
  signingKey: Buffer;
  /** when the message is built; defaults to now. Lets the tracker tell a scanner's instant fetch. */
  issuedAt?: Date;
};

const htmlNamespace = 'http://www.w3.org/1999/xhtml';

/** The URL a tracked link may lead to: an absolute http(s) URL, normalized; null for anything else. */
export function redirectTarget(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
}

/** The signed click URL that records a click on `url` for this delivery and then redirects to it. */
export function clickUrl(url: string, input: InstrumentInput): string {
  const payload = { d: input.deliveryId, t: unixSeconds(input.issuedAt), u: url };
  return `${input.publicUrl}${trackingPaths.click}${createToken('click', payload, input.signingKey)}`;
}

/** The URL of this delivery's 1x1 open pixel. */
export function openPixelUrl(input: InstrumentInput): string {
  const payload = { d: input.deliveryId, t: unixSeconds(input.issuedAt) };
  return `${input.publicUrl}${trackingPaths.open}${createToken('open', payload, input.signingKey)}.gif`;
}

/**
 * Rewrites every http(s) link of the email to a signed click URL and adds the open pixel
 * before `</body>` (or at the end when there is none). Leaves alone: `mailto:`, `tel:`,
 * `#anchors`, relative links, Herald's own unsubscribe link and links already tracked.
 */
export function instrumentEmailHtml(html: string, input: InstrumentInput): string {
  const edits: Edit[] = [];
  const bodyEnd = collectLinkEdits(html, 0, input, edits) ?? lastBodyEndTag(html);
  const pixel = `<img src="${escapeAttribute(openPixelUrl(input))}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />`;
  edits.push([bodyEnd ?? html.length, bodyEnd ?? html.length, pixel]);

  // Apply from the end so earlier offsets stay valid; no two edits overlap.
  let result = html;
  for (const [start, end, replacement] of edits.sort((a, b) => b[0] - a[0])) {
    result = result.slice(0, start) + replacement + result.slice(end);
  }
  return result;
}

/** [start, end, replacement] in the original text. */
type Edit = [number, number, string];

/**
 * Adds an edit for each trackable link of `html` (which starts at `base` in the whole
 * message) and returns where `</body>` starts, when the parser saw one. Outlook's conditional
 * comments (`<!--[if mso]> … <![endif]-->`) are HTML that Outlook shows, often a "bulletproof"
 * VML button (`<v:roundrect href=…>`): their content is parsed and rewritten the same way.
 */
function collectLinkEdits(html: string, base: number, input: InstrumentInput, edits: Edit[]): number | undefined {
  let bodyEnd: number | undefined;
  const document = parse(html, { sourceCodeLocationInfo: true });
  walk(document, (node) => {
    if (node.nodeName === '#comment') {
      const data = 'data' in node ? node.data : '';
      const start = node.sourceCodeLocation?.startOffset;
      // `<!--` is four characters: the comment's text starts right after it.
      if (start !== undefined && conditionalComment.test(data)) collectLinkEdits(data, base + start + 4, input, edits);
      return;
    }
    if (!('tagName' in node)) return;
    if (node.tagName === 'body' && node.namespaceURI === htmlNamespace) bodyEnd = node.sourceCodeLocation?.endTag?.startOffset;
    if (!isLinkElement(node)) return;
    const href = node.attrs.find((attribute) => attribute.name === 'href' && !attribute.namespace);
    const location = node.sourceCodeLocation?.attrs?.href;
    if (!href || !location || !isTrackable(href.value, input.publicUrl)) return;
    const target = redirectTarget(href.value);
    if (!target) return;
    edits.push([base + location.startOffset, base + location.endOffset, `href="${escapeAttribute(clickUrl(target, input))}"`]);
  });
  return bodyEnd === undefined ? undefined : base + bodyEnd;
}

const conditionalComment = /^\[if [^\]]*\]>/i;

/** `<a>`, and inside Outlook's conditional comments the VML shapes that carry an href. */
function isLinkElement(element: Element): boolean {
  return element.tagName === 'a' || element.tagName.startsWith('v:');
}

/**
 * Where a `</body>` starts when the parser kept no location for it (a fragment that closes a
 * body it never opened): the last one in the text, so the pixel still sits inside the body.
 */
function lastBodyEndTag(html: string): number | undefined {
  const at = html.toLowerCase().lastIndexOf('</body');
  return at === -1 ? undefined : at;
}

/** The unsubscribe URL of a recipient, optionally tied to the delivery that carried it (for analytics). */
export function unsubscribeUrl(input: { recipientId: string; deliveryId?: number; publicUrl: string; signingKey: Buffer }): string {
  const payload = input.deliveryId === undefined ? { r: input.recipientId } : { r: input.recipientId, d: input.deliveryId };
  return `${input.publicUrl}${trackingPaths.unsubscribe}${createToken('unsubscribe', payload, input.signingKey)}`;
}

/**
 * The headers that let mail clients show their own "Unsubscribe" button and unsubscribe in
 * one click: RFC 2369 `List-Unsubscribe` (the HTTPS URL first, then a mailto: for clients
 * that only write mail) plus RFC 8058 `List-Unsubscribe-Post`, which tells the client to
 * POST `List-Unsubscribe=One-Click` to the URL instead of opening it (a GET must never
 * unsubscribe: link scanners fetch every URL they see).
 */
export function listUnsubscribeHeaders(url: string, mailto: string | undefined): Record<string, string> {
  const targets = [`<${url}>`];
  // The token in the subject lets whoever reads that mailbox act on the request.
  if (mailto) targets.push(`<mailto:${mailto}?subject=${encodeURIComponent(`unsubscribe ${url.slice(url.lastIndexOf('/') + 1)}`)}>`);
  return {
    'List-Unsubscribe': targets.join(', '),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

export type EmailTracking = {
  deliveryId: number;
  recipientId: string;
  publicUrl: string;
  signingKey: Buffer;
  /** the mailbox for List-Unsubscribe's mailto:, if any */
  unsubscribeMailto: string | undefined;
  issuedAt?: Date;
};

/**
 * Everything tracking adds to one email: the HTML with signed links and the open pixel, and
 * the List-Unsubscribe headers whose URL unsubscribes this recipient (tied to this delivery).
 */
export function instrumentEmail(html: string, tracking: EmailTracking): { html: string; headers: Record<string, string> } {
  const input: InstrumentInput = { deliveryId: tracking.deliveryId, publicUrl: tracking.publicUrl, signingKey: tracking.signingKey, issuedAt: tracking.issuedAt ?? new Date() };
  const unsubscribe = unsubscribeUrl({ recipientId: tracking.recipientId, deliveryId: tracking.deliveryId, publicUrl: tracking.publicUrl, signingKey: tracking.signingKey });
  return { html: instrumentEmailHtml(html, input), headers: listUnsubscribeHeaders(unsubscribe, tracking.unsubscribeMailto) };
}

function isTrackable(href: string, publicUrl: string): boolean {
  const trimmed = href.trim();
  const ownPrefixes = Object.values(trackingPaths).map((path) => `${publicUrl}${path}`);
  return !ownPrefixes.some((prefix) => trimmed.startsWith(prefix));
}

function walk(node: ParentNode, visit: (node: ChildNode) => void): void {
  for (const child of node.childNodes) {
    visit(child);
    // <template> content (not among childNodes) is inert: a mail client never shows it.
    if ('childNodes' in child) walk(child, visit);
  }
}

function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
}

function unixSeconds(at: Date | undefined): number {
  return Math.floor((at ?? new Date()).getTime() / 1000);
}
