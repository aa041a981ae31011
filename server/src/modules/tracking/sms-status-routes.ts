/**
 * SMS status callbacks, Twilio-compatible: the provider POSTs `MessageSid`, `MessageStatus`
 * and `ErrorCode` form-encoded, signed with `X-Twilio-Signature` (twilio-signature.ts) under
 * the account's auth token (SMS_AUTH_TOKEN). Unsigned or forged callbacks are refused before
 * anything is read from the body.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type FieldIssue } from '../../lib/errors.ts';
import { smsStatusPath } from './paths.ts';
import { applySmsStatus } from './record-events.ts';
import { smsStatusEffect } from './sms-status.ts';
import { isTwilioSignatureValid, type FormParams } from './twilio-signature.ts';

const signatureHeader = 'x-twilio-signature';

const callbackSchema = z.looseObject({
  MessageSid: z.string().min(1).max(200),
  MessageStatus: z.string().min(1).max(50),
  ErrorCode: z.string().max(20).optional(),
});

const resultSchema = z.object({
  deliveryId: z.number().int().nullable().describe('the delivery this message belongs to; null for a message Herald did not send'),
  event: z.enum(['delivered', 'bounced', 'failed']).nullable().describe('the event recorded; null when the status is not final or was already recorded'),
  isDeliveryFailed: z.boolean().describe('true when this callback turned a sent delivery into failed'),
});

/** `POST /t/sms/status`: the URL the SMS sender gives the provider as its status callback. */
export const smsStatusRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app.herald;

  app.post(smsStatusPath, {
    schema: {
      tags: ['tracking'],
      summary: 'SMS delivery status callback (Twilio-compatible, signed with X-Twilio-Signature)',
      description: 'Point the provider\'s status callback URL at `<HERALD_PUBLIC_URL>/t/sms/status` (the SMS sender does so on every message): the signature covers that exact URL. Needs SMS_AUTH_TOKEN.',
      security: [],
      consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
      body: callbackSchema,
      response: { 200: resultSchema },
    },
    // Before validation: an unsigned caller learns nothing, not even which fields are missing.
    preValidation: async (request) => {
      if (!config.smsAuthToken) throw new AppError('forbidden', 'SMS status callbacks are refused: SMS_AUTH_TOKEN is not set');
      const presented = request.headers[signatureHeader];
      if (typeof presented !== 'string' || presented === '') {
        throw signatureError('required', 'is required: the provider signs every callback');
      }
      const params = isFormParams(request.body) ? request.body : {};
      // The provider signed the URL it was given: Herald's public URL, not whatever Host a proxy forwarded.
      if (!isTwilioSignatureValid(config.smsAuthToken, `${config.publicUrl}${request.url}`, params, presented)) {
        throw signatureError('signature', 'does not match this URL and body under SMS_AUTH_TOKEN (forged, or signed with another token)');
      }
    },
  }, async (request) => {
    const { MessageSid: messageSid, MessageStatus: status, ErrorCode: errorCode } = request.body;
    const effect = smsStatusEffect(status, errorCode);
    if (effect.kind === 'ignore') return { deliveryId: null, event: null, isDeliveryFailed: false };
    const outcome = await applySmsStatus(app.herald.database, { messageSid, status, errorCode, effect });
    const event: 'delivered' | 'bounced' | 'failed' = effect.kind === 'delivered' ? 'delivered' : effect.eventType;
    return { deliveryId: outcome.deliveryId, event: outcome.isRecorded ? event : null, isDeliveryFailed: outcome.isMarkedFailed };
  });
};

function signatureError(rule: string, message: string): AppError {
  return new AppError('forbidden', `${signatureHeader}: ${message}`, { issues: [{ field: signatureHeader, rule, message }] satisfies FieldIssue[] });
}

function isFormParams(body: unknown): body is FormParams {
  if (typeof body !== 'object' || body === null) return false;
  return Object.values(body).every((value) => typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string')));
}
