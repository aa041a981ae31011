/**
 * The secret that signs Herald's outgoing webhooks, for admins: receivers need it to check
 * `X-Herald-Signature` (docs/channels.md). Shown to admins only, never cached; rotating it
 * reaches every worker within a minute (channels/webhook.ts), so receivers should accept the
 * old and the new secret for that minute.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { webhookSecretMaxAgeMs } from '../../channels/webhook.ts';
import { loadWebhookSecret, rotateWebhookSecret } from '../../channels/webhook-signature.ts';

const tags = ['webhooks'];

const signingSecretSchema = z.object({
  secret: z.string().describe('HMAC-SHA256 key: the whole text, as UTF-8'),
  signatureHeader: z.literal('X-Herald-Signature'),
  timestampHeader: z.literal('X-Herald-Timestamp'),
  scheme: z.string(),
});

function present(secret: string): z.infer<typeof signingSecretSchema> {
  return {
    secret,
    signatureHeader: 'X-Herald-Signature',
    timestampHeader: 'X-Herald-Timestamp',
    scheme: 'X-Herald-Signature = "sha256=" + hex(HMAC-SHA256(secret, X-Herald-Timestamp + "." + raw body))',
  };
}

/** `/api/outgoing-webhooks/…` */
export const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database } = app.herald;

  app.get('/signing-secret', {
    onRequest: app.authorize('admin'),
    schema: { tags, summary: 'The secret that signs outgoing webhooks (admins only)', response: { 200: signingSecretSchema } },
  }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return present(await loadWebhookSecret(database));
  });

  app.post('/signing-secret/rotate', {
    onRequest: app.authorize('admin'),
    schema: {
      tags,
      summary: 'Replace the webhook signing secret (admins only)',
      description: `Workers switch to the new secret within ${webhookSecretMaxAgeMs / 1000} s: let receivers accept both until then.`,
      response: { 200: signingSecretSchema },
    },
  }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return present(await rotateWebhookSecret(database));
  });
};
