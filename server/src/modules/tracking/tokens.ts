/**
 * Signed tracking tokens: `<payload>.<signature>`, where the payload is base64url JSON and the
 * signature is HMAC-SHA256 (lib/secrets.ts) of `<purpose>:<payload>`. The purpose prefix keeps
 * the three kinds apart, and apart from everything else the same key signs (inbox access):
 * a valid open token is never a valid click token, so no token can be replayed as another.
 * Tokens carry no secret: the payload is readable, only its integrity is protected.
 */
import { z } from 'zod';
import { isSignatureValid, sign } from '../../lib/secrets.ts';

export type TokenPurpose = 'open' | 'click' | 'unsubscribe';

const purposePrefix: Record<TokenPurpose, string> = {
  open: 'track-open',
  click: 'track-click',
  unsubscribe: 'unsubscribe-link',
};

const deliveryId = z.number().int().positive();
/** Unix seconds when the message was built: the worker builds it right before sending. */
const issuedAt = z.number().int().nonnegative();

const payloadSchemas = {
  open: z.object({ d: deliveryId, t: issuedAt }),
  click: z.object({ d: deliveryId, t: issuedAt, u: z.string().min(1) }),
  unsubscribe: z.object({ r: z.string().uuid(), d: deliveryId.optional() }),
} as const;

export type TokenPayload<P extends TokenPurpose> = z.infer<(typeof payloadSchemas)[P]>;

/** Why a token was refused, in the words a 400 names as its rule. */
export type TokenFailure = 'format' | 'signature' | 'payload';

export type TokenCheck<P extends TokenPurpose> = { ok: true; payload: TokenPayload<P> } | { ok: false; rule: TokenFailure };

/** A base64url segment: what Buffer.toString('base64url') writes, nothing else. */
const segmentPattern = /^[A-Za-z0-9_-]+$/;
/** Longer tokens are refused before any work: a long URL fits well within this. */
export const maxTokenLength = 8192;

/** Signs a payload for one purpose; the token is URL-safe as it is. */
export function createToken<P extends TokenPurpose>(purpose: P, payload: TokenPayload<P>, signingKey: Buffer): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${sign(signingKey, `${purposePrefix[purpose]}:${encoded}`)}`;
}

/**
 * Checks a token's shape, then its signature (constant time), then its payload, in that
 * order: nothing of an unsigned payload is parsed, so a forged token costs one HMAC.
 */
export function verifyToken<P extends TokenPurpose>(purpose: P, token: string, signingKey: Buffer): TokenCheck<P> {
  if (token.length > maxTokenLength) return { ok: false, rule: 'format' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, rule: 'format' };
  const [encoded, signature] = parts as [string, string];
  if (!segmentPattern.test(encoded) || !segmentPattern.test(signature)) return { ok: false, rule: 'format' };
  if (!isSignatureValid(signingKey, `${purposePrefix[purpose]}:${encoded}`, signature)) return { ok: false, rule: 'signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, rule: 'payload' };
  }
  const parsed = payloadSchemas[purpose].safeParse(json);
  // The cast names what safeParse proved: the schema of this purpose accepted the payload.
  return parsed.success ? { ok: true, payload: parsed.data as TokenPayload<P> } : { ok: false, rule: 'payload' };
}

/**
 * The unsubscribe link the worker hands templates as `{{ unsubscribeUrl }}`:
 * `<delivery id>.<HMAC of "unsubscribe:<delivery id>">` (engine/worker/render-message.ts).
 * Its payload is a bare number, never base64url JSON (which starts with `ey`), so the two
 * kinds of unsubscribe token cannot be mistaken for each other.
 */
export function verifyDeliveryUnsubscribeToken(token: string, signingKey: Buffer): { ok: true; deliveryId: number } | { ok: false; rule: TokenFailure } {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!match) return { ok: false, rule: 'format' };
  const deliveryId = Number(match[1]);
  if (!isSignatureValid(signingKey, `unsubscribe:${match[1]}`, match[2]!)) return { ok: false, rule: 'signature' };
  return deliveryId > 0 ? { ok: true, deliveryId } : { ok: false, rule: 'payload' };
}

/** Whom an unsubscribe link names: a recipient (and the delivery that carried the link), or only a delivery. */
export type UnsubscribeTarget = { recipientId: string; deliveryId: number | undefined } | { recipientId: undefined; deliveryId: number };

/** Reads either kind of unsubscribe token: Herald's signed JSON token, or the worker's delivery token. */
export function verifyUnsubscribeToken(token: string, signingKey: Buffer): { ok: true; target: UnsubscribeTarget } | { ok: false; rule: TokenFailure } {
  if (/^\d/.test(token)) {
    const check = verifyDeliveryUnsubscribeToken(token, signingKey);
    return check.ok ? { ok: true, target: { recipientId: undefined, deliveryId: check.deliveryId } } : check;
  }
  const check = verifyToken('unsubscribe', token, signingKey);
  return check.ok ? { ok: true, target: { recipientId: check.payload.r, deliveryId: check.payload.d } } : check;
}

/** What each refusal means, for the message beside the rule. */
export const tokenFailureMessage: Record<TokenFailure, string> = {
  format: 'is not a Herald tracking token',
  signature: 'was not signed by this Herald (tampered, or from another instance)',
  payload: 'is signed but does not hold what this link needs',
};
