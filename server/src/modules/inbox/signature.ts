/**
 * The inbox signature lets a host app embed one user's inbox without exposing an API token:
 * HMAC-SHA256 of `inbox:<externalId>` with the instance's signing key. The `inbox:` prefix
 * keeps it apart from the other things the same key signs (tracking and unsubscribe links),
 * so no signature made for one purpose opens something else.
 */
import { isSignatureValid, sign } from '../../lib/secrets.ts';

/** The signature that opens this externalId's inbox. */
export function inboxSignature(signingKey: Buffer, externalId: string): string {
  return sign(signingKey, `inbox:${externalId}`);
}

/** True when the signature opens this externalId's inbox (constant-time comparison). */
export function isInboxSignatureValid(signingKey: Buffer, externalId: string, signature: string): boolean {
  return isSignatureValid(signingKey, `inbox:${externalId}`, signature);
}
