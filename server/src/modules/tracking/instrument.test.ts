import { describe, expect, it } from 'vitest';
import { clickUrl, instrumentEmail, instrumentEmailHtml, listUnsubscribeHeaders, openPixelUrl, redirectTarget, unsubscribeUrl } from './instrument.ts';
import { verifyToken } from './tokens.ts';

const signingKey = Buffer.alloc(32, 3);
const publicUrl = 'https://herald.example';
const issuedAt = new Date('2024-05-01T10:00:00Z');
const input = { deliveryId: 99, publicUrl, signingKey, issuedAt };
const recipientId = '5b7c2a43-7d1e-4f3a-9a53-0c0f1e2d3c4b';

/** The original URLs behind every tracked link of the output, in order. */
function trackedTargets(html: string): string[] {
  return [...html.matchAll(/href="https:\/\/herald\.example\/t\/c\/([^"]+)"/g)].map((match) => {
    const check = verifyToken('click', match[1]!, signingKey);
    if (!check.ok) throw new Error(`bad token ${match[1]}`);
    expect(check.payload.d).toBe(99);
    expect(check.payload.t).toBe(issuedAt.getTime() / 1000);
    return check.payload.u;
  });
}

const pixel = `<img src="${openPixelUrl(input)}"`;

describe('instrumentEmailHtml: links', () => {
  it.each([
    ['double quotes', '<a href="https://example.com/a">x</a>', ['https://example.com/a']],
    ['single quotes', "<a href='https://example.com/a'>x</a>", ['https://example.com/a']],
    ['no quotes', '<a href=https://example.com/a>x</a>', ['https://example.com/a']],
    ['upper case', '<A HREF="HTTP://EXAMPLE.COM/A">x</A>', ['http://example.com/A']],
    ['entities, decoded as the browser reads them', '<a href="https://example.com/?a=1&amp;b=2">x</a>', ['https://example.com/?a=1&b=2']],
    ['spaces around the URL', '<a href="  https://example.com/a  ">x</a>', ['https://example.com/a']],
    ['a quote inside single quotes', '<a href=\'https://example.com/"q\'>x</a>', ['https://example.com/%22q']],
    ['other attributes kept', '<a class="btn" href="https://example.com/a" target="_blank">x</a>', ['https://example.com/a']],
    ['several links', '<a href="https://a.example/">a</a><p><a href="http://b.example/x">b</a></p>', ['https://a.example/', 'http://b.example/x']],
    ['after non-ASCII text (offsets)', '<p>Привет 👋 😀</p><a href="https://example.com/é">x</a>', ['https://example.com/%C3%A9']],
  ])('rewrites a link with %s', (_name, html, targets) => {
    expect(trackedTargets(instrumentEmailHtml(html, input))).toEqual(targets);
  });

  it.each([
    ['mailto:', '<a href="mailto:help@example.com">mail</a>'],
    ['tel:', '<a href="tel:+123">call</a>'],
    ['an #anchor', '<a href="#top">top</a>'],
    ['a relative link', '<a href="/pricing">pricing</a>'],
    ['javascript:', '<a href="javascript:alert(1)">x</a>'],
    ['an anchor without href', '<a name="top">x</a>'],
    ['the unsubscribe link', `<a href="${unsubscribeUrl({ recipientId, deliveryId: 99, publicUrl, signingKey })}">unsubscribe</a>`],
    ['the worker\'s unsubscribe link ({{ unsubscribeUrl }})', '<a href="https://herald.example/u/99.c2lnbmF0dXJl">unsubscribe</a>'],
    ['an already tracked link', `<a href="${clickUrl('https://example.com/', input)}">x</a>`],
    ['a link inside an ordinary comment', '<!-- <a href="https://example.com/">x</a> -->'],
    ['text that only looks like a link (<title> is text)', '<title><a href="https://example.com/">x</a></title>'],
    ['a link in a <template> (never shown)', '<template><a href="https://example.com/">x</a></template>'],
  ])('leaves alone %s', (_name, html) => {
    const result = instrumentEmailHtml(html, input);
    expect(result.startsWith(html)).toBe(true);
    expect(result.slice(html.length)).toMatch(/^<img src="https:\/\/herald\.example\/t\/o\/[^"]+\.gif"[^>]*\/>$/);
  });

  it('changes nothing but the hrefs and the pixel', () => {
    const html = '<!doctype html>\n<html>\n<body style="margin:0">\n  <a  data-x="1"  href="https://example.com/a" >Go</a>\n</body>\n</html>';
    const result = instrumentEmailHtml(html, input);
    const expected = html
      .replace('href="https://example.com/a"', `href="${clickUrl('https://example.com/a', input)}"`)
      .replace('</body>', `${pixel} width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" /></body>`);
    expect(result).toBe(expected);
  });

  it('tracks links inside Outlook conditional comments, VML buttons included', () => {
    const html = '<!--[if mso]><v:roundrect href="https://example.com/vml" style="width:200px"><a href="https://example.com/mso">x</a></v:roundrect><![endif]--><a href="https://example.com/all">y</a>';
    const result = instrumentEmailHtml(html, input);
    expect(result).toContain('<!--[if mso]><v:roundrect href="https://herald.example/t/c/');
    expect(result).toContain('<![endif]-->');
    expect(trackedTargets(result)).toEqual(['https://example.com/vml', 'https://example.com/mso', 'https://example.com/all']);
  });
});

