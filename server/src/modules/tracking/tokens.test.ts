import { describe, expect, it } from 'vitest';
import { sign } from '../../lib/secrets.ts';
import { createToken, maxTokenLength, verifyToken, verifyUnsubscribeToken } from './tokens.ts';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const recipientId = '5b7c2a43-7d1e-4f3a-9a53-0c0f1e2d3c4b';

/** A token signed with `key` for the click purpose, over an arbitrary payload text. */
function signedClickText(json: string): string {
  const encoded = Buffer.from(json).toString('base64url');
  return `${encoded}.${sign(key, `track-click:${encoded}`)}`;
}

describe('createToken / verifyToken', () => {
  it('round-trips each purpose', () => {
    const open = createToken('open', { d: 42, t: 1_700_000_000 }, key);
    expect(verifyToken('open', open, key)).toEqual({ ok: true, payload: { d: 42, t: 1_700_000_000 } });
    const click = createToken('click', { d: 42, t: 1, u: 'https://example.com/a?b=c&d=é' }, key);
    expect(verifyToken('click', click, key)).toEqual({ ok: true, payload: { d: 42, t: 1, u: 'https://example.com/a?b=c&d=é' } });
    const unsubscribe = createToken('unsubscribe', { r: recipientId }, key);
    expect(verifyToken('unsubscribe', unsubscribe, key)).toEqual({ ok: true, payload: { r: recipientId } });
  });

  it('writes URL-safe tokens', () => {
    const token = createToken('click', { d: 1, t: 1, u: 'https://example.com/?q=<>"?/+=' }, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('refuses a token of another purpose: an open token never opens a redirect or an unsubscribe', () => {
    const open = createToken('open', { d: 1, t: 1 }, key);
    expect(verifyToken('click', open, key)).toEqual({ ok: false, rule: 'signature' });
    expect(verifyToken('unsubscribe', open, key)).toEqual({ ok: false, rule: 'signature' });
  });

  it('refuses a token signed by another instance', () => {
    const foreign = createToken('click', { d: 1, t: 1, u: 'https://example.com' }, otherKey);
    expect(verifyToken('click', foreign, key)).toEqual({ ok: false, rule: 'signature' });
  });

  it('refuses a tampered payload and a tampered signature', () => {
    const token = createToken('click', { d: 1, t: 1, u: 'https://example.com' }, key);
    const [payload, signature] = token.split('.') as [string, string];
    const evilPayload = Buffer.from(JSON.stringify({ d: 1, t: 1, u: 'https://evil.example' })).toString('base64url');
    expect(verifyToken('click', `${evilPayload}.${signature}`, key)).toEqual({ ok: false, rule: 'signature' });
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    expect(verifyToken('click', `${payload}.${flipped}`, key)).toEqual({ ok: false, rule: 'signature' });
  });

  it.each([
    ['empty', ''],
    ['no signature', 'eyJkIjoxfQ'],
    ['three parts', 'a.b.c'],
    ['empty signature', 'eyJkIjoxfQ.'],
    ['characters outside base64url', 'eyJkIjoxfQ==.abc'],
    ['a path', '../../etc/passwd.x'],
    ['too long', `${'a'.repeat(maxTokenLength)}.b`],
  ])('refuses a malformed token (%s) before any HMAC', (_name, token) => {
    expect(verifyToken('click', token, key)).toEqual({ ok: false, rule: 'format' });
  });

  it.each([
    ['not JSON', 'not json'],
    ['a missing URL', JSON.stringify({ d: 1, t: 1 })],
    ['a negative delivery', JSON.stringify({ d: -1, t: 1, u: 'https://example.com' })],
    ['a fractional delivery', JSON.stringify({ d: 1.5, t: 1, u: 'https://example.com' })],
  ])('refuses a signed token whose payload is wrong (%s)', (_name, json) => {
    expect(verifyToken('click', signedClickText(json), key)).toEqual({ ok: false, rule: 'payload' });
  });

  it('refuses an unsubscribe token whose recipient is not a uuid', () => {
    const token = createToken('unsubscribe', { r: 'not-a-uuid' }, key);
    expect(verifyToken('unsubscribe', token, key)).toEqual({ ok: false, rule: 'payload' });
  });
});

describe('verifyUnsubscribeToken', () => {
  // The worker's {{ unsubscribeUrl }} token: `<delivery>.<HMAC of "unsubscribe:<delivery>">`.
  const workerToken = (deliveryId: string, signingKey = key) => `${deliveryId}.${sign(signingKey, `unsubscribe:${deliveryId}`)}`;

  it('reads Herald\'s token as a recipient, with the delivery when it has one', () => {
    expect(verifyUnsubscribeToken(createToken('unsubscribe', { r: recipientId, d: 5 }, key), key)).toEqual({ ok: true, target: { recipientId, deliveryId: 5 } });
    expect(verifyUnsubscribeToken(createToken('unsubscribe', { r: recipientId }, key), key)).toEqual({ ok: true, target: { recipientId, deliveryId: undefined } });
  });

  it('reads the worker\'s delivery token as a delivery', () => {
    expect(verifyUnsubscribeToken(workerToken('42'), key)).toEqual({ ok: true, target: { recipientId: undefined, deliveryId: 42 } });
  });

  it.each([
    ['signed by another instance', workerToken('42', otherKey), 'signature'],
    ['another delivery under the signature', `43.${workerToken('42').split('.')[1]}`, 'signature'],
    ['delivery 0', workerToken('0'), 'payload'],
    ['a number too long to be an id', workerToken('1'.repeat(16)), 'format'],
    ['a number with a fraction', workerToken('4.2'), 'format'],
    ['an open token', createToken('open', { d: 1, t: 1 }, key), 'signature'],
  ])('refuses %s', (_name, token, rule) => {
    expect(verifyUnsubscribeToken(token, key)).toEqual({ ok: false, rule });
  });
});
