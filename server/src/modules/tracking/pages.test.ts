import { describe, expect, it } from 'vitest';
import { confirmPage, donePage, escapeHtml, invalidLinkPage, maskEmail, maskedAddress, maskPhone, wantsHtml } from './pages.ts';

describe('masking', () => {
  it.each([
    ['ada@example.com', 'a***@example.com'],
    ['a@example.com', 'a***@example.com'],
    ['first.last+tag@mail.example.org', 'f***@mail.example.org'],
    ['"odd@local"@example.com', '"***@example.com'],
    ['no-at-sign', '***'],
    ['@example.com', '***'],
  ])('%s → %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it('shows the last four digits of a phone', () => {
    expect(maskPhone('+1 (415) 555-0123')).toBe('•••• 0123');
    expect(maskPhone('12')).toBe('••••');
  });

  it('prefers the email, then the phone, then "you"', () => {
    expect(maskedAddress({ email: 'ada@example.com', phone: '+14155550123' })).toBe('a***@example.com');
    expect(maskedAddress({ email: null, phone: '+14155550123' })).toBe('•••• 0123');
    expect(maskedAddress({ email: null, phone: null })).toBe('you');
  });
});

describe('pages', () => {
  it('escapes what they show', () => {
    expect(escapeHtml('<b a="1">&\'</b>')).toBe('&lt;b a=&quot;1&quot;&gt;&amp;&#39;&lt;/b&gt;');
    const page = confirmPage('<script>@x', false);
    expect(page).not.toContain('<script>@x');
    expect(page).toContain('&lt;script&gt;@x');
  });

  it('asks before unsubscribing, with a button that POSTs', () => {
    const page = confirmPage('a***@example.com', false);
    expect(page).toContain('Unsubscribe a***@example.com from these notifications?');
    expect(page).toMatch(/<form method="post">[\s\S]*<button type="submit">Unsubscribe<\/button><\/form>/);
  });

  it('offers no button to someone already unsubscribed, and confirms when done', () => {
    expect(confirmPage('a***@example.com', true)).not.toContain('<form');
    expect(donePage('a***@example.com')).toContain('You are unsubscribed');
  });
});

describe('invalid links', () => {
  it('tells a person what to do instead, by kind of link', () => {
    expect(invalidLinkPage('unsubscribe')).toContain('unsubscribe link of the most recent message');
    expect(invalidLinkPage('link')).toContain('Open the message again');
  });

  it.each([
    ['a browser', 'text/html,application/xhtml+xml,*/*;q=0.8', true],
    ['a program asking for JSON', 'application/json', false],
    ['no Accept header', undefined, false],
  ])('gives a page to %s: %s', (_name, accept, expected) => {
    expect(wantsHtml({ headers: { accept } })).toBe(expected);
  });
});