describe('instrumentEmailHtml: open pixel', () => {
  it('goes right before </body>', () => {
    const result = instrumentEmailHtml('<html><body><p>Hi</p></BODY></html>', input);
    expect(result).toMatch(/<p>Hi<\/p><img src="https:\/\/herald\.example\/t\/o\/[^"]+\.gif" width="1" height="1" alt=""[^>]*\/><\/BODY><\/html>$/);
  });

  it('goes at the end without a body tag', () => {
    const result = instrumentEmailHtml('<p>Hi</p>', input);
    expect(result).toMatch(/^<p>Hi<\/p><img src="[^"]+"[^>]*\/>$/);
  });

  it('goes before a closing </body> whose opening tag was left out', () => {
    const result = instrumentEmailHtml('<p>Hi</p></body>', input);
    expect(result).toMatch(/^<p>Hi<\/p><img [^>]*\/><\/body>$/);
  });

  it('is an empty message\'s only content', () => {
    expect(instrumentEmailHtml('', input)).toMatch(/^<img src="[^"]+"[^>]*\/>$/);
  });

  it('carries a signed open token for the delivery', () => {
    const token = /\/t\/o\/([^"]+)\.gif/.exec(instrumentEmailHtml('<p>x</p>', input))![1]!;
    expect(verifyToken('open', token, signingKey)).toEqual({ ok: true, payload: { d: 99, t: issuedAt.getTime() / 1000 } });
  });
});

describe('redirectTarget', () => {
  it.each([
    ['https://example.com/a?b#c', 'https://example.com/a?b#c'],
    ['http://example.com', 'http://example.com/'],
    ['  https://example.com/x  ', 'https://example.com/x'],
    ['javascript:alert(1)', null],
    ['JavaScript:alert(1)', null],
    [' javascript:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['vbscript:x', null],
    ['ftp://example.com/', null],
    ['//evil.example/', null],
    ['/relative', null],
    ['', null],
  ])('%s → %s', (url, expected) => {
    expect(redirectTarget(url)).toBe(expected);
  });
});

describe('unsubscribe link and headers', () => {
  it('signs the recipient and, when given, the delivery', () => {
    const url = unsubscribeUrl({ recipientId, deliveryId: 99, publicUrl, signingKey });
    expect(url.startsWith(`${publicUrl}/t/u/`)).toBe(true);
    expect(verifyToken('unsubscribe', url.slice(`${publicUrl}/t/u/`.length), signingKey)).toEqual({ ok: true, payload: { r: recipientId, d: 99 } });
    const bare = unsubscribeUrl({ recipientId, publicUrl, signingKey });
    expect(verifyToken('unsubscribe', bare.slice(`${publicUrl}/t/u/`.length), signingKey)).toEqual({ ok: true, payload: { r: recipientId } });
  });

  it('names the URL, then a mailto: carrying the token, in List-Unsubscribe and asks for one-click POST (RFC 8058)', () => {
    expect(listUnsubscribeHeaders('https://herald.example/t/u/abc.def', 'unsubscribe@herald.example')).toEqual({
      'List-Unsubscribe': '<https://herald.example/t/u/abc.def>, <mailto:unsubscribe@herald.example?subject=unsubscribe%20abc.def>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('names only the URL when there is no mailbox for requests', () => {
    expect(listUnsubscribeHeaders('https://herald.example/t/u/abc.def', undefined)['List-Unsubscribe']).toBe('<https://herald.example/t/u/abc.def>');
  });
});

describe('instrumentEmail', () => {
  it('tracks the HTML and names this recipient and delivery in the headers', () => {
    const { html, headers } = instrumentEmail('<a href="https://example.com/a">a</a>', { deliveryId: 99, recipientId, publicUrl, signingKey, unsubscribeMailto: 'u@herald.example', issuedAt });
    expect(html).toBe(instrumentEmailHtml('<a href="https://example.com/a">a</a>', input));
    const url = unsubscribeUrl({ recipientId, deliveryId: 99, publicUrl, signingKey });
    expect(headers).toEqual(listUnsubscribeHeaders(url, 'u@herald.example'));
    expect(headers['List-Unsubscribe']).toMatch(/^<https:\/\/herald\.example\/t\/u\/[\w-]+\.[\w-]+>, <mailto:u@herald\.example\?subject=unsubscribe%20[\w-]+\.[\w-]+>$/);
  });
});
