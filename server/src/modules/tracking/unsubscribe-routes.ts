/**
 * Unsubscribing from a message's link. GET shows a confirmation page and changes nothing
 * (link scanners and previewers fetch every URL in a message); POST unsubscribes, from the
 * page's button or from a mail client's own button as RFC 8058 one-click
 * (`List-Unsubscribe=One-Click`, no cookies, no redirect).
 *
 * Two paths lead here: `/t/u/<token>`, the URL of the List-Unsubscribe header (a signed
 * recipient, tokens.ts), and `/u/<delivery>.<signature>`, the `{{ unsubscribeUrl }}` the
 * worker gives templates. Both go to the same pages and the same service function.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fieldError, notFound } from '../../lib/errors.ts';
import { firstValue } from './form-body.ts';
import { trackingPaths } from './paths.ts';
import { confirmPage, donePage, goneRecipientPage, invalidLinkPage, maskedAddress, sendPage, wantsHtml } from './pages.ts';
import { findUnsubscribePerson, unsubscribeRecipient } from './record-events.ts';
import { tokenFailureMessage, verifyUnsubscribeToken, type UnsubscribeTarget } from './tokens.ts';
import type { FormParams } from './twilio-signature.ts';

const tokenParams = z.object({ '*': z.string().describe('the signed unsubscribe token') });
const formSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const unsubscribedSchema = z.object({ status: z.literal('unsubscribed'), hasChanged: z.boolean().describe('false when the recipient was already unsubscribed') });
const htmlPage = z.string().describe('text/html page');
const tags = ['tracking'];

/** Confirmation page and unsubscribe action behind `/t/u/<token>` and the worker's `/u/<token>`. */
export const unsubscribeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database } = app.herald;
  const { signingKey } = app.herald.secrets;

  /** Whom the link names, or null when a reply was already sent: a page for browsers, JSON for programs. */
  async function targetOf(request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply): Promise<UnsubscribeTarget | null> {
    const check = verifyUnsubscribeToken(request.params['*'], signingKey);
    if (check.ok) return check.target;
    if (!wantsHtml(request)) throw fieldError('token', 'signature', tokenFailureMessage[check.rule]);
    await sendPage(reply, 400, invalidLinkPage('unsubscribe'));
    return null;
  }

  async function sendGone(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    if (!wantsHtml(request)) throw notFound('Recipient');
    return sendPage(reply, 404, goneRecipientPage());
  }

  for (const path of [trackingPaths.unsubscribe, trackingPaths.workerUnsubscribe]) {
    app.get(`${path}*`, {
      schema: {
        tags,
        summary: 'The unsubscribe confirmation page (changes nothing)',
        params: tokenParams,
        response: { 200: htmlPage },
      },
    }, async (request, reply) => {
      const target = await targetOf(request, reply);
      if (!target) return reply;
      const person = await findUnsubscribePerson(database, target);
      if (!person) return sendGone(request, reply);
      return sendPage(reply, 200, confirmPage(maskedAddress(person), person.unsubscribedAt !== null));
    });

    app.post(`${path}*`, {
      schema: {
        tags,
        summary: 'Unsubscribe: the page\'s button, or RFC 8058 one-click (`List-Unsubscribe=One-Click`)',
        description: 'Form-encoded or multipart. Answers an HTML page to browsers, JSON otherwise. Repeating it changes nothing.',
        params: tokenParams,
        consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
        body: z.union([formSchema, z.string()]).optional(),
        response: { 200: z.union([unsubscribedSchema, htmlPage]) },
      },
    }, async (request, reply) => {
      const target = await targetOf(request, reply);
      if (!target) return reply;
      const fields: FormParams | undefined = typeof request.body === 'object' ? request.body : undefined;
      const isOneClick = firstValue(fields, 'List-Unsubscribe') === 'One-Click';
      // Herald's own token travels only in emails (List-Unsubscribe); the worker's may be in any channel's content.
      const channel = target.recipientId === undefined ? null : 'email';
      const outcome = await unsubscribeRecipient(database, { target, method: isOneClick ? 'one-click' : 'page', channel });
      if (!outcome.person) return sendGone(request, reply);
      // A mail client's one-click POST reads only the status; a person's browser gets a page.
      if (!isOneClick && wantsHtml(request)) return sendPage(reply, 200, donePage(maskedAddress(outcome.person)));
      return { status: 'unsubscribed' as const, hasChanged: outcome.hasChanged };
    });
  }
};
