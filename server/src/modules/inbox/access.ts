/**
 * Who may open an inbox by externalId: a caller with the read permission (API token or
 * session), or anyone presenting that externalId's inbox signature. A signature that is
 * given must be right, whoever sends it.
 */
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { canRole } from '../auth/roles.ts';
import { isInboxSignatureValid } from './signature.ts';
import { findRecipientIdByExternalId } from './service.ts';

export type InboxAccess = { externalId: string; signature?: string | undefined };

function unauthenticated(message: string, field: string, rule: string): AppError {
  return new AppError('unauthenticated', message, { issues: [{ field, rule, message }] });
}

/** The id of the recipient whose inbox this request may open; throws 401/403/404 otherwise. */
export async function resolveInboxRecipient(db: Db, signingKey: Buffer, request: FastifyRequest, access: InboxAccess): Promise<string> {
  if (access.signature !== undefined) {
    if (!isInboxSignatureValid(signingKey, access.externalId, access.signature)) {
      throw unauthenticated('signature: does not match this externalId', 'signature', 'invalid_signature');
    }
  } else if (!request.caller) {
    throw unauthenticated('signature: is required without an API token or a session', 'signature', 'required');
  } else if (!canRole(request.caller.role, 'read')) {
    throw new AppError('forbidden', `Your role (${request.caller.role}) does not allow this: it needs the "read" permission`);
  }
  const recipientId = await findRecipientIdByExternalId(db, access.externalId);
  if (!recipientId) throw notFound('Recipient with externalId', access.externalId);
  return recipientId;
}
